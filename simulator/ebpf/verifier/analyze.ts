/**
 * The verifier: abstract interpretation of an eBPF program (RFC 9669) over its control-flow
 * graph, in the product domain of state.ts / scalar.ts.
 *
 * - Structure first: jump targets inside the program and not into the second slot of `lddw`,
 *   every instruction reachable, no recursion among bpf-to-bpf functions, no falling off the end.
 * - Then a worklist fixpoint over (call context, instruction) nodes. A call context is the chain
 *   of call sites, so every bpf-to-bpf call is analysed in its own frame. Loop heads (targets of
 *   DFS back edges) join, then widen with thresholds taken from the program's constants.
 * - Every transfer checks the safety rules; the first violation on a path stops that path and
 *   is reported with the trail of instructions that led to it (first-visit tree).
 * - Termination: for every loop, a register whose value changes by a non-zero constant-signed
 *   amount on each trip around the loop, and whose value at the loop head is bounded by the
 *   fixpoint, is a ranking function; otherwise the loop is rejected.
 */
import * as I from '../isa';
import type { Insn } from '../isa';
import * as S from './scalar';
import type { Scalar, Thresholds, CmpOp } from './scalar';
import {
  ANY, B_MIXED, B_NUM, B_SPILL, B_UNINIT, NUM_TOP, STACK_BYTES, UNINIT, cloneFrame, cloneState, formatVal, isPtr,
  joinState, leqState, newFrame, num, type Frame, type State, type Val,
} from './state';
import type { HelperProto, Platform, VerifyOptions } from './platform';

/** Per-instruction extensions used by test harnesses (PREVAIL's `assume`, `&!=`). */
export interface Pseudo {
  /** A conditional that does not jump: execution continues only where the condition holds. */
  assume?: boolean;
  /** The condition is `(a & b) == 0` instead of JSET's `!= 0`. */
  nset?: boolean;
}

export interface Finding {
  idx: number;
  severity: 'error' | 'warning' | 'info';
  code: string;
  message: string;
  hint?: string;
  /** Registers to show along the path. */
  regs: number[];
  /** Instruction indexes (oldest first) with the states before them, for the explanation. */
  path: { idx: number; state: State | undefined; edge?: string }[];
}

export interface Analysis {
  findings: Finding[];
  /** Joined state before each instruction (undefined: never reached). */
  pre: (State | undefined)[];
  /** Joined state after instruction i (over all its outgoing edges), computed on demand. */
  postAt(i: number): State | undefined;
  /** Joined state at the exits of the main function (and the end, for snippets). */
  exit: State | undefined;
  steps: number;
  blocks: { start: number; end: number; succ: number[] }[];
  loopHeads: number[];
  /** Instruction slot of each instruction (an lddw takes two slots). */
  slots?: readonly number[];
  /**
   * Loop head (instruction index) -> most times its header runs per entry into the loop, as
   * proven by the termination check (only loops it proved; only with `termination` on).
   */
  loopBounds?: ReadonlyMap<number, bigint>;
}

class Reject extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly regs: number[],
    readonly hint?: string,
  ) {
    super(message);
  }
}

const fail = (code: string, message: string, regs: number[], hint?: string): never => {
  throw new Reject(code, message, regs, hint);
};

interface Ctx {
  id: number;
  parent: number;
  callIdx: number;
  depth: number;
  entry: number;
}

const JMP_OPS: Record<number, CmpOp> = {
  [I.BPF_JEQ]: 'eq', [I.BPF_JNE]: 'ne', [I.BPF_JGT]: 'gt', [I.BPF_JGE]: 'ge', [I.BPF_JLT]: 'lt', [I.BPF_JLE]: 'le',
  [I.BPF_JSGT]: 'sgt', [I.BPF_JSGE]: 'sge', [I.BPF_JSLT]: 'slt', [I.BPF_JSLE]: 'sle', [I.BPF_JSET]: 'set',
};
const OP_TEXT: Record<string, string> = {
  eq: '==', ne: '!=', gt: '>', ge: '>=', lt: '<', le: '<=', sgt: 's>', sge: 's>=', slt: 's<', sle: 's<=', set: '&', nset: '&!',
};

const IMM64 = new Map<number, Val>();
const IMM32 = new Map<number, Val>();

/** The number an immediate stands for (sign-extended to 64 bits, or zero-extended from 32). Shared: values are immutable. */
function immVal(imm: number, is64: boolean): Val {
  const cache = is64 ? IMM64 : IMM32;
  let v = cache.get(imm);
  if (v === undefined) {
    v = num(S.konst(BigInt(is64 ? imm : imm >>> 0)));
    if (cache.size < 4096) cache.set(imm, v);
  }
  return v;
}

const WIDTH_VALS = new Map<number, Val>();

/** Any number of `width` bytes, zero-extended. */
function widthVal(width: number): Val {
  let v = WIDTH_VALS.get(width);
  if (v === undefined) {
    v = num(S.range(0n, width === 8 ? S.M64 : (1n << BigInt(width * 8)) - 1n, false));
    WIDTH_VALS.set(width, v);
  }
  return v;
}

export function reg(i: number): string {
  return `r${i}`;
}

export class Analyzer {
  private readonly n: number;
  private readonly slotToIdx = new Map<number, number>();
  private readonly slots: number[] = [];
  private readonly findings: Finding[] = [];
  private readonly findingKeys = new Set<string>();
  private readonly ctxs: Ctx[] = [];
  private readonly ctxByKey = new Map<string, number>();
  private readonly states = new Map<number, State>();
  private readonly visits = new Map<number, number>();
  /** How each node was first reached; `taken`: over a conditional jump's edge (true: jump taken). */
  private readonly parent = new Map<number, { from: number; taken?: boolean }>();
  private readonly loopHeads = new Set<number>();
  /** Loop head -> sources of its DFS back edges. */
  private readonly backEdges = new Map<number, number[]>();
  private readonly thresholds: Thresholds;
  private nextId = 1;
  private steps = 0;
  private exitState: State | undefined;
  private heap: number[] = [];
  private blocks: { start: number; end: number; succ: number[] }[] = [];
  private finalPass = false;
  private curNode = 0;
  private postStates: (State | undefined)[] = [];
  private readonly loopBounds = new Map<number, bigint>();
  private readonly succCache: (readonly number[] | undefined)[] = [];
  /** Worklist membership by node. */
  private queued = new Uint8Array(0);

  constructor(
    private readonly insns: readonly Insn[],
    private readonly platform: Platform,
    private readonly options: VerifyOptions,
    private readonly pseudo: ReadonlyMap<number, Pseudo> = new Map(),
  ) {
    this.n = insns.length;
    let slot = 0;
    insns.forEach((insn, i) => {
      this.slots.push(insn.slot ?? slot);
      this.slotToIdx.set(insn.slot ?? slot, i);
      slot = (insn.slot ?? slot) + I.insnSlots(insn);
    });
    this.thresholds = this.collectThresholds();
  }

  // ------------------------------------------------------------------------------ structure

  private slotOf(i: number): number {
    return this.slots[i];
  }

  private target(i: number, rel: number): number {
    const slot = this.slotOf(i) + I.insnSlots(this.insns[i]) + rel;
    const idx = this.slotToIdx.get(slot);
    if (idx === undefined) {
      const total = this.slotOf(this.n - 1) + I.insnSlots(this.insns[this.n - 1]);
      if (slot < 0 || slot >= total) return fail('jump-out', `jump target slot ${slot} is outside the program (0..${total - 1})`, []);
      return fail('jump-lddw', `jump into the middle of the 16-byte lddw instruction (slot ${slot})`, []);
    }
    return idx;
  }

  /** Successors inside the same function (calls fall through). Cached: do not change the list. */
  private succs(i: number): readonly number[] {
    let got = this.succCache[i];
    if (got === undefined) {
      got = this.computeSuccs(i);
      this.succCache[i] = got;
    }
    return got;
  }

  private computeSuccs(i: number): number[] {
    const insn = this.insns[i];
    const ps = this.pseudo.get(i);
    if (I.isExit(insn)) return [];
    if (I.isJump(insn) && !ps?.assume) {
      const t = this.target(i, I.jumpOffset(insn));
      if (I.isJa(insn)) return [t];
      return i + 1 < this.n ? [i + 1, t] : [t];
    }
    return i + 1 < this.n ? [i + 1] : [];
  }

  private localCallTarget(i: number): number {
    return this.target(i, this.insns[i].imm);
  }

  private record(idx: number, severity: Finding['severity'], code: string, message: string, regs: number[], hint: string | undefined, node: number | undefined): void {
    const key = `${idx}:${code}:${message}`;
    if (this.findingKeys.has(key)) return;
    this.findingKeys.add(key);
    this.findings.push({ idx, severity, code, message, regs, path: node === undefined ? [] : this.trail(node), ...(hint ? { hint } : {}) });
  }

