import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { assembleOrThrow } from '../../simulator/ebpf/asm/assembler';
import { parseConformanceFile } from '../../simulator/ebpf/conformance';
import * as I from '../../simulator/ebpf/isa';
import type { Insn } from '../../simulator/ebpf/isa';
import { Memory, RuntimeCheckError } from '../../simulator/ebpf/vm/memory';
import { Stepper } from '../../simulator/ebpf/vm/stepper';
import { Vm } from '../../simulator/ebpf/vm/vm';
import { ALU_CODES, JMP_CODES, MEM_BYTES, SIZES, bpfConformanceDir, rng } from './support';


/**
 * A random program with what the stepper must get right beyond straight-line code: a loop, forward
 * jumps, loads and stores through the mem region (r9), the stack (r10) and wild registers, map
 * lookups and trace_printk-free helper calls (ktime, prandom), and bpf-to-bpf calls (a
 * subprogram that uses its own stack frame and clobbers r6-r9 — restored on return).
 */
function generate(r: (n: number) => number): Insn[] {
  const insns: Insn[] = [];
  const imm = (): number => [0, 1, -1, 4, 31, 32, 63, 0x7fffffff, -0x80000000, r(1000) - 500][r(10)];
  const straight = (count: number, regs: number): void => {
    for (let k = 0; k < count; k++) {
      const kind = r(12);
      const dst = r(regs);
      if (kind < 6) {
        const code = ALU_CODES[r(ALU_CODES.length)];
        const x = code !== I.BPF_NEG && r(2) === 0;
        insns.push(I.insn((r(3) === 0 ? I.BPF_ALU : I.BPF_ALU64) | code | (x ? I.BPF_X : I.BPF_K), dst, r(10), 0, imm()));
      } else if (kind < 10) {
        const size = SIZES[r(4)];
        const bytes = I.sizeBytes(size);
        const base = r(10) === 0 ? r(10) : r(2) === 0 ? 10 : 9;
        const off = base === 10 ? -(r(512 / bytes) + 1) * bytes : base === 9 ? r(MEM_BYTES - bytes + 1) : r(64) - 8;
        const op = r(3);
        if (op === 0) insns.push(I.insn(I.BPF_LDX | I.BPF_MEM | size, dst, base, off));
        else if (op === 1) insns.push(I.insn(I.BPF_ST | I.BPF_MEM | size, base, 0, off, imm()));
        else insns.push(I.insn(I.BPF_STX | I.BPF_MEM | size, base, r(9), off));
      } else {
        // ktime_get_ns or get_prandom_u32 (stateful helpers: both runs must call them alike)
        insns.push(I.insn(I.BPF_JMP | I.BPF_CALL, 0, 0, 0, r(2) === 0 ? 5 : 7));
      }
    }
  };
  insns.push(I.insn(I.BPF_ALU64 | I.BPF_MOV | I.BPF_X, 9, 1));
  for (let k = 0; k < 9; k++) insns.push({ ...I.insn(I.OPCODE_LDDW, k), imm: r(2 ** 31) - 2 ** 30, imm2: r(4) === 0 ? 0 : r(2 ** 31) - 2 ** 30 });
  straight(4 + r(6), 9);
  const fwd = insns.length;
  insns.push(I.insn(I.BPF_JMP | JMP_CODES[r(JMP_CODES.length)] | I.BPF_K, r(8), 0, 0, imm())); // fixed below: skip a little
  straight(2 + r(4), 9);
  insns.push(I.insn(I.BPF_ALU64 | I.BPF_MOV | I.BPF_K, 8, 0, 0, 1 + r(5)));
  const header = insns.length;
  insns.push(I.insn(I.BPF_JMP | I.BPF_CALL, 0, I.CALL_LOCAL, 0, 0)); // to the subprogram, fixed below
  straight(2 + r(5), 8);
  insns.push(I.insn(I.BPF_ALU64 | I.BPF_SUB | I.BPF_K, 8, 0, 0, 1));
  const back = insns.length;
  insns.push(I.insn(I.BPF_JMP | I.BPF_JNE | I.BPF_K, 8, 0, 0, 0));
  insns.push(I.insn(I.OPCODE_EXIT));
  const sub = insns.length;
  insns.push(I.insn(I.BPF_ALU64 | I.BPF_MOV | I.BPF_X, 6, 10));
  straight(3 + r(6), 9);
  insns.push(I.insn(I.BPF_ALU64 | I.BPF_MOV | I.BPF_K, 8, 0, 0, 99));
  insns.push(I.insn(I.OPCODE_EXIT));
  I.assignSlots(insns);
  const slot = (k: number): number => insns[k].slot as number;
  insns[fwd].off = slot(fwd + 1 + r(3)) - slot(fwd) - 1;
  insns[header].imm = slot(sub) - slot(header) - 1;
  insns[back].off = slot(header) - slot(back) - 1;
  for (const i of insns) delete i.slot;
  return insns;
}

