# Hypervisor extension (H 1.0) end to end: xRET state updates (MPV/SPV/MPRV), HS -> VS/VU entry,
# s* CSRs redirected to vs* in VS, Sv39x4 G-stage and Sv39 VS-stage tables, every guest-page fault
# kind (htval = GPA >> 2, stval = GVA, hstatus.GVA/SPV/SPVP, htinst incl. the pseudoinstruction for
# an implicit VS-stage PTE read), delegation (medeleg, hedeleg; guest-page faults never reach VS),
# ecalls from VS/VU, virtual-instruction exceptions, hlv/hlvx/hsv (HS, U with HU), hfence.vvma /
# hfence.gvma operands, two VMIDs with a stale VS-stage entry, htimedelta, hvip -> VS interrupts.
  .include "penv.S"

# A trapping instruction: resume at \name\()_r with the cause checked against \name\()_i.
.macro FAULT name, cause, insn:vararg
  TRAP_EXPECT \name\()_r
\name\()_i:
  \insn
  j     fail
\name\()_r:
  TRAP_CHECK_CAUSE \cause, \name\()_i
.endm

# htval, htinst and hstatus bits GVA|SPV<<1|SPVP<<2 saved by the HS handler.
.macro CHECK_H htval, htinst, bits
  la    t5, tinfo
  ld    t4, 0(t5)
  EXPECT t4, \htval
  ld    t4, 8(t5)
  EXPECT t4, \htinst
  ld    t4, 16(t5)
  srli  t4, t4, 6
  andi  t4, t4, 7
  EXPECT t4, \bits
.endm

# Same for a trap taken in M: mtval2, mtinst, mstatus GVA (38) | MPV (39) << 1.
.macro CHECK_M tval2, tinst, bits
  la    t5, tinfo
  ld    t4, 0(t5)
  EXPECT t4, \tval2
  ld    t4, 8(t5)
  EXPECT t4, \tinst
  ld    t4, 16(t5)
  srli  t4, t4, 38
  andi  t4, t4, 3
  EXPECT t4, \bits
.endm

# From HS: sret into VS (SPV=1, SPP=S) or VU (SPV=1, SPP=U) at label.
.macro HS_TO_VS label
  li    t0, 0x80
  csrs  hstatus, t0
  li    t0, 0x100
  csrs  sstatus, t0
  la    t0, \label
  csrw  sepc, t0
  sret
.endm

.macro HS_TO_VU label
  li    t0, 0x80
  csrs  hstatus, t0
  li    t0, 0x100
  csrc  sstatus, t0
  la    t0, \label
  csrw  sepc, t0
  sret
.endm

# table[index] = leaf/pointer PTE for the page at label (or at physical/guest-physical address pa).
.macro PTE_L table, index, label, flags
  la    t0, \table
  la    t1, \label
  srli  t1, t1, 12
  slli  t1, t1, 10
  ori   t1, t1, \flags
  sd    t1, (\index * 8)(t0)
.endm

.macro PTE_A table, index, pa, flags
  la    t0, \table
  li    t1, ((\pa) >> 12 << 10) | \flags
  sd    t1, (\index * 8)(t0)
.endm

# Load t2 = csr value for an Sv39 root at label with ASID/VMID id (bits 44..).
.macro ATP reg, label, id
  la    \reg, \label
  srli  \reg, \reg, 12
  li    t6, (8 << 60) | ((\id) << 44)
  or    \reg, \reg, t6
.endm

.macro BIT reg, n
  li    \reg, 1
  slli  \reg, \reg, \n
