# HyperLab privileged-architecture test environment (same conventions as test/riscv/isa/env.S).
# Trap handlers for M, HS and VS: a test that expects a trap loads the resume address into s11
# (TRAP_EXPECT); the handler of the mode that takes the trap saves xcause in s8, xepc in s9,
# xtval in s10, (mtval2|htval, mtinst|htinst, mstatus|hstatus) in tinfo[0..2], clears s11 and
# resumes at the saved address in its own mode. Any other trap fails the current test.
# Page tables must map tohost for PASS/FAIL from paged modes.

  .section .text.init, "ax", @progbits
  .globl _start
_start:
  csrr  t0, mhartid
  bnez  t0, park
  la    t0, mtrap
  csrw  mtvec, t0
  la    t0, strap
  csrw  stvec, t0
  la    t0, vstrap
  csrw  vstvec, t0
  li    t0, -1
  csrw  pmpaddr0, t0
  li    t0, 0x1f
  csrw  pmpcfg0, t0
  li    gp, 0
  li    s11, 0
  j     test_begin

  .align 2
mtrap:
  bnez  s11, 1f
  bnez  gp, fail
  li    gp, 1023
  j     fail
1:
  csrr  s8, mcause
  csrr  s9, mepc
  csrr  s10, mtval
  la    t5, tinfo
  csrr  t6, mtval2
  sd    t6, 0(t5)
  csrr  t6, mtinst
  sd    t6, 8(t5)
  csrr  t6, mstatus
  sd    t6, 16(t5)
  li    t6, 0x22
  csrc  mip, t6
  li    t6, 0x1800
  csrs  mstatus, t6
  li    t6, 1
  slli  t6, t6, 39
  csrc  mstatus, t6
  csrw  mepc, s11
  li    s11, 0
  mret

  .align 2
strap:
  bnez  s11, 1f
  bnez  gp, fail
  li    gp, 1022
  j     fail
1:
  csrr  s8, scause
  csrr  s9, sepc
  csrr  s10, stval
  la    t5, tinfo
  csrr  t6, htval
  sd    t6, 0(t5)
  csrr  t6, htinst
  sd    t6, 8(t5)
  csrr  t6, hstatus
  sd    t6, 16(t5)
  csrci sip, 2
  li    t6, 0x100
  csrs  sstatus, t6
  li    t6, 0x80
  csrc  hstatus, t6
  csrw  sepc, s11
  li    s11, 0
  sret

  .align 2
vstrap:
  bnez  s11, 1f
  bnez  gp, fail
  li    gp, 1021
  j     fail
1:
  csrr  s8, scause
  csrr  s9, sepc
  csrr  s10, stval
  li    t6, 0x100
  csrs  sstatus, t6
  csrw  sepc, s11
  li    s11, 0
  sret

fail:
  bnez  gp, 2f
  li    gp, 1023
2:
  slli  a0, gp, 1
  ori   a0, a0, 1
  j     write_tohost
pass:
  li    a0, 1
write_tohost:
  la    t0, tohost
  sd    a0, 0(t0)
park:
  j     park

# Leave M-mode for mode MPP (0 U, 1 S) with MPV (0/1) at label.
.macro ENTER mpp, mpv, label
  li    t0, 0x1800
  csrc  mstatus, t0
  li    t0, (\mpp) << 11
  csrs  mstatus, t0
  li    t0, 1
  slli  t0, t0, 39
  csrc  mstatus, t0
  li    t1, \mpv
  slli  t0, t1, 39
  csrs  mstatus, t0
  la    t0, \label
  csrw  mepc, t0
  mret
.endm

.macro TEST n
  li    gp, \n
.endm

.macro EXPECT reg, val
  li    t6, \val
  beq   \reg, t6, 1f
  j     fail
1:
.endm

.macro EXPECT_EQ a, b
  beq   \a, \b, 1f
  j     fail
1:
.endm

.macro TRAP_EXPECT label
  la    s11, \label
.endm

.macro TRAP_CHECK_CAUSE cause, epc
  EXPECT s8, \cause
  la    t5, \epc
  EXPECT_EQ s9, t5
.endm

# Back to M-mode (from any mode whose ecall is not delegated), continuing at label.
.macro TO_M label
  TRAP_EXPECT \label
  ecall
  j     fail
.endm

test_begin:
