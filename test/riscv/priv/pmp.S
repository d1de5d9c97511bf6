# PMP (priv 1.12, 3.7): NA4, NAPOT and TOR regions; the lowest-numbered matching entry decides;
# an access that only partly overlaps that entry fails; S/U fail when no entry matches (some are
# configured) while M succeeds; M ignores unlocked entries (but not a partial match); L locks an entry (and the address
# below a locked TOR entry) and applies it to M; implicit page-table reads are checked (access
# fault of the original access type); fetch/load/store access faults with mtval. Traps go to M.
  .include "penv.S"

.macro FAULT name, cause, insn:vararg
  TRAP_EXPECT \name\()_r
\name\()_i:
  \insn
  j     fail
\name\()_r:
  TRAP_CHECK_CAUSE \cause, \name\()_i
.endm

# Entries:
#  0 NA4   page_x+8               R
#  1 NAPOT page_x (4 KiB)         RW
#  2 OFF   (TOR base = page_t)
#  3 TOR   [page_t, page_t+8 KiB) R
#  4 NAPOT pt_l1 (4 KiB)          no permission
#  5 NAPOT RAM 0x80000000..+2 MiB RWX   (RAM above 2 MiB: no entry)
  TEST 1
  la    s0, page_x
  la    s1, page_t
  addi  t0, s0, 8
  srli  t0, t0, 2
  csrw  pmpaddr0, t0
  srli  t0, s0, 2
  ori   t0, t0, 0x1ff
  csrw  pmpaddr1, t0
  srli  t0, s1, 2
  csrw  pmpaddr2, t0
  li    t1, 0x2000
  add   t0, s1, t1
  srli  t0, t0, 2
  csrw  pmpaddr3, t0
  la    t0, pt_l1
  srli  t0, t0, 2
  ori   t0, t0, 0x1ff
  csrw  pmpaddr4, t0
  li    t0, (0x80000000 >> 2) | 0x3ffff
  csrw  pmpaddr5, t0
  li    t0, 0x1f1809001b11
  csrw  pmpcfg0, t0
  csrr  t1, pmpcfg0
  EXPECT_EQ t1, t0
  li    s2, 0x80300000        # no entry
  li    t0, 0x5a
  sd    t0, 0(s2)             # M: no match succeeds
  sd    t0, 0(s1)             # M: unlocked R-only entry does not apply
  sw    t0, 8(s0)
  FAULT L_1a, 5, ld t1, 8(s0)   # M too: 8 bytes, unlocked NA4 entry 0 covers 4 (a partial match fails irrespective of L)
  addi  t1, s0, 8
  EXPECT_EQ s10, t1
  ld    t1, 0(s1)
  EXPECT t1, 0x5a
  li    t0, 0x1234
  sd    t0, 0(s1)

  # ---- 2: S-mode data accesses
  TEST 2
  ENTER 1, 0, L_2
L_2:
  lw    t0, 8(s0)             # NA4 R
  FAULT L_2a, 7, sw t0, 8(s0)   # entry 0 decides although entry 1 allows writes
  addi  t1, s0, 8
  EXPECT_EQ s10, t1
  ENTER 1, 0, L_2b
L_2b:
  FAULT L_2c, 5, ld t0, 8(s0)   # 8 bytes, entry 0 covers 4: partial match
  addi  t1, s0, 8
  EXPECT_EQ s10, t1
  ENTER 1, 0, L_2d
L_2d:
  li    t0, 0x77
  sd    t0, 16(s0)            # entry 1 RW
  ld    t1, 16(s0)
  EXPECT t1, 0x77
  sw    t0, 12(s0)            # just above the NA4 word
  ld    t0, 0(s1)             # TOR R
  EXPECT t0, 0x1234
  li    t1, 0x1ff8
  add   s3, s1, t1
  FAULT L_2e, 7, sd t0, 0(s3)   # last doubleword of the TOR range
  EXPECT_EQ s10, s3
  ENTER 1, 0, L_2f
L_2f:
  li    t1, 0x2000
  add   t1, s1, t1
  sd    t0, 0(t1)             # TOR top is exclusive: entry 5
  sd    t0, -8(s1)            # below the TOR base: entry 5
  FAULT L_2g, 5, ld t0, 0(s2)   # no entry matches
  EXPECT_EQ s10, s2
  ENTER 1, 0, L_2h
L_2h:
  FAULT L_2i, 7, amoadd.d t0, t0, (s2)
  EXPECT_EQ s10, s2

  # ---- 3: instruction access faults
  TEST 3
  ENTER 1, 0, L_3
L_3:
  TRAP_EXPECT L_3a
  jalr  s1                    # TOR R only
  j     fail
L_3a:
  EXPECT s8, 1
  EXPECT_EQ s9, s1
  EXPECT_EQ s10, s1
  ENTER 1, 0, L_3b