  private structure(): boolean {
    if (this.n === 0) {
      this.record(0, 'error', 'empty', 'the program has no instructions', [], undefined, undefined);
      return false;
    }
    const entries = [0];
    const fnOf = new Int32Array(this.n).fill(-1);
    const callees = new Map<number, Set<number>>();
    let ok = true;
    for (let e = 0; e < entries.length; e++) {
      const entry = entries[e];
      const stack = [entry];
      const calls = new Set<number>();
      callees.set(entry, calls);
      if (fnOf[entry] !== -1 && fnOf[entry] !== entry) {
        this.record(entry, 'error', 'shared-code', 'a function entry is also reached as ordinary code of another function', [], undefined, undefined);
        ok = false;
        continue;
      }
      fnOf[entry] = entry;
      while (stack.length) {
        const i = stack.pop() as number;
        const insn = this.insns[i];
        let succ: readonly number[];
        try {
          succ = this.succs(i);
          if (I.isLocalCall(insn)) {
            const t = this.localCallTarget(i);
            calls.add(t);
            if (!entries.includes(t)) entries.push(t);
          }
          if (!I.isExit(insn) && !I.isJa(insn) && i + 1 >= this.n && this.options.fallOffEnd === 'error') {
            this.record(i, 'error', 'fall-off', 'execution can run past the last instruction; end the program with `exit`', [], undefined, undefined);
            ok = false;
          }
        } catch (e) {
          if (!(e instanceof Reject)) throw e;
          this.record(i, 'error', e.code, e.message, [], undefined, undefined);
          ok = false;
          continue;
        }
        for (const s of succ) {
          if (fnOf[s] === -1) {
            fnOf[s] = entry;
            stack.push(s);
          } else if (fnOf[s] !== entry && this.options.strictStructure) {
            this.record(s, 'error', 'shared-code', 'code shared between two functions (a jump crosses a function boundary)', [], undefined, undefined);
            ok = false;
          }
        }
      }
    }
    if (!ok) return false;
    // recursion
    const color = new Map<number, number>();
    const visit = (f: number): boolean => {
      color.set(f, 1);
      for (const c of callees.get(f) ?? []) {
        if (color.get(c) === 1) {
          this.record(c, 'error', 'recursion', 'illegal recursion: this function calls itself (directly or through others)', [], undefined, undefined);
          return false;
        }
        if (!color.has(c) && !visit(c)) return false;
      }
      color.set(f, 2);
      return true;
    };
    if (!visit(0)) return false;
    for (let i = 0; i < this.n && this.options.strictStructure; i++) {
      if (fnOf[i] === -1) {
        let j = i;
        while (j + 1 < this.n && fnOf[j + 1] === -1) j++;
        this.record(i, 'error', 'unreachable', `unreachable code: no path from the entry reaches ${j > i ? `instructions ${i}..${j}` : 'this instruction'}`, [], 'remove it, or jump to it', undefined);
        ok = false;
        i = j;
      }
    }
    if (!ok) return false;
    // loop heads (DFS back edges) and basic blocks
    const state = new Uint8Array(this.n);
    const stNode = new Int32Array(this.n);
    const stNext = new Int32Array(this.n);
    for (const entry of entries) {
      state.fill(0);
      let sp = 0;
      stNode[0] = entry;
      stNext[0] = 0;
      sp = 1;
      state[entry] = 1;
      while (sp > 0) {
        const node = stNode[sp - 1];
        const succ = this.succs(node);
        if (stNext[sp - 1] < succ.length) {
          const s = succ[stNext[sp - 1]++];
          const c = state[s];
          if (c === 1) {
            this.loopHeads.add(s);
            const list = this.backEdges.get(s) ?? [];
            list.push(node);
            this.backEdges.set(s, list);
          }
          else if (c === 0) {
            state[s] = 1;
            stNode[sp] = s;
            stNext[sp] = 0;
            sp++;
          }
        } else {
          state[node] = 2;
          sp--;
        }
      }
    }
    const leader = new Uint8Array(this.n);
    for (const e of entries) leader[e] = 1;
    for (let i = 0; i < this.n; i++) {
      const insn = this.insns[i];
      if (I.isJump(insn) || I.isExit(insn)) {
        if (i + 1 < this.n) leader[i + 1] = 1;
        for (const s of this.succs(i)) leader[s] = 1;
      }
    }
    let start = 0;
    for (let i = 0; i < this.n; i++) {
      if (i + 1 === this.n || leader[i + 1]) {
        this.blocks.push({ start, end: i, succ: this.succs(i).slice() });
        start = i + 1;
      }
    }
    return true;
  }

  private collectThresholds(): Thresholds {
    const s = new Set<bigint>([0n, 1n, -1n, 255n, 65535n, 512n, -512n, (1n << 31n) - 1n, -(1n << 31n), (1n << 32n) - 1n, S.S64_MAX, S.S64_MIN]);
    const imms = new Set<number>();
    for (const insn of this.insns) if (I.isJump(insn) || I.isAlu(insn)) imms.add(insn.imm);
    for (const imm of imms) {
      const c = BigInt(imm);
      s.add(c - 1n);
      s.add(c);
      s.add(c + 1n);
    }
    const signed = [...s].filter((x) => x >= S.S64_MIN && x <= S.S64_MAX).sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
    const unsigned = [...new Set(signed.map((x) => S.toUnsigned(x)))].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
    return { signed, unsigned };
  }

  // ------------------------------------------------------------------------------ fixpoint

  private ctxFor(parent: number, callIdx: number, entry: number): number {
    const key = `${parent}:${callIdx}`;
    const got = this.ctxByKey.get(key);
    if (got !== undefined) return got;
    const id = this.ctxs.length;
    this.ctxs.push({ id, parent, callIdx, depth: parent < 0 ? 0 : this.ctxs[parent].depth + 1, entry });
    this.ctxByKey.set(key, id);
    return id;
  }

