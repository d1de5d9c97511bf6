# M-mode timer interrupt from the CLINT: the handler runs once, at or after mtimecmp.
#include "env.S"
secondary:
  wfi
  j secondary
main:
  la t0, handler
  csrw mtvec, t0
  li s0, CLINT_MTIME
  ld s1, 0(s0)
  addi s1, s1, 50          # deadline: 50 ticks from now
  li s2, CLINT_MTIMECMP
  sd s1, 0(s2)
  li t0, 0x80
  csrs mie, t0
  csrsi mstatus, 8
  li s3, 0                 # loop counter
  li s4, 0                 # set by the handler
1: addi s3, s3, 1
  beqz s4, 1b
  li gp, 1
  EXPECT s4, 1
  li gp, 2
  bltu s5, s1, fail        # mtime in the handler >= deadline
#ifndef QEMU
  li gp, 3
  addi t0, s1, 2
  bgeu s5, t0, fail        # ... and taken within a tick or two of it (exact event; QEMU runs in real time)
#endif
  li gp, 4
  li t0, 1000
  bltu s3, t0, fail        # the loop really ran meanwhile
  j pass

  .align 2
handler:
  csrr t0, mcause
  li gp, 10
  li t1, 0x8000000000000007
  bne t0, t1, fail
  ld s5, 0(s0)
  li t0, -1
  sd t0, 0(s2)             # no further timer interrupt
  addi s4, s4, 1
  mret
