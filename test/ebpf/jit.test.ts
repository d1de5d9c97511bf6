import { strict as assert } from 'node:assert';
import { assembleOrThrow } from '../../simulator/ebpf/asm/assembler';
import * as I from '../../simulator/ebpf/isa';
import type { Insn } from '../../simulator/ebpf/isa';
import type { CompilerFacts } from '../../simulator/ebpf/vm/facts';
import { Memory, RuntimeCheckError } from '../../simulator/ebpf/vm/memory';
import { Vm, type VmOptions } from '../../simulator/ebpf/vm/vm';
import { ALU_CODES, JMP_CODES, MEM_BYTES, SIZES, rng } from './support';


interface Generated {
  insns: Insn[];
  /** Instruction indexes of accesses through r9 (mem base) or r10 with in-bounds constant offsets. */
  safe: Set<number>;
}

/**
 * A random program: r9 = r1 (the 64-byte mem region, never written again), r10 the stack; ALU
 * on r0-r7, loads/stores (mostly in bounds through r9/r10, some through any register), forward
 * conditional jumps anywhere later (so some enter the loop body: irreducible), and one loop
 * counted down in r8.
 */
function generate(r: (n: number) => number): Generated {
  const insns: Insn[] = [];
  const safe = new Set<number>();
  const imm = (): number => [0, 1, -1, 4, 31, 32, 63, 0x7fffffff, -0x80000000, r(1000) - 500][r(10)];
  insns.push(I.insn(I.BPF_ALU64 | I.BPF_MOV | I.BPF_X, 9, 1));
  for (let k = 0; k < 8; k++) insns.push({ ...I.insn(I.OPCODE_LDDW, k), imm: r(2 ** 31) - 2 ** 30, imm2: r(4) === 0 ? 0 : r(2 ** 31) - 2 ** 30 });
  const body = (count: number, loop: boolean): void => {
    for (let k = 0; k < count; k++) {
      const kind = r(10);
      const dst = r(loop ? 8 : 9);
      if (kind < 5) {
        const code = ALU_CODES[r(ALU_CODES.length)];
        const cls = r(3) === 0 ? I.BPF_ALU : I.BPF_ALU64;
        const x = code !== I.BPF_NEG && r(2) === 0;
        insns.push(I.insn(cls | code | (x ? I.BPF_X : I.BPF_K), Math.min(dst, 7), r(10), 0, imm()));
      } else if (kind < 8) {
        const size = SIZES[r(4)];
        const bytes = I.sizeBytes(size);
        const viaStack = r(2) === 0;
        const base = r(8) === 0 ? r(10) : viaStack ? 10 : 9;
        const off = base === 10 ? -(r(512 / bytes) + 1) * bytes : base === 9 ? r(MEM_BYTES - bytes + 1) : r(64) - 8;
        const op = r(3);
        if ((base === 9 || base === 10) && !(base === 10 && off < -512)) safe.add(insns.length);
        if (op === 0) insns.push(I.insn(I.BPF_LDX | I.BPF_MEM | size, Math.min(dst, 7), base, off));
        else if (op === 1) insns.push(I.insn(I.BPF_ST | I.BPF_MEM | size, base, 0, off, imm()));
        else insns.push(I.insn(I.BPF_STX | I.BPF_MEM | size, base, r(8), off));
      } else {
        const code = JMP_CODES[r(JMP_CODES.length)];
        const cls = r(2) === 0 ? I.BPF_JMP : I.BPF_JMP32;
        const x = r(2) === 0;
        // fixed up below: a forward offset to somewhere later
        insns.push({ ...I.insn(cls | code | (x ? I.BPF_X : I.BPF_K), r(10), r(10), -1, imm()), slot: -1 });
      }
    }
  };
  body(6 + r(8), false);
  const loopStart = insns.length;
  insns.push(I.insn(I.BPF_ALU64 | I.BPF_MOV | I.BPF_K, 8, 0, 0, 1 + r(6)));
  const header = insns.length;
  body(4 + r(8), true);
  insns.push(I.insn(I.BPF_ALU64 | I.BPF_SUB | I.BPF_K, 8, 0, 0, 1));
  insns.push(I.insn(I.BPF_JMP | I.BPF_JNE | I.BPF_K, 8, 0, 0, 0)); // back edge, fixed below
  const back = insns.length - 1;
  body(4 + r(6), false);
  insns.push(I.insn(I.OPCODE_EXIT));
  I.assignSlots(insns);
  insns.forEach((i, k) => {
    if (k === back) i.off = (insns[header].slot as number) - (i.slot as number) - 1;
    else if (I.isCondJump(i) && i.off === -1) {
      // within the loop body: stay inside it or leave it; elsewhere: any later instruction
      const lo = k + 1;
      const hi = k > loopStart && k < back ? (r(3) === 0 ? insns.length - 1 : back) : insns.length - 1;
      const t = lo + r(hi - lo + 1);
      i.off = (insns[t].slot as number) - (i.slot as number) - 1;
    }
  });
  for (const i of insns) delete i.slot;
  return { insns, safe };
}

