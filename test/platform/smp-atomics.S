# 4 harts increment shared counters with LR/SC loops and with amoadd; a tiny quantum switches
# harts between LR and SC. Hart 0 checks the totals.
#include "env.S"
#define N 500
main:
secondary:
  la s0, counters
  li s1, N
1: lr.d t0, (s0)
  addi t0, t0, 1
  sc.d t1, t0, (s0)
  bnez t1, 1b
  li t2, 1
  addi t3, s0, 8
  amoadd.d zero, t2, (t3)
  addi s1, s1, -1
  bnez s1, 1b
  li t2, 1
  addi t3, s0, 16
  amoadd.w zero, t2, (t3)     # one more hart done
  csrr t0, mhartid
  bnez t0, park
2: lw t0, 16(s0)
  li t1, 4
  bne t0, t1, 2b
  li gp, 1
  ld t0, 0(s0)
  EXPECT t0, 4 * N
  li gp, 2
  ld t0, 8(s0)
  EXPECT t0, 4 * N
  j pass
park:
  wfi
  j park

  .section .data
  .align 3
counters: .dword 0, 0, 0
