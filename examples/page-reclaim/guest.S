/*
 * Page-reclaim guest kernel (VS mode, Sv39). Guest RAM: 2 MiB at 0x80000000.
 *
 *   0x80000000  this image (code, data, stack)
 *   0x8000E000  Sv39 root table: identity gigapage at 0x80000000 and the kernel alias
 *               0xffffffc080000000 -> 0x80000000 (VPN[2] = 0x102)
 *   0x8000F000  free-page bitmap: 8 u64 words, bit i = page 0x80000000 + i * 4 KiB is free
 *               (seen by the page-reclaim callback at 0xffffffc08000f000)
 *   0x8000F400  ring of 32 held pages (the workload's working set)
 *   0x8000F600  trap save area
 *   0x8000F800  balloon report array (up to 64 page frame numbers)
 *   0x80010000  page pool: pages 16..511
 *
 * Boot scrubs every pool page (so the host has mapped them all), marks them free, then the
 * workload allocates the lowest free page, writes its address into it, holds it in a ring
 * slot and frees the page the slot held before (after checking its content: a swapped-out page
 * must come back intact). Allocation and free run with interrupts off.
 * Balloon driver: the supervisor software interrupt asks HC_BALLOON_TARGET for a page count,
 * takes that many pages off the free bitmap and reports them with HC_BALLOON_REPORT in
 * batches of 64 frame numbers.
 */
#include "sbi.h"
#define ROOT   0x8000E000
#define BITMAP 0x8000F000
#define RING   0x8000F400
#define SAVE   0x8000F600
#define BARRAY 0x8000F800
#define POOL   0x80010000
#define RAMEND 0x80200000
#define ITER   8000

  .section .text.init, "ax", @progbits
  .globl _start
_start:
  la sp, stack_top
  la t0, trap
  csrw stvec, t0
  /* page tables */
  li t0, ROOT
  li t1, 0x200000cf          /* PPN 0x80000 << 10 | D A X W R V */
  sd t1, 16(t0)
  li t2, 0x810
  add t2, t2, t0
  sd t1, 0(t2)
  li t1, 8
  slli t1, t1, 60
  srli t2, t0, 12
  or t1, t1, t2
  csrw satp, t1
  sfence.vma
  /* scrub the pool */
  li t0, POOL
  li t1, RAMEND
1:sd zero, 0(t0)
  addi t0, t0, 8
  bltu t0, t1, 1b
  /* clear the ring, mark pool pages free */
  li t0, RING
  li t1, 32
2:sd zero, 0(t0)
  addi t0, t0, 8
  addi t1, t1, -1
  bnez t1, 2b
  li t0, BITMAP
  li t1, -1
  slli t2, t1, 16            /* word 0: pages 16..63 */
  sd t2, 0(t0)
  li t3, 7
3:addi t0, t0, 8
  sd t1, 0(t0)
  addi t3, t3, -1
  bnez t3, 3b
  /* enable the supervisor software interrupt (balloon) */
  li t0, 2
  csrs sie, t0
  csrs sstatus, t0

  li s0, 0                   /* iteration */
  li s1, ITER
loop:
  andi t0, s0, 31
  slli t0, t0, 3
  li s2, RING
  add s2, s2, t0             /* s2 = ring slot */
  ld a0, 0(s2)
  beqz a0, 4f
  ld t1, 0(a0)               /* the page must still hold its address */
  bne t1, a0, bad
  li t0, 2
  csrc sstatus, t0
  jal ra, free
  li t0, 2
  csrs sstatus, t0
4:li t0, 2
  csrc sstatus, t0
  jal ra, alloc
  li t0, 2
  csrs sstatus, t0
  sd a0, 0(s2)
  beqz a0, 5f
  sd a0, 0(a0)
  sd s0, 8(a0)
  sd s0, 2040(a0)
5:addi s0, s0, 1
  bltu s0, s1, loop
  j pass

/* a0 = a free page (lowest), taken off the bitmap; 0 if none. Uses t0-t4. */
alloc:
  li t0, BITMAP
  li t1, 0                   /* word index */
6:ld t2, 0(t0)
  bnez t2, 7f
  addi t0, t0, 8
  addi t1, t1, 1
  li t3, 8
  bltu t1, t3, 6b
  li a0, 0
  ret
7:li t3, 0                   /* bit */
8:srl t4, t2, t3
  andi t4, t4, 1
  bnez t4, 9f
  addi t3, t3, 1
  j 8b
9:li t4, 1
  sll t4, t4, t3
  not t4, t4
  and t2, t2, t4
  sd t2, 0(t0)
  slli t1, t1, 6
  add t1, t1, t3
  slli t1, t1, 12
  li a0, 0x80000000
  add a0, a0, t1
  ret

/* frees page a0. Uses t0-t3. */
free:
  li t0, 0x80000000
  sub t0, a0, t0
  srli t0, t0, 12
  srli t1, t0, 6
  slli t1, t1, 3
  li t2, BITMAP
  add t2, t2, t1
  andi t0, t0, 63
  li t1, 1
  sll t1, t1, t0
  ld t3, 0(t2)
  or t3, t3, t1
  sd t3, 0(t2)
  ret

  .align 2
trap:
  csrw sscratch, t0
  li t0, SAVE
  sd ra, 0(t0)
  sd t1, 8(t0)
  sd t2, 16(t0)
  sd t3, 24(t0)
  sd t4, 32(t0)
  sd a0, 40(t0)
  sd a1, 48(t0)
  sd a6, 56(t0)
  sd a7, 64(t0)
  sd s3, 72(t0)
  sd s4, 80(t0)
  csrr t1, scause
  li t2, -1
  srli t2, t2, 1
  not t2, t2
  addi t2, t2, 1             /* interrupt, code 1: supervisor software */
  bne t1, t2, bad
  li a7, HC_EID
  li a6, HC_BALLOON_TARGET
  ecall
  mv s3, a1                  /* pages still to give */
10:beqz s3, 13f
  li s4, 0                   /* batch count */
11:jal ra, alloc
  beqz a0, 12f
  srli a0, a0, 12
  slli t1, s4, 3
  li t2, BARRAY
  add t2, t2, t1
  sd a0, 0(t2)
  addi s4, s4, 1
  addi s3, s3, -1
  beqz s3, 12f
  li t1, 64
  bltu s4, t1, 11b
12:beqz s4, 13f
  li a0, BARRAY
  mv a1, s4
  li a7, HC_EID
  li a6, HC_BALLOON_REPORT
  ecall
  j 10b
13:li t0, SAVE
  ld ra, 0(t0)
  ld t1, 8(t0)
  ld t2, 16(t0)
  ld t3, 24(t0)
  ld t4, 32(t0)
  ld a0, 40(t0)
  ld a1, 48(t0)
  ld a6, 56(t0)
  ld a7, 64(t0)
  ld s3, 72(t0)
  ld s4, 80(t0)
  csrr t0, sscratch
  sret

bad:
  li a7, SBI_EXT_SRST
  li a6, 0
  li a0, 0
  li a1, 1
  ecall
1:j 1b
pass:
  li a7, SBI_EXT_SRST
  li a6, 0
  li a0, 0
  li a1, 0
  ecall
1:j 1b

  .section .bss
  .align 12
stack: .zero 4096
stack_top:
