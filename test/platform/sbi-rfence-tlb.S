# SBI remote_sfence_vma really removes a stale TLB entry on another hart: hart 1 translates VA
# through Sv39 and caches the translation; hart 0 remaps VA to another page without a fence,
# hart 1 still reads the old page (the modelled TLB keeps the stale entry); after hart 0's
# remote_sfence_vma for that page, hart 1 reads the new one. S mode, firmware 'sbi', 2 harts.
#include "env.S"
#define VA 0x40000000
main:
  la t0, root
  li t3, (0x80000 << 10) | 0xcf    # root[2]: 1 GiB identity page at 0x80000000, RWX A D
  sd t3, 16(t0)
  la t1, l1
  srli t3, t1, 12
  slli t3, t3, 10
  ori t3, t3, 1
  sd t3, 8(t0)              # root[1] -> l1 (VA 0x40000000..)
  la t2, l0
  srli t3, t2, 12
  slli t3, t3, 10
  ori t3, t3, 1
  sd t3, 0(t1)              # l1[0] -> l0
  la t4, pageA
  srli t4, t4, 12
  slli t4, t4, 10
  ori t4, t4, 0xc7          # RW A D V
  sd t4, 0(t2)              # l0[0] -> pageA
  fence
  li a0, 1
  la a1, secondary_s
  li a2, 0
  SBI SBI_HSM, 0
  la s0, flags
1: ld t0, 0(s0)
  beqz t0, 1b               # hart 1 has read VA once
  la t2, l0
  la t4, pageB
  srli t4, t4, 12
  slli t4, t4, 10
  ori t4, t4, 0xc7
  sd t4, 0(t2)              # l0[0] -> pageB, no fence
  li t0, 1
  sd t0, 8(s0)
2: ld t0, 16(s0)
  beqz t0, 2b
  ld t1, 24(s0)
  li gp, 1
  EXPECT t1, 0x1111         # stale translation still used
  li a0, 2
  li a1, 0
  li a2, VA
  li a3, 4096
  SBI SBI_RFENCE, 1         # remote_sfence_vma(hart 1, VA, one page)
  li gp, 2
  EXPECT a0, 0
  li t0, 1
  sd t0, 32(s0)
3: ld t0, 40(s0)
  beqz t0, 3b
  ld t1, 48(s0)
  li gp, 3
  EXPECT t1, 0x2222         # the fence reached hart 1
  j pass

secondary_s:
  la t0, root
  srli t0, t0, 12
  li t1, 8 << 60            # Sv39
  or t0, t0, t1
  csrw satp, t0
  sfence.vma
  li s1, VA
  ld t2, 0(s1)
  la s0, flags
  li t0, 1
  sd t0, 0(s0)
1: ld t0, 8(s0)
  beqz t0, 1b
  ld t2, 0(s1)
  sd t2, 24(s0)
  li t0, 1
  sd t0, 16(s0)
2: ld t0, 32(s0)
  beqz t0, 2b
  ld t2, 0(s1)
  sd t2, 48(s0)
  li t0, 1
  sd t0, 40(s0)
3: wfi
  j 3b

  .section .data
  .align 12
root: .zero 4096
l1: .zero 4096
l0: .zero 4096
pageA: .dword 0x1111
  .align 12
pageB: .dword 0x2222
  .align 12
flags: .zero 64
