# SBI RFENCE: remote fences reach hart 1 (the test checks its MMU's flush counters).
# S mode, firmware 'sbi', 2 harts.
#include "env.S"
main:
  li a0, 1
  la a1, idle
  li a2, 0
  SBI SBI_HSM, 0
  li gp, 1
  li a0, 2
  li a1, 0
  SBI SBI_RFENCE, 0         # remote_fence_i
  EXPECT a0, 0
  li gp, 2
  li a0, 2
  li a1, 0
  li a2, 0
  li a3, 0
  SBI SBI_RFENCE, 1         # remote_sfence_vma, whole address space
  EXPECT a0, 0
  li gp, 3
  li a0, 2
  li a1, 0
  li a2, 0x40001000
  li a3, 0x2000
  li a4, 5
  SBI SBI_RFENCE, 2         # remote_sfence_vma_asid, 2 pages, ASID 5
  EXPECT a0, 0
  li gp, 4
  li a0, 4
  li a1, 0
  li a2, 0
  li a3, 0
  SBI SBI_RFENCE, 1         # hart 2 does not exist
  EXPECT a0, -3
  li gp, 5
  li a0, 2
  li a1, 0
  li a2, 0
  li a3, 0
  SBI SBI_RFENCE, 4         # remote_hfence_gvma: 0 with the H extension, else NOT_SUPPORTED
  beqz a0, 6f
  EXPECT a0, -2
6: j pass

idle:
  wfi
  j idle
