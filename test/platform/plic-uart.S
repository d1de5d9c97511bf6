# UART RX interrupt through the PLIC (source 10, hart 0 M context): the handler claims, drains
# the receiver and completes; the program echoes what it got.
#include "env.S"
secondary:
  wfi
  j secondary
main:
  la t0, handler
  csrw mtvec, t0
  li s0, PLIC
  li t0, 1
  sw t0, 40(s0)            # priority[10] = 1
  li t0, 0x400
  li t1, PLIC + 0x2000
  sw t0, 0(t1)             # context 0 (hart 0 M) enables source 10
  li t1, PLIC + 0x200000
  sw zero, 0(t1)           # threshold 0
  li s1, UART
  li t0, 1
  sb t0, 1(s1)             # IER.ERBFI
  la s2, buf
  li s3, 0                 # bytes received
  li s4, 0                 # interrupts taken
  li t0, 0x800
  csrs mie, t0             # MEIE
  csrsi mstatus, 8         # the interrupt is pending already: taken here
1: li t0, 3
  bgeu s3, t0, 2f
  wfi
  j 1b
2:
#ifndef QEMU
  li gp, 1
  EXPECT s4, 1             # the whole input arrived at once: one interrupt (QEMU: as the host sends it)
#endif
  li gp, 2
  li t1, PLIC + 0x1000
  lw t0, 0(t1)
  andi t0, t0, 0x400
  bnez t0, fail            # nothing pending any more
  la s2, buf
3: lbu t0, 0(s2)
  beqz t0, pass
  sb t0, 0(s1)
  addi s2, s2, 1
  j 3b

  .align 2
handler:
  li t1, PLIC + 0x200004
  lw t2, 0(t1)             # claim
  li gp, 10
  li t0, 10
  bne t2, t0, fail
4: lbu t0, 5(s1)
  andi t0, t0, 1
  beqz t0, 5f
  lbu t0, 0(s1)
  add t3, s2, s3
  sb t0, 0(t3)
  addi s3, s3, 1
  j 4b
5: sw t2, 0(t1)            # complete
  addi s4, s4, 1
  mret

  .section .data
buf: .zero 16
