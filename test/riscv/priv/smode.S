# S/U privilege transitions, delegation, CSR WARL/legality, Sv39 page faults (every kind),
# superpages, A/D (Svade: page faults, never hardware-updated), MXR/SUM, TLB staleness and
# sfence.vma operand semantics (global entries survive ASID fences), interrupts (vectored).
  .include "penv.S"


  # ---- 1: M -> S, ecall from S (cause 9) to M
  TEST 1
  ENTER 1, 0, L_s1
L_s1:
  csrr  t0, sstatus
  TRAP_EXPECT L_r1
L_e1:
  ecall
  j     fail
L_r1:
  TRAP_CHECK_CAUSE 9, L_e1

  # ---- 2: an M CSR from S is illegal; mret from S is illegal
  TEST 2
  ENTER 1, 0, L_s2
L_s2:
  TRAP_EXPECT L_s2b
L_i2:
  csrr  t0, mstatus
  j     fail
L_s2b:
  TRAP_CHECK_CAUSE 2, L_i2
  EXPECT s10, 0x300022f3
  ENTER 1, 0, L_s2c
L_s2c:
  TRAP_EXPECT L_r2
L_i2b:
  mret
L_r2:
  TRAP_CHECK_CAUSE 2, L_i2b

  # ---- 3: medeleg: ecall from U goes to S (cause 8), S returns, ecall from S to M
  TEST 3
  li    t0, 1 << 8
  csrw  medeleg, t0
  ENTER 0, 0, L_u3
L_u3:
  TRAP_EXPECT L_s3
L_e3:
  ecall
  j     fail
L_s3:
  TRAP_CHECK_CAUSE 8, L_e3
  csrr  t0, sstatus            # legal: we are back in S
  TO_M  L_r3
L_r3:
  csrw  medeleg, zero

  # ---- 4: TSR, TVM, TW make sret / satp / sfence.vma / wfi illegal in S
  TEST 4
  li    t0, (1 << 22) | (1 << 20) | (1 << 21)
  csrs  mstatus, t0
  ENTER 1, 0, L_s4
L_s4:
  TRAP_EXPECT L_s4b
L_i4a:
  sret
L_s4b:
  TRAP_CHECK_CAUSE 2, L_i4a
  ENTER 1, 0, L_s4c
L_s4c:
  TRAP_EXPECT L_s4d
L_i4b:
  csrr  t0, satp
L_s4d:
  TRAP_CHECK_CAUSE 2, L_i4b
  ENTER 1, 0, L_s4e
L_s4e:
  TRAP_EXPECT L_s4f
L_i4c:
  sfence.vma
L_s4f:
  TRAP_CHECK_CAUSE 2, L_i4c
  ENTER 1, 0, L_s4g
L_s4g:
  TRAP_EXPECT L_s4h
L_i4d:
  wfi
