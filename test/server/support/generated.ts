/**
 * Generated sources for the large-file test and the language-server bench: a kernel-like guest
 * file and a verifiable hyper-callback, both of a requested size.
 */
/** A kernel-like guest file of `lines` lines (page-table setup, fences, loops, calls, data). */
export function guestFile(lines: number): string {
  const out = ['  .section .text', '  .globl _start', '_start:', '  la sp, stack_top'];
  for (let k = 0; out.length + 19 + 4 <= lines; k++) {
    out.push(
      `fn_${k}:`, `  la s0, table_${k}`, '  li t0, 0xcf', '  sd t0, 0(s0)', '  srli t1, s0, 12', '  csrw satp, t1', '  sfence.vma',
      '  li a0, 16', '1:', '  addi a0, a0, -1', '  bnez a0, 1b', `  call fn_${k}_leaf`, '  ret', `fn_${k}_leaf:`, '  csrr a1, sstatus', '  ret',
      '  .section .data', `table_${k}: .dword 0, 0`, '  .section .text',
    );
  }
  while (out.length < lines - 4) out.push('  nop');
  out.push('  .bss', 'stack:', '  .zero 4096', 'stack_top:');
  return `${out.join('\n')}\n`;
}

/** A 1,000-instruction callback the verifier accepts (context loads, branches, stack traffic). */
export function callback(insns: number): string {
  const out = ['.event tracing', '  r0 = 1', '  r6 = *(u64 *)(r1 + 16)', '  r7 = 0'];
  let n = 3;
  for (let k = 0; n < insns - 2; k++) {
    out.push(`  r2 = *(u32 *)(r1 + ${8 + 4 * (k % 2)})`, '  r2 &= 0xff', `  if r2 > ${k % 200} goto skip_${k}`, '  r7 += r2', `skip_${k}:`, `  *(u64 *)(r10 - ${8 * (1 + (k % 32))}) = r7`);
    n += 5;
  }
  out.push('  r0 = r7', '  exit');
  return `${out.join('\n')}\n`;
}
