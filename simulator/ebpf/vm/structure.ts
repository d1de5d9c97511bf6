/**
 * Structured control flow for the compiler: turns a program's control-flow graph into nested
 * JavaScript `for (;;)` loops and labelled blocks, so compiled code has no `switch (pc)` dispatch
 * and V8 sees ordinary loops (registers stay in machine registers across iterations).
 *
 * Method (from the definitions of reducibility and natural loops, nothing borrowed):
 * 1. basic blocks and their successors; blocks unreachable from slot 0 are dropped;
 * 2. a depth-first search finds retreating edges; each one's target is a loop header, and the
 *    natural loop of the header is everything that reaches the edge's source without passing
 *    through the header. If that set contains the entry block, the header does not dominate the
 *    source: the graph is irreducible and `structure` returns undefined (the caller keeps its
 *    dispatch-loop compiler);
 * 3. a linear order in which every loop is contiguous and starts with its header: each region
 *    (the whole program, then each loop body) is sorted topologically with its inner loops
 *    collapsed to one node, ties broken by slot so fall-through stays fall-through;
 * 4. every edge is then a fall-through (next in the order, same loops), a `continue` to the
 *    header of an enclosing loop, or a forward `break` out of a labelled block that closes just
 *    before the target. Blocks are widened until all loops and blocks nest properly; if that
 *    fails the caller falls back as well.
 *
 * The result also tells, for each check point (the entry and every loop header), the most
 * instructions that can run before the next check point is reached (`work`): compiled code tests
 * the instruction budget only there, and hands the run to the interpreter when the budget is
 * smaller, so a run that exhausts it stops at exactly the same instruction as the interpreter.
 */
import * as I from '../isa';
import type { Insn } from '../isa';

export interface Block {
  id: number;
  /** First and one-past-last instruction index. */
  first: number;
  end: number;
  startSlot: number;
  /** Instructions in the block. */
  length: number;
  /** Successor block ids (taken target first for a conditional jump); -1 = invalid target / falls off the end. */
  succ: number[];
}

export interface Construct {
  kind: 'loop' | 'block';
  /** Block id: the loop header, or the block that a `break` out of this block reaches. */
  target: number;
  /** First and last position (in `order`) covered. */
  start: number;
  last: number;
}

export interface Structure {
  blocks: Block[];
  /** Block ids in emission order (reachable blocks only). */
  order: number[];
  /** Position of each block in `order` (-1 when unreachable). */
  pos: Int32Array;
  /** Loop headers: header block id -> member block ids. */
  loops: Map<number, Set<number>>;
  /** All constructs, properly nested. */
  constructs: Construct[];
  /** Block ids that some edge reaches with a `break` (each has a 'block' construct). */
  breakTargets: Set<number>;
  /** For the entry (block 0) and each loop header: most instructions before the next check point. */
  work: Map<number, number>;
  /** How an edge u -> v is taken. */
  edge(u: number, v: number): 'fall' | 'continue' | 'break';
}

/** Builds the blocks; `undefined` when the program has bpf-to-bpf calls (handled by the dispatch compiler). */
export function basicBlocks(insns: readonly Insn[], slots: number): Block[] | undefined {
  const map = I.slotIndex(insns);
  const valid = (t: number): boolean => t >= 0 && t < slots && map[t] >= 0;
  const leaders = new Set<number>([0]);
  for (const i of insns) {
    if (I.isLocalCall(i) && !I.invalidReason(i)) return undefined;
    const s = i.slot as number;
    const next = s + I.insnSlots(i);
    if (I.invalidReason(i)) {
      leaders.add(next);
      continue;
    }
    if (I.isJump(i)) {
      const t = s + 1 + I.jumpOffset(i);
      if (valid(t)) leaders.add(t);
      leaders.add(next);
    } else if (I.isExit(i)) leaders.add(next);
  }
  const blocks: Block[] = [];
  const blockAt = new Map<number, number>();
  let k = 0;
  while (k < insns.length) {
    const first = k;
    const startSlot = insns[k].slot as number;
    do k++;
    while (k < insns.length && !leaders.has(insns[k].slot as number));
    blockAt.set(startSlot, blocks.length);
    blocks.push({ id: blocks.length, first, end: k, startSlot, length: k - first, succ: [] });
  }
  const to = (t: number): number => (valid(t) ? (blockAt.get(t) ?? -1) : -1);
  for (const b of blocks) {
    const last = insns[b.end - 1];
    const s = last.slot as number;
    const next = s + I.insnSlots(last);
    if (I.invalidReason(last)) continue; // throws
    if (I.isExit(last)) continue;
    if (I.isJump(last)) {
      b.succ.push(to(s + 1 + I.jumpOffset(last)));
      if (!I.isJa(last)) b.succ.push(to(next));
    } else b.succ.push(to(next));
  }
  return blocks;
}

