/*
 * hello-vm: a tiny guest kernel for the HyperLab hypervisor. It starts in VS mode with paging off
 * (vsatp = 0) at guest-physical 0x80000000, under the hypervisor's nested (G-stage) paging, and:
 *   1. asks the hypervisor for its ABI version and the VM's RAM size (hypercalls),
 *   2. checks the SBI spec version (SBI base extension),
 *   3. builds Sv39 page tables: an identity 2 MiB megapage over its RAM, the same RAM again at
 *      the high-half address 0xffffffc000000000 (a gigapage), and the device gigapage at 0,
 *   4. turns paging on (csrw satp, which is vsatp under V=1, then sfence.vma) and jumps to the
 *      high half,
 *   5. prints through the SBI debug console (DBCN) and, once, through the emulated 16550 UART
 *      (every UART register access is an MMIO exit the hypervisor emulates),
 *   6. shuts the VM down with SBI system reset (SRST).
 * Any unexpected trap prints "trap!" and shuts down with reason "system failure".
 */
#include "sbi.h"

  .equ KOFF, 0xffffffbf80000000     /* high-half VA - PA of the kernel */
  .equ UART, 0x10000000
  .equ PTE_LEAF_RWX, 0xcf           /* V R W X A D */
  .equ PTE_LEAF_RW, 0xc7            /* V R W A D */

  .section .text.init, "ax", @progbits
  .globl _start
_start:
  la sp, stack_top
  la t0, trap
  csrw stvec, t0

  la a0, msg_boot
  call puts

  /* Hypercall: ABI version must be 1.0. */
  li a7, HC_EID
  li a6, HC_VERSION
  ecall
  bnez a0, fail
  li t0, 0x10000
  bne a1, t0, fail

  /* Hypercall: RAM size of this VM (must be non-zero). */
  li a7, HC_EID
  li a6, HC_VM_INFO
  li a0, VM_INFO_RAM_SIZE
  ecall
  bnez a0, fail
  beqz a1, fail

  /* SBI base: spec version major 2. */
  li a7, SBI_EXT_BASE
  li a6, 0
  ecall
  bnez a0, fail
  srli t0, a1, 24
  li t1, 2
  bne t0, t1, fail

  /* Sv39 tables: root[0] = device gigapage, root[2] -> L1, L1[0] = RAM megapage, root[256] = RAM gigapage. */
  la s0, pt_root
  la s1, pt_l1
  li t0, PTE_LEAF_RW                /* PPN 0: GPA 0..1 GiB, no execute */
  sd t0, 0(s0)
  srli t0, s1, 12
  slli t0, t0, 10
  ori t0, t0, 1                     /* pointer to L1 */
  sd t0, 16(s0)
  li t0, 0x80000000
  srli t0, t0, 12
  slli t0, t0, 10
  ori t1, t0, PTE_LEAF_RWX
  sd t1, 0(s1)                      /* 0x80000000 (2 MiB) -> 0x80000000 */
  addi t2, s0, 1024
  sd t1, 1024(t2)                   /* root[256]: 0xffffffc000000000 (1 GiB) -> 0x80000000 */

  srli t0, s0, 12
  li t1, 8
  slli t1, t1, 60
  or t0, t0, t1
  csrw satp, t0                     /* vsatp under V=1 */
  sfence.vma

  /* Into the high half: pc, sp and the trap vector. */
  li t1, KOFF
  la t0, high
  add t0, t0, t1
  add sp, sp, t1
  jr t0

high:
  la t0, trap
  csrw stvec, t0
  la a0, msg_paging
  call puts

  /* The emulated UART: poll LSR.THRE, write THR. */
  la s2, msg_uart
1:lbu s3, 0(s2)
  beqz s3, 3f
  li s4, UART
2:lbu t0, 5(s4)
  andi t0, t0, 0x20
  beqz t0, 2b
  sb s3, 0(s4)
  addi s2, s2, 1
  j 1b
3:
  la a0, msg_bye
  call puts

  /* SRST: shutdown, no reason. */
  li a7, SBI_EXT_SRST
  li a6, 0
  li a0, 0
  li a1, 0
  ecall
  j fail                            /* not reached */

/* puts(a0 = string, virtual or physical): DBCN console_write takes a guest-physical address. */
puts:
  mv t0, a0
1:lbu t1, 0(t0)
  beqz t1, 2f
  addi t0, t0, 1
  j 1b
2:sub t2, t0, a0                    /* length */
  li t3, KOFF
  bltu a0, t3, 3f                   /* below the high half: already physical */
  sub a0, a0, t3
3:mv a1, a0
  mv a0, t2
  li a2, 0
  li a7, SBI_EXT_DBCN
  li a6, 0
  ecall
  ret

  .align 2
trap:
  la a0, msg_trap
  call puts
fail:
  li a7, SBI_EXT_SRST
  li a6, 0
  li a0, 0
  li a1, 1                          /* system failure */
  ecall
1:j 1b

  .section .rodata
msg_boot:   .asciz "hello-vm: booting in VS mode, paging off\n"
msg_paging: .asciz "hello-vm: Sv39 on (vsatp), running in the high half\n"
msg_uart:   .asciz "hello-vm: UART\n"
msg_bye:    .asciz "hello-vm: bye\n"
msg_trap:   .asciz "hello-vm: trap!\n"

  .section .bss
  .align 12
pt_root: .zero 4096
pt_l1:   .zero 4096
stack:   .zero 4096
stack_top:
