/**
 * Random program generator for the soundness property: every program the verifier accepts must
 * run in the interpreter, with every runtime check on, without a check firing. Shared by the
 * mocha property test and bench/verifier-fuzz.ts.
 */
import fc from 'fast-check';
import * as I from '../../../simulator/ebpf/isa';
import type { Insn } from '../../../simulator/ebpf/isa';
import type { MapDef } from '../../../simulator/ebpf/program';
import { verify } from '../../../simulator/ebpf/verifier/index';
import { eventPlatform } from '../../../simulator/ebpf/verifier/platform';
import { Vm, type VmOptions } from '../../../simulator/ebpf/vm/vm';
import { Memory, RuntimeCheckError } from '../../../simulator/ebpf/vm/memory';
import { verifierFacts } from '../../../simulator/ebpf/verifier/facts';
import { EVENTS, type EventName } from '../../../simulator/ebpf/events';

export const MAPS: MapDef[] = [{ name: 'm', type: 'array', keySize: 4, valueSize: 8, maxEntries: 4 }];
const VALUE_SIZE = 8;
export const EVENT_NAMES = Object.keys(EVENTS) as EventName[];
/** Marker in a call's imm: patched to the first local function after the main program. */
const CALL_FN = 0x7ffffff0;

const reg = fc.integer({ min: 0, max: 9 });
const smallImm = fc.oneof(fc.integer({ min: -8, max: 16 }), fc.integer({ min: -(2 ** 31), max: 2 ** 31 - 1 }));
const aluCode = fc.constantFrom(I.BPF_ADD, I.BPF_SUB, I.BPF_MUL, I.BPF_DIV, I.BPF_OR, I.BPF_AND, I.BPF_LSH, I.BPF_RSH, I.BPF_MOD, I.BPF_XOR, I.BPF_MOV, I.BPF_ARSH);
const size = fc.constantFrom(I.BPF_B, I.BPF_H, I.BPF_W, I.BPF_DW);
const jmpCode = fc.constantFrom(I.BPF_JEQ, I.BPF_JGT, I.BPF_JGE, I.BPF_JSET, I.BPF_JNE, I.BPF_JSGT, I.BPF_JSGE, I.BPF_JLT, I.BPF_JLE, I.BPF_JSLT, I.BPF_JSLE);

type Piece = Insn[] | ((pos: number, len: number) => Insn[]);

const mk = (opcode: number, dst = 0, src = 0, off = 0, imm = 0): Insn => ({ opcode, dst, src, off, imm });
const sizeCode = (bytes: number): number => (bytes === 1 ? I.BPF_B : bytes === 2 ? I.BPF_H : bytes === 4 ? I.BPF_W : I.BPF_DW);

/** Map lookup of key 0 (at fp-4) into r0: r1-r5 are clobbered. */
const lookup = (): Insn[] => [
  mk(I.BPF_ST | I.BPF_MEM | I.BPF_W, 10, 0, -4, 0),
  mk(I.BPF_ALU64 | I.BPF_MOV | I.BPF_X, 2, 10),
  mk(I.BPF_ALU64 | I.BPF_ADD, 2, 0, 0, -4),
  { ...mk(I.OPCODE_LDDW, 1, I.PSEUDO_MAP_IDX, 0, 0), imm2: 0 },
  mk(I.OPCODE_CALL, 0, 0, 0, 1),
];