L_s4h:
  TRAP_CHECK_CAUSE 2, L_i4d
  li    t0, (1 << 22) | (1 << 20) | (1 << 21)
  csrc  mstatus, t0

  # ---- 5: WARL
  TEST 5
  li    t0, 1
  slli  t0, t0, 63            # satp MODE=8? no: bit 63 alone is mode 8 (Sv39)
  csrw  satp, zero
  li    t0, 1
  slli  t0, t0, 60            # MODE=1: unsupported -> write ignored
  ori   t0, t0, 5
  csrw  satp, t0
  csrr  t1, satp
  EXPECT t1, 0
  li    t0, -1
  csrw  medeleg, t0
  csrr  t1, medeleg
  EXPECT t1, 0xf0b7ff            # all but 11 (ecall from M), 14, 16-19; 10 = ecall from VS
  csrw  medeleg, zero
  csrw  mideleg, zero
  csrr  t1, mideleg
  EXPECT t1, 0x1444
  li    t0, 0x1800
  csrc  mstatus, t0
  li    t0, 0x1000            # MPP=2 reserved: keeps U
  csrs  mstatus, t0
  csrr  t1, mstatus
  srli  t1, t1, 11
  andi  t1, t1, 3
  EXPECT t1, 0
  csrr  t1, misa
  li    t2, (1 << 18) | (1 << 20) | (1 << 7)
  and   t1, t1, t2
  EXPECT_EQ t1, t2
  csrr  t1, mstatus
  srli  t1, t1, 32
  EXPECT t1, 0xa              # UXL = SXL = 2

  # ---- 6: Sv39
  TEST 6
  la    t0, pt_root
  la    t1, pt_l1
  srli  t1, t1, 12
  slli  t1, t1, 10
  ori   t1, t1, 1
  sd    t1, 8(t0)             # root[1] -> l1 (VA 0x40000000..)
  li    t1, (0x80000 << 10) | 0xcf
  sd    t1, 16(t0)            # root[2]: identity gigapage RWXAD for RAM
  li    t1, (0x80200 << 10) | 0xc3
  sd    t1, 24(t0)            # root[3]: gigapage with a misaligned PPN
  la    t0, pt_l1
  la    t1, pt_l0
  srli  t1, t1, 12
  slli  t1, t1, 10
  ori   t1, t1, 1
  sd    t1, 0(t0)
  la    t0, pt_l0
  la    a1, page_a
  srli  a1, a1, 12
  slli  a1, a1, 10            # a1 = PTE PPN field of page_a
  ori   t1, a1, 0xc7          # 0: RW AD
  sd    t1, 0(t0)
  ori   t1, a1, 0x43          # 1: R A (read-only)
  sd    t1, 8(t0)
  ori   t1, a1, 0x49          # 3: X A (execute-only)
  sd    t1, 24(t0)
  ori   t1, a1, 0xd7          # 4: U RW AD
  sd    t1, 32(t0)
  ori   t1, a1, 0x47          # 5: RW A, D = 0
  sd    t1, 40(t0)
  ori   t1, a1, 0x8f          # 6: RWX D, A = 0
  sd    t1, 48(t0)
  ori   t1, a1, 0xe7          # 7: RW AD global
  sd    t1, 56(t0)
  la    t0, pt_root
  srli  t0, t0, 12
  li    t1, 8
  slli  t1, t1, 60
  or    t0, t0, t1
  li    t1, 1
  slli  t1, t1, 44            # ASID 1
  or    t0, t0, t1
  csrw  satp, t0
  li    t0, (1 << 12) | (1 << 13) | (1 << 15)
  csrw  medeleg, t0
  ENTER 1, 0, L_s6
L_s6:
  li    s0, 0x40000000
  ld    t0, 0(s0)
  EXPECT t0, 0x1111
  TRAP_EXPECT L_s6b             # store to a read-only page
  li    s2, 0x40001000
L_i6b:
  sd    t0, 0(s2)
  j     fail
L_s6b:
  TRAP_CHECK_CAUSE 15, L_i6b
  li    t1, 0x40001000
  EXPECT_EQ s10, t1
  TRAP_EXPECT L_s6c             # invalid PTE
  li    s2, 0x40002000
L_i6c:
  ld    t0, 0(s2)
  j     fail
L_s6c:
  TRAP_CHECK_CAUSE 13, L_i6c
  TRAP_EXPECT L_s6d             # execute-only without MXR
  li    s2, 0x40003000
L_i6d:
  ld    t0, 0(s2)
  j     fail
L_s6d:
  TRAP_CHECK_CAUSE 13, L_i6d
  li    t1, 1 << 19
  csrs  sstatus, t1
  li    s2, 0x40003000
  ld    t0, 0(s2)         # MXR: readable
  EXPECT t0, 0x1111
  csrc  sstatus, t1
  li    s1, 0x40004000
  TRAP_EXPECT L_s6e             # U page from S without SUM
L_i6e:
  ld    t0, 0(s1)
  j     fail
L_s6e:
  TRAP_CHECK_CAUSE 13, L_i6e
  li    t1, 1 << 18
  csrs  sstatus, t1
  ld    t0, 0(s1)             # SUM: readable
  EXPECT t0, 0x1111
  TRAP_EXPECT L_s6f             # S never executes a U page, even with SUM
  jalr  s1
  j     fail
L_s6f:
  EXPECT s8, 12
  EXPECT_EQ s9, s1
  li    t1, 1 << 18
  csrc  sstatus, t1
  li    s1, 0x40005000
  ld    t0, 0(s1)             # D = 0: loads work
  TRAP_EXPECT L_s6g
L_i6g:
  sd    t0, 0(s1)             # ... stores fault (Svade), the PTE is not updated
  j     fail
L_s6g:
  TRAP_CHECK_CAUSE 15, L_i6g
  la    t1, pt_l0
  ld    t1, 40(t1)
  andi  t1, t1, 0x80
  EXPECT t1, 0
  TRAP_EXPECT L_s6h             # A = 0
  li    s2, 0x40006000
