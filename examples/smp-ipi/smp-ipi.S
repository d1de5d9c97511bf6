# smp-ipi: an S-mode kernel on 4 harts under the native SBI firmware (firmware 'sbi').
#
#  1. Hart 0 boots (a0 = hartid, a1 = 0), prints a banner through SBI DBCN and starts harts 1-3
#     with SBI HSM hart_start at _start, passing opaque = hartid << 8.
#  2. Every hart checks its opaque value, joins a barrier (AMO), then sends ROUNDS messages to the
#     next hart in a ring: each message is an AMO increment of the receiver's mailbox followed by
#     an SBI IPI. The receiver's supervisor-software interrupt handler drains its mailbox with
#     amoswap (IPIs that arrive together coalesce into one SSIP, messages never get lost).
#  3. Every hart adds 1 to a shared counter N times with amoadd.d, joins a second barrier, checks
#     that the counter is NHARTS * N and prints what it saw.
#  4. Harts 1-3 stop themselves (hart_stop); hart 0 waits until HSM reports them STOPPED, prints
#     a summary and shuts the machine down with SBI SRST (shutdown: the run passes). Any failed
#     check shuts down with reason "system failure" (the run fails).

#define NHARTS 4
#define N 1000
#define ROUNDS 5

#define SBI_IPI 0x735049
#define SBI_HSM 0x48534d
#define SBI_SRST 0x53525354
#define SBI_DBCN 0x4442434e

  .macro SBI eid, fid
  li a7, \eid
  li a6, \fid
  ecall
  .endm

  .section .text.init, "ax", @progbits
  .globl _start
_start:
  mv tp, a0                 # hart id
  slli t0, a0, 8
  bne a1, t0, die           # opaque = hartid << 8 (0 for the boot hart)
  la sp, stacks
  addi t0, tp, 1
  slli t0, t0, 12
  add sp, sp, t0            # 4 KiB stack per hart
  la t0, trap
  csrw stvec, t0
  li t0, 2
  csrs sie, t0              # SSIE (sstatus.SIE stays off until the barrier)
  bnez tp, online_barrier

  la a0, banner
  call puts
  li s0, 1
1: mv a0, s0
  la a1, _start
  slli a2, s0, 8
  SBI SBI_HSM, 0            # hart_start(hartid, _start, opaque)
  bnez a0, die
  addi s0, s0, 1
  li t0, NHARTS
  bne s0, t0, 1b

online_barrier:
  la t0, online
  li t1, 1
  amoadd.w zero, t1, (t0)
1: lw t1, 0(t0)
  li t2, NHARTS
  bne t1, t2, 1b
  csrsi sstatus, 2          # interrupts on

  # --- ring of messages ---------------------------------------------------------------------
  addi s0, tp, 1            # next hart
  li t0, NHARTS
  bne s0, t0, 1f
  li s0, 0
1: la t0, mailbox
  slli t1, s0, 2
  add s5, t0, t1            # &mailbox[next]
  li s1, ROUNDS
2: li t0, 1
  amoadd.w zero, t0, (s5)
  li a0, 1
  sll a0, a0, s0            # hart_mask = 1 << next, hart_mask_base = 0
  li a1, 0
  SBI SBI_IPI, 0
  bnez a0, die
  addi s1, s1, -1
  bnez s1, 2b
  la t0, received
  slli t1, tp, 2
  add s2, t0, t1            # &received[me]
3: lw t1, 0(s2)
  li t2, ROUNDS
  bgeu t1, t2, 4f
  wfi
  j 3b
4: bne t1, t2, die          # exactly ROUNDS messages

  # --- shared counter -----------------------------------------------------------------------
  la s3, counter
  li s1, N
5: li t0, 1
  amoadd.d zero, t0, (s3)
  addi s1, s1, -1
  bnez s1, 5b
  la t0, done
  li t1, 1
  amoadd.w zero, t1, (t0)