interface Outcome { r0?: bigint; error?: string; executed?: number; mem: string }

const fnv = (parts: Uint8Array[]): string => {
  let h = 0x811c9dc5;
  for (const p of parts) for (const b of p) h = Math.imul(h ^ b, 0x01000193);
  return (h >>> 0).toString(16);
};

/** Runs on the interpreter, or stepped one instruction at a time (checking the seam's view at every stop). */
function execute(insns: Insn[], how: 'interp' | 'step', init: Uint8Array, budget: number): Outcome {
  const vm = new Vm(insns);
  const mem = vm.mem.addRegion('mem', init.slice(), true);
  const dump = (): string => fnv([mem.bytes, vm.stack.bytes]);
  if (how === 'interp') {
    try {
      const r = vm.run('interp', Memory.address(mem), BigInt(MEM_BYTES), budget);
      return { r0: r.r0, executed: r.executed, mem: dump() };
    } catch (e) {
      if (!(e instanceof RuntimeCheckError)) throw e;
      return { error: e.kind, mem: dump() };
    }
  }
  const s = new Stepper(vm);
  s.start(Memory.address(mem), BigInt(MEM_BYTES), budget);
  while (s.step()) {
    // what a debugger reads at each stop: frames agree with the depth, r10 is the frame pointer
    const frames = s.frames();
    assert.equal(frames.length, s.depth + 1);
    assert.equal(s.register(10), Memory.address(vm.stack, frames[0].framePointer));
  }
  if (s.status === 'failed') return { error: s.error?.kind, mem: dump() };
  return { r0: s.r0, executed: s.executed, mem: dump() };
}

