/**
 * Builds inspection targets from the examples the way simulator/runner/scenario.ts does (parse,
 * build each image, configure the machine, boot the hypervisor and register the scenario's
 * hyper-callbacks), with a recording trace buffer, so tests can run N instructions and inspect.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { parseScenario } from '../../../simulator/scenario';
import { buildImage } from '../../../simulator/runner/image';
import { Machine } from '../../../simulator/machine';
import { Hypervisor, type ReclaimSpec, type ReclaimStrategy, type VmSpec } from '../../../simulator/hypervisor';
import { assemble } from '../../../simulator/ebpf/asm/assembler';
import { TraceBuffer } from '../../../simulator/trace';
import type { Image } from '../../../simulator/riscv/image';
import type { InspectTarget } from '../../../debug-adapter/inspect';

export const EXAMPLES = path.resolve(import.meta.dirname, '../../../examples');

const read = (f: string): Uint8Array | undefined => (fs.existsSync(f) ? fs.readFileSync(f) : undefined);

export interface Built { target: InspectTarget; run(instructions: number): ReturnType<Machine['run']> }

export function build(example: string, options: { engine?: 'compiled' | 'interpreter'; trace?: TraceBuffer } = {}): Built {
  const file = path.join(EXAMPLES, example);
  const loaded = parseScenario(fs.readFileSync(file, 'utf8'), file);
  const errors = loaded.diagnostics.filter((d) => d.severity === 'error');
  if (errors.length) throw new Error(errors.map((d) => d.message).join('\n'));
  const sc = loaded.scenario;
  const dir = path.dirname(file);
  const trace = options.trace ?? new TraceBuffer(1 << 14);
  const machineOf = (firmware: 'none' | 'sbi'): Machine => new Machine({
    harts: sc.machine.harts, ramSize: sc.machine.memory, quantum: sc.machine.quantum, costs: sc.machine.costs, tlb: sc.machine.tlb,
    firmware, engine: options.engine ?? 'compiled', trace, console: () => {},
  });
  const imageOf = (code: { format: string; sources?: string[]; elf?: string; entry?: string; base?: bigint }): Image => {
    const files = code.format === 'elf' ? [code.elf as string] : code.sources as string[];
    const b = buildImage(files.map((f) => path.resolve(dir, f)), read, { base: code.format === 'assembly' ? code.base : undefined, entry: code.entry });
    if (!b.image) throw new Error(b.diagnostics.map((d) => d.message).join('\n'));
    return b.image;
  };
  if (sc.kind === 'bare-metal') {
    const image = imageOf(sc.program.code);
    const machine = machineOf(sc.program.mode === 'S' ? 'sbi' : 'none');
    machine.load(image);
    return { target: { machine, hypervisor: undefined, images: [image], trace }, run: (n) => machine.run({ maxInstructions: BigInt(n) }) };
  }
  const images = sc.vms.map((vm) => imageOf(vm.code));
  const reclaim = sc.workload.reclaim as Record<string, unknown> | undefined;
  const specs: VmSpec[] = sc.vms.map((vm, i) => {
    const spec: VmSpec = { name: vm.name, vcpus: vm.vcpus, memory: vm.memory, image: images[i] };
    if (reclaim !== undefined) {
      const st = reclaim.strategy as Record<string, ReclaimStrategy> | ReclaimStrategy;
      const strategy = typeof st === 'string' ? st : st[vm.name];
      if (strategy !== undefined) {
        const r: ReclaimSpec = { strategy, pages: reclaim.pages as number, at: reclaim.at as number, swapCycles: reclaim.swapCycles as number, seed: sc.machine.seed };
        if (typeof reclaim.freeBitmap === 'string') r.freeBitmap = Number.parseInt(reclaim.freeBitmap, 16);
        spec.reclaim = r;
      }
    }
    return spec;
  });
  const machine = machineOf('none');
  const hv = new Hypervisor(machine, { timeslice: sc.hypervisor.timeslice, vms: specs });
  sc.vms.forEach((vm, v) => vm.callbacks.forEach((cb) => {
    const where = path.resolve(dir, cb.file);
    const asm = assemble(fs.readFileSync(where, 'utf8'), { file: where });
    const out = hv.callbacks.registerProgram(hv.vms[v], cb.file, asm, cb.event, cb.range);
    if (!out.ok) throw new Error(`callback ${cb.file} rejected`);
  }));
  return { target: { machine, hypervisor: hv, images, trace }, run: (n) => hv.run({ maxInstructions: BigInt(n) }) };
}