type Outcome = { ok: true; r0: bigint; executed: number; mem: string } | { ok: false; kind: string; message: string; mem: string };

function execute(insns: Insn[], engine: 'interp' | 'jit', options: VmOptions, init: Uint8Array, budget: number): Outcome {
  const vm = new Vm(insns, options);
  const mem = vm.mem.addRegion('mem', init.slice(), true);
  // FNV-1a of the mem region and the stack: equal memory effects, short failure messages
  const dump = (): string => {
    let h = 0x811c9dc5;
    for (const b of [...mem.bytes, ...vm.stack.bytes]) h = Math.imul(h ^ b, 0x01000193);
    return (h >>> 0).toString(16);
  };
  try {
    const r = vm.run(engine, Memory.address(mem), BigInt(MEM_BYTES), budget);
    return { ok: true, r0: r.r0, executed: r.executed, mem: dump() };
  } catch (e) {
    if (!(e instanceof RuntimeCheckError)) throw e;
    return { ok: false, kind: e.kind, message: e.message, mem: dump() };
  }
}

describe('eBPF compiler', function () {
  this.timeout(120_000);

  it('compiles loops to structured code: no switch dispatch, budget tested at the entry and loop headers only', function () {
    const vm = new Vm(assembleOrThrow('r0 = 0\nl:\nr0 += 1\nif r0 < 10 goto l\nexit').program);
    const src = vm.compiledSource();
    assert.doesNotMatch(src, /switch \(pc\)/);
    assert.match(src, /L\d+: for \(;;\)/);
    assert.equal(src.match(/budget < /g)?.length, 2);
    assert.deepEqual(vm.run('jit'), { r0: 10n, executed: 1 + 2 * 10 + 1 });
  });

  it('falls back to the dispatch compiler for bpf-to-bpf calls and irreducible loops', function () {
    const calls = new Vm(assembleOrThrow('call f\nexit\nf:\nr0 = 3\nexit').program);
    assert.match(calls.compiledSource(), /switch \(pc\)/);
    assert.equal(calls.run('jit').r0, 3n);
    // two entries into one cycle: a -> b -> a, entered at a or b
    const irreducible = new Vm(assembleOrThrow('r0 = 0\nif r1 == 0 goto b\na:\nr0 += 1\nb:\nr0 += 2\nif r0 < 20 goto a\nexit').program);
    assert.match(irreducible.compiledSource(), /switch \(pc\)/);
    assert.equal(irreducible.run('jit').r0, new Vm(assembleOrThrow('r0 = 0\nif r1 == 0 goto b\na:\nr0 += 1\nb:\nr0 += 2\nif r0 < 20 goto a\nexit').program).run('interp').r0);
  });

  it('stops exactly where the interpreter does when the budget runs out (hands over to it)', function () {
    const src = 'r0 = 0\nl:\nr0 += 1\n*(u64 *)(r10 - 8) = r0\nif r0 < 1000 goto l\nexit';
    for (const budget of [1, 2, 3, 4, 5, 50, 51, 52, 53, 3001, 3002]) {
      const a = execute(assembleOrThrow(src).program.insns, 'interp', {}, new Uint8Array(MEM_BYTES), budget);
      const b = execute(assembleOrThrow(src).program.insns, 'jit', {}, new Uint8Array(MEM_BYTES), budget);
      assert.deepEqual(b, a, `budget ${budget}`);
    }
  });

  it('keeps every memory check without facts; drops it only where a fact says the access is in bounds', function () {
    const prog = assembleOrThrow('r0 = *(u32 *)(r1 + 60)\nexit').program;
    const facts: CompilerFacts = { accessInBounds: (slot) => slot === 0 };
    const checked = new Vm(prog);
    assert.match(checked.compiledSource(), /M\.ld32/);
    assert.doesNotMatch(new Vm(prog, { facts }).compiledSource(), /M\.ld32/);
    const ctx = checked.mem.addRegion('context', new Uint8Array(16), false);
    assert.throws(() => checked.run('jit', Memory.address(ctx)), (e: unknown) => e instanceof RuntimeCheckError && e.kind === 'out-of-bounds');
    // a store to a read-only region is still refused without facts
    const ro = new Vm(assembleOrThrow('*(u32 *)(r1 + 0) = 1\nexit').program);
    const roCtx = ro.mem.addRegion('context', new Uint8Array(16), false);
    assert.throws(() => ro.run('jit', Memory.address(roCtx)), (e: unknown) => e instanceof RuntimeCheckError && e.kind === 'read-only');
    assert.deepEqual([...roCtx.bytes], new Array(16).fill(0));
    // a failing 8-byte store writes nothing
    const half = new Vm(assembleOrThrow('r2 = -1\n*(u64 *)(r1 + 12) = r2\nexit').program);
    const m = half.mem.addRegion('mem', new Uint8Array(16), true);
    assert.throws(() => half.run('jit', Memory.address(m)), RuntimeCheckError);
    assert.deepEqual([...m.bytes], new Array(16).fill(0));
  });

  it('uses scalar-range facts for 32-bit arithmetic and comparisons, with the same results', function () {
    const prog = assembleOrThrow('r0 = 0\nr2 = 0\nl:\nr0 += r2\nr2 += 1\nif r2 < 100 goto l\nexit').program;
    const facts: CompilerFacts = {
      scalarRange: (_slot, reg) => (reg === 0 ? { min: 0n, max: 4950n } : reg === 2 ? { min: 0n, max: 100n } : undefined),
    };
    const vm = new Vm(prog, { facts });
    assert.match(vm.compiledSource(), /l0 = \(l0 \+ l2\) \| 0;/);
    assert.deepEqual(vm.run('jit'), new Vm(prog).run('interp'));
  });

  it('differential: compiled (structured, with true facts, dispatch) = interpreter over random programs and inputs', function () {
    const r = rng(0x9e3779b9);
    let structuredCount = 0;
    for (let n = 0; n < 400; n++) {
      const { insns, safe } = generate(r);
      const init = Uint8Array.from({ length: MEM_BYTES }, () => r(256));
      const budget = r(4) === 0 ? 1 + r(120) : 100_000;
      I.assignSlots(insns);
      const safeSlots = new Set([...safe].map((k) => insns[k].slot as number));
      const facts: CompilerFacts = { accessInBounds: (slot) => safeSlots.has(slot) };
      const expected = execute(insns, 'interp', {}, init, budget);
      if (!new Vm(insns).compiledSource().includes('switch (pc)')) structuredCount++;
      for (const [name, options] of [
        ['structured', {}],
        ['structured + facts', { facts }],
        ['dispatch', { structured: false }],
      ] as const) {
        const got = execute(insns, 'jit', options, init, budget);
        assert.deepEqual(got, expected, `program ${n} (${name}), budget ${budget}`);
      }
    }
    assert.ok(structuredCount > 100, `only ${structuredCount} programs compiled to structured code`);
  });
});
