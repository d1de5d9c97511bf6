# SBI HSM: hart_start with start_addr/opaque, hart_stop, hart_get_status, restart, error codes.
# S mode, firmware 'sbi', 4 harts.
#include "env.S"
main:
  li gp, 1
  li a0, 1
  SBI SBI_HSM, 2
  EXPECT a0, 0
  EXPECT a1, 1              # STOPPED
  li gp, 2
  li a0, 1
  la a1, secondary_s
  li a2, 0x1234
  SBI SBI_HSM, 0
  EXPECT a0, 0
  li gp, 3
  li a0, 1
  la a1, secondary_s
  li a2, 0
  SBI SBI_HSM, 0
  EXPECT a0, -6             # not stopped: SBI_ERR_ALREADY_AVAILABLE
  li gp, 4
  la s0, flags
1: ld t0, 8(s0)
  beqz t0, 1b
  EXPECT t0, 0x1235         # hartid + opaque
  li gp, 5
2: li a0, 1
  SBI SBI_HSM, 2
  li t0, 1
  bne a1, t0, 2b            # until STOPPED
  li gp, 6
  li a0, 2
  li a1, 0x1000             # not memory
  li a2, 0
  SBI SBI_HSM, 0
  EXPECT a0, -5             # SBI_ERR_INVALID_ADDRESS
  li a0, 7
  la a1, secondary_s
  SBI SBI_HSM, 0
  EXPECT a0, -3             # no hart 7
  li gp, 7
  sd zero, 8(s0)            # restart hart 1, and start 2 and 3
  li s1, 1
3: mv a0, s1
  la a1, secondary_s
  li a2, 0x10
  SBI SBI_HSM, 0
  EXPECT a0, 0
  addi s1, s1, 1
  li t0, 4
  bne s1, t0, 3b
  li gp, 8
  li s1, 1
4: slli t0, s1, 3
  add t0, s0, t0
5: ld t1, 0(t0)
  beqz t1, 5b
  addi t2, s1, 0x10
  bne t1, t2, fail
  addi s1, s1, 1
  li t0, 4
  bne s1, t0, 4b
  j pass

secondary_s:
  la t0, flags
  slli t1, a0, 3
  add t0, t0, t1
  add t2, a0, a1
  sd t2, 0(t0)
  SBI SBI_HSM, 1            # hart_stop does not return
  li gp, 20
  j fail

  .section .data
  .align 3
flags: .dword 0, 0, 0, 0
