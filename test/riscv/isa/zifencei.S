# zifencei: write instructions into memory, fence.i, execute them (also after the old code ran hot).

  .include "env.S"

  # The slot returns 1 before any patch
  TEST 1
  call  patch_slot
  EXPECT a0, 1

  # Patch to addi a0, zero, 42
  TEST 2
  la    a1, patch_slot
  li    a2, 0x02a00513
  sw    a2, 0(a1)
  fence.i
  call  patch_slot
  EXPECT a0, 42

  # Run it hot, then patch again to addi a0, zero, 7
  TEST 3
  li    a3, 0
  li    a4, 200
1:
  call  patch_slot
  add   a3, a3, a0
  addi  a4, a4, -1
  bnez  a4, 1b
  EXPECT a3, 8400
  la    a1, patch_slot
  li    a2, 0x00700513
  sw    a2, 0(a1)
  fence.i
  call  patch_slot
  EXPECT a0, 7

  # Patch the instruction right after the fence.i in straight-line code to addi a0, zero, 99
  TEST 4
  la    a1, inline_slot
  li    a2, 0x06300513
  sw    a2, 0(a1)
  fence.i
inline_slot:
  addi  a0, zero, 5
  EXPECT a0, 99

  # Patch a loop body while looping: first 3 rounds add 1, then the body becomes add 100
  TEST 5
  li    a0, 0
  li    a4, 6
  la    a1, loop_slot
  li    a2, 0x06450513
2:
loop_slot:
  addi  a0, a0, 1
  addi  a4, a4, -1
  li    t0, 3
  bne   a4, t0, 3f
  sw    a2, 0(a1)
  fence.i
3:
  bnez  a4, 2b
  EXPECT a0, 303

  TEST_PASSFAIL

patch_slot:
  addi  a0, zero, 1
  ret

  TEST_DATA_BEGIN
  TEST_DATA_END
