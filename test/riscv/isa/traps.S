# traps: ecall/ebreak set mcause/mepc, illegal instructions set mtval to the instruction bits,
# mret returns (to M and to U mode, restoring MIE from MPIE), U-mode ecall and CSR privilege.

  .include "env.S"

  # ecall from M-mode: cause 11, mepc = the ecall, mtval = 0
  TEST 1
  TRAP_EXPECT ecall_resume
ecall_at:
  ecall
  j     fail
ecall_resume:
  TRAP_CHECK 11, ecall_at, 0

  # ebreak: cause 3, mepc = the ebreak
  TEST 2
  TRAP_EXPECT ebreak_resume
ebreak_at:
  ebreak
  j     fail
ebreak_resume:
  TRAP_CHECK_CAUSE 3, ebreak_at

  # Illegal instruction: cause 2, mtval = the instruction
  TEST 3
  TRAP_EXPECT ill1_resume
ill1_at:
  .word 0xc0001073
  j     fail
ill1_resume:
  TRAP_CHECK 2, ill1_at, 0xc0001073
  TEST 4
  TRAP_EXPECT ill2_resume
ill2_at:
  .word 0x0000000b
  j     fail
ill2_resume:
  TRAP_CHECK 2, ill2_at, 0x0000000b
  # Writing a read-only CSR (csrw mhartid, a0)
  TEST 5
  li    a0, 5
  TRAP_EXPECT ill3_resume
ill3_at:
  .word 0xf1451073
  j     fail
ill3_resume:
  TRAP_CHECK 2, ill3_at, 0xf1451073
  csrr  a0, mhartid
  EXPECT a0, 0
  # An all-zero word is illegal too
  TEST 6
  TRAP_EXPECT ill4_resume
ill4_at:
  .word 0
  j     fail
ill4_resume:
  TRAP_CHECK 2, ill4_at, 0
  # The trap left registers other than the handler's alone
  TEST 7
  li    a0, 1234
  TRAP_EXPECT ill5_resume
  .word 0xc0001073
  j     fail
ill5_resume:
  EXPECT a0, 1234

  # mret to M-mode: pc = mepc, MIE = MPIE, MPIE = 1, MPP = U (least-privileged mode)
  TEST 8
  li    t0, 0x1808
  csrc  mstatus, t0
  li    t0, 0x1880
  csrs  mstatus, t0
  la    t0, mret_target
  csrw  mepc, t0
  mret
  j     fail
mret_target:
  csrr  a0, mstatus
  li    t0, 0x8
  csrc  mstatus, t0
  srli  a1, a0, 3
  andi  a1, a1, 1
  EXPECT a1, 1
  srli  a1, a0, 7
  andi  a1, a1, 1
  EXPECT a1, 1
  srli  a1, a0, 11
  andi  a1, a1, 3
  EXPECT a1, 0

  # mret to U-mode (PMP entry 0 opens all memory to U), then ecall from U: cause 8
  TEST 9
  li    t0, -1
  csrw  pmpaddr0, t0
  li    t0, 0x1f
  csrw  pmpcfg0, t0
  li    t0, 0x1800
  csrc  mstatus, t0
  la    t0, user_code
  csrw  mepc, t0
  TRAP_EXPECT user_ecall_resume
  mret
  j     fail
user_code:
  li    a0, 77
user_ecall_at:
  ecall
  j     fail
user_ecall_resume:
  TRAP_CHECK 8, user_ecall_at, 0
  EXPECT a0, 77

  # In U-mode, csrr a0, mscratch is illegal (cause 2, mtval = instruction)
  TEST 10
  la    t0, user_csr
  csrw  mepc, t0
  li    t0, 0x1800
  csrc  mstatus, t0
  TRAP_EXPECT user_csr_resume
  mret
  j     fail
user_csr:
  .word 0x34002573
  j     fail
user_csr_resume:
  TRAP_CHECK 2, user_csr, 0x34002573

  # mret in U-mode is illegal too
  TEST 11
  la    t0, user_mret
  csrw  mepc, t0
  li    t0, 0x1800
  csrc  mstatus, t0
  TRAP_EXPECT user_mret_resume
  mret
  j     fail
user_mret:
  mret
  j     fail
user_mret_resume:
  TRAP_CHECK 2, user_mret, 0x30200073

  # Back in M-mode: M CSRs work again
  TEST 12
  csrwi mscratch, 3
  csrr  a0, mscratch
  EXPECT a0, 3

  TEST_PASSFAIL

  TEST_DATA_BEGIN
  TEST_DATA_END
