# misaligned: ordinary loads/stores at misaligned addresses work (HyperLab emulates them);
# misaligned LR traps with cause 4, misaligned SC/AMO with cause 6, mtval = the address,
# and neither memory nor rd changes.

  .include "env.S"

# The ISA manual reports a misaligned AMO as store/AMO address misaligned (6). QEMU 7.2 (the
# oracle in qemu.test.ts) reports load address misaligned (4) instead, so accept that there.
#ifdef QEMU
#define AMO_MISALIGNED 4
#else
#define AMO_MISALIGNED 6
#endif

# Load at base+offset, expect result.
.macro TEST_MLD n, inst, result, offset
  TEST  \n
  la    a1, mdata
  \inst a0, \offset(a1)
  EXPECT a0, \result
.endm

# Misaligned AMO/LR/SC at mdata+offset must trap with cause and mtval = the address; rd keeps
# its sentinel and memory is unchanged.
.macro TEST_MAMO n, inst, cause, offset
  TEST  \n
  la    a1, mdata
  addi  a1, a1, \offset
  li    a0, 0x5a5a
  li    a3, -1
  ld    a4, -\offset(a1)
  TRAP_EXPECT mamo_resume_\n
mamo_at_\n:
  \inst a0, a3, (a1)
  j     fail
mamo_resume_\n:
  TRAP_CHECK_CAUSE \cause, mamo_at_\n
  EXPECT_EQ s10, a1
  EXPECT a0, 0x5a5a
  ld    a5, -\offset(a1)
  EXPECT_EQ a4, a5
.endm

  # mdata = 00 01 02 ... 0f 80 81 ... 8f (see below)
  TEST_MLD 1, lh, 0x0201, 1
  TEST_MLD 2, lhu, 0x800f, 15
  TEST_MLD 3, lh, 0xffffffffffff800f, 15
  TEST_MLD 4, lw, 0x04030201, 1
  TEST_MLD 5, lw, 0x05040302, 2
  TEST_MLD 6, lw, 0x06050403, 3
  TEST_MLD 7, lw, 0xffffffff81800f0e, 14
  TEST_MLD 8, lwu, 0x81800f0e, 14
  TEST_MLD 9, ld, 0x0807060504030201, 1
  TEST_MLD 10, ld, 0x0a09080706050403, 3
  TEST_MLD 11, ld, 0x0e0d0c0b0a090807, 7
  TEST_MLD 12, ld, 0x84838281800f0e0d, 13

  # Misaligned stores, read back bytewise and with aligned loads
  TEST 13
  la    a1, sbuf
  sd    zero, 0(a1)
  sd    zero, 8(a1)
  li    a2, 0x1122334455667788
  sd    a2, 3(a1)
  ld    a0, 0(a1)
  EXPECT a0, 0x4455667788000000
  ld    a0, 8(a1)
  EXPECT a0, 0x0000000000112233
  ld    a0, 3(a1)
  EXPECT a0, 0x1122334455667788
  TEST 14
  li    a2, 0xdeadbeef
  sw    a2, 6(a1)
  ld    a0, 0(a1)
  EXPECT a0, 0xbeef667788000000
  ld    a0, 8(a1)
  EXPECT a0, 0x000000000011dead
  TEST 15
  li    a2, 0xcafe
  sh    a2, 7(a1)
  lhu   a0, 7(a1)
  EXPECT a0, 0xcafe
  lbu   a0, 7(a1)
  EXPECT a0, 0xfe
  lbu   a0, 8(a1)
  EXPECT a0, 0xca

  # Across a 4 KiB page boundary
  TEST 16
  la    a1, page_edge
  li    a2, 0x0102030405060708
  sd    a2, -3(a1)
  ld    a0, -3(a1)
  EXPECT a0, 0x0102030405060708
  lw    a0, -2(a1)
  EXPECT a0, 0x04050607
  lbu   a0, 0(a1)
  EXPECT a0, 0x05
  lbu   a0, -1(a1)
  EXPECT a0, 0x06

  # Misaligned LR: load address misaligned (4)
  TEST 17
  la    a1, mdata
  addi  a1, a1, 2
  li    a0, 0x5a5a
  TRAP_EXPECT lr_w_resume
lr_w_at:
  lr.w  a0, (a1)
  j     fail
lr_w_resume:
  TRAP_CHECK_CAUSE 4, lr_w_at
  EXPECT_EQ s10, a1
  EXPECT a0, 0x5a5a
  TEST 18
  la    a1, mdata
  addi  a1, a1, 4
  TRAP_EXPECT lr_d_resume
lr_d_at:
  lr.d  a0, (a1)
  j     fail
lr_d_resume:
  TRAP_CHECK_CAUSE 4, lr_d_at
  EXPECT_EQ s10, a1
  EXPECT a0, 0x5a5a

  # Misaligned SC and AMOs: store/AMO address misaligned (6)
  # QEMU 7.2 checks the reservation before the alignment and so fails a misaligned SC without
  # a trap (rd = 1), which the ISA manual does not allow; these two are checked only off QEMU.
#ifndef QEMU
  TEST_MAMO 19, sc.w, 6, 2
  TEST_MAMO 20, sc.d, 6, 4
#endif
  TEST_MAMO 21, amoswap.w, AMO_MISALIGNED, 1
  TEST_MAMO 22, amoadd.w, AMO_MISALIGNED, 2
  TEST_MAMO 23, amoand.w, AMO_MISALIGNED, 3
  TEST_MAMO 24, amoor.w, AMO_MISALIGNED, 2
  TEST_MAMO 25, amoxor.w, AMO_MISALIGNED, 2
  TEST_MAMO 26, amomin.w, AMO_MISALIGNED, 2
  TEST_MAMO 27, amomax.w, AMO_MISALIGNED, 2
  TEST_MAMO 28, amominu.w, AMO_MISALIGNED, 2
  TEST_MAMO 29, amomaxu.w, AMO_MISALIGNED, 2
  TEST_MAMO 30, amoswap.d, AMO_MISALIGNED, 4
  TEST_MAMO 31, amoadd.d, AMO_MISALIGNED, 1
  TEST_MAMO 32, amoand.d, AMO_MISALIGNED, 2
  TEST_MAMO 33, amoor.d, AMO_MISALIGNED, 7
  TEST_MAMO 34, amoxor.d, AMO_MISALIGNED, 4
  TEST_MAMO 35, amomin.d, AMO_MISALIGNED, 4
  TEST_MAMO 36, amomax.d, AMO_MISALIGNED, 4
  TEST_MAMO 37, amominu.d, AMO_MISALIGNED, 4
  TEST_MAMO 38, amomaxu.d, AMO_MISALIGNED, 4

  TEST_PASSFAIL

  TEST_DATA_BEGIN
  .align 4
mdata:
  .byte 0x00, 0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08, 0x09, 0x0a, 0x0b, 0x0c, 0x0d, 0x0e, 0x0f
  .byte 0x80, 0x81, 0x82, 0x83, 0x84, 0x85, 0x86, 0x87, 0x88, 0x89, 0x8a, 0x8b, 0x8c, 0x8d, 0x8e, 0x8f
sbuf:
  .zero 32
  .balign 4096
page_edge:
  .zero 16
  TEST_DATA_END
