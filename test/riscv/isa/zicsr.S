# zicsr: csrrw/csrrs/csrrc and immediate forms on mscratch, counters, misa, mhartid.

  .include "env.S"

  # csrrw: old value to rd, rs1 to the CSR
  TEST 1
  li    a1, 0x123456789abcdef0
  csrw  mscratch, a1
  csrr  a0, mscratch
  EXPECT a0, 0x123456789abcdef0
  TEST 2
  li    a1, -1
  csrrw a0, mscratch, a1
  EXPECT a0, 0x123456789abcdef0
  csrr  a0, mscratch
  EXPECT a0, 0xffffffffffffffff
  TEST 3
  li    a1, 0x8000000000000000
  csrrw a1, mscratch, a1
  EXPECT a1, 0xffffffffffffffff
  csrr  a0, mscratch
  EXPECT a0, 0x8000000000000000
  TEST 4
  csrrw x0, mscratch, zero
  csrr  a0, mscratch
  EXPECT a0, 0

  # csrrs: set bits
  TEST 5
  li    a1, 0x00000000000000f0
  csrrs a0, mscratch, a1
  EXPECT a0, 0
  li    a1, 0x8000000000000001
  csrrs a0, mscratch, a1
  EXPECT a0, 0xf0
  csrr  a0, mscratch
  EXPECT a0, 0x80000000000000f1
  TEST 6
  csrrs a0, mscratch, x0
  EXPECT a0, 0x80000000000000f1
  csrr  a0, mscratch
  EXPECT a0, 0x80000000000000f1

  # csrrc: clear bits
  TEST 7
  li    a1, 0x8000000000000010
  csrrc a0, mscratch, a1
  EXPECT a0, 0x80000000000000f1
  csrr  a0, mscratch
  EXPECT a0, 0xe1
  TEST 8
  li    a1, -1
  csrc  mscratch, a1
  csrr  a0, mscratch
  EXPECT a0, 0

  # Immediate forms: 5-bit zero-extended uimm
  TEST 9
  csrrwi a0, mscratch, 31
  EXPECT a0, 0
  csrr  a0, mscratch
  EXPECT a0, 31
  TEST 10
  csrrci a0, mscratch, 0x15
  EXPECT a0, 31
  csrr  a0, mscratch
  EXPECT a0, 0xa
  TEST 11
  csrrsi a0, mscratch, 0x10
  EXPECT a0, 0xa
  csrr  a0, mscratch
  EXPECT a0, 0x1a
  TEST 12
  csrrsi a0, mscratch, 0
  EXPECT a0, 0x1a
  csrrci a0, mscratch, 0
  EXPECT a0, 0x1a
  csrwi mscratch, 0
  csrr  a0, mscratch
  EXPECT a0, 0
  TEST 13
  csrsi mscratch, 1
  csrsi mscratch, 4
  csrci mscratch, 1
  csrr  a0, mscratch
  EXPECT a0, 4
  TEST 14
  li    a0, 0x5555
  csrw  mscratch, a0
  csrrw a0, mscratch, a0
  EXPECT a0, 0x5555

  # Counters increase
  TEST 15
  rdinstret a0
  nop
  nop
  rdinstret a1
  bltu  a0, a1, 1f
  j     fail
1:
  TEST 16
  rdcycle a0
  nop
  nop
  nop
  rdcycle a1
  bltu  a0, a1, 1f
  j     fail
1:
  TEST 17
  csrr  a0, minstret
  li    t0, 10
2:
  addi  t0, t0, -1
  bnez  t0, 2b
  csrr  a1, minstret
  sub   a2, a1, a0
  li    t1, 20
  bgeu  a2, t1, 1f
  j     fail
1:
  TEST 18
  csrr  a0, mcycle
  nop
  csrr  a1, mcycle
  bltu  a0, a1, 1f
  j     fail
1:

  # misa: MXL = 2 (64-bit), I, M and A present
  TEST 19
  csrr  a0, misa
  srli  a1, a0, 62
  EXPECT a1, 2
  TEST 20
  srli  a1, a0, 8
  andi  a1, a1, 1
  EXPECT a1, 1
  TEST 21
  srli  a1, a0, 12
  andi  a1, a1, 1
  EXPECT a1, 1
  TEST 22
  andi  a1, a0, 1
  EXPECT a1, 1

  # Hart 0, mtvec holds what the environment wrote
  TEST 23
  csrr  a0, mhartid
  EXPECT a0, 0
  TEST 24
  csrr  a0, mtvec
  la    a1, trap_vector
  EXPECT_EQ a0, a1
  TEST 25
  la    a1, zicsr_epc
  csrw  mepc, a1
  csrr  a0, mepc
  EXPECT_EQ a0, a1
zicsr_epc:

  TEST_PASSFAIL

  TEST_DATA_BEGIN
  TEST_DATA_END