.endm

  # ---- 0: tables (written in M with physical addresses; guest RAM is identity-mapped)
  # G-stage (Sv39x4, 16 KiB root): GPA 0x80000000.. identity gigapage (U RWX AD); GPA 0x40000000..
  # through g_l1/g_l0: +0 page_a U RW AD, +1 page_a U R A (read-only), +2 invalid,
  # +3 page_a U X A (execute-only), +4 page_a RW AD without U.
  TEST 100
  PTE_A g_root, 2, 0x80000000, 0xdf
  PTE_L g_root, 1, g_l1, 0x01
  PTE_L g_l1, 0, g_l0, 0x01
  PTE_L g_l0, 0, page_a, 0xd7
  PTE_L g_l0, 1, page_a, 0x53
  PTE_L g_l0, 3, page_a, 0x59
  PTE_L g_l0, 4, page_a, 0xc7
  # VS-stage of VM1 (Sv39): VA 0x80000000.. identity gigapage (RWX AD, not U); VA 0xc0000000..
  # points at a table in GPA 0x40002000 (no G-stage mapping); VA 0x40000000 + n pages:
  # 0 GPA 0x40000000 RW AD, 1 GPA 0x40002000 RW AD, 2 invalid, 3 GPA 0x40003000 X A,
  # 4 GPA 0x40000000 U RW AD, 5 GPA 0x40001000 RW AD, 6 GPA 0x40000000 RX A.
  PTE_A vs_root, 2, 0x80000000, 0xcf
  PTE_A vs_root, 3, 0x40002000, 0x01
  PTE_L vs_root, 1, vs_l1, 0x01
  PTE_L vs_l1, 0, vs_l0, 0x01
  PTE_A vs_l0, 0, 0x40000000, 0xc7
  PTE_A vs_l0, 1, 0x40002000, 0xc7
  PTE_A vs_l0, 3, 0x40003000, 0x49
  PTE_A vs_l0, 4, 0x40000000, 0xd7
  PTE_A vs_l0, 5, 0x40001000, 0xc7
  PTE_A vs_l0, 6, 0x40000000, 0x4b
  # VS-stage of VM2: the same code gigapage; VA 0x40000000 -> page_b.
  PTE_A vs_root2, 2, 0x80000000, 0xcf
  PTE_L vs_root2, 1, vs_l1b, 0x01
  PTE_L vs_l1b, 0, vs_l0b, 0x01
  PTE_L vs_l0b, 0, page_b, 0xc7
  ATP   t2, g_root, 1
  ori   t3, t2, 3                # PPN[1:0] of hgatp are read-only zero (16 KiB-aligned root)
  csrw  hgatp, t3
  csrr  t3, hgatp
  EXPECT_EQ t3, t2
  li    s0, 0x40000000

  # ---- 1: xRET updates. MRET sets MPV=0 and MPP=U; MPRV stays when returning to M
  TEST 1
  li    t0, 0x1800
  csrs  mstatus, t0
  BIT   t0, 39
  li    t1, 1 << 17
  or    t0, t0, t1
  csrs  mstatus, t0              # MPP=M, MPV=1, MPRV=1
  la    t0, L_1a
  csrw  mepc, t0
  mret
L_1a:
  csrr  t1, mstatus
  li    t0, 1 << 17
  csrc  mstatus, t0
  srli  t2, t1, 39
  andi  t2, t2, 1
  EXPECT t2, 0                   # MPV cleared
  srli  t2, t1, 11
  andi  t2, t2, 3
  EXPECT t2, 0                   # MPP = U
  srli  t2, t1, 17
  andi  t2, t2, 1
  EXPECT t2, 1                   # MPRV kept (new mode is M)
  # MRET to S clears MPRV
  li    t0, 1 << 17
  csrs  mstatus, t0
  ENTER 1, 0, L_1b
L_1b:
  TO_M  L_1c
L_1c:
  csrr  t1, mstatus
  srli  t1, t1, 17
  andi  t1, t1, 1
  EXPECT t1, 0
  # SRET executed in M with SPV=1, SPP=S enters VS; it clears hstatus.SPV and MPRV
  li    t0, 0x80
  csrs  hstatus, t0
  li    t0, 0x100
  csrs  mstatus, t0
  li    t0, 1 << 17
  csrs  mstatus, t0
  la    t0, L_1d
  csrw  sepc, t0
  sret
L_1d:
  TO_M  L_1e
L_1e:
  EXPECT s8, 10                  # ecall from VS
  CHECK_M 0, 0, 2                # MPV=1, GVA=0
  la    t5, tinfo
  ld    t1, 16(t5)
  srli  t1, t1, 11
  andi  t1, t1, 3
  EXPECT t1, 1                   # MPP = S
  csrr  t1, hstatus
  andi  t1, t1, 0x80
  EXPECT t1, 0                   # hstatus.SPV cleared by sret
  csrr  t1, mstatus
  srli  t1, t1, 17
  andi  t1, t1, 1
  EXPECT t1, 0                   # MPRV cleared by sret
  # SRET from HS into VS and into VU
  ENTER 1, 0, L_1f
L_1f:
  HS_TO_VS L_1g
L_1g:
  TO_M  L_1h
L_1h:
  EXPECT s8, 10
  csrr  t1, hstatus
  andi  t1, t1, 0x80
  EXPECT t1, 0
  ENTER 1, 0, L_1i
L_1i:
  HS_TO_VU L_1j
L_1j:
  TO_M  L_1k
L_1k:
  EXPECT s8, 8                   # ecall from VU
  CHECK_M 0, 0, 2
  la    t5, tinfo
  ld    t1, 16(t5)
  srli  t1, t1, 11
  andi  t1, t1, 3
  EXPECT t1, 0                   # MPP = U
  csrr  t1, hstatus
  andi  t1, t1, 0x80
  EXPECT t1, 0
  # MRET with MPV=1 enters VS
  ENTER 1, 1, L_1l