L_i6h:
  ld    t0, 0(s2)
  j     fail
L_s6h:
  TRAP_CHECK_CAUSE 13, L_i6h
  li    s1, 1
  slli  s1, s1, 38            # 0x4000000000: bit 38 set, bits 63..39 clear: not canonical
  TRAP_EXPECT L_s6i
L_i6i:
  ld    t0, 0(s1)
  j     fail
L_s6i:
  TRAP_CHECK_CAUSE 13, L_i6i
  EXPECT_EQ s10, s1
  li    s1, 0xc0000000        # misaligned gigapage
  TRAP_EXPECT L_s6j
L_i6j:
  lw    t0, 0(s1)
  j     fail
L_s6j:
  TRAP_CHECK_CAUSE 13, L_i6j

  # ---- 7: a stale TLB entry is used until sfence.vma
  TEST 7
  la    t2, pt_l0
  la    a2, page_b
  srli  a2, a2, 12
  slli  a2, a2, 10
  ori   t1, a2, 0xc7
  sd    t1, 0(t2)             # VA 0x40000000 now -> page_b, no fence
  ld    t0, 0(s0)
  EXPECT t0, 0x1111           # old mapping still in the TLB
  sfence.vma s0, zero
  ld    t0, 0(s0)
  EXPECT t0, 0x2222

  # ---- 8: global entries survive an ASID-specific fence
  TEST 8
  li    s1, 0x40007000
  ld    t0, 0(s1)
  EXPECT t0, 0x1111
  ori   t1, a2, 0xe7
  sd    t1, 56(t2)            # global PTE -> page_b
  li    t3, 1
  sfence.vma zero, t3         # ASID 1: global entry stays
  ld    t0, 0(s1)
  EXPECT t0, 0x1111
  sfence.vma zero, zero
  ld    t0, 0(s1)
  EXPECT t0, 0x2222
  TO_M  L_r8
L_r8:
  csrw  medeleg, zero

  # ---- 9: interrupts: delegated SSI taken right after the enabling instruction, vectored stvec;
  #         a non-delegated STI set by M is taken on entry to S
  TEST 9
  li    t0, 2
  csrw  mideleg, t0
  csrw  mie, t0
  la    t0, svec
  ori   t0, t0, 1
  csrw  stvec, t0
  li    t0, 2                 # sstatus.SIE
  csrs  mstatus, t0
  ENTER 1, 0, L_s9
L_s9:
  TRAP_EXPECT L_r9
  csrsi sip, 2
L_n9:
  j     fail
L_r9:
  li    t1, 1
  slli  t1, t1, 63
  ori   t1, t1, 1
  EXPECT_EQ s8, t1
  la    t1, L_n9
  EXPECT_EQ s9, t1
  TO_M  L_r9b
L_r9b:
  la    t0, strap
  csrw  stvec, t0
  csrw  mideleg, zero
  csrci mstatus, 8            # MIE = 0: an M-level interrupt is not taken in M
  li    t0, 0x20
  csrw  mie, t0
  csrs  mip, t0               # STIP pending, not delegated
  nop
  TRAP_EXPECT L_r9c
  ENTER 1, 0, L_s9c
L_s9c:
  j     fail
L_r9c:
  li    t1, 1
  slli  t1, t1, 63
  ori   t1, t1, 5
  EXPECT_EQ s8, t1
  la    t1, L_s9c
  EXPECT_EQ s9, t1
  csrw  mie, zero

  # ---- 10: counters: mcounteren clear -> rdcycle illegal in S
  TEST 10
  csrw  mcounteren, zero
  ENTER 1, 0, L_s10
L_s10:
  TRAP_EXPECT L_r10
L_i10:
  rdcycle t0
  j     fail
L_r10:
  TRAP_CHECK_CAUSE 2, L_i10
  li    t0, 7
  csrw  mcounteren, t0
  ENTER 1, 0, L_s10b
L_s10b:
  rdtime t0
  TO_M  L_r10b
L_r10b:

  j     pass

  .align 6
svec:
  j     fail
  j     strap
  j     fail

  .section .tohost, "aw", @progbits
  .align 6
  .globl tohost
tohost: .dword 0
  .align 6
  .globl fromhost
fromhost: .dword 0

  .section .data
  .align 12
pt_root: .zero 4096
pt_l1: .zero 4096
pt_l0: .zero 4096
page_a: .dword 0x1111
  .align 12
page_b: .dword 0x2222
  .align 12
tinfo: .zero 64