function pieces(event: EventName): fc.Arbitrary<Piece> {
  const spec = EVENTS[event];
  const ctxSize = spec.contextSize;
  const field = fc.constantFrom(...spec.fields);
  return fc.oneof(
    fc.tuple(fc.boolean(), aluCode, reg, reg, smallImm, fc.boolean()).map(([x, c, d, s, k, is64]) => [mk((is64 ? I.BPF_ALU64 : I.BPF_ALU) | c | (x ? I.BPF_X : I.BPF_K), d, s, 0, c === I.BPF_LSH || c === I.BPF_RSH || c === I.BPF_ARSH ? k & 31 : k)]),
    fc.tuple(reg, smallImm).map(([d, k]) => [mk(I.BPF_ALU64 | I.BPF_MOV, d, 0, 0, k)]),
    // context loads: anywhere near the context (mostly rejected), and whole/partial fields
    fc.tuple(reg, size, fc.integer({ min: -2, max: ctxSize + 2 })).map(([d, sz, off]) => [mk(I.BPF_LDX | I.BPF_MEM | sz, d, 1, off)]),
    fc.tuple(reg, field, fc.boolean()).map(([d, f, part]) => [mk(I.BPF_LDX | I.BPF_MEM | sizeCode(part && f.size > 1 ? f.size / 2 : f.size), d, 1, f.offset)]),
    fc.tuple(reg, field, smallImm).map(([d, f, k]) => [mk(I.BPF_ST | I.BPF_MEM | sizeCode(f.size), 1, 0, f.offset, k), mk(I.BPF_LDX | I.BPF_MEM | sizeCode(f.size), d, 1, f.offset)]),
    // stack traffic, spills and fills of numbers and pointers
    fc.tuple(reg, size, fc.integer({ min: -64, max: -1 })).map(([d, sz, off]) => [mk(I.BPF_LDX | I.BPF_MEM | sz, d, 10, off)]),
    fc.tuple(reg, size, fc.integer({ min: -520, max: 4 })).map(([s, sz, off]) => [mk(I.BPF_STX | I.BPF_MEM | sz, 10, s, off)]),
    fc.tuple(reg, size, fc.integer({ min: -520, max: 4 })).map(([d, sz, off]) => [mk(I.BPF_LDX | I.BPF_MEM | sz, d, 10, off)]),
    fc.tuple(reg, fc.integer({ min: 2, max: 8 }), field).map(([d, slot, f]) => [
      mk(I.BPF_STX | I.BPF_MEM | I.BPF_DW, 10, 1, -8 * slot),
      mk(I.BPF_LDX | I.BPF_MEM | I.BPF_DW, 6, 10, -8 * slot),
      mk(I.BPF_LDX | I.BPF_MEM | sizeCode(f.size), d === 6 ? 7 : d, 6, f.offset),
    ]),
    fc.tuple(reg, fc.integer({ min: 2, max: 8 }), fc.constantFrom(1, 2, 4, 8)).map(([s, slot, w]) => [
      mk(I.BPF_STX | I.BPF_MEM | sizeCode(w), 10, s, -8 * slot),
      mk(I.BPF_LDX | I.BPF_MEM | sizeCode(w), 8, 10, -8 * slot),
    ]),
    // map lookup, with or without a null check, a bounded index added, then a load
    fc.tuple(reg, reg, fc.integer({ min: -4, max: 12 }), size, fc.boolean()).map(([d, idx, off, sz, check]) => {
      const seq = lookup();
      if (check) seq.push(mk(I.BPF_JMP | I.BPF_JEQ, 0, 0, 3, 0));
      seq.push(mk(I.BPF_ALU64 | I.BPF_AND, idx, 0, 0, 7), mk(I.BPF_ALU64 | I.BPF_ADD | I.BPF_X, 0, idx), mk(I.BPF_LDX | I.BPF_MEM | sz, d, 0, off));
      return seq;
    }),
    // packet-style bounds check: a context value as an index into the map value, checked or not
    fc.tuple(field, fc.constantFrom(1, 2, 4, 8), fc.integer({ min: -1, max: 2 }), fc.boolean(), fc.boolean()).map(([f, w, slack, check, store]) => {
      const seq = lookup();
      seq.push(mk(I.BPF_JMP | I.BPF_JEQ, 0, 0, check ? 5 : 4, 0));
      seq.push(mk(I.BPF_LDX | I.BPF_MEM | sizeCode(f.size), 3, 6, f.offset));
      if (check) seq.push(mk(I.BPF_JMP | I.BPF_JGT, 3, 0, 3, VALUE_SIZE - w + slack));
      seq.push(mk(I.BPF_ALU64 | I.BPF_ADD | I.BPF_X, 0, 3));
      seq.push(store ? mk(I.BPF_ST | I.BPF_MEM | sizeCode(w), 0, 0, 0, 7) : mk(I.BPF_LDX | I.BPF_MEM | sizeCode(w), 4, 0, 0));
      seq.push(mk(I.BPF_ALU64 | I.BPF_MOV, 0, 0, 0, 0));
      return [mk(I.BPF_ALU64 | I.BPF_MOV | I.BPF_X, 6, 1), ...seq];
    }),
    // bounded loop: counter r8 from 0 to n, a body on r7 and the stack; sometimes unbounded
    fc.tuple(fc.integer({ min: 1, max: 8 }), fc.integer({ min: 1, max: 3 }), fc.boolean(), fc.integer({ min: 2, max: 8 })).map(([n, step, bounded, slot]) => {
      const body = [
        mk(I.BPF_ALU64 | I.BPF_ADD | I.BPF_X, 7, 8),
        mk(I.BPF_STX | I.BPF_MEM | I.BPF_DW, 10, 7, -8 * slot),
        mk(I.BPF_ALU64 | I.BPF_ADD, 8, 0, 0, bounded ? step : 0),
      ];
      return [mk(I.BPF_ALU64 | I.BPF_MOV, 8, 0, 0, 0), mk(I.BPF_ALU64 | I.BPF_MOV, 7, 0, 0, 1), ...body, mk(I.BPF_JMP | I.BPF_JLT, 8, 0, -(body.length + 1), n)];
    }),
    // bpf-to-bpf call of the local function (r1 = argument; r0 = result)
    fc.tuple(smallImm, reg).map(([k, d]) => [mk(I.BPF_ALU64 | I.BPF_MOV, 1, 0, 0, k), mk(I.OPCODE_CALL, 0, I.CALL_LOCAL, 0, CALL_FN), mk(I.BPF_ALU64 | I.BPF_MOV | I.BPF_X, d === 1 ? 2 : d, 0)]),
    fc.tuple(fc.boolean(), jmpCode, reg, reg, smallImm, fc.nat(), fc.boolean()).map(([x, c, a, b, k, t, j32]) => (pos: number, len: number) => {
      const room = len - pos - 1;
      return [mk((j32 ? I.BPF_JMP32 : I.BPF_JMP) | c | (x ? I.BPF_X : I.BPF_K), a, b, room > 0 ? t % room : 0, k)];
    }),
    fc.tuple(reg).map(([d]) => [mk(I.BPF_ALU64 | I.BPF_MOV | I.BPF_X, d, 1)]),
  );
}

