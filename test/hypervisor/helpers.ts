/** Test helpers: assemble small guest kernels and run them under the hypervisor. */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { assemble } from '../../simulator/riscv/asm';
import { Machine, type RunResult } from '../../simulator/machine';
import { Hypervisor, type HypervisorOptions, type Vm } from '../../simulator/hypervisor';
import type { Image } from '../../simulator/riscv/image';
import { TraceBuffer } from '../../simulator/trace';

const SBI_H = fs.readFileSync(path.resolve(import.meta.dirname, '../../examples/hello-vm/sbi.h'), 'utf8');

/**
 * Appended to every test guest: `pass` (SRST shutdown), `fail` (stores gp in `failcode`, then SRST
 * with reason "system failure"), `trap` (a stvec target that fails with gp = 0xdead).
 */
export const GUEST_LIB = `
  .align 2
trap:
  li gp, 0xdead
fail:
  la t0, failcode
  sd gp, 0(t0)
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
  .section .data
  .align 3
  .globl failcode
failcode: .dword 0
`;

/** Assembles a guest: `body` goes after `_start` (which sets sp and stvec) in .text.init at 0x80000000. */
export function guest(body: string, extra = ''): Image {
  const text = `#include "sbi.h"
  .section .text.init, "ax", @progbits
  .globl _start
_start:
  la sp, stack_top
  slli t0, a0, 12
  sub sp, sp, t0           /* 4 KiB of stack per vCPU (index in a0) */
  la t0, trap
  csrw stvec, t0
${body}
${GUEST_LIB}
${extra}
  .section .bss
  .align 12
stacks: .zero 4096 * 8
stack_top:
`;
  const r = assemble([{ path: 'guest.S', text }], { readFile: (p) => (p.endsWith('sbi.h') ? SBI_H : undefined) });
  if (!r.image) throw new Error(r.diagnostics.map((d) => `${d.range.line}: ${d.message}`).join('\n'));
  return r.image;
}

export interface GuestRun { machine: Machine; hv: Hypervisor; result: RunResult; metrics: Map<string, number>; trace: TraceBuffer; console: string }

export interface VmDef { name: string; vcpus?: number; memory?: number; image: Image }

export function runVms(vms: VmDef[], opts: { harts?: number; timeslice?: number; mapping?: HypervisorOptions['mapping']; maxInstructions?: bigint; engine?: 'compiled' | 'interpreter'; ramSize?: number } = {}): GuestRun {
  const trace = new TraceBuffer(1 << 16, { record: ['vm-exit', 'vm-entry', 'interrupt'] });
  let out = '';
  const machine = new Machine({ harts: opts.harts ?? 1, ramSize: opts.ramSize ?? 64 << 20, engine: opts.engine ?? 'compiled', trace, console: (b) => { out += String.fromCharCode(b); } });
  const hv = new Hypervisor(machine, {
    timeslice: opts.timeslice, mapping: opts.mapping,
    vms: vms.map((v) => ({ name: v.name, vcpus: v.vcpus ?? 1, memory: v.memory ?? 4 << 20, image: v.image })),
  });
  const result = hv.run({ maxInstructions: opts.maxInstructions ?? 2_000_000n });
  return { machine, hv, result, metrics: hv.metrics(), trace, console: out };
}

/** The guest's `failcode` word (0 when it did not fail through `fail`). */
export function failcode(hv: Hypervisor, vm: Vm, image: Image): bigint {
  const s = image.symbols.find((x) => x.name === 'failcode');
  if (!s) throw new Error('no failcode');
  const b = hv.readGuest(vm, s.value, 8);
  if (!b) throw new Error('failcode unreadable');
  return new DataView(b.buffer, b.byteOffset, 8).getBigUint64(0, true);
}

/** Guest code checking one register: sets gp = n and fails unless reg == value. */
export function check(n: number, reg: string, value: bigint | number): string {
  return `  li gp, ${n}\n  li t6, ${BigInt.asIntN(64, BigInt(value))}\n  bne ${reg}, t6, fail\n`;
}
