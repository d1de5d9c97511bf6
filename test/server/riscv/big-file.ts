/**
 * A realistic large guest file (page-table pages are 8-byte aligned here, so the image stays
 * small: the point is the source size, not megabytes of alignment padding) for the speed tests: a kernel-like routine (page-table setup,
 * satp write and fence, loops with numeric local labels, calls, CSR accesses, data) repeated
 * with fresh names until the file has the requested number of lines.
 */
export function bigGuestFile(lineCount: number): string {
  const out: string[] = ['  .equ PTE_V, 1', '  .equ PTE_RWX, 0xcf', '  .section .text', '  .globl _start', '_start:', '  la sp, stack_top'];
  for (let k = 0; out.length < lineCount - 12; k++) {
    out.push(
      `fn_${k}:`,
      `  la s0, pt_${k}`,
      '  li t0, PTE_RWX',
      '  sd t0, 0(s0)',
      '  srli t1, s0, 12',
      '  li t2, 8',
      '  slli t2, t2, 60',
      '  or t1, t1, t2',
      '  csrw satp, t1',
      '  sfence.vma',
      '  li a0, 16',
      '1:',
      '  addi a0, a0, -1',
      '  csrr a1, sstatus',
      '  bnez a0, 1b',
      `  beqz a1, 2f`,
      `  call fn_${k}_leaf`,
      '2:',
      '  ret',
      `fn_${k}_leaf:`,
      `  la a2, msg_${k}`,
      '  lbu a3, 0(a2)',
      '  ret',
      '  .section .rodata',
      `msg_${k}: .asciz "message ${k}"`,
      '  .section .data',
      '  .balign 8',
      `pt_${k}: .zero 64`,
      '  .section .text',
    );
  }
  out.push('  .bss', '  .balign 16', 'stack:', '  .zero 4096', 'stack_top:');
  return `${out.join('\n')}\n`;
}
