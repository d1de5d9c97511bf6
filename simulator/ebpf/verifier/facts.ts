/**
 * The verifier's side of `CompilerFacts` (simulator/ebpf/vm/facts.ts): what the analysis proved
 * about every execution, for the compiler to drop run-time checks.
 *
 *   const r = verify({ insns, platform });
 *   const vm = new Vm(program, { facts: verifierFacts(r) });
 *
 * Claims, only for a program the verifier accepted (no error findings; otherwise every answer
 * is "no fact"):
 * - `accessInBounds(slot)`: the load, store or atomic at `slot` is reachable and passed the
 *   verifier's region/bounds/writability check on every abstract path through it (the check
 *   rejects the program otherwise). Legacy packet loads (LD ABS/IND) and loads through the guest
 *   window (served by the guest, not by host bytes) are never claimed.
 * - `scalarRange(slot, reg)`: the register is a number (never a pointer) in the joined state
 *   before the instruction, over every call context; its unsigned interval is the answer.
 * - `loopBound(headerSlot)`: the bound the termination check proved for that loop head.
 * Unreachable instructions get no facts. Nothing is cached beyond the analysis itself.
 */
import * as I from '../isa';
import type { CompilerFacts, ScalarRange } from '../vm/facts';
import type { VerifyResult } from './index';

export type { CompilerFacts, ScalarRange } from '../vm/facts';

export function verifierFacts(result: VerifyResult, insns: readonly I.Insn[]): CompilerFacts {
  if (!result.ok) return {};
  const an = result.analysis;
  const slots = an.slots;
  if (!slots) return {};
  const idxOf = new Map<number, number>();
  slots.forEach((s, i) => idxOf.set(s, i));
  const program = insns;
  const isAccess = (i: number): boolean => {
    const insn = program[i];
    if (!insn) return false;
    const cls = I.opClass(insn.opcode);
    const mode = I.opMode(insn.opcode);
    if (cls === I.BPF_LDX) return mode === I.BPF_MEM || mode === I.BPF_MEMSX;
    if (cls === I.BPF_ST || cls === I.BPF_STX) return mode === I.BPF_MEM || mode === I.BPF_ATOMIC;
    return false;
  };
  // Guest-window loads are in bounds too, but their bytes come from the guest through the
  // memory's slow path, which an unchecked inline access would skip.
  const throughGuestWindow = (i: number): boolean => {
    const insn = program[i];
    const base = I.opClass(insn.opcode) === I.BPF_LDX ? insn.src : insn.dst;
    return an.pre[i]?.regs[base]?.t === 'guest';
  };
  return {
    accessInBounds(slot: number): boolean {
      const i = idxOf.get(slot);
      return i !== undefined && an.pre[i] !== undefined && isAccess(i) && !throughGuestWindow(i);
    },
    scalarRange(slot: number, reg: number): ScalarRange | undefined {
      const i = idxOf.get(slot);
      if (i === undefined || reg < 0 || reg > 10) return undefined;
      const v = an.pre[i]?.regs[reg];
      if (!v || v.t !== 'num') return undefined;
      return { min: v.v.umin, max: v.v.umax };
    },
    loopBound(headerSlot: number): number | undefined {
      const i = idxOf.get(headerSlot);
      const b = i === undefined ? undefined : an.loopBounds?.get(i);
      return b === undefined || b > BigInt(Number.MAX_SAFE_INTEGER) ? undefined : Number(b);
    },
  };
}