/** The local function: stores its argument to its own stack, loads it back, r0 = arg * 3 + 1. */
const LOCAL_FN: Insn[] = [
  mk(I.BPF_STX | I.BPF_MEM | I.BPF_DW, 10, 1, -8),
  mk(I.BPF_LDX | I.BPF_MEM | I.BPF_DW, 0, 10, -8),
  mk(I.BPF_ALU64 | I.BPF_MUL, 0, 0, 0, 3),
  mk(I.BPF_ALU64 | I.BPF_ADD, 0, 0, 0, 1),
  mk(I.OPCODE_EXIT),
];

/** Programs for `event`: a prologue that initialises some registers, random pieces, `r0 = …; exit`, then the local function if called. */
export function programFor(event: EventName): fc.Arbitrary<Insn[]> {
  return fc.tuple(fc.array(pieces(event), { minLength: 1, maxLength: 10 }), fc.oneof(fc.constant([0, 2, 3, 4, 5, 6, 7, 8, 9]), fc.subarray([0, 2, 3, 4, 5, 6, 7, 8, 9])), fc.boolean()).map(([ps, init, setR0]) => {
    const flat: (Insn | ((pos: number, len: number) => Insn[]))[] = init.map((r) => mk(I.BPF_ALU64 | I.BPF_MOV, r, 0, 0, r));
    if (init.length > 4) for (let o = -8; o >= -64; o -= 8) flat.push(mk(I.BPF_ST | I.BPF_MEM | I.BPF_DW, 10, 0, o, o));
    for (const p of ps) {
      if (Array.isArray(p)) flat.push(...p);
      else flat.push(p);
    }
    if (setR0) flat.push(mk(I.BPF_ALU64 | I.BPF_MOV, 0, 0, 0, 0));
    flat.push(mk(I.OPCODE_EXIT));
    const slotsOf = (i: Insn): number => (i.opcode === I.OPCODE_LDDW ? 2 : 1);
    // expand jumps (offsets count instructions here; then convert to slots)
    const insns: Insn[] = [];
    flat.forEach((x, k) => {
      if (typeof x === 'function') insns.push(...x(k, flat.length));
      else insns.push({ ...x });
    });
    const mainLen = insns.length;
    if (insns.some((i) => I.isLocalCall(i) && i.imm === CALL_FN)) insns.push(...LOCAL_FN.map((i) => ({ ...i })));
    const slot: number[] = [];
    let s = 0;
    for (const i of insns) {
      slot.push(s);
      s += slotsOf(i);
    }
    slot.push(s);
    insns.forEach((i, k) => {
      if (I.isCondJump(i) && k < mainLen) {
        const t = Math.max(0, Math.min(mainLen - 1, k + 1 + i.off));
        i.off = slot[t] - slot[k] - 1;
      }
      if (I.isLocalCall(i) && i.imm === CALL_FN) i.imm = slot[mainLen] - slot[k] - 1;
    });
    return insns;
  });
}

