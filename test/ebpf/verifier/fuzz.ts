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
import { Vm } from '../../../simulator/ebpf/vm/vm';
import { Memory, RuntimeCheckError } from '../../../simulator/ebpf/vm/memory';

export const MAPS: MapDef[] = [{ name: 'm', type: 'array', keySize: 4, valueSize: 8, maxEntries: 4 }];
const CTX_SIZE = 48; // the 'tracing' event

const reg = fc.integer({ min: 0, max: 9 });
const smallImm = fc.oneof(fc.integer({ min: -8, max: 16 }), fc.integer({ min: -(2 ** 31), max: 2 ** 31 - 1 }));
const aluCode = fc.constantFrom(I.BPF_ADD, I.BPF_SUB, I.BPF_MUL, I.BPF_DIV, I.BPF_OR, I.BPF_AND, I.BPF_LSH, I.BPF_RSH, I.BPF_MOD, I.BPF_XOR, I.BPF_MOV, I.BPF_ARSH);
const size = fc.constantFrom(I.BPF_B, I.BPF_H, I.BPF_W, I.BPF_DW);
const jmpCode = fc.constantFrom(I.BPF_JEQ, I.BPF_JGT, I.BPF_JGE, I.BPF_JSET, I.BPF_JNE, I.BPF_JSGT, I.BPF_JSGE, I.BPF_JLT, I.BPF_JLE, I.BPF_JSLT, I.BPF_JSLE);

type Piece = Insn[] | ((pos: number, len: number) => Insn[]);

const mk = (opcode: number, dst = 0, src = 0, off = 0, imm = 0): Insn => ({ opcode, dst, src, off, imm });

const piece: fc.Arbitrary<Piece> = fc.oneof(
  fc.tuple(fc.boolean(), aluCode, reg, reg, smallImm, fc.boolean()).map(([x, c, d, s, k, is64]) => [mk((is64 ? I.BPF_ALU64 : I.BPF_ALU) | c | (x ? I.BPF_X : I.BPF_K), d, s, 0, c === I.BPF_LSH || c === I.BPF_RSH || c === I.BPF_ARSH ? k & 31 : k)]),
  fc.tuple(reg, smallImm).map(([d, k]) => [mk(I.BPF_ALU64 | I.BPF_MOV, d, 0, 0, k)]),
  fc.tuple(reg, size, fc.integer({ min: -2, max: CTX_SIZE + 2 })).map(([d, sz, off]) => [mk(I.BPF_LDX | I.BPF_MEM | sz, d, 1, off)]),
  fc.tuple(reg, fc.constantFrom(0, 8, 12, 16, 24, 32, 40)).map(([d, off]) => [mk(I.BPF_LDX | I.BPF_MEM | (off === 8 || off === 12 ? I.BPF_W : I.BPF_DW), d, 1, off)]),
  fc.tuple(reg, size, fc.integer({ min: -64, max: -1 })).map(([d, sz, off]) => [mk(I.BPF_LDX | I.BPF_MEM | sz, d, 10, off)]),
  fc.tuple(reg, size, fc.integer({ min: -520, max: 4 })).map(([s, sz, off]) => [mk(I.BPF_STX | I.BPF_MEM | sz, 10, s, off)]),
  fc.tuple(reg, size, fc.integer({ min: -520, max: 4 })).map(([d, sz, off]) => [mk(I.BPF_LDX | I.BPF_MEM | sz, d, 10, off)]),
  fc.tuple(reg, reg, fc.integer({ min: -4, max: 12 }), size, fc.boolean()).map(([d, idx, off, sz, check]) => {
    // map lookup with key 0 at fp-4, optional null check, bounded index added, then a load
    const seq: Insn[] = [
      mk(I.BPF_ST | I.BPF_MEM | I.BPF_W, 10, 0, -4, 0),
      mk(I.BPF_ALU64 | I.BPF_MOV | I.BPF_X, 2, 10),
      mk(I.BPF_ALU64 | I.BPF_ADD, 2, 0, 0, -4),
      { ...mk(I.OPCODE_LDDW, 1, I.PSEUDO_MAP_IDX, 0, 0), imm2: 0 },
      mk(I.OPCODE_CALL, 0, 0, 0, 1),
    ];
    if (check) seq.push(mk(I.BPF_JMP | I.BPF_JEQ, 0, 0, 3, 0));
    seq.push(mk(I.BPF_ALU64 | I.BPF_AND, idx, 0, 0, 7), mk(I.BPF_ALU64 | I.BPF_ADD | I.BPF_X, 0, idx), mk(I.BPF_LDX | I.BPF_MEM | sz, d, 0, off));
    return seq;
  }),
  fc.tuple(fc.boolean(), jmpCode, reg, reg, smallImm, fc.nat(), fc.boolean()).map(([x, c, a, b, k, t, j32]) => (pos: number, len: number) => {
    const room = len - pos - 1;
    return [mk((j32 ? I.BPF_JMP32 : I.BPF_JMP) | c | (x ? I.BPF_X : I.BPF_K), a, b, room > 0 ? t % room : 0, k)];
  }),
  fc.tuple(reg).map(([d]) => [mk(I.BPF_ALU64 | I.BPF_MOV | I.BPF_X, d, 1)]),
);

/** Programs: a prologue that initialises some registers, random pieces, `r0 = …; exit`. */
export const programArb: fc.Arbitrary<Insn[]> = fc.tuple(fc.array(piece, { minLength: 1, maxLength: 10 }), fc.oneof(fc.constant([0, 2, 3, 4, 5, 6, 7, 8, 9]), fc.subarray([0, 2, 3, 4, 5, 6, 7, 8, 9])), fc.boolean()).map(([pieces, init, setR0]) => {
  const flat: (Insn | ((pos: number, len: number) => Insn[]))[] = init.map((r) => mk(I.BPF_ALU64 | I.BPF_MOV, r, 0, 0, r));
  if (init.length > 4) for (let o = -8; o >= -64; o -= 8) flat.push(mk(I.BPF_ST | I.BPF_MEM | I.BPF_DW, 10, 0, o, o));
  for (const p of pieces) {
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
  // convert instruction-count jump offsets to slot offsets
  const slot: number[] = [];
  let s = 0;
  for (const i of insns) {
    slot.push(s);
    s += slotsOf(i);
  }
  slot.push(s);
  insns.forEach((i, k) => {
    if (I.isCondJump(i)) {
      const t = Math.min(insns.length - 1, k + 1 + i.off);
      i.off = slot[t] - slot[k] - 1;
    }
  });
  return insns;
});

export interface FuzzStats {
  programs: number;
  accepted: number;
  runs: number;
}

/** Checks one program; throws when an accepted program trips a runtime check. */
export function checkProgram(insns: Insn[], inputs: Uint8Array[], stats: FuzzStats): void {
  stats.programs++;
  const r = verify({ insns, platform: eventPlatform('tracing', MAPS), options: { maxSteps: 20_000 } });
  if (!r.ok) return;
  stats.accepted++;
  for (const ctx of inputs) {
    const vm = new Vm({ insns, maps: MAPS, event: 'tracing' });
    const region = vm.mem.addRegion('context', ctx, false);
    stats.runs++;
    try {
      vm.run('interp', Memory.address(region), 0n, 100_000);
    } catch (e) {
      if (e instanceof RuntimeCheckError) {
        throw new Error(`accepted program failed a runtime check: ${e.message}\n${JSON.stringify(insns)}`);
      }
      throw e;
    }
  }
}

export const ctxArb = fc.uint8Array({ minLength: CTX_SIZE, maxLength: CTX_SIZE });