L_1l:
  TO_M  L_1m
L_1m:
  EXPECT s8, 10

  # ---- 2: s* CSRs from VS are the vs* registers
  TEST 2
  li    t0, 0x11
  csrw  sscratch, t0
  li    t0, 0x22
  csrw  vsscratch, t0
  li    t0, 1 << 18
  csrs  vsstatus, t0             # vsstatus.SUM, mstatus.SUM stays 0
  ENTER 1, 1, L_2
L_2:
  csrr  t1, sscratch
  EXPECT t1, 0x22
  li    t0, 0x33
  csrw  sscratch, t0
  csrr  t1, sstatus
  srli  t1, t1, 18
  andi  t1, t1, 1
  EXPECT t1, 1
  TO_M  L_2b
L_2b:
  csrr  t1, sscratch
  EXPECT t1, 0x11
  csrr  t1, vsscratch
  EXPECT t1, 0x33
  csrr  t1, mstatus
  srli  t1, t1, 18
  andi  t1, t1, 1
  EXPECT t1, 0
  li    t0, 1 << 18
  csrc  vsstatus, t0

  # ---- 3: hedeleg: ecalls from HS/VS/M, guest-page faults and virtual instruction are read-only 0
  TEST 3
  li    t0, -1
  csrw  hedeleg, t0
  csrr  t1, hedeleg
  EXPECT t1, 0xb1ff
  csrw  hideleg, t0
  csrr  t1, hideleg
  EXPECT t1, 0x444
  csrw  hedeleg, zero
  csrw  hideleg, zero

  # ---- 4: guest-page faults with vsatp Bare (GVA = GPA), taken in HS (medeleg)
  TEST 4
  ATP   t2, g_root, 1
  csrw  hgatp, t2
  csrw  vsatp, zero
  li    t0, (1 << 20) | (1 << 21) | (1 << 23)
  csrw  medeleg, t0
  ENTER 1, 1, L_4
L_4:
  ld    t0, 0(s0)
  EXPECT t0, 0x1111
  li    s1, 0x40001000
  FAULT L_4a, 23, sd t0, 0(s1)   # G-stage read-only
  EXPECT_EQ s10, s1
  CHECK_H 0x10000400, 0, 7       # htval = GPA >> 2; GVA, SPV, SPVP = 1
  HS_TO_VS L_4b
L_4b:
  li    s1, 0x40002000
  FAULT L_4c, 21, ld t0, 0(s1)   # no G-stage mapping
  EXPECT_EQ s10, s1
  CHECK_H 0x10000800, 0, 7
  HS_TO_VS L_4d
L_4d:
  TRAP_EXPECT L_4e               # fetch
  jalr  s1
  j     fail
L_4e:
  EXPECT s8, 20
  EXPECT_EQ s9, s1
  EXPECT_EQ s10, s1
  CHECK_H 0x10000800, 0, 7
  HS_TO_VS L_4f
L_4f:
  li    s1, 0x40001000
  FAULT L_4g, 23, amoadd.d t0, t0, (s1)
  EXPECT_EQ s10, s1
  CHECK_H 0x10000400, 0, 7
  HS_TO_VS L_4h
L_4h:
  li    s1, 0x40004000
  FAULT L_4i, 21, ld t0, 0(s1)   # G-stage leaf without U
  CHECK_H 0x10001000, 0, 7
  HS_TO_VS L_4j
L_4j:
  BIT   s1, 41                   # beyond the 41-bit Sv39x4 guest physical space
  FAULT L_4k, 21, ld t0, 0(s1)
  EXPECT_EQ s10, s1
  BIT   t1, 39
  la    t5, tinfo
  ld    t4, 0(t5)
  EXPECT_EQ t4, t1
  HS_TO_VU L_4l
L_4l:
  li    s1, 0x40002000
  FAULT L_4m, 21, ld t0, 0(s1)   # from VU: SPVP = 0
  CHECK_H 0x10000800, 0, 3
  TO_M  L_4n
L_4n:
  # not delegated: taken in M with mtval2/mtinst/mstatus.GVA/MPV
  csrw  medeleg, zero
  ENTER 1, 1, L_4o
L_4o:
  FAULT L_4p, 21, ld t0, 0(s1)
  EXPECT_EQ s10, s1
  CHECK_M 0x10000800, 0, 3
  # hedeleg cannot send a guest-page fault to VS
  li    t0, -1
  csrw  hedeleg, t0
  li    t0, (1 << 20) | (1 << 21) | (1 << 23)
  csrw  medeleg, t0
  la    t5, tinfo
  sd    zero, 16(t5)
  ENTER 1, 1, L_4q
