# SBI TIME: set_timer raises STIP at the deadline; a new deadline clears it. Then wfi waits for
# the next one (virtual time jumps). S mode, firmware 'sbi'.
#include "env.S"
main:
  la t0, handler
  csrw stvec, t0
  li t0, 0x20
  csrs sie, t0              # STIE
  csrsi sstatus, 2          # SIE
  li s4, 0
  rdtime s1
  addi s1, s1, 100
  mv a0, s1
  SBI SBI_TIME, 0
  li gp, 1
  EXPECT a0, 0
  li s3, 0
1: addi s3, s3, 1
  beqz s4, 1b
  li gp, 2
  bltu s5, s1, fail         # taken at or after the deadline
  addi t0, s1, 2
  bgeu s5, t0, fail         # ... and promptly
  li gp, 3
  rdtime s1
  li t0, 1000000            # 100 ms of virtual time
  add s1, s1, t0
  mv a0, s1
  SBI SBI_TIME, 0
2: wfi
  li t0, 2
  bne s4, t0, 2b
  li gp, 4
  bltu s5, s1, fail
  j pass

  .align 2
handler:
  csrr t0, scause
  li t1, 0x8000000000000005
  li gp, 10
  bne t0, t1, fail
  rdtime s5
  li a0, -1
  SBI SBI_TIME, 0           # far future: STIP clears
  csrr t0, sip
  andi t0, t0, 0x20
  li gp, 11
  bnez t0, fail
  addi s4, s4, 1
  sret