  private push(node: number): void {
    if (node >= this.queued.length) {
      const grown = new Uint8Array(Math.max(node + 1, 2 * this.queued.length, this.n));
      grown.set(this.queued);
      this.queued = grown;
    }
    if (this.queued[node]) return;
    this.queued[node] = 1;
    const h = this.heap;
    h.push(node);
    let i = h.length - 1;
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (h[p] <= h[i]) break;
      [h[p], h[i]] = [h[i], h[p]];
      i = p;
    }
  }

  private pop(): number {
    const h = this.heap;
    const top = h[0];
    const last = h.pop() as number;
    if (h.length) {
      h[0] = last;
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        const r = l + 1;
        let m = i;
        if (l < h.length && h[l] < h[m]) m = l;
        if (r < h.length && h[r] < h[m]) m = r;
        if (m === i) break;
        [h[m], h[i]] = [h[i], h[m]];
        i = m;
      }
    }
    this.queued[top] = 0;
    return top;
  }

  private propagate(from: number, to: number, st: State, taken?: boolean): void {
    const old = this.states.get(to);
    if (old === undefined) {
      if (this.states.size >= this.options.maxStates) {
        throw new Reject('budget', `verification gave up: more than ${this.options.maxStates} distinct program points (call contexts × instructions)`, []);
      }
      this.states.set(to, st);
      this.parent.set(to, taken === undefined ? { from } : { from, taken });
      this.push(to);
      return;
    }
    if (leqState(st, old)) return;
    const idx = to % this.n;
    let next: State;
    if (this.loopHeads.has(idx)) {
      const v = (this.visits.get(to) ?? 0) + 1;
      this.visits.set(to, v);
      next = v > 3 ? joinState(old, joinState(old, st), this.thresholds) : joinState(old, st);
    } else next = joinState(old, st);
    this.states.set(to, next);
    this.push(to);
  }

  run(initial: State): Analysis {
    const pre: (State | undefined)[] = new Array(this.n).fill(undefined);
    const emptyResult = (): Analysis => ({ findings: this.findings, pre, postAt: () => undefined, exit: undefined, steps: this.steps, blocks: this.blocks, loopHeads: [...this.loopHeads], slots: this.slots });
    if (!this.structure()) return emptyResult();
    const root = this.ctxFor(-1, -1, 0);
    this.states.set(root * this.n, initial);
    this.push(root * this.n);
    try {
      while (this.heap.length) {
        const node = this.pop();
        if (++this.steps > this.options.maxSteps) {
          this.record(node % this.n, 'error', 'budget', `verification gave up after ${this.options.maxSteps} instruction visits; the program has too many paths or loops whose bounds the verifier cannot see`, [], 'simplify the control flow or bound the loops with a constant', node);
          break;
        }
        const st = this.states.get(node) as State;
        this.step(node, st);
      }
    } catch (e) {
      if (!(e instanceof Reject)) throw e;
      this.record(0, 'error', e.code, e.message, [], e.hint, undefined);
    }
    // final pass: dead branches, per-instruction post states
    this.finalPass = true;
    this.postStates = new Array(this.n).fill(undefined);
    this.exitState = undefined;
    const last = this.n - 1;
    const needsLook = (insn: Insn, i: number): boolean =>
      I.isCondJump(insn) || I.isExit(insn) || i === last || (I.isAlu(insn) && (I.opCode(insn.opcode) === I.BPF_DIV || I.opCode(insn.opcode) === I.BPF_MOD));
    for (const [node, st] of this.states) {
      const idx = node % this.n;
      pre[idx] = pre[idx] ? joinState(pre[idx] as State, st) : st;
      const insn = this.insns[idx];
      // only branches (dead edges) and exits (the exit state) need the final look now
      if (needsLook(insn, idx)) this.step(node, st);
    }
    const computed = new Set<number>();
    const postAt = (i: number): State | undefined => {
      if (!computed.has(i)) {
        computed.add(i);
        const insn = this.insns[i];
        if (!needsLook(insn, i)) for (const [node, st] of this.states) if (node % this.n === i) this.step(node, st);
      }
      return this.postStates[i];
    };
    if (this.options.termination && !this.findings.some((f) => f.severity === 'error')) this.checkTermination(pre);
    this.findings.sort((a, b) => a.idx - b.idx);
    return { findings: this.findings, pre, postAt, exit: this.exitState, steps: this.steps, blocks: this.blocks, loopHeads: [...this.loopHeads], slots: this.slots, loopBounds: this.loopBounds };
  }

  private trail(node: number): Finding['path'] {
    const out: Finding['path'] = [];
    let cur: number | undefined = node;
    let edge: string | undefined;
    const seen = new Set<number>();
    while (cur !== undefined && out.length < 8 && !seen.has(cur)) {
      seen.add(cur);
      out.push({ idx: cur % this.n, state: this.states.get(cur), ...(edge ? { edge } : {}) });
      const p = this.parent.get(cur);
      edge = p?.taken === undefined ? undefined : `${this.condText(p.from % this.n)} is ${p.taken}`;
      cur = p?.from;
    }
    return out.reverse();
  }

  private emitPost(idx: number, st: State): void {
    if (!this.finalPass) return;
    const old = this.postStates[idx];
    this.postStates[idx] = old ? joinState(old, st) : st;
  }

  private step(node: number, st: State): void {
    this.curNode = node;
    const idx = node % this.n;
    const ctx = this.ctxs[Math.floor(node / this.n)];
    const base = ctx.id * this.n;
    try {
      const out = this.transfer(idx, st, ctx);
      for (const o of out) {
        this.emitPost(idx, o.st);
        if (o.exit) {
          if (this.finalPass) this.exitState = this.exitState ? joinState(this.exitState, o.st) : o.st;
          continue;
        }
        if (!this.finalPass) {
          const tctx = o.ctx ?? ctx.id;
          this.propagate(node, tctx * this.n + o.to, o.st, o.taken);
        }
      }
    } catch (e) {
      if (!(e instanceof Reject)) throw e;
      if (e.code === 'dead-branch') {
        if (this.options.deadBranches !== 'ignore' && this.finalPass) {
          this.record(idx, this.options.deadBranches === 'error' ? 'error' : 'warning', e.code, e.message, e.regs, e.hint, node);
        }
        return;
      }
      if (e.code === 'div-zero-note') {
        if (this.finalPass) this.record(idx, 'info', 'div-zero', e.message, e.regs, e.hint, node);
        return;
      }
      if (!this.finalPass || !this.findingKeys.has(`${idx}:${e.code}:${e.message}`)) this.record(idx, 'error', e.code, e.message, e.regs, e.hint, node);
    }
    void base;
  }

  // ------------------------------------------------------------------------------ transfer

  private readReg(st: State, r: number): Val {
    const v = st.regs[r];
    if (v.t === 'uninit') fail('uninit', `${reg(r)} is read before it is initialised`, [r], r >= 6 && r <= 9 ? `set ${reg(r)} on every path before this instruction` : r <= 5 ? `${reg(r)} is clobbered by calls (r1–r5); keep values that live across a call in r6–r9` : undefined);
    return v;
  }

  private readNum(st: State, r: number, what: string): Scalar {
    const v = this.readReg(st, r);
    if (v.t !== 'num') fail('type', `${what}: ${reg(r)} must be a number, but it is ${formatVal(v)}`, [r]);
    return v.v;
  }

  private setReg(st: State, r: number, v: Val): void {
    if (r === I.FRAME_POINTER) fail('r10', 'r10 (the frame pointer) is read-only', [10]);
    st.regs[r] = v;
  }

  /** A new pointer of `kind` at offset `off`, with its address when the platform gives one. */
  private ptr(v: Val): Val {
    const pa = this.platform.pointerAddress?.[v.t as 'ctx'];
    if (!pa) return v;
    const base = S.range(pa[0], pa[1], false);
    return { ...v, addr: v.t === 'mapref' ? base : S.add(base, v.v) };
  }

  private fresh(v: Val): Val {
    return { ...v, id: this.nextId++ };
  }

  private transfer(idx: number, pre: State, ctx: Ctx): { to: number; st: State; exit?: boolean; ctx?: number; taken?: boolean }[] {
    const insn = this.insns[idx];
    const op = insn.opcode;
    const cls = I.opClass(op);
    const st = cloneState(pre);
    switch (cls) {
      case I.BPF_ALU:
      case I.BPF_ALU64:
        this.alu(insn, st);
        return this.fallThrough(idx, st, ctx);
      case I.BPF_LDX:
        this.load(insn, st);
        return this.fallThrough(idx, st, ctx);
      case I.BPF_ST:
      case I.BPF_STX:
        if (I.isAtomic(insn)) this.atomic(insn, st);
        else this.store(insn, st);
        return this.fallThrough(idx, st, ctx);
      case I.BPF_LD:
        if (I.isLddw(insn)) {
          this.lddw(insn, st);
          return this.fallThrough(idx, st, ctx);
        }
        this.legacyLoad(insn, st);
        return this.fallThrough(idx, st, ctx);
      default:
        break;
    }
    // JMP / JMP32
    if (I.isExit(insn)) return this.exit(idx, st, ctx);
    if (I.isCall(insn)) {
      if (I.isLocalCall(insn)) return this.localCall(idx, st, ctx);
      let id = insn.imm;
      if (I.isCallx(insn)) {
        const t = this.readReg(st, insn.dst);
        if (t.t !== 'num' || !S.isConst(t.v)) fail('callx', `callx needs a single known helper id in ${reg(insn.dst)}, but it is ${formatVal(t)}`, [insn.dst]);
        id = Number(S.toSigned(t.v.tv));
      }
      this.helperCall(id, st);
      return this.fallThrough(idx, st, ctx);
    }
    if (I.isJa(insn)) return [{ to: this.target(idx, I.jumpOffset(insn)), st }];
    return this.branch(idx, insn, st);
  }

  private fallThrough(idx: number, s: State, ctx: Ctx): { to: number; st: State; exit?: boolean }[] {
    if (idx + 1 >= this.n) return this.options.fallOffEnd === 'exit' ? [{ to: -1, st: s, exit: ctx.depth === 0 }] : [];
    return [{ to: idx + 1, st: s }];
  }

  private alu(insn: Insn, st: State): void {
    const op = I.opCode(insn.opcode);
    const is64 = I.isAlu64(insn);
    const d = insn.dst;
    if (d === I.FRAME_POINTER) fail('r10', 'r10 (the frame pointer) is read-only', [10], 'copy it first: `r1 = r10`, then change r1');
    if (op === I.BPF_END) {
      const x = this.readNum(st, d, 'byte swap');
      const w = insn.imm as 16 | 32 | 64;
      const kind = I.swapKind(insn);
      const v = kind === (this.platform.bigEndian ? 'be' : 'le') ? S.truncBits(x, w) : S.bswap(S.truncBits(x, w), w);
      this.setReg(st, d, num(v));
      return;
    }
    if (op === I.BPF_NEG) {
      const x = this.readNum(st, d, 'negation');
      this.setReg(st, d, num(is64 ? S.neg(x) : S.trunc32(S.neg(S.trunc32(x)))));
      return;
    }
    const srcIsReg = I.usesSrcReg(insn);
    if (op === I.BPF_MOV) {
      if (!srcIsReg) {
        this.setReg(st, d, immVal(insn.imm, is64));
        return;
      }
      const s = this.options.lenientUninit && is64 && insn.off === 0 ? st.regs[insn.src] : this.readReg(st, insn.src);
      if (insn.off !== 0) {
        if (s.t !== 'num') fail('ptr-arith', `sign-extending move of a pointer (${reg(insn.src)} is ${formatVal(s)})`, [insn.src]);
        const v = S.sext(s.v, insn.off as 8 | 16 | 32);
        this.setReg(st, d, num(is64 ? v : S.trunc32(v)));
        return;
      }
      if (!is64) {
        if (s.t !== 'num') fail('ptr-leak', `32-bit move of a pointer would turn ${reg(insn.src)} (${formatVal(s)}) into a number`, [insn.src], 'use a 64-bit move `rX = rY`');
        this.setReg(st, d, num(S.trunc32(s.v)));
        return;
      }
      // 64-bit copy: both registers share an equality class
      let v = s;
      if (v.id === undefined && v.t !== 'any' && v.t !== 'uninit') {
        v = this.fresh(v);
        st.regs[insn.src] = v;
      }
      this.setReg(st, d, v);
      return;
    }
    const dv = this.readReg(st, d);
    let sv: Val;
    if (srcIsReg) sv = this.readReg(st, insn.src);
    else sv = immVal(insn.imm, is64);
    const srcName = (): string => (srcIsReg ? reg(insn.src) : `${insn.imm}`);
    if (dv.t === 'num' && sv.t === 'num') {
      this.setReg(st, d, num(this.arith(op, insn, dv.v, sv.v, is64, srcIsReg ? insn.src : -1)));
      return;
    }
    // pointer arithmetic
    if (dv.t === 'any' || sv.t === 'any') fail('type', `arithmetic on a value of unknown type (${dv.t === 'any' ? reg(d) : srcName()} differs between paths)`, [d, ...(srcIsReg ? [insn.src] : [])]);
    if (op === I.BPF_DIV || op === I.BPF_MOD) fail('div-type', `only numbers can be used in division (${dv.t !== 'num' ? reg(d) : srcName()} is ${formatVal(dv.t !== 'num' ? dv : sv)})`, [d]);
    if (!is64) fail('ptr-arith', `32-bit arithmetic on a pointer (${reg(d)} = ${formatVal(dv)}, ${srcName()} = ${formatVal(sv)})`, [d], 'pointer arithmetic must be 64-bit');
    if (op === I.BPF_ADD || op === I.BPF_SUB) {
      if (isPtr(dv) && sv.t === 'num') {
        this.setReg(st, d, this.movePtr(dv, op === I.BPF_ADD ? sv.v : S.neg(sv.v), d));
        return;
      }
      if (op === I.BPF_ADD && dv.t === 'num' && isPtr(sv)) {
        this.setReg(st, d, this.movePtr(sv, dv.v, insn.src));
        return;
      }
      if (op === I.BPF_SUB && isPtr(dv) && isPtr(sv)) {
        const same = dv.t === sv.t && dv.frame === sv.frame && (dv.t === 'stack' || dv.t === 'packet' || dv.t === 'ctx');
        if (dv.t === 'map' && sv.t === 'map') fail('ptr-sub', 'cannot subtract pointers to map values: each value is its own region', [d, insn.src]);
        if (dv.t === 'stack' && same) {
          for (const [x, r] of [[dv, d], [sv, insn.src]] as const) {
            if (x.v.smin < -BigInt(STACK_BYTES) || x.v.smax > 0n) fail('ptr-sub', `${reg(r)} (${formatVal(x)}) points outside its stack frame`, [r]);
          }
        }
        if (!same) fail('ptr-sub', `cannot subtract pointers to different regions (${reg(d)} is ${formatVal(dv)}, ${srcName()} is ${formatVal(sv)})`, [d, insn.src]);
        if (dv.nullable || sv.nullable) fail('null', 'subtraction of a pointer that may be null', [d, insn.src], 'check it against 0 first');
        this.setReg(st, d, num(S.sub(dv.v, sv.v)));
        return;
      }
    }
    if (dv.t === 'mapref' || sv.t === 'mapref') fail('type', 'arithmetic on a map reference', [d]);
    fail('ptr-arith', `pointer arithmetic other than pointer ± number: ${reg(d)} (${formatVal(dv)}) ${aluName(op)} ${srcName()} (${formatVal(sv)})`, [d, ...(srcIsReg ? [insn.src] : [])], 'only add or subtract a number to a pointer; other operations would leak its address');
  }

  private movePtr(p: Val, delta: Scalar, r: number): Val {
    if (p.nullable) fail('null', `arithmetic on ${reg(r)}, which may be null (${formatVal(p)})`, [r], 'add `if rX == 0 goto …` after the map lookup, then do the arithmetic');
    if (p.t === 'pend') fail('ptr-arith', 'arithmetic on the packet end pointer', [r], 'compare `ptr + N > end` with a copy of the data pointer instead');
    if (p.t === 'mapref') fail('type', 'arithmetic on a map reference', [r]);
    const v = S.add(p.v, delta);
    const lim = 1n << 29n;
    if (v.smin < -lim || v.smax > lim) fail('ptr-bounds', `pointer offset of ${reg(r)} becomes unbounded (${S.formatScalar(v)})`, [r], 'bound the added number first, e.g. `if rX > 64 goto out`');
    const out: { -readonly [K in keyof Val]: Val[K] } = { ...p, v };
    delete out.id;
    if (p.addr) out.addr = S.add(p.addr, delta);
    return out;
  }

  private arith(op: number, insn: Insn, a0: Scalar, b0: Scalar, is64: boolean, srcReg: number): Scalar {
    const a = is64 ? a0 : S.trunc32(a0);
    const b = is64 ? b0 : S.trunc32(b0);
    const w: 32 | 64 = is64 ? 64 : 32;
    let r: Scalar;
    switch (op) {
      case I.BPF_ADD: r = S.add(a, b); break;
      case I.BPF_SUB: r = S.sub(a, b); break;
      case I.BPF_MUL: r = S.mul(a, b); break;
      case I.BPF_OR: r = S.or(a, b); break;
      case I.BPF_AND: r = S.and(a, b); break;
      case I.BPF_XOR: r = S.xor(a, b); break;
      case I.BPF_LSH: r = S.shift('lsh', a, b, w); break;
      case I.BPF_RSH: r = S.shift('rsh', a, b, w); break;
      case I.BPF_ARSH: r = is64 ? S.shift('arsh', a, b, 64) : S.shift('arsh', S.sext(a, 32), b, 32); break;
      case I.BPF_DIV:
      case I.BPF_MOD: {
        const bz = is64 ? b : S.trunc32(b);
        const mayZero = bz.umin === 0n;
        if (mayZero && srcReg >= 0) {
          if (this.options.divByZero === 'note' && this.finalPass) {
            this.record(this.curNode % this.n, 'info', 'div-zero', `possible division by zero: ${reg(srcReg)} may be 0 (${S.formatScalar(bz)}); RFC 9669 defines the result (x / 0 = 0, x % 0 = x)`, [srcReg], undefined, this.curNode);
          }
          if (this.options.divByZero === 'error') fail('div-zero', `possible division by zero: ${reg(srcReg)} may be 0 (${S.formatScalar(bz)})`, [srcReg], `check \`if ${reg(srcReg)} == 0 goto …\` first`);
        }
        const signed = insn.off === 1;
        if (op === I.BPF_DIV) r = signed ? S.sdiv(is64 ? a : S.sext(a, 32), is64 ? b : S.sext(b, 32), w) : S.udiv(a, b);
        else r = signed ? S.smod(is64 ? a : S.sext(a, 32), is64 ? b : S.sext(b, 32), w) : S.umod(a, b);
        break;
      }
      default:
        return fail('opcode', `unsupported arithmetic opcode 0x${insn.opcode.toString(16)}`, []);
    }
    return is64 ? r : S.trunc32(r);
  }

  // ------------------------------------------------------------------------------ memory

  private ownFrame(st: State, f: number): Frame {
    const fr = cloneFrame(st.frames[f]);
    // the frame list is shared with the state this one was cloned from
    st.frames = st.frames.slice();
    st.frames[f] = fr;
    return fr;
  }

  /**
   * Checks an access of `width` bytes at `base + off` and returns the region it lies in with the
   * exact offset range.
   */
  private access(st: State, r: number, off: number, width: number, write: boolean): { base: Val; lo: bigint; hi: bigint } {
    const base = this.readReg(st, r);
    const what = write ? 'write' : 'read';
    const at = (): string => `${reg(r)}${off >= 0 ? '+' : ''}${off}`;
    switch (base.t) {
      case 'num':
        return fail('type', `invalid memory ${what}: ${reg(r)} is a number (${formatVal(base)}), not a pointer`, [r]);
      case 'any':
        return fail('type', `invalid memory ${what}: ${reg(r)} is not the same kind of pointer on every path`, [r], 'keep one pointer kind per register across the branches that join here');
      case 'mapref':
        return fail('type', `invalid memory ${what}: ${reg(r)} is a map reference, not a pointer to its value`, [r], 'look the value up with `call map_lookup_elem`');
      case 'pend':
        return fail('bounds', `invalid memory ${what}: ${reg(r)} is the packet end pointer`, [r]);
      default:
        break;
    }
    if (base.nullable) fail('null', `possible null access: ${reg(r)} may be 0 (${formatVal(base)})`, [r], `add \`if ${reg(r)} == 0 goto …\` after the lookup, before the ${what}`);
    const lo = base.v.smin + BigInt(off);
    const hi = base.v.smax + BigInt(off);
    const w = BigInt(width);
    switch (base.t) {
      case 'stack': {
        if (lo < -BigInt(STACK_BYTES) || hi + w > 0n) {
          fail('bounds', `stack ${what} out of bounds: ${at()} covers fp${lo}..fp${hi + w} but the frame is fp-512..fp0`, [r], 'stack offsets are negative from r10, within 512 bytes');
        }
        if (base.frame !== undefined && base.frame >= st.frames.length) fail('bounds', `${reg(r)} points into a stack frame that has returned`, [r]);
        return { base, lo, hi };
      }
      case 'ctx': {
        const size = BigInt(this.platform.ctxSize);
        if (lo < 0n || hi + w > size) fail('bounds', `context ${what} out of bounds: ${at()} (offset ${lo === hi ? lo : `${lo}..${hi}`}, ${width} bytes) but the context of ${this.platform.name} has ${size} bytes`, [r]);
        const fields = this.platform.fields;
        for (let o = lo; o <= hi; o++) {
          const oN = Number(o);
          if (fields && fields.length) {
            const f = fields.find((x) => oN >= x.offset && oN + width <= x.offset + x.size);
            if (!f) fail('ctx-field', `context ${what} at offset ${oN} (${width} bytes) does not lie inside one field of the ${this.platform.name} context`, [r], `fields: ${fields.map((x) => `${x.name}@${x.offset}/${x.size}`).join(', ')}`);
            else if (write && !f.writable) fail('ctx-write', `cannot write to context field '${f.name}': the ${this.platform.name} event makes it read-only`, [r]);
          }
          if (write) {
            for (const p of this.platform.ctxPointers) {
              if (oN < p.offset + p.size && oN + width > p.offset) fail('ctx-write', `cannot write to a context pointer field (offset ${p.offset}, ${p.size} bytes)`, [r]);
            }
            if (!fields?.length && !this.platform.ctxWritable) fail('ctx-write', 'the context is read-only', [r]);
          }
          if (o - lo > 64n) break;
        }
        return { base, lo, hi };
      }
      case 'packet': {
        if (lo < st.meta) fail('bounds', `packet ${what} before the start of the packet${st.meta < 0n ? ' metadata' : ''}: ${at()} may be at offset ${lo}`, [r]);
        if (hi + w > st.pktMin) {
          fail('bounds', `packet ${what} out of bounds: ${at()} reaches byte ${hi + w} but the packet is only known to have ${st.pktMin} bytes`, [r], `check \`if rX > packet_end goto …\` with rX = ${reg(r)} + ${hi - base.v.smax + BigInt(off) + w + (base.v.smax - lo) - BigInt(off) > 0n ? Number(hi - lo + BigInt(off) + w) : width} before the access`);
        }
        return { base, lo, hi };
      }
      case 'map':
      case 'mem':
      case 'sock':
      case 'guest': {
        const size = BigInt(base.size ?? 0);
        const name = base.t === 'map' ? 'map value' : base.t === 'sock' ? 'socket' : base.t === 'guest' ? 'guest window' : 'memory region';
        if (write && base.t === 'guest') fail('guest-write', `cannot write through ${reg(r)}: the guest window is read-only to a hyper-callback`, [r], 'callbacks observe guest memory; hand results back through r0, writable context fields or a map');
        if (lo < 0n) fail('bounds', `${name} ${what} out of bounds: ${at()} may be at offset ${lo}, below 0`, [r]);
        if (hi + w > size) fail('bounds', `${name} ${what} out of bounds: ${at()} reaches byte ${hi + w} of a ${size}-byte ${name}`, [r], base.t === 'map' && !S.isConst(base.v) ? 'bound the offset you added with a comparison first' : undefined);
        if (base.t === 'sock') {
          const fields = this.platform.socketFields;
          if (write) fail('sock', 'sockets are read-only', [r]);
          const okField = (f: { offset: number; size: number; narrow?: boolean; wide?: number }): boolean =>
            (lo >= f.offset && hi + w <= f.offset + f.size && (f.narrow !== false || (lo === BigInt(f.offset) && width === f.size))) || (f.wide === width && lo === hi && lo === BigInt(f.offset));
          if (fields && !fields.some(okField)) fail('sock', `invalid socket access at offset ${lo} (${width} bytes)`, [r]);
        }
        return { base, lo, hi };
      }
    }
    return fail('type', `invalid memory ${what} through ${reg(r)}`, [r]);
  }

  private readStack(st: State, frame: number, lo: bigint, hi: bigint, width: number, r: number): Val {
    const f = st.frames[frame];
    const a = Number(lo) + STACK_BYTES;
    const b = Number(hi) + STACK_BYTES + width;
    if (lo === hi) {
      const sp = f.spills.get(a);
      if (sp && sp.w === width) return sp.v.t === 'num' && width < 8 ? num(S.truncBits(sp.v.v, (width * 8) as 8 | 16 | 32)) : sp.v;
    }
    let mixed = false;
    for (let i = a; i < b; i++) {
      const k = f.bytes[i];
      if (k === B_UNINIT && this.options.lenientUninit) continue;
      if (k === B_UNINIT) fail('uninit-stack', `reading uninitialised stack: fp${i - STACK_BYTES} has not been written (${width}-byte read through ${reg(r)})`, [r], 'store to the stack before reading it');
      if (k === B_MIXED) mixed = true;
      if (k === B_SPILL) {
        // find the spill covering it
        for (const [k0, sp] of f.spills) if (i >= k0 && i < k0 + sp.w && sp.v.t !== 'num') mixed = true;
      }
    }
    if (mixed) return ANY;
    return num(width === 8 ? S.TOP : S.range(0n, (1n << BigInt(width * 8)) - 1n, false));
  }

  private writeStack(st: State, frame: number, lo: bigint, hi: bigint, width: number, v: Val): void {
    const f = this.ownFrame(st, frame);
    const a = Number(lo) + STACK_BYTES;
    const b = Number(hi) + STACK_BYTES + width;
    // drop overlapping spills
    for (const [k0, sp] of f.spills) {
      if (k0 < b && k0 + sp.w > a) {
        f.spills.delete(k0);
        for (let i = k0; i < k0 + sp.w; i++) if (i < a || i >= b || lo !== hi) f.bytes[i] = sp.v.t === 'num' ? B_NUM : B_MIXED;
      }
    }
    if (lo === hi) {
      const aligned = (a % width === 0);
      if (v.t === 'num' || (width === 8 && aligned)) {
        f.spills.set(a, { w: width, v: v.t === 'num' && width < 8 ? num(S.truncBits(v.v, (width * 8) as 8 | 16 | 32)) : v });
        for (let i = a; i < a + width; i++) f.bytes[i] = B_SPILL;
      } else {
        for (let i = a; i < a + width; i++) f.bytes[i] = B_MIXED;
      }
      return;
    }
    // variable offset: weak update, numbers only
    if (v.t !== 'num') fail('ptr-store', 'storing a pointer at a variable stack offset', []);
    for (let i = a; i < b; i++) if (f.bytes[i] === B_SPILL) f.bytes[i] = B_NUM;
  }

  private load(insn: Insn, st: State): void {
    const width = I.sizeBytes(insn.opcode);
    const sx = I.isLoadSx(insn);
    if (!I.isMemLoad(insn)) fail('opcode', 'unknown load', []);
    const { base, lo, hi } = this.access(st, insn.src, insn.off, width, false);
    let v: Val;
    if (base.t === 'stack') {
      v = this.readStack(st, base.frame ?? 0, lo, hi, width, insn.src);
    } else if (base.t === 'ctx') {
      v = widthVal(width);
      for (const p of this.platform.ctxPointers) {
        const overlaps = hi + BigInt(width) > BigInt(p.offset) && lo < BigInt(p.offset + p.size);
        if (!overlaps) continue;
        if (lo === hi && lo === BigInt(p.offset) && width === p.size) {
          v = p.kind === 'pend' ? { t: 'pend', v: S.konst(0n) } : this.ptr(p.kind === 'packet' ? { t: 'packet', v: S.konst(0n) } : { t: 'packet', v: S.range(-4096n, 0n, true) });
        } else v = ANY;
      }
    } else {
      v = widthVal(width);
    }
    if (sx && v.t === 'num') v = num(S.sext(v.v, (width * 8) as 8 | 16 | 32));
    else if (sx && v.t !== 'num') v = ANY;
    this.setReg(st, insn.dst, v);
  }

  private store(insn: Insn, st: State): void {
    const width = I.sizeBytes(insn.opcode);
    const value: Val = I.isStoreReg(insn) ? this.readReg(st, insn.src) : immVal(insn.imm, true);
    const { base, lo, hi } = this.access(st, insn.dst, insn.off, width, true);
    if (base.t === 'stack') {
      this.writeStack(st, base.frame ?? 0, lo, hi, width, value);
      return;
    }
    if (value.t !== 'num') {
      fail('ptr-leak', `only numbers can be stored to ${base.t === 'map' ? 'map values' : base.t === 'ctx' ? 'the context' : base.t === 'packet' ? 'the packet' : 'this region'}: ${reg(insn.src)} is ${formatVal(value)}`, [insn.src], 'storing a pointer where the guest or other programs can read it leaks a host address');
    }
  }

  private atomic(insn: Insn, st: State): void {
    const width = I.sizeBytes(insn.opcode);
    const v = this.readReg(st, insn.src);
    if (v.t !== 'num') fail('ptr-leak', `atomic operand ${reg(insn.src)} must be a number, but it is ${formatVal(v)}`, [insn.src]);
    const { base, lo, hi } = this.access(st, insn.dst, insn.off, width, true);
    if (base.t === 'ctx') fail('ctx-write', 'atomic operations on the context are not allowed', [insn.dst]);
    if (base.t === 'packet') fail('atomic', 'atomic operations on the packet are not allowed', [insn.dst]);
    // Atomics need natural alignment (as the Linux verifier insists: hardware faults or splits the
    // lock otherwise). Region bases are aligned, so the offset's known low bits decide it.
    const offset = S.add(base.v, S.konst(BigInt(insn.off)));
    const lowBits = BigInt(width - 1);
    if (this.options.alignedAtomics && ((offset.tm & lowBits) !== 0n || (offset.tv & lowBits) !== 0n)) {
      const where = offset.smin === offset.smax ? `offset ${offset.smin}` : `an offset in ${offset.smin}..${offset.smax} not known to be a multiple of ${width}`;
      fail('align', `misaligned atomic: ${width === 8 ? 'an' : 'a'} ${width}-byte atomic operation needs ${width === 8 ? 'an' : 'a'} ${width}-byte aligned address, but ${reg(insn.dst)}${insn.off >= 0 ? '+' : ''}${insn.off} is at ${where}`, [insn.dst], `use an offset that is a multiple of ${width}`);
    }
    const full = width === 8 ? S.TOP : S.range(0n, S.M32, false);
    let old = full;
    const cmpxchg = insn.imm === I.BPF_CMPXCHG;
    const r0 = cmpxchg ? this.readReg(st, 0) : undefined;
    if (r0 && r0.t !== 'num') fail('type', `cmpxchg compares r0, which must be a number (it is ${formatVal(r0)})`, [0]);
    if (base.t === 'stack') {
      const o = this.readStack(st, base.frame ?? 0, lo, hi, width, insn.dst);
      if (o.t !== 'num') fail('type', 'atomic operation on a stack slot that holds a pointer', [insn.dst]);
      // the stack is private to this run: the new value follows from the old one exactly
      old = width === 8 ? o.v : S.truncBits(o.v, 32);
      const x = width === 8 ? v.v : S.truncBits(v.v, 32);
      const op = insn.imm & ~I.BPF_FETCH;
      let nv: Scalar;
      if (cmpxchg) {
        const cmp = width === 8 ? (r0 as Val).v : S.truncBits((r0 as Val).v, 32);
        const d = S.decide('eq', old, cmp);
        nv = d === true ? x : d === false ? old : S.join(old, x);
      } else if (op === I.BPF_ATOMIC_ADD) nv = S.add(old, x);
      else if (op === I.BPF_ATOMIC_AND) nv = S.and(old, x);
      else if (op === I.BPF_ATOMIC_OR) nv = S.or(old, x);
      else if (op === I.BPF_ATOMIC_XOR) nv = S.xor(old, x);
      else if (insn.imm === I.BPF_XCHG) nv = x;
      else nv = full;
      this.writeStack(st, base.frame ?? 0, lo, hi, width, num(width === 8 ? nv : S.truncBits(nv, 32)));
    }
    if (cmpxchg) this.setReg(st, 0, num(old));
    else if ((insn.imm & I.BPF_FETCH) !== 0) this.setReg(st, insn.src, num(old));
  }

  private lddw(insn: Insn, st: State): void {
    const kind = I.imm64Kind(insn);
    const maps = this.platform.maps;
    const mapIdx = (): number => {
      let m: number | undefined;
      if (kind === 'map-fd' || kind === 'map-value') m = this.platform.mapByFd?.(insn.imm);
      else m = insn.imm >= 0 && insn.imm < maps.length ? insn.imm : undefined;
      if (m === undefined) fail('map', kind.startsWith('map-idx') ? `invalid map index ${insn.imm} (have ${maps.length} maps)` : `unknown map fd ${insn.imm}`, [insn.dst]);
      return m as number;
    };
    switch (kind) {
      case 'imm64':
        this.setReg(st, insn.dst, num(S.konst(I.lddwValue(insn))));
        return;
      case 'map-fd':
      case 'map-idx':
        this.setReg(st, insn.dst, this.ptr({ t: 'mapref', v: S.TOP, map: mapIdx() }));
        return;
      case 'map-value':
      case 'map-idx-value': {
        const m = mapIdx();
        this.setReg(st, insn.dst, this.ptr({ t: 'map', v: S.konst(BigInt(insn.imm2 ?? 0)), map: m, size: maps[m].valueSize }));
        return;
      }
      default:
        fail('lddw', `lddw of kind '${kind}' is not supported by this verifier`, [insn.dst]);
    }
  }

  private legacyLoad(insn: Insn, st: State): void {
    if (!this.platform.legacyPacket) fail('legacy', 'legacy packet loads (LD ABS/IND) are not available for this program type', []);
    const r6 = this.readReg(st, 6);
    if (r6.t !== 'ctx') fail('legacy', `legacy packet loads need r6 to hold the context, but it is ${formatVal(r6)}`, [6]);
    if (I.opMode(insn.opcode) === I.BPF_IND) this.readNum(st, insn.src, 'legacy packet load index');
    const width = I.sizeBytes(insn.opcode);
    st.regs[0] = widthVal(width);
    for (let r = 1; r <= 5; r++) st.regs[r] = UNINIT;
  }

  // ------------------------------------------------------------------------------ calls

  private helperCall(id: number, st: State): void {
    const h: HelperProto | undefined = this.platform.helpers.get(id);
    if (!h) fail('helper', `invalid helper function id ${id}: the ${this.platform.name} program type does not offer it`, [], this.platform.helpers.size ? `available: ${[...this.platform.helpers.values()].map((x) => `${x.name} (${x.id})`).join(', ')}` : undefined);
    const proto = h as HelperProto;
    let mapIdx: number | undefined;
    let retSize = proto.retSize ?? 0;
    const memArgs: { r: number; p: Val; write: boolean; uninit: boolean }[] = [];
    for (let a = 0; a < proto.args.length; a++) {
      const r = a + 1;
      const kind = proto.args[a];
      const v = this.readReg(st, r);
      const where = `argument ${r} of ${proto.name}`;
      switch (kind) {
        case 'anything':
          break;
        case 'scalar':
        case 'guest-addr':
          if (v.t !== 'num') fail('arg', `${where} (${reg(r)}) must be a number, but it is ${formatVal(v)}`, [r]);
          break;
        case 'ctx':
          if (v.t !== 'ctx' || !S.isConst(v.v) || v.v.tv !== 0n) fail('arg', `${where} (${reg(r)}) must be the context pointer, but it is ${formatVal(v)}`, [r]);
          break;
        case 'map':
          if (v.t !== 'mapref') fail('arg', `${where} (${reg(r)}) must be a map, but it is ${formatVal(v)}`, [r], 'load it with `r1 = map_by_idx(N) ll` / the map name');
          mapIdx = v.map;
          break;
        case 'map-key':
        case 'map-value': {
          if (mapIdx === undefined) fail('arg', `${where}: no map argument precedes it`, [r]);
          const m = this.platform.maps[mapIdx as number];
          if (!m) fail('arg', `${where}: unknown map`, [r]);
          const size = kind === 'map-key' ? m.keySize : m.valueSize;
          this.checkMem(st, r, v, size, false, false, where);
          if (kind === 'map-key') retSize = m.valueSize;
          break;
        }
        case 'mem':
        case 'uninit-mem':
          memArgs.push({ r, p: v, write: kind === 'uninit-mem', uninit: kind === 'uninit-mem' });
          if (v.t !== 'num' || !(S.isConst(v.v) && v.v.tv === 0n)) {
            if (!isPtr(v)) fail('arg', `${where} (${reg(r)}) must be a pointer to memory, but it is ${formatVal(v)}`, [r]);
          }
          break;
        case 'size':
        case 'size-or-zero':
        case 'const-size': {
          if (v.t !== 'num') fail('arg', `${where} (${reg(r)}) must be a size (a number), but it is ${formatVal(v)}`, [r]);
          if (kind === 'size' && v.v.umin === 0n) fail('arg', `${where} (${reg(r)}) may be 0 (${formatVal(v)})`, [r], `check \`if ${reg(r)} == 0 goto …\``);
          if (v.v.umax > 1n << 29n) fail('arg', `${where} (${reg(r)}) has no useful upper bound (${formatVal(v)})`, [r], `bound it: \`if ${reg(r)} > N goto …\``);
          if (kind === 'const-size') {
            if (!S.isConst(v.v)) fail('arg', `${where} (${reg(r)}) must be a known constant`, [r]);
            retSize = Number(v.v.tv);
          } else {
            const mem = memArgs.pop();
            if (mem) this.checkMem(st, mem.r, mem.p, Number(v.v.umax), mem.write, mem.uninit, `argument ${mem.r} of ${proto.name}`);
          }
          break;
        }
      }
    }
    for (let r = 1; r <= 5; r++) st.regs[r] = UNINIT;
    switch (proto.ret) {
      case 'scalar':
        st.regs[0] = NUM_TOP;
        break;
      case 'map-value-or-null':
        st.regs[0] = this.ptr({ t: 'map', v: S.konst(0n), map: mapIdx, size: retSize, nullable: true, id: this.nextId++ });
        break;
      case 'mem-or-null':
        st.regs[0] = this.ptr({ t: 'mem', v: S.konst(0n), size: retSize, nullable: true, id: this.nextId++ });
        break;
      case 'sock-or-null':
        st.regs[0] = this.ptr({ t: 'sock', v: S.konst(0n), size: retSize || 80, nullable: true, id: this.nextId++ });
        break;
      case 'guest-window': {
        const size = this.platform.guestWindow;
        if (size === undefined) fail('helper', `${proto.name} needs a guest range: the program declares none`, [], 'add a `.range START, END` directive (the scenario or the registering hypercall sets the range the hypervisor enforces)');
        st.regs[0] = this.ptr({ t: 'guest', v: S.konst(0n), size, id: this.nextId++ });
        break;
      }
    }
  }

  /** A helper reads (or writes) `size` bytes at pointer `p`. */
  private checkMem(st: State, r: number, p: Val, size: number, write: boolean, uninitOk: boolean, where: string): void {
    if (p.t === 'uninit') this.readReg(st, r);
    if (p.t === 'guest') fail('arg', `${where} (${reg(r)}) points into the guest window, which helpers do not take`, [r], 'copy from the guest with `guest_read` into the stack or a map value first');
    if (!isPtr(p) || p.t === 'pend' || p.t === 'ctx' || p.t === 'sock') fail('arg', `${where} (${reg(r)}) must point to ${size} bytes of memory, but it is ${formatVal(p)}`, [r]);
    if (p.nullable) fail('null', `${where} (${reg(r)}) may be null (${formatVal(p)})`, [r], `add \`if ${reg(r)} == 0 goto …\` first`);
    if (write && p.t === 'ctx') fail('arg', `${where}: a helper may not write into the context`, [r]);
    if (write && p.t === 'packet') fail('arg', `${where}: a helper may not write into the packet`, [r]);
    if (size === 0) return;
    const saved = st.regs[r];
    const { base, lo, hi } = this.access(st, r, 0, size, write);
    st.regs[r] = saved;
    if (base.t === 'stack') {
      const f = st.frames[base.frame ?? 0];
      const a = Number(lo) + STACK_BYTES;
      const b = Number(hi) + STACK_BYTES + size;
      if (uninitOk) {
        this.writeStack(st, base.frame ?? 0, lo, hi, size, NUM_TOP);
        const nf = st.frames[base.frame ?? 0];
        for (let i = a; i < b; i++) nf.bytes[i] = B_NUM;
        for (const k of [...nf.spills.keys()]) if (k >= a && k < b) nf.spills.delete(k);
        return;
      }
      for (let i = a; i < b; i++) {
        const k = f.bytes[i];
        if (k === B_UNINIT) fail('uninit-stack', `${where} (${reg(r)}) points to stack bytes that are not initialised (fp${i - STACK_BYTES})`, [r], 'write the key/buffer to the stack before the call');
        if (k === B_MIXED) fail('arg', `${where}: stack content is not numeric at fp${i - STACK_BYTES}`, [r]);
        if (k === B_SPILL) for (const [k0, sp] of f.spills) if (i >= k0 && i < k0 + sp.w && sp.v.t !== 'num') fail('arg', `${where}: stack content is not numeric (fp${k0 - STACK_BYTES} holds ${formatVal(sp.v)})`, [r]);
      }
    }
  }

  private localCall(idx: number, st: State, ctx: Ctx): { to: number; st: State; ctx: number }[] {
    if (ctx.depth + 1 >= this.options.maxFrames) fail('frames', `too many call stack frames (more than ${this.options.maxFrames})`, []);
    const entry = this.localCallTarget(idx);
    const c = this.ctxFor(ctx.id, idx, entry);
    const callee = cloneState(st);
    callee.saved = [...st.saved, st.regs.slice(6, 11)];
    callee.frames = [...st.frames, newFrame()];
    if (!this.options.calleeSeesCallerRegs) {
      for (let r = 6; r <= 9; r++) callee.regs[r] = UNINIT;
      callee.regs[0] = UNINIT;
    }
    callee.regs[10] = { t: 'stack', v: S.konst(0n), frame: ctx.depth + 1 };
    return [{ to: entry, st: callee, ctx: c }];
  }

  private exit(idx: number, st: State, ctx: Ctx): { to: number; st: State; exit?: boolean; ctx?: number }[] {
    const r0 = st.regs[0];
    if (ctx.depth === 0) {
      if (this.options.exitR0) {
        if (r0.t === 'uninit') fail('exit-r0', 'r0 is not set at exit: the return value is undefined', [0], 'set r0 before `exit`, e.g. `r0 = 0`');
        if (r0.t !== 'num') fail('exit-r0', `r0 is ${formatVal(r0)} at exit: returning a pointer would leak a host address to the guest`, [0], 'return a number');
      }
      return [{ to: -1, st, exit: true }];
    }
    if (r0.t === 'uninit' && this.options.exitR0) fail('exit-r0', 'r0 is not set at the return of this function', [0]);
    if (r0.t === 'stack' && (r0.frame ?? 0) >= ctx.depth) fail('exit-r0', 'returning a pointer into the returning function\'s own stack frame', [0]);
    const out = cloneState(st);
    const saved = st.saved[st.saved.length - 1];
    out.saved = st.saved.slice(0, -1);
    out.frames = st.frames.slice(0, -1);
    for (let r = 1; r <= 5; r++) out.regs[r] = UNINIT;
    for (let r = 6; r <= 10; r++) out.regs[r] = saved[r - 6];
    void idx;
    return [{ to: ctx.callIdx + 1, st: out, ctx: ctx.parent }];
  }

  // ------------------------------------------------------------------------------ branches

  /** The condition of the conditional jump at `idx`, as text (`r1 > 100`). */
  private condText(idx: number): string {
    const insn = this.insns[idx];
    const is32 = I.isJmp32(insn);
    const op: CmpOp | 'nset' = this.pseudo.get(idx)?.nset ? 'nset' : JMP_OPS[I.opCode(insn.opcode)];
    const srcIsReg = I.usesSrcReg(insn);
    return `${is32 ? 'w' : 'r'}${insn.dst} ${OP_TEXT[op]} ${srcIsReg ? `${is32 ? 'w' : 'r'}${insn.src}` : insn.imm}`;
  }

  private branch(idx: number, insn: Insn, st: State): { to: number; st: State; taken?: boolean }[] {
    const ps = this.pseudo.get(idx);
    const is32 = I.isJmp32(insn);
    let op: CmpOp | 'nset' = JMP_OPS[I.opCode(insn.opcode)];
    if (!op) fail('opcode', `unknown jump opcode 0x${insn.opcode.toString(16)}`, []);
    if (ps?.nset) op = 'nset';
    const a = insn.dst;
    const srcIsReg = I.usesSrcReg(insn);
    const av = this.readReg(st, a);
    const bv: Val = srcIsReg ? this.readReg(st, insn.src) : immVal(insn.imm, !is32);
    const cond = (): string => this.condText(idx);
    const neg: CmpOp | 'nset' = op === 'nset' ? 'set' : S.NEGATE[op];
    const taken = this.assume(st, op, a, srcIsReg ? insn.src : -1, av, bv, is32);
    const fallSt = ps?.assume ? null : this.assume(st, neg, a, srcIsReg ? insn.src : -1, av, bv, is32);
    const out: { to: number; st: State; taken?: boolean }[] = [];
    if (ps?.assume) {
      if (!taken) fail('dead-branch', `code becomes unreachable: assume ${cond()} never holds here`, [a]);
      else if (idx + 1 < this.n) out.push({ to: idx + 1, st: taken });
      else out.push({ to: -1, st: taken });
      if (this.options.fallOffEnd === 'exit' && idx + 1 >= this.n && taken) return [{ to: -1, st: taken, exit: true } as { to: number; st: State }];
      return out;
    }
    const t = this.target(idx, I.jumpOffset(insn));
    if (fallSt) out.push({ to: idx + 1, st: fallSt, taken: false });
    if (taken) out.push({ to: t, st: taken, taken: true });
    if (this.finalPass && this.options.deadBranches !== 'ignore' && (!taken || !fallSt) && t !== idx + 1) {
      for (const o of out) this.emitPost(idx, o.st);
      fail('dead-branch', `condition \`${cond()}\` is always ${taken ? 'true' : 'false'} here; the ${taken ? 'fall-through' : 'jump'} is dead code`, [a, ...(srcIsReg ? [insn.src] : [])]);
    }
    return out;
  }

  /** Refines the state by `a op b`; null when impossible. */
  private assume(st0: State, op: CmpOp | 'nset', a: number, b: number, av: Val, bv: Val, is32: boolean): State | null {
    if (av.t === 'num' && bv.t === 'num') {
      const r = is32 ? S.refine32(op, av.v, bv.v) : S.refine(op, av.v, bv.v);
      if (!r) return null;
      const st = cloneState(st0);
      this.setEqual(st, a, av, { ...av, v: r[0] });
      if (b >= 0) this.setEqual(st, b, bv, { ...bv, v: r[1] });
      return st;
    }
    if (op === 'set' || op === 'nset') fail('ptr-cmp', `bit test on a pointer (${reg(a)} is ${formatVal(av)})`, [a]);
    // null checks: pointer that may be null against constant 0
    const isZero = (v: Val): boolean => v.t === 'num' && S.isConst(v.v) && v.v.tv === 0n;
    const [p, pr, z] = isPtr(av) && isZero(bv) ? [av, a, true] : isPtr(bv) && isZero(av) ? [bv, b, true] : [av, a, false];
    if (z && (op === 'eq' || op === 'ne')) {
      if (is32) fail('ptr-cmp', '32-bit comparison of a pointer', [pr]);
      const isNull = op === 'eq';
      if (!p.nullable) return isNull ? null : cloneState(st0);
      const st = cloneState(st0);
      this.setEqual(st, pr, p, isNull ? num(S.konst(0n)) : { ...p, nullable: false });
      return st;
    }
    if (av.t === 'mapref' && bv.t === 'mapref') {
      if (op !== 'eq' && op !== 'ne') fail('ptr-cmp', `ordering comparison of map references (${reg(a)}, ${reg(b)})`, [a, b]);
      return (op === 'eq') === (av.map === bv.map) ? cloneState(st0) : null;
    }
    if (av.t === 'any' || bv.t === 'any') fail('type', `comparison of a value of unknown type (${av.t === 'any' ? reg(a) : reg(b)})`, [a]);
    if (!isPtr(av) || !isPtr(bv)) {
      fail('ptr-cmp', `comparison of a pointer with a number: ${reg(a)} is ${formatVal(av)}, ${b >= 0 ? reg(b) : 'the immediate'} is ${formatVal(bv)}`, [a, ...(b >= 0 ? [b] : [])], 'pointers may only be compared with 0 (null checks) or with pointers into the same region');
    }
    if (is32) fail('ptr-cmp', '32-bit comparison of pointers', [a]);
    if (av.nullable || bv.nullable) fail('null', 'comparison of a pointer that may be null', [a], 'check it against 0 first');
    const pk = (v: Val): string => (v.t === 'pend' ? 'packet' : v.t);
    if (pk(av) !== pk(bv) || av.frame !== bv.frame || av.map !== bv.map) fail('ptr-cmp', `comparison of pointers to different regions: ${reg(a)} is ${formatVal(av)}, ${reg(b)} is ${formatVal(bv)}`, [a, b]);
    // packet pointer against packet end: learn the packet size
    if ((av.t === 'packet' && bv.t === 'pend') || (av.t === 'pend' && bv.t === 'packet')) {
      const [ptr, flip] = av.t === 'packet' ? [av, false] : [bv, true];
      const o: CmpOp = flip ? swapOp(op as CmpOp) : (op as CmpOp);
      // o relates ptr to end
      const st = cloneState(st0);
      if (o === 'le' || o === 'lt' || o === 'sle' || o === 'slt' || o === 'eq') {
        const strict = o === 'lt' || o === 'slt';
        const need = ptr.v.smin + (strict ? 1n : 0n);
        if (need > st.pktMin) st.pktMin = need;
      }
      if (o === 'gt' || o === 'ge' || o === 'sgt' || o === 'sge' || o === 'eq') {
        // the packet ends before (or at) the pointer
        const most = ptr.v.smax - (o === 'gt' || o === 'sgt' ? 1n : 0n);
        if (st.pktMax === undefined || most < st.pktMax) st.pktMax = most;
      }
      if (st.pktMax !== undefined && st.pktMax < st.pktMin) return null;
      return st;
    }
    const r = S.refine(op as CmpOp, av.v, bv.v);
    if (!r) return null;
    const st = cloneState(st0);
    this.setEqual(st, a, av, { ...av, v: r[0] });
    this.setEqual(st, b, bv, { ...bv, v: r[1] });
    return st;
  }

  /** Sets register `r` (holding `old`) to `nv`, and every copy of it (same id) too. */
  private setEqual(st: State, r: number, old: Val, nv: Val): void {
    st.regs[r] = nv;
    if (old.id === undefined) return;
    for (let i = 0; i < st.regs.length; i++) if (i !== r && st.regs[i].id === old.id && st.regs[i].t === old.t) st.regs[i] = nv;
    for (let f = 0; f < st.frames.length; f++) {
      const fr = st.frames[f];
      let owned: Frame | undefined;
      for (const [k, sp] of fr.spills) {
        if (sp.w === 8 && sp.v.id === old.id && sp.v.t === old.t) {
          owned ??= this.ownFrame(st, f);
          owned.spills.set(k, { w: 8, v: nv });
        }
      }
    }
  }

  // ------------------------------------------------------------------------------ termination

  private checkTermination(pre: (State | undefined)[]): void {
    if (this.loopHeads.size === 0) return;
    const preds: number[][] = Array.from({ length: this.n }, () => []);
    for (let i = 0; i < this.n; i++) if (pre[i]) for (const s of this.succs(i)) preds[s].push(i);
    for (const h of this.loopHeads) {
      if (!pre[h]) continue;
      const backSrcs = (this.backEdges.get(h) ?? []).filter((u) => pre[u] !== undefined);
      // natural loop body
      const body = new Set<number>([h]);
      const work = [...backSrcs];
      while (work.length) {
        const x = work.pop() as number;
        if (body.has(x)) continue;
        body.add(x);
        for (const p of preds[x]) work.push(p);
      }
      const delta = this.deltas(h, body);
      let best: { r: number; bound: bigint } | undefined;
      for (let r = 0; r <= 9; r++) {
        let lo: bigint | undefined;
        let hi: bigint | undefined;
        let ok = backSrcs.length > 0;
        for (const u of backSrcs) {
          const d = delta.out.get(u)?.[r];
          if (!d) {
            ok = false;
            break;
          }
          lo = lo === undefined || d[0] < lo ? d[0] : lo;
          hi = hi === undefined || d[1] > hi ? d[1] : hi;
        }
        if (!ok || lo === undefined || hi === undefined) continue;
        const hv = (pre[h] as State).regs[r];
        if (hv.t !== 'num') continue;
        const v = hv.v;
        let bound: bigint | undefined;
        if (lo >= 1n) {
          if (v.umax + hi <= S.M64) bound = (v.umax - v.umin) / lo + 1n;
          if (v.smax + hi <= S.S64_MAX) bound = min2(bound, (v.smax - v.smin) / lo + 1n);
        } else if (hi <= -1n) {
          if (v.umin + lo >= 0n) bound = (v.umax - v.umin) / -hi + 1n;
          if (v.smin + lo >= S.S64_MIN) bound = min2(bound, (v.smax - v.smin) / -hi + 1n);
        }
        if (bound !== undefined && (!best || bound < best.bound)) best = { r, bound };
      }
      if (!best) {
        this.record(h, 'error', 'loop', 'cannot prove that this loop terminates: no register moves by a constant step each iteration towards a bound the exit condition enforces', [], 'use a counter: `r6 += 1; if r6 < N goto loop` with a constant N', undefined);
      } else if (best.bound > BigInt(this.options.maxLoopIterations)) {
        this.record(h, 'error', 'loop', `this loop may run ${best.bound} times (counter ${reg(best.r)}); the limit is ${this.options.maxLoopIterations}`, [best.r], 'bound the loop counter with a smaller constant', undefined);
      } else this.loopBounds.set(h, best.bound);
    }
  }

  /** Per register: its change since the loop head, as an interval (null: not a constant-step change). */
  private deltas(h: number, body: Set<number>): { out: Map<number, ([bigint, bigint] | null)[]> } {
    type D = ([bigint, bigint] | null)[];
    const inS = new Map<number, D>();
    const out = new Map<number, D>();
    const start: D = Array.from({ length: 11 }, () => [0n, 0n] as [bigint, bigint]);
    const work = [h];
    inS.set(h, start);
    const count = new Map<number, number>();
    let guard = 0;
    while (work.length && guard++ < 100_000) {
      const x = work.pop() as number;
      const d = (inS.get(x) as D).slice();
      const insn = this.insns[x];
      const cls = I.opClass(insn.opcode);
      if ((cls === I.BPF_ALU64 || cls === I.BPF_ALU) && insn.dst <= 10) {
        const code = I.opCode(insn.opcode);
        const cur = d[insn.dst];
        if (cls === I.BPF_ALU64 && !I.usesSrcReg(insn) && (code === I.BPF_ADD || code === I.BPF_SUB) && cur) {
          const k = BigInt(code === I.BPF_ADD ? insn.imm : -insn.imm);
          d[insn.dst] = [cur[0] + k, cur[1] + k];
        } else d[insn.dst] = null;
      } else if (cls === I.BPF_LDX || I.isLddw(insn) || I.isLegacyPacketLoad(insn)) d[cls === I.BPF_LDX || I.isLddw(insn) ? insn.dst : 0] = null;
      else if (I.isCall(insn)) for (let r = 0; r <= 5; r++) d[r] = null;
      else if (I.isAtomic(insn)) {
        d[insn.src] = null;
        d[0] = null;
      }
      if (I.isLegacyPacketLoad(insn)) for (let r = 0; r <= 5; r++) d[r] = null;
      out.set(x, d);
      for (const s of this.succs(x)) {
        if (!body.has(s) || s === h) continue;
        const old = inS.get(s);
        let nd: D;
        if (!old) nd = d;
        else {
          nd = old.map((o, i) => {
            const v = d[i];
            if (!o || !v) return null;
            return [o[0] < v[0] ? o[0] : v[0], o[1] > v[1] ? o[1] : v[1]] as [bigint, bigint];
          });
          const c = (count.get(s) ?? 0) + 1;
          count.set(s, c);
          if (c > 4) nd = nd.map((v, i) => (v && old[i] && v[0] === old[i]?.[0] && v[1] === old[i]?.[1] ? v : null));
          if (nd.every((v, i) => (v === null && old[i] === null) || (v && old[i] && v[0] === old[i]?.[0] && v[1] === old[i]?.[1]))) continue;
        }
        inS.set(s, nd);
        work.push(s);
      }
    }
    return { out };
  }
}

function min2(a: bigint | undefined, b: bigint): bigint {
  return a === undefined || b < a ? b : a;
}

function swapOp(o: CmpOp): CmpOp {
  const m: Record<string, CmpOp> = { gt: 'lt', ge: 'le', lt: 'gt', le: 'ge', sgt: 'slt', sge: 'sle', slt: 'sgt', sle: 'sge', eq: 'eq', ne: 'ne', set: 'set' };
  return m[o];
}

function aluName(op: number): string {
  const names: Record<number, string> = {
    [I.BPF_ADD]: '+', [I.BPF_SUB]: '-', [I.BPF_MUL]: '*', [I.BPF_DIV]: '/', [I.BPF_OR]: '|', [I.BPF_AND]: '&', [I.BPF_LSH]: '<<',
    [I.BPF_RSH]: '>>', [I.BPF_MOD]: '%', [I.BPF_XOR]: '^', [I.BPF_ARSH]: 's>>',
  };
  return names[op] ?? `op${op}`;
}

export { B_NUM, B_SPILL };
