# Software interrupts between 2 harts through the CLINT msip registers (M mode).
#include "env.S"
main:
  la s0, counter
  li s1, CLINT
1: lw t0, 8(s0)            # wait until hart 1 is ready
  beqz t0, 1b
  li s2, 0
2: li t0, 1
  sw t0, 4(s1)             # msip[1] = 1
  addi s2, s2, 1
3: lw t0, 0(s0)
  bne t0, s2, 3b           # hart 1's handler counted it
  li t0, 3
  bne s2, t0, 2b
  li gp, 1
  lw t0, 0(s0)
  EXPECT t0, 3
  j pass

secondary:
  la t0, handler
  csrw mtvec, t0
  li t0, 8
  csrs mie, t0             # MSIE
  csrsi mstatus, 8
  la s0, counter
  li t0, 1
  sw t0, 8(s0)
1: wfi
  j 1b

  .align 2
handler:
  li t0, CLINT
  sw zero, 4(t0)           # clear msip[1]
  li t1, 1
  amoadd.w zero, t1, (s0)
  mret

  .section .data
  .align 3
counter: .word 0, 0, 0
