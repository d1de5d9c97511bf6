# The host-target interface of Spike and riscv-tests: the program writes a command word to
# `tohost`; the host performs it and clears the word. Device 1, command 1 writes one character
# to the console; a word with bit 0 set ends the run with exit code (word >> 1).
    .text
    .globl htif_puts
# a0 = address of a NUL-terminated string
htif_puts:
    la      t2, tohost
    li      t3, 0x0101
    slli    t3, t3, 48          # device 1 (console), command 1 (putchar)
1:  lbu     t0, 0(a0)
    beqz    t0, 3f
    or      t1, t3, t0
    sd      t1, 0(t2)
2:  ld      t1, 0(t2)           # wait until the host has taken the character
    bnez    t1, 2b
    addi    a0, a0, 1
    j       1b
3:  ret

    .globl htif_exit
# a0 = 0 for pass, n for "test n failed"
htif_exit:
    slli    a0, a0, 1
    ori     a0, a0, 1
    la      t2, tohost
    sd      a0, 0(t2)
4:  j       4b

    .section .tohost, "aw", @progbits
    .balign 64
    .globl tohost
tohost: .dword 0
    .balign 64
    .globl fromhost
fromhost: .dword 0
