# wfi with interrupts globally disabled: time jumps to the timer compare; nothing spins.
#include "env.S"
secondary:
  wfi
  j secondary
main:
  li s0, CLINT_MTIME
  ld s1, 0(s0)
  li t0, 100000
  add s1, s1, t0           # 100000 ticks = 10 ms of virtual time
  li s2, CLINT_MTIMECMP
  sd s1, 0(s2)
  li t0, 0x80
  csrs mie, t0             # MTIE, but mstatus.MIE = 0: wfi wakes, no trap
  csrr s6, minstret
  wfi
  csrr s7, minstret
  ld s3, 0(s0)
  li gp, 1
  bltu s3, s1, fail
  li gp, 2
  csrr t0, mip
  andi t0, t0, 0x80
  beqz t0, fail
#ifndef QEMU
  li gp, 3
  sub t0, s7, s6
  li t1, 5
  bgeu t0, t1, fail        # only wfi retired in between (QEMU's minstret is not an instruction count)
#endif
  j pass