L_4q:
  FAULT L_4r, 21, ld t0, 0(s1)
  csrr  t1, hstatus              # we are in HS (VS would take a virtual-instruction trap here)
  CHECK_H 0x10000800, 0, 7
  TO_M  L_4s
L_4s:
  csrw  hedeleg, zero

  # ---- 5: two-stage faults with VS-stage paging (vsatp Sv39), taken in HS
  TEST 5
  ATP   t2, vs_root, 1
  csrw  vsatp, t2
  li    t0, (1 << 12) | (1 << 13) | (1 << 15) | (1 << 20) | (1 << 21) | (1 << 23)
  csrw  medeleg, t0
  ENTER 1, 1, L_5
L_5:
  ld    t0, 0(s0)
  EXPECT t0, 0x1111
  li    s1, 0x40001000
  FAULT L_5a, 21, ld t0, 0(s1)   # VS-stage fine, GPA 0x40002000 unmapped in the G-stage
  EXPECT_EQ s10, s1              # stval = guest virtual address
  CHECK_H 0x10000800, 0, 7
  HS_TO_VS L_5b
L_5b:
  li    s1, 0x40005000
  FAULT L_5c, 23, sd t0, 0(s1)   # GPA 0x40001000 read-only in the G-stage
  EXPECT_EQ s10, s1
  CHECK_H 0x10000400, 0, 7
  HS_TO_VS L_5d
L_5d:
  li    s1, 0x40002000
  FAULT L_5e, 13, ld t0, 0(s1)   # VS-stage page fault (not delegated to VS): htval = 0, GVA = 1
  EXPECT_EQ s10, s1
  CHECK_H 0, 0, 7
  HS_TO_VS L_5f
L_5f:
  # Implicit access: the level-1 table of VA 0xc0a00000 is at GPA 0x40002000 (index 5), which
  # the G-stage does not map: htval = (0x40002000 + 5*8) >> 2, htinst = 0x3000 (64-bit read for
  # VS-stage translation: the pseudoinstruction our MMU documents, TINST_PTE_READ); the cause
  # follows the original access.
  li    s1, 0xc0a00000
  FAULT L_5g, 21, ld t0, 0(s1)
  EXPECT_EQ s10, s1
  CHECK_H 0x1000080a, 0x3000, 7
  HS_TO_VS L_5h
L_5h:
  FAULT L_5i, 23, sd t0, 0(s1)
  CHECK_H 0x1000080a, 0x3000, 7
  HS_TO_VS L_5j
L_5j:
  TRAP_EXPECT L_5k
  jalr  s1
  j     fail
L_5k:
  EXPECT s8, 20
  EXPECT_EQ s9, s1
  EXPECT_EQ s10, s1
  CHECK_H 0x1000080a, 0x3000, 7
  TO_M  L_5l
L_5l:

  # ---- 6: VS-stage page faults and VU ecalls delegated to VS (hedeleg): vscause/vstval/vsepc
  TEST 6
  li    t0, (1 << 13) | (1 << 15) | (1 << 8)
  csrw  medeleg, t0
  csrw  hedeleg, t0
  li    t0, 0x77
  csrw  scause, t0
  ENTER 1, 1, L_6
L_6:
  li    s1, 0x40002000
  FAULT L_6a, 13, ld t0, 0(s1)   # handled by vstrap, resumes in VS
  EXPECT_EQ s10, s1
  li    s1, 0x40003000
  TRAP_EXPECT L_6c
L_6b:
  sd    t0, 0(s1)                # execute-only page
  j     fail
L_6c:
  TRAP_CHECK_CAUSE 15, L_6b      # vsepc (the handler then overwrites it with the resume address)
  EXPECT_EQ s10, s1
  TO_M  L_6d
L_6d:
  EXPECT s8, 10                  # ecall from VS reached M
  csrr  t1, vscause
  EXPECT t1, 15
  csrr  t1, vstval
  EXPECT_EQ t1, s1
  csrr  t1, scause
  EXPECT t1, 0x77                # HS never saw them
  csrw  vsatp, zero              # VU code needs no U page when the VS stage is Bare
  ENTER 0, 1, L_6e
L_6e:
  TRAP_EXPECT L_6f
  ecall                          # VU ecall -> VS handler (cause 8), resumes in VS
  j     fail
L_6f:
  EXPECT s8, 8
  TO_M  L_6g
L_6g:
  csrr  t1, vscause
  EXPECT t1, 8
  csrw  medeleg, zero
  csrw  hedeleg, zero

  # ---- 7: ecalls from VS (10) and VU (8) taken in HS; SPV/SPVP; a trap from HS keeps SPVP
  TEST 7
  li    t0, (1 << 8) | (1 << 10) | (1 << 2)
  csrw  medeleg, t0
  ENTER 1, 1, L_7