describe('eBPF stepping seam (Stepper)', function () {
  this.timeout(60_000);

  it('steps a program: slot, depth, registers, frames and stack at each stop; exits with r0', function () {
    const { program } = assembleOrThrow(`
      r1 = 7
      *(u64 *)(r10 - 8) = r1
      call sub
      r0 += 1
      exit
    sub:
      r6 = 5
      *(u64 *)(r10 - 16) = r6
      r0 = r1
      r0 *= 3
      exit
    `);
    const s = new Stepper(new Vm(program));
    s.start();
    const seen: [number, number][] = [];
    do seen.push([s.slot, s.depth]); while (s.step());
    assert.deepEqual(seen, [[0, 0], [1, 0], [2, 0], [5, 1], [6, 1], [7, 1], [8, 1], [9, 1], [3, 0], [4, 0]]);
    assert.equal(s.status, 'exited');
    assert.equal(s.r0, 22n);
    assert.equal(s.executed, 10);
    // the caller's frame kept its stored word; the callee's frame lies 512 bytes below
    assert.equal(new DataView(s.stackFrame(0).buffer).getBigUint64(504, true), 7n);
    assert.equal(new DataView(s.stackFrame(1).buffer).getBigUint64(496, true), 5n);
  });

  it('reports the callee frame with the caller slot to return to', function () {
    const { program } = assembleOrThrow('call f\nexit\nf:\nr0 = 1\nexit');
    const s = new Stepper(new Vm(program));
    s.start();
    s.step();
    assert.deepEqual(s.frames().map((f) => [f.depth, f.slot]), [[1, 2], [0, 1]]);
    assert.equal(s.frames()[0].framePointer, s.vm.stack.size - 512);
  });

  it('runUntil stops where the hook says, and a run-time check ends the run at the failing slot', function () {
    const { program } = assembleOrThrow('r0 = 0\nr1 = 3\nr0 += r1\nr2 = *(u64 *)(r1 + 0)\nexit');
    const s = new Stepper(new Vm(program));
    s.start();
    assert.equal(s.runUntil((x) => x.slot === 2), true);
    assert.equal(s.register(1), 3n);
    assert.equal(s.runUntil(() => false), false);
    assert.equal(s.status, 'failed');
    assert.equal(s.error?.kind, 'out-of-bounds');
    assert.equal(s.slot, 3);
    assert.equal(s.step(), false);
  });

  it('respects the budget exactly like the interpreter', function () {
    const { program } = assembleOrThrow('r0 = 0\nloop:\nr0 += 1\nja loop');
    const s = new Stepper(new Vm(program));
    s.start(0n, 0n, 10);
    while (s.step()) { /* run out */ }
    assert.equal(s.error?.kind, 'budget');
    assert.equal(s.executed, 10);
    assert.throws(() => new Vm(program).run('interp', 0n, 0n, 10), (e: RuntimeCheckError) => e.kind === 'budget');
  });

  it('maps and trace_printk behave as in the interpreter', function () {
    const src = `
      .map counts, array, 4, 8, 2
      r1 = 0
      *(u32 *)(r10 - 4) = r1
      r1 = counts ll
      r2 = r10
      r2 += -4
      call map_lookup_elem
      if r0 == 0 goto out
      r1 = 41
      *(u64 *)(r0 + 0) = r1
      r1 = *(u64 *)(r0 + 0)
      r1 += 1
      *(u64 *)(r0 + 0) = r1
      r6 = r1
      r0 = r1
      r1 = 0x0a6425 ll
      *(u64 *)(r10 - 16) = r1
      r1 = r10
      r1 += -16
      r2 = 8
      r3 = r0
      call trace_printk
      r0 = r6
    out:
      exit
    `;
    const { program } = assembleOrThrow(src);
    const a = new Vm(program);
    const ra = a.run('interp');
    const b = new Vm(program);
    const s = new Stepper(b);
    s.start();
    while (s.step()) { /* to the end */ }
    assert.equal(s.r0, ra.r0);
    assert.equal(s.r0, 42n);
    assert.deepEqual(b.maps[0].region.bytes, a.maps[0].region.bytes);
    assert.deepEqual(b.env.trace, ['42\n']);
    assert.deepEqual(b.env.trace, a.env.trace);
  });

  it('differential: stepped = interpreter over random programs (calls, loops, helpers, faults, budgets)', function () {
    const r = rng(0x51ed270b);
    const kinds = new Map<string, number>();
    for (let n = 0; n < 300; n++) {
      const insns = generate(r);
      const init = Uint8Array.from({ length: MEM_BYTES }, () => r(256));
      const budget = r(4) === 0 ? 1 + r(60) : 100_000;
      const expected = execute(insns, 'interp', init, budget);
      const got = execute(insns, 'step', init, budget);
      // the interpreter reports no count for a failed run; everything else must agree
      assert.deepEqual(got, expected, `program ${n}, budget ${budget}`);
      const k = expected.error ?? 'exit';
      kinds.set(k, (kinds.get(k) ?? 0) + 1);
    }
    assert.ok((kinds.get('exit') ?? 0) > 30, `few programs exit normally: ${[...kinds]}`);
    assert.ok((kinds.get('budget') ?? 0) > 10, `few budget stops: ${[...kinds]}`);
    assert.ok((kinds.get('bad-helper') ?? 0) === 0, 'helper calls must all resolve');
  });

  it('differential: stepped = interpreter on every bpf_conformance case', function () {
    const dir = bpfConformanceDir();
    if (!fs.existsSync(dir)) this.skip();
    let compared = 0;
    for (const f of fs.readdirSync(dir).filter((x) => x.endsWith('.data'))) {
      const c = parseConformanceFile(fs.readFileSync(path.join(dir, f), 'utf8'));
      let insns: Insn[];
      try {
        insns = c.asm !== undefined && c.asm.trim() !== '' ? assembleOrThrow(c.asm).program.insns : c.raw ? I.decodeProgram(c.raw) : [];
      } catch {
        continue; // cases that must not assemble or decode are the assembler's tests
      }
      if (insns.length === 0) continue;
      const run = (how: 'interp' | 'step'): Outcome => {
        const vm = new Vm(insns);
        const mem = c.mem.length > 0 ? vm.mem.addRegion('mem', c.mem.slice(), true) : undefined;
        const r1 = mem ? Memory.address(mem) : 0n;
        const dump = (): string => fnv([mem?.bytes ?? new Uint8Array(0), vm.stack.bytes]);
        if (how === 'interp') {
          try {
            const res = vm.run('interp', r1, BigInt(c.mem.length), 1_000_000);
            return { r0: res.r0, executed: res.executed, mem: dump() };
          } catch (e) {
            if (!(e instanceof RuntimeCheckError)) throw e;
            return { error: e.kind, mem: dump() };
          }
        }
        const s = new Stepper(vm);
        s.start(r1, BigInt(c.mem.length), 1_000_000);
        while (s.step()) { /* to the end */ }
        return s.status === 'failed' ? { error: s.error?.kind, mem: dump() } : { r0: s.r0, executed: s.executed, mem: dump() };
      };
      assert.deepEqual(run('step'), run('interp'), f);
      compared++;
    }
    assert.ok(compared > 250, `only ${compared} cases compared`);
  });
});
