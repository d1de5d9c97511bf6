# SBI IPI: hart 0 starts hart 1, which sleeps in a retentive hart_suspend with SSIE set; every
# send_ipi wakes it, its handler counts and clears SSIP. Mask/base forms and errors.
# S mode, firmware 'sbi', 2 harts.
#include "env.S"
main:
  la s0, shared
  li a0, 1
  la a1, secondary_s
  li a2, 0
  SBI SBI_HSM, 0
  li s2, 0
1: li a0, 1                 # wait until hart 1 is SUSPENDED
  SBI SBI_HSM, 2
  li t0, 4
  bne a1, t0, 1b
  li gp, 1
  li a0, 2                  # mask 0b10, base 0
  li a1, 0
  SBI SBI_IPI, 0
  EXPECT a0, 0
  addi s2, s2, 1
2: lw t0, 0(s0)
  bne t0, s2, 2b
  li gp, 2
  li a0, 1                  # mask 0b1, base 1: hart 1 again
  li a1, 1
  SBI SBI_IPI, 0
  EXPECT a0, 0
  addi s2, s2, 1
3: lw t0, 0(s0)
  bne t0, s2, 3b
  li gp, 3
  li a0, 1
  li a1, 5                  # hart 5 does not exist
  SBI SBI_IPI, 0
  EXPECT a0, -3
  li gp, 4
  li a0, 0
  li a1, -1                 # base -1: every hart, including this one (SSIE off here: stays pending)
  SBI SBI_IPI, 0
  EXPECT a0, 0
  addi s2, s2, 1
4: lw t0, 0(s0)
  bne t0, s2, 4b
  csrr t0, sip
  andi t0, t0, 2
  li gp, 5
  beqz t0, fail             # our own SSIP is pending
  j pass

secondary_s:
  la t0, handler
  csrw stvec, t0
  li t0, 2
  csrs sie, t0              # SSIE
  csrsi sstatus, 2
  la s0, shared
1: li a0, 0                 # retentive suspend until an interrupt
  li a1, 0
  li a2, 0
  SBI SBI_HSM, 3
  j 1b

  .align 2
handler:
  li t0, 2
  csrc sip, t0
  li t1, 1
  amoadd.w zero, t1, (s0)
  sret

  .section .data
  .align 3
shared: .word 0