L_7:
  FAULT L_7a, 10, ecall
  CHECK_H 0, 0, 6
  HS_TO_VU L_7b
L_7b:
  FAULT L_7c, 8, ecall
  CHECK_H 0, 0, 2
  li    t0, 0x100
  csrs  hstatus, t0              # SPVP = 1
  FAULT L_7d, 2, csrr t0, mstatus
  CHECK_H 0, 0, 4                # trap from HS: SPV = 0, SPVP unchanged
  TO_M  L_7e
L_7e:
  csrw  medeleg, zero

  # ---- 8: virtual-instruction exceptions (22), taken in HS
  TEST 8
  li    t0, (1 << 22) | (1 << 2)
  csrw  medeleg, t0
  ATP   a0, vs_root, 1
  csrw  vsatp, a0
  ENTER 1, 1, L_8
L_8:
  FAULT L_8a, 22, hfence.gvma zero, zero
  EXPECT s10, 0x62000073
  CHECK_H 0, 0, 6
  HS_TO_VS L_8b
L_8b:
  FAULT L_8c, 22, hfence.vvma zero, zero
  HS_TO_VS L_8d
L_8d:
  FAULT L_8e, 22, csrr t0, hstatus
  HS_TO_VS L_8f
L_8f:
  FAULT L_8g, 22, csrr t0, hgatp
  HS_TO_VS L_8h
L_8h:
  FAULT L_8i, 2, csrr t0, mstatus   # M-level CSR: illegal, not virtual
  HS_TO_VS L_8j
L_8j:
  FAULT L_8k, 22, hlv.d t0, (s0)
  HS_TO_VS L_8l
L_8l:
  csrr  t1, satp                 # VTVM = 0: satp is vsatp
  EXPECT_EQ t1, a0
  FAULT L_8l2, 22, csrr t0, hgeip  # back to HS
  li    t0, (1 << 21) | (1 << 22) | (1 << 20)
  csrs  hstatus, t0              # VTW, VTSR, VTVM
  HS_TO_VS L_8o
L_8o:
  FAULT L_8p, 22, wfi
  HS_TO_VS L_8q
L_8q:
  FAULT L_8r, 22, sret
  HS_TO_VS L_8s
L_8s:
  FAULT L_8t, 22, sfence.vma
  HS_TO_VS L_8u
L_8u:
  FAULT L_8v, 22, csrr t0, satp
  HS_TO_VS L_8w
L_8w:
  FAULT L_8x, 22, csrw satp, zero
  li    t0, (1 << 21) | (1 << 22) | (1 << 20)
  csrc  hstatus, t0
  csrw  vsatp, zero
  la    t0, L_8m
  csrw  vsepc, t0
  li    t0, 0x100
  csrc  vsstatus, t0
  HS_TO_VS L_8l3
L_8l3:
  sret                           # VTSR = 0: VS sret (vsstatus.SPP = 0 -> VU at vsepc)
  j     fail
L_8m:
  FAULT L_8n, 22, csrr t0, sstatus  # in VU: virtual instruction
  HS_TO_VU L_8y
L_8y:
  FAULT L_8z, 22, sret
  HS_TO_VU L_8A
L_8A:
  FAULT L_8B, 22, wfi
  HS_TO_VU L_8C
L_8C:
  FAULT L_8D, 22, hfence.vvma zero, zero
  TO_M  L_8E
L_8E:
  # mstatus.TW = 1 makes wfi in VS illegal (not virtual)
  li    t0, 1 << 21
  csrs  mstatus, t0
  ENTER 1, 1, L_8F
L_8F:
  FAULT L_8G, 2, wfi
  TO_M  L_8H
L_8H:
  li    t0, 1 << 21
  csrc  mstatus, t0
  # counters: mcounteren.TM = 1, hcounteren.TM = 0 -> virtual; mcounteren.TM = 0 -> illegal
  li    t0, 7
  csrw  mcounteren, t0
  csrw  hcounteren, zero
  ENTER 1, 1, L_8I
L_8I:
  FAULT L_8J, 22, rdtime t0
  TO_M  L_8K
L_8K:
  csrw  mcounteren, zero
  ENTER 1, 1, L_8L
L_8L:
  FAULT L_8M, 2, rdtime t0
  TO_M  L_8N
L_8N:
  csrw  medeleg, zero

  # ---- 9: hlv / hlvx / hsv from HS and from U (HU)
  TEST 9
  ATP   t2, vs_root, 1
  csrw  vsatp, t2
  li    t0, (1 << 13) | (1 << 15) | (1 << 21) | (1 << 23) | (1 << 2) | (1 << 5)
  csrw  medeleg, t0
  li    t0, 0x100
  csrs  hstatus, t0              # SPVP = 1: accesses as VS
  ENTER 1, 0, L_9a