/** The `tracing` programs (the original generator). */
export const programArb: fc.Arbitrary<Insn[]> = programFor('tracing');

/** A random event, a program for it and `inputs` random contexts of its size. */
export function caseArb(inputs: number): fc.Arbitrary<{ event: EventName; insns: Insn[]; ctxs: Uint8Array[] }> {
  return fc.constantFrom(...EVENT_NAMES).chain((event) => {
    const n = EVENTS[event].contextSize;
    return fc.record({ event: fc.constant(event), insns: programFor(event), ctxs: fc.array(fc.uint8Array({ minLength: n, maxLength: n }), { minLength: inputs, maxLength: inputs }) });
  });
}

export interface FuzzStats {
  programs: number;
  accepted: number;
  runs: number;
  /** Accepted programs with a loop, a local call, a map lookup (by the verifier's view). */
  loops?: number;
  calls?: number;
  /** Compiled runs with the verifier's facts that matched the checked interpreter. */
  factRuns?: number;
  /** Memory accesses the facts claimed in bounds (over accepted programs). */
  factAccesses?: number;
}

/** Checks one program; throws when an accepted program trips a runtime check. */
export function checkProgram(insns: Insn[], inputs: Uint8Array[], stats: FuzzStats, event: EventName = 'tracing', withFacts = false): void {
  stats.programs++;
  const r = verify({ insns, platform: eventPlatform(event, MAPS), options: { maxSteps: 20_000 } });
  if (!r.ok) return;
  stats.accepted++;
  if (r.analysis.loopHeads.length) stats.loops = (stats.loops ?? 0) + 1;
  if (insns.some((i) => I.isLocalCall(i))) stats.calls = (stats.calls ?? 0) + 1;
  const facts = withFacts ? verifierFacts(r, insns) : undefined;
  if (facts) {
    let slot = 0;
    for (const i of insns) {
      if (facts.accessInBounds?.(slot)) stats.factAccesses = (stats.factAccesses ?? 0) + 1;
      slot += I.insnSlots(i);
    }
  }
  const prog = { insns, maps: MAPS, event };
  for (const ctx of inputs) {
    const run = (engine: 'interp' | 'jit', options: VmOptions): { r0: bigint; mem: string } => {
      const vm = new Vm(prog, options);
      const region = vm.mem.addRegion('context', ctx.slice(), true);
      const res = vm.run(engine, Memory.address(region), 0n, 100_000);
      const maps = vm.maps.map((m) => Array.from(m.region.bytes).join(',')).join('|');
      return { r0: res.r0, mem: `${Array.from(region.bytes).join(',')}/${maps}` };
    };
    stats.runs++;
    let want: { r0: bigint; mem: string };
    try {
      want = run('interp', {});
    } catch (e) {
      if (e instanceof RuntimeCheckError) {
        throw new Error(`accepted program failed a runtime check (${event}): ${e.message}\n${JSON.stringify(insns)}`);
      }
      throw e;
    }
    if (facts) {
      const got = run('jit', { facts });
      if (got.r0 !== want.r0 || got.mem !== want.mem) {
        throw new Error(`compiled with facts differs from the interpreter (${event}): r0 ${got.r0} vs ${want.r0}\n${JSON.stringify(insns)}`);
      }
      stats.factRuns = (stats.factRuns ?? 0) + 1;
    }
  }
}

export const ctxArb = fc.uint8Array({ minLength: EVENTS.tracing.contextSize, maxLength: EVENTS.tracing.contextSize });
