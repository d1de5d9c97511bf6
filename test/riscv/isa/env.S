# HyperLab self-checking ISA test environment (riscv-tests style, written for HyperLab).
#
# Include first in every test program, then write the test code (it continues in .text.init
# right after the set-up below) and end it with TEST_PASSFAIL and TEST_DATA_BEGIN/TEST_DATA_END.
#
# Exit protocol: store 1 to `tohost` for pass, (n<<1)|1 for failure of test number n (held in gp).
# Built with QEMU defined, the program also stops QEMU's virt machine through the SiFive test
# device at 0x100000: 0x5555 = pass, (n<<16)|0x3333 = fail with exit code n.
#
# Traps: mtvec points at trap_vector. A test that expects a trap loads the address to resume at
# into s11 (TRAP_EXPECT); the handler then saves mcause in s8, mepc in s9 and mtval in s10,
# clears s11 and resumes at the saved address in M-mode. Any other trap fails the current test.
#
# Only GNU macros, object-like defines and ifdef are used, so both GNU as (after cpp) and the
# HyperLab assembler read this file. Comments start with a capital letter or punctuation so that
# the C preprocessor never mistakes them for directives.

#define SIFIVE_TEST 0x100000

  .section .text.init, "ax", @progbits
  .globl _start
_start:
  csrr  t0, mhartid
  bnez  t0, park
  la    t0, trap_vector
  csrw  mtvec, t0
  li    gp, 0
  li    s11, 0
  j     test_begin

  .align 2
trap_vector:
  bnez  s11, 1f
  # Unexpected trap: fail the current test (or test 1023 before the first test).
  bnez  gp, fail
  li    gp, 1023
  j     fail
1:
  li    s8, 0x1800
  csrs  mstatus, s8
  csrr  s8, mcause
  csrr  s9, mepc
  csrr  s10, mtval
  csrw  mepc, s11
  li    s11, 0
  mret

fail:
  fence
  bnez  gp, 2f
  li    gp, 1023
2:
  slli  a0, gp, 1
  ori   a0, a0, 1
#ifdef QEMU
  li    t1, SIFIVE_TEST
  slli  t2, gp, 16
  li    t3, 0x3333
  or    t2, t2, t3
  sw    t2, 0(t1)
#endif
  j     write_tohost

pass:
  fence
  li    a0, 1
#ifdef QEMU
  li    t1, SIFIVE_TEST
  li    t2, 0x5555
  sw    t2, 0(t1)
#endif

write_tohost:
  la    t0, tohost
  sd    a0, 0(t0)
park:
  wfi
  j     park

test_begin:

# Start test number n: every check until the next TEST reports n.
.macro TEST n
  li    gp, \n
.endm

# Fail the current test unless register reg holds value val (t6 is clobbered).
.macro EXPECT reg, val
  li    t6, \val
  beq   \reg, t6, 1f
  j     fail
1:
.endm

# Fail the current test unless registers a and b are equal (branches to fail may be far away,
# so the conditional branch only skips a jump).
.macro EXPECT_EQ a, b
  beq   \a, \b, 1f
  j     fail
1:
.endm

# Expect the next instructions to trap; resume at label.
.macro TRAP_EXPECT label
  la    s11, \label
.endm

# After a trap: check mcause and mepc (a label).
.macro TRAP_CHECK_CAUSE cause, epc
  EXPECT s8, \cause
  la    t5, \epc
  EXPECT_EQ s9, t5
.endm

# After a trap: check mcause, mepc (a label) and mtval.
.macro TRAP_CHECK cause, epc, tval
  TRAP_CHECK_CAUSE \cause, \epc
  EXPECT s10, \tval
.endm

# Register-register operation: a0 = inst(a1 = val1, a2 = val2), also with rd = rs1, rd = rs2
# and rd = x0.
.macro TEST_RR n, inst, result, val1, val2
  TEST  \n
  li    a1, \val1
  li    a2, \val2
  \inst a0, a1, a2
  EXPECT a0, \result
  \inst a1, a1, a2
  EXPECT a1, \result
  li    a1, \val1
  \inst a2, a1, a2
  EXPECT a2, \result
  li    a2, \val2
  \inst x0, a1, a2
  EXPECT_EQ x0, zero
.endm

# Register-immediate operation: a0 = inst(a1 = val1, imm), also with rd = rs1.
.macro TEST_IMM n, inst, result, val1, imm
  TEST  \n
  li    a1, \val1
  \inst a0, a1, \imm
  EXPECT a0, \result
  \inst a1, a1, \imm
  EXPECT a1, \result
  \inst x0, a1, \imm
  EXPECT_EQ x0, zero
.endm

# Branches: taken / not taken for (val1, val2).
.macro TEST_BR_TAKEN n, inst, val1, val2
  TEST  \n
  li    a1, \val1
  li    a2, \val2
  \inst a1, a2, 1f
  j     fail
1:
.endm

.macro TEST_BR_NOT_TAKEN n, inst, val1, val2
  TEST  \n
  li    a1, \val1
  li    a2, \val2
  \inst a1, a2, 1f
  j     2f
1:
  j     fail
2:
.endm

# Loads: a0 = inst offset(base label).
.macro TEST_LD n, inst, result, offset, base
  TEST  \n
  la    a1, \base
  \inst a0, \offset(a1)
  EXPECT a0, \result
.endm

# Stores: store val at offset(base), read back with load, expect result.
.macro TEST_ST n, store, load, result, val, offset, base
  TEST  \n
  la    a1, \base
  li    a2, \val
  \store a2, \offset(a1)
  \load a0, \offset(a1)
  EXPECT a0, \result
.endm

.macro TEST_PASSFAIL
  beqz  gp, 1f
  j     pass
1:
  j     fail
.endm

.macro TEST_DATA_BEGIN
  .section .tohost, "aw", @progbits
  .align 6
  .globl tohost
tohost: .dword 0
  .align 6
  .globl fromhost
fromhost: .dword 0
  .data
  .align 4
.endm

.macro TEST_DATA_END
.endm
