/*
 * two-vms guest: the same kernel runs in two VMs (different memory sizes, 2 vCPUs each) on a
 * 2-hart machine, so four vCPUs share two harts. Paging stays off (vsatp = 0): addresses are
 * guest-physical, and both VMs use the same ones — the hypervisor keeps them apart with separate
 * G-stage tables and VMIDs.
 *
 * vCPU 0: asks the hypervisor which VM it is (hypercall vm_info), writes a VM-specific marker
 * word, prints its VM id and RAM size, starts vCPU 1 (SBI HSM hart_start), sums 1..20000 itself
 * (so four vCPUs compete for two harts and timeslices end with preemptions), then sleeps in wfi (the
 * hypervisor gives the hart to another vCPU) until vCPU 1's IPI arrives; then checks the marker
 * (the other VM wrote its own marker at the same guest-physical address) and vCPU 1's result,
 * prints, and shuts the VM down (SBI SRST).
 * vCPU 1: sums 1..40000 (long enough to be preempted at timeslice ends), stores the result,
 * prints, sends an IPI to vCPU 0 and stops itself (HSM hart_stop).
 */
#include "sbi.h"

  .equ N, 40000
  .equ SUM, 800020000               /* N * (N + 1) / 2 */
  .equ SUM0, 200010000              /* (N/2) * (N/2 + 1) / 2 */

  .section .text.init, "ax", @progbits
  .globl _start
_start:
  bnez a0, secondary
  la sp, stack0_top
  la t0, trap
  csrw stvec, t0

  li a7, HC_EID
  li a6, HC_VM_INFO
  li a0, VM_INFO_ID
  ecall
  bnez a0, fail
  mv s0, a1                         /* VM id (1, 2, ...) */
  li t0, 0x1111
  mul t0, t0, s0
  la t1, marker
  sd t0, 0(t1)

  li a7, HC_EID
  li a6, HC_VM_INFO
  li a0, VM_INFO_RAM_SIZE
  ecall
  bnez a0, fail
  srli s1, a1, 20                   /* MiB */

  la a0, msg_vm
  call puts
  mv a0, s0
  call putdec
  la a0, msg_up
  call puts
  mv a0, s1
  call putdec
  la a0, msg_mib
  call puts

  li t0, 2
  csrs sie, t0                      /* SSIE: an IPI ends the wfi (SIE stays 0: no trap) */
  li a7, SBI_EXT_HSM
  li a6, 0                          /* hart_start(1, secondary, opaque = VM id) */
  li a0, 1
  la a1, _start
  mv a2, s0
  ecall
  bnez a0, fail

  li t0, 0                          /* some work of its own meanwhile: 4 vCPUs want 2 harts */
  li t1, 1
  li t2, N / 2
2:add t0, t0, t1
  addi t1, t1, 1
  ble t1, t2, 2b
  li t2, SUM0
  bne t0, t2, fail

1:wfi
  csrr t0, sip
  andi t0, t0, 2
  beqz t0, 1b
  csrc sip, t0
  la t1, done
  ld t0, 0(t1)
  beqz t0, 1b

  la t1, marker                     /* still this VM's marker? */
  ld t0, 0(t1)
  li t2, 0x1111
  mul t2, t2, s0
  bne t0, t2, fail
  la t1, result
  ld t0, 0(t1)
  li t2, SUM
  bne t0, t2, fail

  la a0, msg_vm
  call puts
  mv a0, s0
  call putdec
  la a0, msg_ok
  call puts
  li a7, SBI_EXT_SRST
  li a6, 0
  li a0, 0
  li a1, 0
  ecall
  j fail

secondary:                          /* a0 = 1, a1 = VM id */
  la sp, stack1_top
  mv s0, a1
  li t0, 0
  li t1, 1
  li t2, N
2:add t0, t0, t1
  addi t1, t1, 1
  ble t1, t2, 2b
  la t1, result
  sd t0, 0(t1)
  fence rw, rw
  li t0, 1
  la t1, done
  sd t0, 0(t1)
  la a0, msg_vm
  call puts
  mv a0, s0
  call putdec
  la a0, msg_v1
  call puts
  li a7, SBI_EXT_IPI
  li a6, 0                          /* send_ipi(mask = 1, base = 0): vCPU 0 */
  li a0, 1
  li a1, 0
  ecall
  li a7, SBI_EXT_HSM
  li a6, 1                          /* hart_stop */
  ecall
  j fail

/* puts(a0 = NUL-terminated string, guest-physical) through DBCN console_write. */
puts:
  mv t0, a0
1:lbu t1, 0(t0)
  beqz t1, 2f
  addi t0, t0, 1
  j 1b
2:sub a1, t0, a0
  mv t3, a0
  mv a0, a1
  mv a1, t3
  li a2, 0
  li a7, SBI_EXT_DBCN
  li a6, 0
  ecall
  ret

/* putdec(a0): decimal, through a buffer on the stack. */
putdec:
  addi sp, sp, -48
  sd ra, 40(sp)
  addi t0, sp, 32
  sb zero, 0(t0)
  li t2, 10
1:remu t1, a0, t2
  addi t1, t1, '0'
  addi t0, t0, -1
  sb t1, 0(t0)
  divu a0, a0, t2
  bnez a0, 1b
  mv a0, t0
  call puts
  ld ra, 40(sp)
  addi sp, sp, 48
  ret

  .align 2
trap:
fail:
  li a7, SBI_EXT_SRST
  li a6, 0
  li a0, 0
  li a1, 1                          /* system failure */
  ecall
1:j 1b

  .section .rodata
msg_vm:  .asciz "vm"
msg_up:  .asciz ": vcpu0 up, "
msg_mib: .asciz " MiB of guest RAM\n"
msg_v1:  .asciz ": vcpu1 done\n"
msg_ok:  .asciz ": marker and vcpu1 result ok, shutting down\n"

  .section .data
  .align 3
marker: .dword 0
result: .dword 0
done:   .dword 0

  .section .bss
  .align 12
stack0: .zero 4096
stack0_top:
stack1: .zero 4096
stack1_top:
