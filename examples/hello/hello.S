# A bare-metal RV64 program in M-mode: prints a greeting through the HTIF console, checks a
# computation and reports through tohost (1 = pass, (n<<1)|1 = test n failed).
# Run it:   npx hyperlab run examples/hello/hello.S examples/hello/htif.S
#include "config.h"

    .section .text.init, "ax", @progbits
    .globl _start
_start:
    la      sp, stack_top
    la      a0, greeting
    call    htif_puts

    # Sum 1..N with a loop; compare with N(N+1)/2 computed with mul/div.
    li      t0, SUM_LIMIT
    li      t1, 0
1:  add     t1, t1, t0
    addi    t0, t0, -1
    bnez    t0, 1b
    li      t2, SUM_LIMIT
    addi    t3, t2, 1
    mul     t2, t2, t3
    srli    t2, t2, 1
    li      a0, 1
    bne     t1, t2, fail

    # 64-bit constants and word arithmetic sign-extend as the ISA says.
    li      t0, 0x7fffffff
    addiw   t0, t0, 1
    li      t1, -0x80000000
    li      a0, 2
    bne     t0, t1, fail

    la      a0, done_msg
    call    htif_puts
    li      a0, 0
    j       htif_exit

fail:
    j       htif_exit

    .section .rodata
greeting:
    .asciz  "Hello from HyperLab: RV64 in M-mode\n"
done_msg:
    .asciz  "all checks passed\n"

    .bss
    .balign 16
stack:
    .zero   STACK_SIZE
stack_top:
