# SBI Base, DBCN, legacy console and error codes, from S mode (firmware 'sbi', 2 harts, input "xy").
#include "env.S"
main:
  li gp, 1
  EXPECT a0, 0              # a0 = hartid
  EXPECT a1, 0              # a1 = 0 (no device tree)
  li gp, 2
  SBI SBI_BASE, 0
  EXPECT a0, 0
  EXPECT a1, 0x2000000      # spec version 2.0
  li gp, 3
  li a0, SBI_TIME
  SBI SBI_BASE, 3
  EXPECT a0, 0
  EXPECT a1, 1
  li gp, 4
  li a0, 0x12345678
  SBI SBI_BASE, 3
  EXPECT a1, 0
  li gp, 5
  SBI 0x12345678, 0
  EXPECT a0, -2             # SBI_ERR_NOT_SUPPORTED
  SBI SBI_BASE, 99
  EXPECT a0, -2
  li gp, 6
  SBI SBI_BASE, 1
  EXPECT a1, 0x484c
  SBI SBI_BASE, 4
  EXPECT a0, 0
  li gp, 7
  li a0, 0
  SBI SBI_HSM, 2
  EXPECT a1, 0              # hart 0 STARTED
  li a0, 1
  SBI SBI_HSM, 2
  EXPECT a1, 1              # hart 1 STOPPED
  li a0, 9
  SBI SBI_HSM, 2
  EXPECT a0, -3             # no hart 9: SBI_ERR_INVALID_PARAM
  li gp, 8
  li a0, 9
  la a1, msg
  li a2, 0
  SBI SBI_DBCN, 0
  EXPECT a0, 0
  EXPECT a1, 9
  li gp, 9
  li a0, '!'
  SBI SBI_DBCN, 2
  EXPECT a0, 0
  li a0, '\n'
  li a7, 1                  # legacy putchar
  ecall
  EXPECT a0, 0
  li gp, 10
  li a0, 8
  la a1, buf
  li a2, 0
  SBI SBI_DBCN, 1
  EXPECT a0, 0
  EXPECT a1, 2
  la t0, buf
  lbu t1, 0(t0)
  EXPECT t1, 'x'
  lbu t1, 1(t0)
  EXPECT t1, 'y'
  li gp, 11
  li a7, 2                  # legacy getchar: nothing left
  ecall
  EXPECT a0, -1
  li gp, 12
  li a0, 1
  li a1, 0x1000             # not RAM
  li a2, 0
  SBI SBI_DBCN, 0
  EXPECT a0, -3
  li a0, 5                  # reserved reset type
  li a1, 0
  SBI SBI_SRST, 0
  EXPECT a0, -3
  li gp, 13
  rdtime t0                 # S mode may read time (mcounteren.TM)
  rdtime t1
  bltu t1, t0, fail
  j pass

  .section .data
msg: .ascii "hello sbi"
buf: .zero 8
