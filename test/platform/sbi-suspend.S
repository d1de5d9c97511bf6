# SBI HSM hart_suspend, non-retentive: hart 1 suspends with a resume address and opaque value;
# an IPI wakes it and it restarts at the resume address in S mode with a0 = hartid, a1 = opaque
# and sstatus.SIE = 0. S mode, firmware 'sbi', 2 harts.
#include "env.S"
main:
  la s0, flags
  li a0, 1
  la a1, secondary_s
  li a2, 0
  SBI SBI_HSM, 0
1: li a0, 1                 # wait until hart 1 is SUSPENDED
  SBI SBI_HSM, 2
  li t0, 4
  bne a1, t0, 1b
  li gp, 1
  ld t0, 0(s0)
  EXPECT t0, 0              # it has not resumed
  li a0, 2
  li a1, 0
  SBI SBI_IPI, 0
2: ld t0, 0(s0)
  beqz t0, 2b
  li gp, 2
  EXPECT t0, 0x1077         # hartid 1, opaque 0x77, SIE clear (0x1000 marks the resume path)
  j pass

secondary_s:
  li t0, 2
  csrs sie, t0              # SSIE: the IPI can wake the suspended hart
  csrsi sstatus, 2
  li a0, 0x80000000         # default non-retentive suspend
  la a1, resume
  li a2, 0x77
  SBI SBI_HSM, 3
  li gp, 20                 # a non-retentive suspend does not return
  j fail

resume:
  csrr t0, sstatus
  andi t0, t0, 2
  li gp, 21
  bnez t0, fail
  slli t0, a0, 12
  add t0, t0, a1
  la t1, flags
  sd t0, 0(t1)
  SBI SBI_HSM, 1

  .section .data
  .align 3
flags: .dword 0