export function structure(blocks: Block[]): Structure | undefined {
  const n = blocks.length;
  if (n === 0) return undefined;
  // reachability + DFS retreating edges (iterative)
  const state = new Uint8Array(n); // 0 new, 1 on stack, 2 done
  const backEdges: [number, number][] = [];
  const stack: [number, number][] = [[0, 0]];
  state[0] = 1;
  while (stack.length > 0) {
    const top = stack[stack.length - 1];
    const b = blocks[top[0]];
    if (top[1] < b.succ.length) {
      const v = b.succ[top[1]++];
      if (v < 0) continue;
      if (state[v] === 0) {
        state[v] = 1;
        stack.push([v, 0]);
      } else if (state[v] === 1) backEdges.push([top[0], v]);
    } else {
      state[top[0]] = 2;
      stack.pop();
    }
  }
  const reachable = (b: number): boolean => state[b] === 2;
  const preds: number[][] = Array.from({ length: n }, () => []);
  for (const b of blocks) if (reachable(b.id)) for (const v of b.succ) if (v >= 0) preds[v].push(b.id);
  // natural loops
  const loops = new Map<number, Set<number>>();
  for (const [u, h] of backEdges) {
    const body = loops.get(h) ?? new Set<number>([h]);
    loops.set(h, body);
    const work = [u];
    while (work.length > 0) {
      const x = work.pop() as number;
      if (body.has(x)) continue;
      if (x === 0) return undefined; // irreducible: h does not dominate u
      body.add(x);
      for (const p of preds[x]) work.push(p);
    }
  }
  // loops must nest or be disjoint
  const headers = [...loops.keys()];
  for (const a of headers)
    for (const b of headers) {
      if (a === b) continue;
      const A = loops.get(a) as Set<number>;
      const B = loops.get(b) as Set<number>;
      if (A.has(b) && B.has(a)) return undefined;
      if (A.has(b)) {
        for (const x of B) if (!A.has(x)) return undefined;
      } else if (!B.has(a)) {
        for (const x of B) if (A.has(x)) return undefined;
      }
    }
  // linear order
  const order: number[] = [];
  const emitRegion = (nodes: Set<number>, header: number): boolean => {
    // representative of each node: the outermost inner loop (header != current) containing it
    const inner = headers.filter((h) => h !== header && nodes.has(h));
    const rep = new Map<number, number>();
    for (const x of nodes) rep.set(x, x);
    // outermost first: bigger loops first
    inner.sort((a, b) => (loops.get(b) as Set<number>).size - (loops.get(a) as Set<number>).size);
    const assigned = new Set<number>();
    for (const h of inner) {
      if (assigned.has(h)) continue;
      for (const x of loops.get(h) as Set<number>) {
        if (!assigned.has(x)) {
          rep.set(x, h);
          assigned.add(x);
        }
      }
    }
    const reps = [...new Set(rep.values())];
    const indeg = new Map<number, number>(reps.map((r) => [r, 0]));
    const out = new Map<number, Set<number>>(reps.map((r) => [r, new Set<number>()]));
    for (const x of nodes)
      for (const v of blocks[x].succ) {
        if (v < 0 || !nodes.has(v) || v === header) continue;
        const a = rep.get(x) as number;
        const b = rep.get(v) as number;
        if (a === b) continue;
        const o = out.get(a) as Set<number>;
        if (!o.has(b)) {
          o.add(b);
          indeg.set(b, (indeg.get(b) as number) + 1);
        }
      }
    const ready = reps.filter((r) => indeg.get(r) === 0);
    const entry = header >= 0 ? header : 0;
    if (ready.length !== 1 || ready[0] !== (rep.get(entry) as number)) return false;
    let emitted = 0;
    while (ready.length > 0) {
      let best = 0;
      for (let k = 1; k < ready.length; k++) if (blocks[ready[k]].startSlot < blocks[ready[best]].startSlot) best = k;
      const r = ready[best];
      ready.splice(best, 1);
      emitted++;
      if (r !== header && loops.has(r) && inner.includes(r)) {
        if (!emitRegion(loops.get(r) as Set<number>, r)) return false;
      } else order.push(r);
      for (const v of out.get(r) as Set<number>) {
        const d = (indeg.get(v) as number) - 1;
        indeg.set(v, d);
        if (d === 0) ready.push(v);
      }
    }
    return emitted === reps.length;
  };
  const all = new Set<number>();
  for (let b = 0; b < n; b++) if (reachable(b)) all.add(b);
  if (!emitRegion(all, -1)) return undefined;
  const pos = new Int32Array(n).fill(-1);
  order.forEach((b, p) => (pos[b] = p));
  // loops contiguous, header first
  const constructs: Construct[] = [];
  const innermost = new Int32Array(n).fill(-1); // innermost loop header of each block
  for (const [h, body] of loops) {
    let lo = Infinity;
    let hi = -Infinity;
    for (const x of body) {
      lo = Math.min(lo, pos[x]);
      hi = Math.max(hi, pos[x]);
    }
    if (lo !== pos[h] || hi - lo + 1 !== body.size) return undefined;
    constructs.push({ kind: 'loop', target: h, start: lo, last: hi });
    for (const x of body) {
      const cur = innermost[x];
      if (cur < 0 || (loops.get(cur) as Set<number>).size > body.size) innermost[x] = h;
    }
  }
  const edge = (u: number, v: number): 'fall' | 'continue' | 'break' => {
    const L = loops.get(v);
    if (L && L.has(u)) return 'continue';
    if (pos[v] === pos[u] + 1) {
      const m = innermost[u];
      if (m < 0 || (loops.get(m) as Set<number>).has(v)) return 'fall';
    }
    return 'break';
  };
  // forward breaks -> labelled blocks
  const breakFrom = new Map<number, number>();
  for (const u of order)
    for (const v of blocks[u].succ) {
      if (v < 0) continue;
      const e = edge(u, v);
      if (e === 'break') {
        if (pos[v] <= pos[u]) return undefined;
        breakFrom.set(v, Math.min(breakFrom.get(v) ?? Infinity, pos[u]));
      }
    }
  const blockCs: Construct[] = [...breakFrom].map(([v, s]) => ({ kind: 'block', target: v, start: s, last: pos[v] - 1 }));
  blockCs.sort((a, b) => a.last - b.last);
  const loopCs = constructs.slice();
  for (let changed = true, rounds = 0; changed; rounds++) {
    if (rounds > n + 4) return undefined;
    changed = false;
    for (const c of blockCs) {
      for (const l of loopCs) {
        // a block that ends where (or after) a loop ends, and starts inside it, must enclose it:
        // breaking out of a block nested in the loop would land at the loop's `}` and iterate again
        if (l.start < c.start && c.start <= l.last && l.last <= c.last) {
          c.start = l.start;
          changed = true;
        }
        if (c.start < l.start && l.start <= c.last && c.last < l.last) return undefined;
      }
      for (const d of blockCs) {
        // d ends before c: c may not start strictly inside d
        if (d.last < c.last && d.start < c.start && c.start <= d.last) {
          c.start = d.start;
          changed = true;
        }
      }
    }
  }
  const all2 = [...loopCs, ...blockCs];
  // every block encloses or avoids each loop it does not end inside of
  for (const c of blockCs) for (const l of loopCs) if (l.start < c.start && c.start <= l.last && l.last <= c.last) return undefined;
  // final laminarity check
  for (const a of all2)
    for (const b of all2) {
      if (a === b) continue;
      if (a.start < b.start && b.start <= a.last && a.last < b.last) return undefined;
    }
  // budget work per check point: longest instruction path that does not enter a loop header
  const W = new Float64Array(n);
  for (let p = order.length - 1; p >= 0; p--) {
    const u = order[p];
    let best = 0;
    for (const v of blocks[u].succ) {
      if (v < 0) best = Math.max(best, 1);
      else if (!loops.has(v)) best = Math.max(best, W[v]);
    }
    W[u] = blocks[u].length + best;
  }
  const work = new Map<number, number>();
  work.set(0, W[0]);
  for (const h of loops.keys()) work.set(h, W[h]);
  return { blocks, order, pos, loops, constructs: all2, breakTargets: new Set(breakFrom.keys()), work, edge };
}
