/**
 * Register liveness over the instruction graph (backward may-analysis), so hovers and inlay hints
 * show the registers that matter at a point instead of all eleven.
 */
import { HELPERS_BY_ID } from '../../simulator/ebpf/events';
import * as I from '../../simulator/ebpf/isa';
import type { Insn } from '../../simulator/ebpf/isa';

/** Registers an instruction reads. */
export function readsRegisters(i: Insn): number[] {
  const c = I.opClass(i.opcode);
  if (c === I.BPF_ALU || c === I.BPF_ALU64) {
    const code = I.opCode(i.opcode);
    if (code === I.BPF_MOV) return I.usesSrcReg(i) ? [i.src] : [];
    if (code === I.BPF_NEG || code === I.BPF_END) return [i.dst];
    return I.usesSrcReg(i) ? [i.dst, i.src] : [i.dst];
  }
  if (c === I.BPF_JMP || c === I.BPF_JMP32) {
    if (I.isExit(i)) return [0];
    if (I.isCallx(i)) return [i.dst, 1, 2, 3, 4, 5];
    if (I.isHelperCall(i)) {
      const h = HELPERS_BY_ID.get(i.imm);
      return h ? h.args.map((_, k) => k + 1) : [1, 2, 3, 4, 5];
    }
    if (I.isLocalCall(i)) return [1, 2, 3, 4, 5];
    if (I.isJa(i)) return [];
    return I.usesSrcReg(i) ? [i.dst, i.src] : [i.dst];
  }
  if (c === I.BPF_LDX) return [i.src];
  if (c === I.BPF_ST) return [i.dst];
  if (c === I.BPF_STX) return I.isAtomic(i) && i.imm === I.BPF_CMPXCHG ? [i.dst, i.src, 0] : [i.dst, i.src];
  return [];
}

export interface Liveness {
  /** Bit sets (bit r = register r) of the registers live before each instruction. */
  before: Uint16Array;
  /** ... and after it (the union over its successors). */
  after: Uint16Array;
}

export function liveness(insns: readonly Insn[]): Liveness {
  const n = insns.length;
  const slotToIdx = new Map<number, number>();
  insns.forEach((insn, k) => slotToIdx.set(insn.slot ?? k, k));
  const succ: number[][] = insns.map((insn, k) => {
    if (I.isExit(insn)) return [];
    const next = k + 1 < n ? [k + 1] : [];
    if (!I.isJump(insn)) return next;
    const t = slotToIdx.get((insn.slot ?? k) + 1 + I.jumpOffset(insn));
    const jump = t === undefined ? [] : [t];
    return I.isJa(insn) ? jump : [...next, ...jump];
  });
  const use = insns.map((insn) => mask(readsRegisters(insn)));
  const def = insns.map((insn) => mask(I.writesRegisters(insn)));
  const live = new Uint16Array(n);
  let changed = true;
  for (let round = 0; changed && round < 64; round++) {
    changed = false;
    for (let k = n - 1; k >= 0; k--) {
      let out = 0;
      for (const s of succ[k]) out |= live[s];
      const v = use[k] | (out & ~def[k]);
      if (v !== live[k]) {
        live[k] = v;
        changed = true;
      }
    }
  }
  const after = new Uint16Array(n);
  for (let k = 0; k < n; k++) for (const s of succ[k]) after[k] |= live[s];
  return { before: live, after };
}

function mask(regs: readonly number[]): number {
  let m = 0;
  for (const r of regs) if (r >= 0 && r <= 10) m |= 1 << r;
  return m;
}

export function registersOf(m: number): number[] {
  const out: number[] = [];
  for (let r = 0; r <= 10; r++) if (m & (1 << r)) out.push(r);
  return out;
}