L_9a:
  hlv.d t0, (s0)
  EXPECT t0, 0x1111
  # the hlv translation must not leak into HS's own (Bare) view of VA 0x40000000
  FAULT L_9b, 5, ld t0, 0(s0)
  li    t1, 0x4444
  hsv.d t1, (s0)
  hlv.d t0, (s0)
  EXPECT t0, 0x4444
  la    t2, page_a
  ld    t0, 0(t2)
  EXPECT t0, 0x4444
  li    t1, 0x1111
  hsv.d t1, (s0)
  addi  s1, s0, 8
  li    t1, 0x87654321
  hsv.w t1, (s1)
  hlv.w t0, (s1)
  EXPECT t0, 0xffffffff87654321
  hlv.wu t0, (s1)
  EXPECT t0, 0x87654321
  hlv.h t0, (s1)
  EXPECT t0, 0x4321
  li    t1, 0x8001
  hsv.h t1, (s1)
  hlv.h t0, (s1)
  EXPECT t0, 0xffffffffffff8001
  hlv.hu t0, (s1)
  EXPECT t0, 0x8001
  li    t1, 0x80
  hsv.b t1, (s1)
  hlv.b t0, (s1)
  EXPECT t0, -128
  hlv.bu t0, (s1)
  EXPECT t0, 0x80
  # hlvx: execute permission in both stages instead of read
  li    s1, 0x40003000
  hlvx.wu t0, (s1)
  EXPECT t0, 0x1111
  hlvx.hu t0, (s1)
  EXPECT t0, 0x1111
  FAULT L_9c, 13, hlv.w t0, (s1) # VS stage X only: load page fault, from HS
  EXPECT_EQ s10, s1
  CHECK_H 0, 0, 5                # GVA = 1, SPV = 0, SPVP = 1
  li    t0, 1 << 19
  csrs  vsstatus, t0             # vsstatus.MXR: VS stage readable, G stage still X only
  FAULT L_9d, 21, hlv.w t0, (s1)
  CHECK_H 0x10000c00, 0, 5
  li    t0, 1 << 19
  csrs  sstatus, t0              # sstatus.MXR applies to both stages
  hlv.w t0, (s1)
  EXPECT t0, 0x1111
  li    t0, 1 << 19
  csrc  sstatus, t0
  csrc  vsstatus, t0
  li    s1, 0x40006000
  FAULT L_9e, 21, hlvx.hu t0, (s1)  # VS stage RX, G stage RW: guest-page fault
  EXPECT_EQ s10, s1
  CHECK_H 0x10000000, 0, 5
  FAULT L_9f, 13, hlvx.wu t0, (s0)  # VS stage RW without X
  li    s1, 0x40005000
  FAULT L_9g, 23, hsv.d t0, (s1)
  EXPECT_EQ s10, s1
  CHECK_H 0x10000400, 0, 5
  li    s1, 0x40001000
  FAULT L_9h, 21, hlv.d t0, (s1)
  CHECK_H 0x10000800, 0, 5
  # SPVP selects the privilege: U page from VS needs vsstatus.SUM; VU cannot touch a non-U page
  li    s1, 0x40004000
  FAULT L_9i, 13, hlv.d t0, (s1)
  li    t0, 1 << 18
  csrs  vsstatus, t0
  hlv.d t0, (s1)
  EXPECT t0, 0x1111
  li    t0, 1 << 18
  csrc  vsstatus, t0
  li    t0, 0x100
  csrc  hstatus, t0              # SPVP = 0
  hlv.d t0, (s1)
  EXPECT t0, 0x1111
  FAULT L_9j, 13, hlv.d t0, (s0)
  CHECK_H 0, 0, 1
  TO_M  L_9k
L_9k:
  # from U: legal with hstatus.HU, illegal without
  li    t0, 0x300                # HU, SPVP = 1
  csrs  hstatus, t0
  ENTER 0, 0, L_9l
L_9l:
  hlv.d t0, (s0)
  EXPECT t0, 0x1111
  li    t1, 0x5555
  hsv.d t1, (s0)
  li    s1, 0x40003000
  hlvx.wu t0, (s1)               # same page_a, now 0x5555
  EXPECT t0, 0x5555
  TO_M  L_9u
L_9u:
  li    t0, 0x200
  csrc  hstatus, t0
  la    t2, page_a
  ld    t0, 0(t2)
  EXPECT t0, 0x5555
  li    t0, 0x1111
  sd    t0, 0(t2)
  ENTER 0, 0, L_9m
L_9m:
  FAULT L_9n, 2, hlv.d t0, (s0)  # illegal -> HS
  TO_M  L_9n2
