# HyperLab platform test environment (QEMU virt layout). Include first; the program continues
# at `main` on hart 0 (M mode with firmware 'none', S mode with firmware 'sbi'); with firmware
# 'none' other harts go to `secondary`, which the program must define.
# Exit: pass/fail through the SiFive test finisher in M mode; in S mode (SBI) through SRST
# (shutdown = pass, shutdown with reason "system failure" = fail; gp holds the failing test).

#define FINISHER 0x100000
#define CLINT 0x2000000
#define CLINT_MTIMECMP 0x2004000
#define CLINT_MTIME 0x200bff8
#define PLIC 0xc000000
#define UART 0x10000000

#define SBI_BASE 0x10
#define SBI_TIME 0x54494d45
#define SBI_IPI 0x735049
#define SBI_RFENCE 0x52464e43
#define SBI_HSM 0x48534d
#define SBI_SRST 0x53525354
#define SBI_DBCN 0x4442434e

  .macro SBI eid, fid
  li a7, \eid
  li a6, \fid
  ecall
  .endm

  .macro EXPECT reg, value
  li t6, \value
  bne \reg, t6, fail
  .endm

  .section .text.init, "ax", @progbits
  .globl _start
_start:
#ifdef SMODE
  j main
#else
  csrr t0, mhartid
  bnez t0, secondary
  li gp, 0
  j main
#endif

#ifdef SMODE
pass:
  li a0, 0
  li a1, 0
  SBI SBI_SRST, 0
  j pass
fail:
  li a0, 0
  li a1, 1
  SBI SBI_SRST, 0
  j fail
#else
pass:
  li t1, FINISHER
  li t2, 0x5555
  sw t2, 0(t1)
  j pass
fail:
  li t1, FINISHER
  slli t2, gp, 16
  li t3, 0x3333
  or t2, t2, t3
  sw t2, 0(t1)
  j fail
#endif