6: lw t1, 0(t0)
  li t2, NHARTS
  bne t1, t2, 6b
  ld s4, 0(s3)
  li t0, NHARTS * N
  bne s4, t0, die

  # --- report: "hart H: counter = C, messages = M, interrupts = I\n" --------------------------
  la a0, lines
  slli t0, tp, 7
  add a0, a0, t0            # 128-byte line buffer per hart
  mv s6, a0
  la a1, s_hart
  call append_str
  addi a1, tp, 0
  call append_dec
  la a1, s_counter
  call append_str
  mv a1, s4
  call append_dec
  la a1, s_messages
  call append_str
  lw a1, 0(s2)
  call append_dec
  la a1, s_interrupts
  call append_str
  la t0, interrupts
  slli t1, tp, 2
  add t0, t0, t1
  lw a1, 0(t0)
  call append_dec
  li t0, '\n'
  sb t0, 0(a0)
  addi a0, a0, 1
  sub a0, a0, s6            # length
  mv a1, s6
  li a2, 0
  SBI SBI_DBCN, 0           # console_write(length, address, 0)
  bnez a0, die
  csrci sstatus, 2

  bnez tp, secondary_exit
  li s0, 1                  # wait until harts 1..3 are STOPPED
7: mv a0, s0
  SBI SBI_HSM, 2
  bnez a0, die
  li t0, 1
  bne a1, t0, 7b
  addi s0, s0, 1
  li t0, NHARTS
  bne s0, t0, 7b
  la a0, goodbye
  call puts
  li a0, 0                  # shutdown
  li a1, 0                  # no reason
  SBI SBI_SRST, 0
  j die

secondary_exit:
  SBI SBI_HSM, 1            # hart_stop: does not return
die:
  la a0, failed
  call puts
  li a0, 0
  li a1, 1                  # system failure
  SBI SBI_SRST, 0
1: j 1b

# puts(a0 = NUL-terminated string) through DBCN console_write.
puts:
  mv t0, a0
1: lbu t1, 0(t0)
  beqz t1, 2f
  addi t0, t0, 1
  j 1b
2: mv a1, a0
  sub a0, t0, a0
  li a2, 0
  SBI SBI_DBCN, 0
  ret

# append_str(a0 = destination, a1 = NUL-terminated source) -> a0 = end of destination.
append_str:
1: lbu t0, 0(a1)
  beqz t0, 2f
  sb t0, 0(a0)
  addi a0, a0, 1
  addi a1, a1, 1
  j 1b
2: ret

# append_dec(a0 = destination, a1 = value) -> a0 = end of destination (unsigned decimal).
append_dec:
  addi sp, sp, -32
  mv t0, sp
  li t2, 10
1: remu t1, a1, t2
  addi t1, t1, '0'
  sb t1, 0(t0)
  addi t0, t0, 1
  divu a1, a1, t2
  bnez a1, 1b
2: addi t0, t0, -1
  lbu t1, 0(t0)
  sb t1, 0(a0)
  addi a0, a0, 1
  bne t0, sp, 2b
  addi sp, sp, 32
  ret

# Supervisor software interrupt: clear SSIP, drain this hart's mailbox into received[hart].
  .align 2
trap:
  addi sp, sp, -32
  sd t0, 0(sp)
  sd t1, 8(sp)
  sd t2, 16(sp)
  csrr t0, scause
  li t1, 0x8000000000000001
  bne t0, t1, die
  li t0, 2
  csrc sip, t0
  slli t2, tp, 2
  la t0, mailbox
  add t0, t0, t2
  amoswap.w t1, zero, (t0)
  la t0, received
  add t0, t0, t2
  amoadd.w zero, t1, (t0)
  la t0, interrupts
  add t0, t0, t2
  li t1, 1
  amoadd.w zero, t1, (t0)
  ld t0, 0(sp)
  ld t1, 8(sp)
  ld t2, 16(sp)
  addi sp, sp, 32
  sret

  .section .rodata
banner: .asciz "smp-ipi: hart 0 up, starting harts 1-3\n"
goodbye: .asciz "smp-ipi: all 4 harts agree, shutting down\n"
failed: .asciz "smp-ipi: FAILED\n"
s_hart: .asciz "hart "
s_counter: .asciz ": counter = "
s_messages: .asciz ", messages = "
s_interrupts: .asciz ", interrupts = "

  .section .data
  .align 3
counter: .dword 0
online: .word 0
done: .word 0
mailbox: .word 0, 0, 0, 0
received: .word 0, 0, 0, 0
interrupts: .word 0, 0, 0, 0

  .section .bss
  .align 12
lines: .zero 128 * NHARTS
stacks: .zero 4096 * NHARTS