L_9n2:
  ENTER 0, 0, L_9n3
L_9n3:
  FAULT L_9o, 2, hsv.d t0, (s0)
  TO_M  L_9p
L_9p:
  csrw  medeleg, zero

  # ---- 10: hfence operands (translations used through hlv from HS, VMID 1, ASID 1)
  TEST 10
  li    t0, 1 << 2
  csrw  medeleg, t0
  li    t0, 0x100
  csrs  hstatus, t0              # SPVP = 1
  ENTER 1, 0, L_10
L_10:
  hlv.d t0, (s0)
  EXPECT t0, 0x1111
  PTE_L vs_l0, 0, page_b, 0xc7   # VA 0x40000000 -> page_b (GPA = PA), no fence yet
  hlv.d t0, (s0)
  EXPECT t0, 0x1111
  li    t1, 0x40001000
  hfence.vvma t1, zero           # another page
  li    t1, 2
  hfence.vvma zero, t1           # another ASID
  sfence.vma zero, zero          # HS-level translations only
  hlv.d t0, (s0)
  EXPECT t0, 0x1111
  li    t1, 1
  hfence.vvma s0, t1
  hlv.d t0, (s0)
  EXPECT t0, 0x2222
  PTE_A vs_l0, 0, 0x40000000, 0xc7
  hlv.d t0, (s0)
  EXPECT t0, 0x2222
  li    t1, 1
  hfence.vvma zero, t1           # every address of ASID 1
  hlv.d t0, (s0)
  EXPECT t0, 0x1111
  # G stage (VS stage Bare): rs1 is GPA >> 2, rs2 the VMID
  csrw  vsatp, zero
  hlv.d t0, (s0)
  EXPECT t0, 0x1111
  PTE_L g_l0, 0, page_c, 0xd7
  hlv.d t0, (s0)
  EXPECT t0, 0x1111
  li    t1, 0x40001000 >> 2
  hfence.gvma t1, zero           # another guest physical page
  li    t1, 0x40000000 >> 2
  li    t2, 2
  hfence.gvma t1, t2             # another VMID
  sfence.vma zero, zero
  hlv.d t0, (s0)
  EXPECT t0, 0x1111
  li    t2, 1
  hfence.gvma t1, t2
  hlv.d t0, (s0)
  EXPECT t0, 0x3333
  PTE_L g_l0, 0, page_a, 0xd7
  hfence.gvma zero, zero
  hlv.d t0, (s0)
  EXPECT t0, 0x1111
  TO_M  L_10b
L_10b:

  # ---- 11: two VMs (VMID 1, 2) map GVA 0x40000000 differently; a fence in one leaves the other stale
  TEST 11
  li    t0, 1 << 10
  csrw  medeleg, t0              # VS ecall -> HS
  ENTER 1, 0, L_11
L_11:
  ATP   s2, g_root, 1
  ATP   s3, g_root, 2
  ATP   s4, vs_root, 1
  ATP   s5, vs_root2, 1
  csrw  hgatp, s2
  csrw  vsatp, s4
  HS_TO_VS L_11a
L_11a:
  ld    a1, 0(s0)
  FAULT L_11b, 10, ecall
  EXPECT a1, 0x1111
  csrw  hgatp, s3
  csrw  vsatp, s5
  HS_TO_VS L_11c
L_11c:
  ld    a1, 0(s0)
  FAULT L_11d, 10, ecall
  EXPECT a1, 0x2222
  PTE_L vs_l0, 0, page_c, 0xc7   # VM1's PTE changes, no fence for VM1
  hfence.vvma zero, zero         # hgatp.VMID = 2: VM2 only
  HS_TO_VS L_11e
L_11e:
  ld    a1, 0(s0)
  FAULT L_11f, 10, ecall
  EXPECT a1, 0x2222
  csrw  hgatp, s2
  csrw  vsatp, s4
  HS_TO_VS L_11g
L_11g:
  ld    a1, 0(s0)
  FAULT L_11h, 10, ecall
  EXPECT a1, 0x1111              # VM1 still sees its stale translation
  hfence.vvma zero, zero         # hgatp.VMID = 1
  HS_TO_VS L_11i
L_11i:
  ld    a1, 0(s0)
  FAULT L_11j, 10, ecall
  EXPECT a1, 0x3333
  csrw  hgatp, s3
  csrw  vsatp, s5
  HS_TO_VS L_11k
L_11k:
  ld    a1, 0(s0)
  FAULT L_11l, 10, ecall
  EXPECT a1, 0x2222
  csrw  hgatp, s2
  PTE_A vs_l0, 0, 0x40000000, 0xc7
  hfence.vvma zero, zero
  TO_M  L_11m
