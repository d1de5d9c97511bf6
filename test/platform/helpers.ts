/** Helpers for platform tests: assemble a program with our assembler and run it on a Machine. */
import { assemble } from '../../simulator/riscv/asm';
import { Machine, type MachineConfig, type RunResult } from '../../simulator/machine';
import type { Image } from '../../simulator/riscv/image';

/** Assembles `body` at 0x80000000 (entry `_start` in .text.init); adds a `tohost` word unless told not to. */
export function build(body: string, opts: { tohost?: boolean } = {}): Image {
  const tohost = opts.tohost ?? true;
  const src = `  .section .text.init, "ax", @progbits\n  .globl _start\n_start:\n${body}\n${tohost ? '  .section .tohost, "aw", @progbits\n  .align 6\n  .globl tohost\ntohost: .dword 0\n' : ''}`;
  const r = assemble([{ path: 'test.S', text: src }], { base: 0x80000000n, sectionOrder: ['.text.init', '.text', '.tohost', '.rodata', '.data', '.bss'] });
  if (!r.image) throw new Error(`assembler: ${r.diagnostics.map((d) => `${d.range.line}: ${d.message}`).join('; ')}`);
  return r.image;
}

export interface Run { machine: Machine; result: RunResult; console: string }

/** Builds a machine, loads the image, runs it to a stop; collects console output. */
export function runProgram(image: Image, config: MachineConfig = {}, maxInstructions = 5_000_000n): Run {
  const out: number[] = [];
  const machine = new Machine({ ramSize: 1 << 20, ...config, console: (b) => out.push(b) });
  machine.load(image);
  const result = machine.run({ maxInstructions });
  return { machine, result, console: new TextDecoder().decode(Uint8Array.from(out)) };
}

/** Pass/fail through the SiFive test finisher (works on QEMU virt too). */
export const FINISH = `
pass:
  li t1, 0x100000
  li t2, 0x5555
  sw t2, 0(t1)
1: j 1b
fail:
  li t1, 0x100000
  slli t2, gp, 16
  li t3, 0x3333
  or t2, t2, t3
  sw t2, 0(t1)
1: j 1b
`;
