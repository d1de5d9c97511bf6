# rv64ui-jump: lui, auipc, jal, jalr (link register, offsets, bit 0 cleared) and x0 writes.

  .include "env.S"

  # lui: 20-bit immediate into bits 31:12, sign-extended to 64 bits
  TEST 1
  lui   a0, 0
  EXPECT a0, 0
  TEST 2
  lui   a0, 0xfffff
  EXPECT a0, 0xfffffffffffff000
  TEST 3
  lui   a0, 0x80000
  EXPECT a0, 0xffffffff80000000
  TEST 4
  lui   a0, 0x7ffff
  EXPECT a0, 0x7ffff000
  TEST 5
  lui   a0, 0x12345
  addi  a0, a0, 0x678
  EXPECT a0, 0x12345678

  # auipc: pc + (imm << 12), sign-extended
  TEST 6
auipc_0:
  auipc a0, 0
  la    a1, auipc_0
  EXPECT_EQ a0, a1
  TEST 7
auipc_1:
  auipc a0, 1
  la    a1, auipc_1
  li    t0, 0x1000
  add   a1, a1, t0
  EXPECT_EQ a0, a1
  TEST 8
auipc_2:
  auipc a0, 0x80000
  la    a1, auipc_2
  li    t0, 0xffffffff80000000
  add   a1, a1, t0
  EXPECT_EQ a0, a1
  TEST 9
auipc_3:
  auipc a0, 0xfffff
  la    a1, auipc_3
  addi  a1, a1, -2048
  addi  a1, a1, -2048
  EXPECT_EQ a0, a1

  # jal: link register gets pc+4, forward and backward targets
  TEST 10
  li    ra, 0
  jal   ra, jal_t1
jal_r1:
  j     fail
jal_t1:
  la    a1, jal_r1
  EXPECT_EQ ra, a1
  TEST 11
  jal   t0, jal_t2
jal_r2:
  j     fail
jal_t2:
  la    a1, jal_r2
  EXPECT_EQ t0, a1
  TEST 12
  li    a0, 5
  jal   x0, jal_t3
  li    a0, 6
jal_t3:
  EXPECT a0, 5
  TEST 13
  li    a0, 0
  j     jal_fwd
jal_back:
  addi  a0, a0, 1
  j     jal_done
jal_fwd:
  addi  a0, a0, 10
  j     jal_back
jal_done:
  EXPECT a0, 11

  # jalr: target = (rs1 + imm) & ~1, rd = pc+4, rd may equal rs1
  TEST 14
  la    t0, jalr_t1
  jalr  ra, 0(t0)
jalr_r1:
  j     fail
jalr_t1:
  la    a1, jalr_r1
  EXPECT_EQ ra, a1
  TEST 15
  la    t0, jalr_t2
  addi  t0, t0, -8
  jalr  ra, 8(t0)
jalr_r2:
  j     fail
jalr_t2:
  la    a1, jalr_r2
  EXPECT_EQ ra, a1
  TEST 16
  la    t0, jalr_t3
  addi  t0, t0, 16
  jalr  a5, -16(t0)
jalr_r3:
  j     fail
jalr_t3:
  la    a1, jalr_r3
  EXPECT_EQ a5, a1
  TEST 17
  la    t0, jalr_t4
  addi  t0, t0, 1
  jalr  ra, 0(t0)
  j     fail
jalr_t4:
  TEST 18
  la    t0, jalr_t5
  jalr  t0, 0(t0)
jalr_r5:
  j     fail
jalr_t5:
  la    a1, jalr_r5
  EXPECT_EQ t0, a1
  TEST 19
  la    t0, jalr_t6
  li    ra, 77
  jalr  x0, 0(t0)
  j     fail
jalr_t6:
  EXPECT ra, 77
  TEST 20
  li    a0, 41
  call  add_one
  EXPECT a0, 42
  call  add_one
  EXPECT a0, 43

  # Writes to x0 are ignored
  TEST 21
  addi  x0, x0, 5
  EXPECT_EQ x0, zero
  lui   x0, 0x12345
  EXPECT_EQ x0, zero
  auipc x0, 1
  EXPECT_EQ x0, zero
  li    a1, -1
  add   x0, a1, a1
  EXPECT_EQ x0, zero
  mv    a0, x0
  EXPECT a0, 0
  jal   x0, x0_next
x0_next:
  EXPECT_EQ x0, zero

  TEST_PASSFAIL

add_one:
  addi  a0, a0, 1
  ret

  TEST_DATA_BEGIN
  TEST_DATA_END
