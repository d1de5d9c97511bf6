/**
 * Worst-case path length of an accepted program, in executed instructions: the longest path
 * from the entry to an exit where every loop runs as many times as the verifier's termination
 * proof allows (`Analysis.loopBounds`) and every bpf-to-bpf call costs the callee's own worst
 * case. Null when a loop has no proven bound (then there is no finite answer to give).
 */
import * as I from '../../simulator/ebpf/isa';
import type { Insn } from '../../simulator/ebpf/isa';

export function worstCasePath(insns: readonly Insn[], loopBounds: ReadonlyMap<number, bigint> | undefined): number | null {
  const n = insns.length;
  if (n === 0) return 0;
  const slotToIdx = new Map<number, number>();
  let slot = 0;
  insns.forEach((insn, i) => {
    const s = insn.slot ?? slot;
    slotToIdx.set(s, i);
    slot = s + I.insnSlots(insn);
  });
  const slotOf = (i: number): number => insns[i].slot ?? 0;
  const targetOf = (i: number, rel: number): number | undefined => slotToIdx.get(slotOf(i) + I.insnSlots(insns[i]) + rel);
  const succs = (i: number): number[] => {
    const insn = insns[i];
    if (I.isExit(insn)) return [];
    if (I.isJump(insn)) {
      const t = targetOf(i, I.jumpOffset(insn));
      const out = t === undefined ? [] : [t];
      if (!I.isJa(insn) && i + 1 < n) out.unshift(i + 1);
      return out;
    }
    return i + 1 < n ? [i + 1] : [];
  };

  const fnCost = new Map<number, number | null>();
  const inProgress = new Set<number>();

  /** Longest path from a function entry to its exits. */
  function functionCost(entry: number): number | null {
    const known = fnCost.get(entry);
    if (known !== undefined) return known;
    if (inProgress.has(entry)) return null; // recursion: the verifier rejects it anyway
    inProgress.add(entry);
    // DFS: post order and back edges (edges to a node still on the stack)
    const state = new Uint8Array(n); // 0 new, 1 on stack, 2 done
    const order: number[] = [];
    const back = new Map<number, number[]>(); // loop head -> back-edge sources
    const stack: [number, number][] = [[entry, 0]];
    state[entry] = 1;
    while (stack.length) {
      const top = stack[stack.length - 1];
      const ss = succs(top[0]);
      if (top[1] < ss.length) {
        const s = ss[top[1]++];
        if (state[s] === 0) {
          state[s] = 1;
          stack.push([s, 0]);
        } else if (state[s] === 1) back.set(s, [...(back.get(s) ?? []), top[0]]);
      } else {
        state[top[0]] = 2;
        order.push(top[0]);
        stack.pop();
      }
    }
    const isBack = (from: number, to: number): boolean => back.get(to)?.includes(from) ?? false;
    let unbounded = false;
    const weight = (i: number): number => {
      const insn = insns[i];
      if (I.isLocalCall(insn)) {
        const t = targetOf(i, insn.imm);
        const c = t === undefined ? null : functionCost(t);
        if (c === null) unbounded = true;
        return 1 + (c ?? 0);
      }
      return 1;
    };
    const w = new Map<number, number>();
    for (const i of order) w.set(i, weight(i));
    // Loops, innermost first (post order visits inner heads before outer ones): the body's
    // longest path, head to back-edge source, repeats bound - 1 more times.
    for (const head of order) {
      const sources = back.get(head);
      if (!sources) continue;
      const bound = loopBounds?.get(head);
      if (bound === undefined) {
        unbounded = true;
        continue;
      }
      const body = longestBetween(head, new Set(sources), order, succs, isBack, w);
      w.set(head, (w.get(head) ?? 1) + Number(bound - 1n) * body);
    }
    const dist = new Map<number, number>();
    for (const i of order) {
      let best = 0;
      for (const s of succs(i)) if (!isBack(i, s)) best = Math.max(best, dist.get(s) ?? 0);
      dist.set(i, (w.get(i) ?? 1) + best);
    }
    inProgress.delete(entry);
    const cost = unbounded ? null : (dist.get(entry) ?? 0);
    fnCost.set(entry, cost);
    return cost;
  }

  return functionCost(0);
}

/** Longest weighted path from `head` to any of `ends` over forward edges (0 when none). */
function longestBetween(
  head: number,
  ends: ReadonlySet<number>,
  postOrder: readonly number[],
  succs: (i: number) => number[],
  isBack: (from: number, to: number) => boolean,
  w: ReadonlyMap<number, number>,
): number {
  const best = new Map<number, number>();
  for (const i of postOrder) {
    let tail = ends.has(i) ? 0 : -1;
    for (const s of succs(i)) {
      if (isBack(i, s)) continue;
      const b = best.get(s);
      if (b !== undefined && b >= 0) tail = Math.max(tail, b);
    }
    best.set(i, tail < 0 ? -1 : tail + (w.get(i) ?? 1));
    if (i === head) break;
  }
  return Math.max(0, best.get(head) ?? 0);
}
