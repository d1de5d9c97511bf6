/** Test helpers: build programs (our assembler, or GNU's with HART_TEST_GNU=1), run them on both engines and compare. */
import { strict as assert } from 'node:assert';
import { assemble } from '../../../simulator/riscv/asm';
import { Machine, type RunResult } from '../../../simulator/machine';
import type { Image } from '../../../simulator/riscv/image';
import { gnuBuild } from '../../support/gnu';

const TOHOST = `
  .section .tohost, "aw", @progbits
  .align 6
  .globl tohost
tohost: .dword 0
`;

/** Assembles a bare program (entry `_start` in .text.init at 0x80000000) plus a tohost word. */
export function build(body: string, opts: { includes?: Record<string, string>; noTohost?: boolean } = {}): Image {
  const src = `  .section .text.init, "ax", @progbits\n  .globl _start\n_start:\n${body}\n${opts.noTohost ? '' : TOHOST}`;
  if (process.env.HART_TEST_GNU) return gnuBuild(src, { cpp: true, includes: opts.includes }).image;
  return ours('test.S', src, opts.includes ?? {});
}

/** Our assembler (simulator/riscv/asm); set HART_TEST_GNU=1 to use GNU binutils instead. */
function ours(path: string, text: string, includes: Record<string, string>): Image {
  const r = assemble([{ path, text }], { readFile: (p) => includes[p.replace(/^.*\//, '')] });
  if (!r.image) throw new Error(`assembler: ${r.diagnostics.map((d) => d.message).join('; ')}`);
  return r.image;
}

export interface BothResult { compiled: Machine; interp: Machine; result: RunResult }

/** Runs the image on both engines, asserts identical outcome, registers, pc and CSRs; returns both machines. */
export function runBoth(image: Image, maxInstructions = 1_000_000n): BothResult {
  const compiled = new Machine({ engine: 'compiled', ramSize: 1 << 20 });
  const interp = new Machine({ engine: 'interpreter', ramSize: 1 << 20 });
  compiled.load(image);
  interp.load(image);
  const rc = compiled.run({ maxInstructions });
  const ri = interp.run({ maxInstructions });
  assert.deepEqual(rc, ri, 'engines disagree on the run result');
  for (let i = 0; i < 32; i++) assert.equal(compiled.getReg(i), interp.getReg(i), `engines disagree on x${i}`);
  for (const csr of [0x300, 0x305, 0x340, 0x341, 0x342, 0x343, 0xb02]) assert.equal(compiled.readCsr(csr), interp.readCsr(csr), `engines disagree on CSR ${csr.toString(16)}`);
  return { compiled, interp, result: rc };
}

export const PASS = `
  li t6, 1
  la t5, tohost
  sd t6, 0(t5)
1: j 1b
`;

/** Fails test n (in gp) if the register differs from the expected value (checked with li+bne). */
export function check(n: number, reg: string, value: bigint | number): string {
  return `  li gp, ${n}\n  li t6, ${BigInt.asIntN(64, BigInt(value))}\n  bne ${reg}, t6, fail\n`;
}

export const FAIL = `
fail:
  slli t6, gp, 1
  ori t6, t6, 1
  la t5, tohost
  sd t6, 0(t5)
1: j 1b
`;

export const u64 = (v: bigint): bigint => BigInt.asUintN(64, v);
