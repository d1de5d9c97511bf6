# Interrupt priority (priv 1.12 3.1.9, H 1.0): with several interrupts pending and enabled at once,
# they are taken one at a time in the order MEI, MSI, MTI, SEI, SSI, STI (M), then for HS
# SEI, SSI, STI, VSEI, VSSI, VSTI, and in VS VSEI, VSSI, VSTI (reported as 9, 1, 5); an HS-level
# interrupt is taken before a VS-level one while V=1. Pending bits: mip.SSIP/STIP/SEIP written by
# M, hvip, the CLINT (msip, mtimecmp) and the PLIC (UART THR-empty on source 10, context 0).
# Each handler appends xcause to a log (s6), clears the enable bit of the cause it took, returns.
  .include "penv.S"

.macro LOG_IS idx, val
  ld    t1, (\idx * 8)(s5)
  EXPECT t1, \val
.endm

  TEST 1
  la    s5, irqlog
  mv    s6, s5
  la    t0, mirq
  csrw  mtvec, t0
  csrw  mideleg, zero
  li    t0, 0x222
  csrs  mip, t0                  # SEIP, STIP, SSIP
  li    t1, 0x2000000
  li    t0, 1
  sw    t0, 0(t1)                # CLINT msip[0]
  li    t1, 0x2004000
  sd    zero, 0(t1)              # CLINT mtimecmp[0] = 0
  li    t1, 0xc000000
  li    t0, 1
  sw    t0, 40(t1)               # PLIC priority[10] = 1
  li    t1, 0xc002000
  li    t0, 1 << 10
  sw    t0, 0(t1)                # context 0 (hart 0 M) enables source 10
  li    t1, 0xc200000
  sw    zero, 0(t1)              # threshold 0
  li    t1, 0x10000000
  li    t0, 2
  sb    t0, 1(t1)                # UART IER.ETBEI: THR empty -> source 10
  li    t2, 1000                 # wait until every line is up
1:
  csrr  t0, mip
  li    t1, 0xaaa
  and   t0, t0, t1
  beq   t0, t1, 2f
  addi  t2, t2, -1
  bnez  t2, 1b
  j     fail
2:
  li    t0, 0xaaa
  csrw  mie, t0
  csrsi mstatus, 8               # MIE: six interrupts in a row
  nop
  csrci mstatus, 8
  sub   t0, s6, s5
  EXPECT t0, 48
  LOG_IS 0, 0x800000000000000b
  LOG_IS 1, 0x8000000000000003
  LOG_IS 2, 0x8000000000000007
  LOG_IS 3, 0x8000000000000009
  LOG_IS 4, 0x8000000000000001
  LOG_IS 5, 0x8000000000000005
  li    t1, 0x2000000
  sw    zero, 0(t1)
  li    t1, 0x10000000
  sb    zero, 1(t1)
  li    t0, -1
  li    t1, 0x2004000
  sd    t0, 0(t1)

  la    t0, mtrap
  csrw  mtvec, t0

  # ---- 2: HS: S-level before VS-level (hideleg = 0: VS interrupts are HS interrupts 10/2/6)
  TEST 2
  mv    s6, s5
  la    t0, sirq
  csrw  stvec, t0
  li    t0, 0x222
  csrw  mideleg, t0
  csrw  hideleg, zero
  csrs  mip, t0
  li    t0, 0x444
  csrw  hvip, t0
  li    t0, 0x666
  csrw  mie, t0
  li    t0, 2
  csrs  mstatus, t0              # sstatus.SIE
  ENTER 1, 0, L_2
L_2:
  nop                            # all six taken before this instruction
  TO_M  L_2b
L_2b:
  sub   t0, s6, s5
  EXPECT t0, 48
  LOG_IS 0, 0x8000000000000009
  LOG_IS 1, 0x8000000000000001
  LOG_IS 2, 0x8000000000000005
  LOG_IS 3, 0x800000000000000a
  LOG_IS 4, 0x8000000000000002
  LOG_IS 5, 0x8000000000000006

  # ---- 3: VS: HS-level SSI first (HS interrupts are always enabled while V=1), then VS-level
  #         VSEI, VSSI, VSTI through hideleg (vscause 9, 1, 5; logged + 0x100)
  TEST 3
  mv    s6, s5
  li    t0, 2
  csrc  mstatus, t0              # HS SIE = 0: does not matter while V = 1
  la    t0, vsirq
  csrw  vstvec, t0
  li    t0, 0x444
  csrw  hideleg, t0
  csrw  hvip, t0
  li    t0, 2
  csrs  mip, t0                  # SSIP (delegated to HS)
  csrs  vsstatus, t0             # vsstatus.SIE
  li    t0, 0x446
  csrw  mie, t0
  ENTER 1, 1, L_3
L_3:
  nop
  TO_M  L_3b
L_3b:
  sub   t0, s6, s5
  EXPECT t0, 32
  LOG_IS 0, 0x8000000000000001
  LOG_IS 1, 0x8000000000000109
  LOG_IS 2, 0x8000000000000101
  LOG_IS 3, 0x8000000000000105
  csrw  mie, zero
  csrw  hvip, zero
  csrw  mip, zero
  j     pass

  .align 2
mirq:
  csrr  t5, mcause
  sd    t5, 0(s6)
  addi  s6, s6, 8
  li    t6, 1
  sll   t6, t6, t5               # shift by cause (low 6 bits)
  csrc  mie, t6
  mret

  .align 2
sirq:
  csrr  t5, scause
  sd    t5, 0(s6)
  addi  s6, s6, 8
  li    t6, 1
  sll   t6, t6, t5
  csrc  sie, t6
  csrc  hie, t6
  sret

  .align 2
vsirq:
  csrr  t5, scause               # vscause
  ori   t5, t5, 0x100
  sd    t5, 0(s6)
  addi  s6, s6, 8
  li    t6, 1
  sll   t6, t6, t5               # low 6 bits: the cause
  csrc  sie, t6                  # vsie
  sret

  .section .tohost, "aw", @progbits
  .align 6
  .globl tohost
tohost: .dword 0
  .align 6
  .globl fromhost
fromhost: .dword 0

  .section .data
  .align 6
irqlog: .zero 128
tinfo: .zero 64