L_11m:
  csrw  medeleg, zero

  # ---- 12: htimedelta is added to time in VS
  TEST 12
  csrw  vsatp, zero
  li    t0, 7
  csrw  mcounteren, t0
  csrw  hcounteren, t0
  BIT   t0, 40
  csrw  htimedelta, t0
  ENTER 1, 1, L_12
L_12:
  rdtime a1
  TO_M  L_12b
L_12b:
  rdtime a2
  BIT   t0, 40
  sub   a1, a1, t0               # guest time - delta
  bgeu  a2, a1, 1f               # host time read later is not smaller
  j     fail
1:
  sub   a2, a2, a1
  li    t0, 10000
  bltu  a2, t0, 1f
  j     fail
1:
  csrw  htimedelta, zero
  # VU additionally needs scounteren.TM
  li    t0, 1 << 22
  csrw  medeleg, t0
  csrw  scounteren, zero
  ENTER 0, 1, L_12c
L_12c:
  FAULT L_12d, 22, rdtime t0
  TO_M  L_12e
L_12e:
  csrw  medeleg, zero

  # ---- 13: hvip VSSIP/VSTIP/VSEIP: VS interrupts (vscause 1/5/9) via hideleg, else HS (2/6/10)
  TEST 13
  la    t0, vsirq
  csrw  vstvec, t0
  li    t0, 0x444
  csrw  hideleg, t0
  csrw  mie, t0
  li    t0, 2
  csrs  vsstatus, t0             # vsstatus.SIE
  li    a3, 2                    # hvip bit 2 -> cause 1
  li    a4, 1
  ENTER 1, 0, L_13
L_13:
  li    t0, 0x444
  csrw  hie, t0
  li    t0, 0x222
  csrw  vsie, t0
  csrw  vsie, t0
  li    s8, 0
  sll   t0, a4, a3
  csrw  hvip, t0
  HS_TO_VS L_13a
L_13a:
  li    t0, 1
  slli  t0, t0, 63
  addi  t1, a3, -1
  or    t0, t0, t1
  EXPECT_EQ s8, t0
  la    t1, L_13a
  EXPECT_EQ s9, t1
  TO_M  L_13b
L_13b:
  csrw  hvip, zero
  addi  a3, a3, 4
  li    t0, 14
  bltu  a3, t0, 1f
  j     L_13c
1:
  ENTER 1, 0, L_13
L_13c:
  # not in hideleg: the VS interrupt is taken in HS even though HS has SIE = 0
  csrw  hideleg, zero
  csrr  t1, mie
  EXPECT t1, 0                   # vsie is an alias of hie's VS bits: the VS handler cleared them
  li    t0, 0x444
  csrw  mie, t0
  li    t0, 1 << 10
  csrw  hvip, t0
  la    t0, hsirq
  csrw  stvec, t0
  li    s8, 0
  ENTER 1, 1, L_13d
L_13d:
  li    t0, 1                    # the interrupt was taken before this instruction, in HS
  slli  t0, t0, 63
  ori   t0, t0, 10
  EXPECT_EQ s8, t0
  la    t1, L_13d
  EXPECT_EQ s9, t1
  la    t5, tinfo
  ld    t4, 16(t5)
  srli  t4, t4, 6
  andi  t4, t4, 7
  EXPECT t4, 6                   # hstatus: SPV = 1, SPVP = 1, GVA = 0
  TO_M  L_13f
L_13f:
  csrw  mie, zero
  la    t0, vstrap
  csrw  vstvec, t0
  la    t0, strap
  csrw  stvec, t0

  j     pass

  # VS interrupt handler: records vscause/vsepc, disables every VS interrupt, returns.
  .align 2
vsirq:
  csrr  s8, scause
  csrr  s9, sepc
  csrw  sie, zero
  sret

  # HS interrupt handler: records scause/sepc/hstatus, clears hvip, returns (to VS).
  .align 2
hsirq:
  csrr  s8, scause
  csrr  s9, sepc
  csrr  t6, hstatus
  la    t5, tinfo
  sd    t6, 16(t5)
  csrw  hvip, zero
  sret

  .section .tohost, "aw", @progbits
  .align 6
  .globl tohost
tohost: .dword 0
  .align 6
  .globl fromhost
fromhost: .dword 0

  .section .data
  .align 14
g_root: .zero 16384
g_l1: .zero 4096
g_l0: .zero 4096
vs_root: .zero 4096
vs_l1: .zero 4096
vs_l0: .zero 4096
vs_root2: .zero 4096
vs_l1b: .zero 4096
vs_l0b: .zero 4096
page_a: .dword 0x1111
  .align 12
page_b: .dword 0x2222
  .align 12
page_c: .dword 0x3333
  .align 12
tinfo: .zero 64