L_3b:
  TRAP_EXPECT L_3c
  jalr  s0                    # NAPOT RW
  j     fail
L_3c:
  EXPECT s8, 1
  EXPECT_EQ s10, s0
  ENTER 0, 0, L_3d            # U-mode: same rules
L_3d:
  TRAP_EXPECT L_3e
  jalr  s2
  j     fail
L_3e:
  EXPECT s8, 1
  EXPECT_EQ s10, s2

  # ---- 4: MPRV: M-mode loads/stores checked with MPP's privilege
  TEST 4
  li    t0, 0x1800
  csrc  mstatus, t0
  li    t0, (1 << 11) | (1 << 17)  # MPP = S, MPRV
  csrs  mstatus, t0
  FAULT L_4a, 5, ld t0, 0(s2)
  li    t0, 1 << 17
  csrc  mstatus, t0
  ld    t0, 0(s2)

  # ---- 5: implicit page-table reads are checked as S-mode reads: access fault of the access type
  TEST 5
  la    t0, pt_root
  li    t1, (0x80000 << 10) | 0xcf
  sd    t1, 16(t0)            # VA 0x80000000.. identity gigapage
  la    t1, pt_l1
  srli  t1, t1, 12
  slli  t1, t1, 10
  ori   t1, t1, 1
  sd    t1, 8(t0)             # VA 0x40000000.. -> pt_l1 (entry 4: no permission)
  srli  t0, t0, 12
  li    t1, 8 << 60
  or    t0, t0, t1
  csrw  satp, t0
  sfence.vma
  li    s3, 0x40000000
  ENTER 1, 0, L_5
L_5:
  FAULT L_5a, 5, ld t0, 0(s3)
  EXPECT_EQ s10, s3
  ENTER 1, 0, L_5b
L_5b:
  FAULT L_5c, 7, sd t0, 0(s3)
  EXPECT_EQ s10, s3
  ENTER 1, 0, L_5d
L_5d:
  TRAP_EXPECT L_5e
  jalr  s3
  j     fail
L_5e:
  EXPECT s8, 1
  EXPECT_EQ s10, s3
  csrw  satp, zero
  sfence.vma

  # ---- 6: locked entries: apply to M, ignore writes (cfg and address, and the TOR base below)
  TEST 6
  li    t0, 0x80
  csrs  pmpcfg0, t0           # lock entry 0 (NA4 R)
  lw    t0, 8(s0)             # M reads
  FAULT L_6a, 7, sw t0, 8(s0)   # M may not write
  addi  t1, s0, 8
  EXPECT_EQ s10, t1
  sd    t0, 16(s0)            # entry 1 is not locked: M ignores it
  li    t0, 0x1f
  csrc  pmpcfg0, t0           # try to turn entry 0 off
  csrw  pmpaddr0, zero
  csrr  t1, pmpcfg0
  andi  t1, t1, 0xff
  EXPECT t1, 0x91
  csrr  t1, pmpaddr0
  addi  t0, s0, 8
  srli  t0, t0, 2
  EXPECT_EQ t1, t0
  li    t0, 1
  slli  t0, t0, 31
  csrs  pmpcfg0, t0           # lock entry 3 (TOR R)
  csrw  pmpaddr2, zero        # base of a locked TOR entry: ignored
  csrr  t1, pmpaddr2
  srli  t0, s1, 2
  EXPECT_EQ t1, t0
  csrw  pmpaddr3, zero
  csrr  t1, pmpaddr3
  li    t0, 0x2000
  add   t0, s1, t0
  srli  t0, t0, 2
  EXPECT_EQ t1, t0
  ld    t0, 0(s1)
  FAULT L_6b, 7, sd t0, 0(s1)
  EXPECT_EQ s10, s1
  TRAP_EXPECT L_6c
  jalr  s1                    # no X for M either
  j     fail
L_6c:
  EXPECT s8, 1
  EXPECT_EQ s10, s1
  ld    t0, 0(s2)             # M, no match: still allowed
  # unlocked entries in the same CSR remain writable: entry 1 becomes R only
  li    t0, 0x1b00
  csrc  pmpcfg0, t0
  li    t0, 0x1900
  csrs  pmpcfg0, t0
  csrr  t1, pmpcfg0
  srli  t1, t1, 8
  andi  t1, t1, 0xff
  EXPECT t1, 0x19
  ENTER 1, 0, L_6d
L_6d:
  ld    t0, 16(s0)
  FAULT L_6e, 7, sd t0, 16(s0)

  j     pass

  .section .tohost, "aw", @progbits
  .align 6
  .globl tohost
tohost: .dword 0
  .align 6
  .globl fromhost
fromhost: .dword 0

  .section .data
  .align 12
pt_root: .zero 4096
pt_l1: .zero 4096
page_x: .zero 4096
page_t: .zero 8192
  .align 12
tinfo: .zero 64
