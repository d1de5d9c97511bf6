/**
 * Execution of hyper-callback programs: an interpreter and a compiler to JavaScript, both
 * generated from the same instruction templates (semantics.ts) over (lo, hi) int32 register
 * halves. Registers live in `R` (Int32Array, r_k lo at 2k, hi at 2k+1) between runs and for
 * helper calls; compiled code keeps them in locals.
 *
 * bpf-to-bpf calls get their own 512-byte stack frame (r10 moves down by 512), r6-r9 and r10 are
 * restored on return. Every run has an instruction budget; exhausting it throws
 * `RuntimeCheckError('budget')`. Memory accesses are always checked against the regions.
 */
import { HELPERS_BY_ID } from '../events';
import * as I from '../isa';
import type { Insn } from '../isa';
import type { HcbProgram } from '../program';
import { BpfMap } from './maps';
import { MAP_HANDLE_HI, Memory, RuntimeCheckError, type Region } from './memory';
import { fits32, type CompilerFacts } from './facts';
import { guestHelpers, type GuestMemory } from './guest';
import { Prandom } from './prandom';
import { aluCode, condCode, memCode, type Names } from './semantics';
import { basicBlocks, structure } from './structure';
import { Support } from './support';

export type EngineKind = 'interp' | 'jit';

export interface HelperEnv {
  vm: Vm;
  mem: Memory;
  maps: BpfMap[];
  /** Lines written by trace_printk. */
  trace: string[];
  /** Free for the embedder (the hypervisor passes its VM/guest objects here). */
  data?: unknown;
}

/**
 * A helper implementation: reads its arguments from the register file `a` (r1 lo at a[2], hi at
 * a[3], …), returns r0 (a number within ±2^53, or a BigInt taken modulo 2^64).
 */
export type HelperImpl = (a: Int32Array, env: HelperEnv) => number | bigint;

export interface VmOptions {
  /** Helper implementations by id (defaults: the map helpers, ktime, prandom, trace_printk…). */
  helpers?: ReadonlyMap<number, HelperImpl>;
  /** Nesting limit of bpf-to-bpf calls (frames of 512 bytes; default 8). */
  maxCallDepth?: number;
  /** Trap division and modulo by zero (RuntimeCheckError 'division-by-zero') instead of the RFC result. */
  trapDivision?: boolean;
  data?: unknown;
  /** Proven facts (from the verifier) that let the compiler drop run-time checks. */
  facts?: CompilerFacts;
  /**
   * The guest's memory: adds the guest helpers and the guest window (guest.ts), limited to the
   * program's `range`.
   */
  guest?: GuestMemory;
  /** Compile loops to structured JavaScript (default). False forces the `switch (pc)` dispatch compiler. */
  structured?: boolean;
}

export interface RunResult {
  r0: bigint;
  /** Instructions executed. */
  executed: number;
}

const FRAME_WORDS = 11;
let compilations = 0;
/** Compiled code: registers from locals back to R (before handing the run to the interpreter). */
const SPILL = Array.from({ length: 11 }, (_, k) => `R[${2 * k}] = l${k}; R[${2 * k + 1}] = h${k};`).join(' ');

export const u64 = (a: Int32Array, k: number): bigint => BigInt.asUintN(64, (BigInt(a[2 * k + 1]) << 32n) | BigInt(a[2 * k] >>> 0));
export const ptrOf = (a: Int32Array, k: number): [hi: number, lo: number] => [a[2 * k + 1], a[2 * k]];

/**
 * The default helpers (map access, time, random, trace). Guest helpers are added by the hypervisor.
 * get_prandom_u32 draws from `prandom` (default: a generator of its own at PRANDOM_SEED); an
 * embedder that snapshots or replays runs passes the generator whose state it keeps.
 */
export function defaultHelpers(prandom: Prandom = new Prandom()): Map<number, HelperImpl> {
  const h = new Map<number, HelperImpl>();
  const mapOf = (a: Int32Array, env: HelperEnv): BpfMap => {
    const [hi, lo] = ptrOf(a, 1);
    const m = hi === MAP_HANDLE_HI ? env.maps[lo] : undefined;
    if (!m) throw new RuntimeCheckError('helper-argument', 'r1 is not a map');
    return m;
  };
  const bytesAt = (a: Int32Array, k: number, env: HelperEnv, size: number): Uint8Array => {
    const [hi, lo] = ptrOf(a, k);
    const r = env.mem.region(hi, lo, size, false);
    return r.bytes.slice(lo >>> 0, (lo >>> 0) + size);
  };
  h.set(1, (a, env) => {
    const m = mapOf(a, env);
    const off = m.lookup(bytesAt(a, 2, env, m.def.keySize));
    return off < 0 ? 0 : Memory.address(m.region, off);
  });
  h.set(2, (a, env) => {
    const m = mapOf(a, env);
    return m.update(bytesAt(a, 2, env, m.def.keySize), bytesAt(a, 3, env, m.def.valueSize), u64(a, 4));
  });
  h.set(3, (a, env) => {
    const m = mapOf(a, env);
    return m.delete(bytesAt(a, 2, env, m.def.keySize));
  });
  let clock = 0n;
  h.set(5, () => (clock += 1000n));
  h.set(6, (a, env) => {
    const size = a[4] >>> 0;
    const fmt = new TextDecoder().decode(bytesAt(a, 1, env, size)).replace(/\0.*$/s, '');
    let k = 3;
    env.trace.push(fmt.replace(/%(?:ll|l)?[dux]/g, (spec) => (k > 5 ? spec : spec.endsWith('x') ? u64(a, k++).toString(16) : spec.endsWith('d') ? BigInt.asIntN(64, u64(a, k++)).toString() : u64(a, k++).toString())));
    return 0;
  });
  h.set(7, () => prandom.next());
  h.set(8, () => 0);
  return h;
}

export class Vm {
  readonly mem = new Memory();
  readonly stack: Region;
  readonly maps: BpfMap[];
  /** Register file: r_k lo at 2k, hi at 2k+1. */
  readonly R = new Int32Array(22);
  readonly env: HelperEnv;
  readonly insns: Insn[];
  readonly slots: number;
  private readonly K = new Support();
  private readonly F: Int32Array;
  private readonly maxDepth: number;
  private readonly helpers: ReadonlyMap<number, HelperImpl>;
  private readonly trapDivision: boolean;
  private readonly facts?: CompilerFacts;
  private readonly structured: boolean;
  private interpFn?: RawRun;
  private jitFn?: RawRun;
  private stepFn?: StepEngine;
  /** The helper dispatcher handed to both engines. */
  private readonly H: (id: number, slot: number) => void;

  constructor(program: HcbProgram | Insn[], options: VmOptions = {}) {
    const p: HcbProgram = Array.isArray(program) ? { insns: program, maps: [] } : program;
    this.insns = p.insns.map((i) => ({ ...i }));
    this.slots = I.assignSlots(this.insns);
    this.maxDepth = options.maxCallDepth ?? 8;
    this.stack = this.mem.addRegion('stack', new Uint8Array(I.STACK_SIZE * this.maxDepth), true);
    this.maps = p.maps.map((m) => new BpfMap(m, this.mem));
    this.F = new Int32Array(FRAME_WORDS * this.maxDepth);
    const helpers = new Map(options.helpers ?? defaultHelpers());
    if (options.guest) for (const [id, f] of guestHelpers(options.guest, p.range, this.mem)) helpers.set(id, f);
    this.helpers = helpers;
    this.trapDivision = options.trapDivision ?? false;
    this.facts = options.facts;
    this.structured = options.structured ?? true;
    this.env = { vm: this, mem: this.mem, maps: this.maps, trace: [], data: options.data };
    const R = this.R;
    this.H = (id: number, slot: number): void => {
      const f = this.helpers.get(id);
      if (!f) throw new RuntimeCheckError('bad-helper', `slot ${slot}: no helper ${id}${HELPERS_BY_ID.get(id) ? ` (${HELPERS_BY_ID.get(id)?.name} is not available here)` : ''}`, slot);
      const v = f(R, this.env);
      if (typeof v === 'number') {
        R[0] = v | 0;
        R[1] = Math.floor(v / 4294967296) | 0;
      } else {
        const u = BigInt.asUintN(64, v);
        R[0] = Number(u & 0xffffffffn) | 0;
        R[1] = Number(u >> 32n) | 0;
      }
    };
  }

  /** Sets up r1, r2 and r10 for a run (other registers keep stale values, as on hardware). */
  prepare(r1: bigint, r2: bigint): void {
    const R = this.R;
    R[2] = Number(BigInt.asUintN(32, r1)) | 0;
    R[3] = Number(BigInt.asUintN(32, r1 >> 32n)) | 0;
    R[4] = Number(BigInt.asUintN(32, r2)) | 0;
    R[5] = Number(BigInt.asUintN(32, r2 >> 32n)) | 0;
    R[20] = this.stack.size;
    R[21] = this.stack.hi;
  }

  /** Like `prepare` without BigInt: r1 = (r1hi:r1lo), r2 = (r2hi:r2lo). For hot invocation paths. */
  prepareRaw(r1lo: number, r1hi: number, r2lo = 0, r2hi = 0): void {
    const R = this.R;
    R[2] = r1lo;
    R[3] = r1hi;
    R[4] = r2lo;
    R[5] = r2hi;
    R[20] = this.stack.size;
    R[21] = this.stack.hi;
  }

  /** The engine's raw entry: runs from slot 0 with the registers in R; returns the unused budget. */
  engine(kind: EngineKind): RawRun {
    if (kind === 'interp') return (this.interpFn ??= this.makeInterpreter());
    return (this.jitFn ??= this.compile());
  }

  run(kind: EngineKind, r1 = 0n, r2 = 0n, budget = 1_000_000): RunResult {
    this.prepare(r1, r2);
    const left = this.engine(kind)(budget);
    return { r0: BigInt.asUintN(64, (BigInt(this.R[1]) << 32n) | BigInt(this.R[0] >>> 0)), executed: budget - left };
  }

  /**
   * The stepping engine (stepper.ts): the interpreter's instruction cases, one instruction per
   * call, on this VM's registers, memory and call frames. Built on first use only, so the normal
   * engines pay nothing for it.
   */
  stepEngine(): StepEngine {
    if (this.stepFn === undefined) {
      const [OP, DST, SRC, OFF, IMM] = this.decoded();
      const S = new Int32Array(1);
      this.stepFn = { step: stepperFactory(this.trapDivision)(OP, DST, SRC, OFF, IMM, this.R, this.mem, this.K, this.H, this.F, this.maxDepth, S), S, F: this.F, maxDepth: this.maxDepth };
    }
    return this.stepFn;
  }

  /** lddw values after map resolution: [lo, hi]. */
  private lddw(i: Insn): [number, number] {
    switch (i.src) {
      case I.PSEUDO_IMM64:
        return [i.imm, i.imm2 ?? 0];
      case I.PSEUDO_MAP_FD:
      case I.PSEUDO_MAP_IDX:
        if (!this.maps[i.imm]) throw new RuntimeCheckError('invalid-instruction', `slot ${i.slot}: no map ${i.imm}`, i.slot);
        return [i.imm, MAP_HANDLE_HI];
      case I.PSEUDO_MAP_VALUE:
      case I.PSEUDO_MAP_IDX_VALUE: {
        const m = this.maps[i.imm];
        if (!m) throw new RuntimeCheckError('invalid-instruction', `slot ${i.slot}: no map ${i.imm}`, i.slot);
        return [i.imm2 ?? 0, m.region.hi];
      }
    }
    throw new RuntimeCheckError('invalid-instruction', `slot ${i.slot}: lddw kind ${i.src} is not supported`, i.slot);
  }

  // ---- interpreter --------------------------------------------------------------------------
  private makeInterpreter(): RawRun {
    const [OP, DST, SRC, OFF, IMM] = this.decoded();
    const factory = interpreterFactory(this.trapDivision);
    return factory(OP, DST, SRC, OFF, IMM, this.R, this.mem, this.K, this.H, this.F, this.maxDepth);
  }

  /** The program as the interpreters read it: opcode, dst, src (register-file indexes), off, imm per slot. */
  private decoded(): [Int32Array, Int32Array, Int32Array, Int32Array, Int32Array] {
    const n = this.slots + 1;
    const OP = new Int32Array(n);
    const DST = new Int32Array(n);
    const SRC = new Int32Array(n);
    const OFF = new Int32Array(n);
    const IMM = new Int32Array(n);
    for (const i of this.insns) {
      const s = i.slot as number;
      OP[s] = i.opcode;
      DST[s] = i.dst * 2;
      SRC[s] = i.src * 2;
      OFF[s] = i.off;
      IMM[s] = i.imm;
      if (I.isLddw(i)) {
        try {
          [IMM[s], IMM[s + 1]] = this.lddw(i);
        } catch {
          OP[s] = 0; // invalid: fails if reached
        }
      }
      if (I.invalidReason(i)) OP[s] = 0;
    }
    return [OP, DST, SRC, OFF, IMM];
  }

  // ---- compiler -----------------------------------------------------------------------------
  /** The generated JavaScript source of the compiled program (for inspection and tests). */
  compiledSource(): string {
    return this.compileSource();
  }

  private compileSource(): string {
    if (this.structured) {
      const blocks = basicBlocks(this.insns, this.slots);
      const st = blocks && structure(blocks);
      if (st) return this.structuredSource(st);
    }
    return this.dispatchSource();
  }

  /** Register names and literal fields of instruction `i` for the templates. */
  private names(i: Insn): Names {
    return {
      dl: `l${i.dst}`,
      dh: `h${i.dst}`,
      sl: `l${i.src}`,
      sh: `h${i.src}`,
      l0: 'l0',
      h0: 'h0',
      imm: `(${i.imm})`,
      off: `(${i.off})`,
      slot: String(i.slot),
      trapDivision: this.trapDivision,
      viaTry: true,
    };
  }

  /** A register's range before `slot` lies in [0, 2^32) (from facts); for an immediate operand pass reg = -1 and imm. */
  private range32(slot: number, reg: number): { max: bigint } | undefined {
    const r = this.facts?.scalarRange?.(slot, reg);
    return fits32(r) && r ? { max: r.max } : undefined;
  }

  /** ALU code, narrowed by scalar-range facts where both operands and the result fit in 32 bits. */
  private aluWithFacts(i: Insn, n: Names): string {
    const s = i.slot as number;
    const code = I.opCode(i.opcode);
    if (this.facts?.scalarRange && I.opClass(i.opcode) === I.BPF_ALU64 && (code === I.BPF_ADD || code === I.BPF_SUB)) {
      const d = this.range32(s, i.dst);
      const b = I.usesSrcReg(i) ? this.range32(s, i.src) : i.imm >= 0 ? { max: BigInt(i.imm) } : undefined;
      const bMin = I.usesSrcReg(i) ? this.facts.scalarRange(s, i.src)?.min : BigInt(i.imm);
      const dMin = this.facts.scalarRange(s, i.dst)?.min;
      const bl = I.usesSrcReg(i) ? n.sl : n.imm;
      if (d && b && code === I.BPF_ADD && d.max + b.max <= 0xffffffffn) return `${n.dl} = (${n.dl} + ${bl}) | 0;`;
      if (d && b && code === I.BPF_SUB && dMin !== undefined && bMin !== undefined && dMin >= b.max) return `${n.dl} = (${n.dl} - ${bl}) | 0;`;
    }
    return aluCode(i, n);
  }

  /** Condition code, narrowed to the low halves when facts put both operands in [0, 2^32). */
  private condWithFacts(i: Insn, n: Names): string {
    const s = i.slot as number;
    if (this.facts?.scalarRange && I.opClass(i.opcode) === I.BPF_JMP) {
      const d = this.range32(s, i.dst);
      const b = I.usesSrcReg(i) ? this.range32(s, i.src) : i.imm >= 0 ? { max: BigInt(i.imm) } : undefined;
      if (d && b) {
        const signedToUnsigned: Record<number, number> = { [I.BPF_JSGT]: I.BPF_JGT, [I.BPF_JSGE]: I.BPF_JGE, [I.BPF_JSLT]: I.BPF_JLT, [I.BPF_JSLE]: I.BPF_JLE };
        const code = signedToUnsigned[I.opCode(i.opcode)] ?? I.opCode(i.opcode);
        return condCode({ ...i, opcode: code | I.opSource(i.opcode) | I.BPF_JMP32 }, n);
      }
    }
    return condCode(i, n);
  }

  /** Code of an instruction that does not transfer control (ALU, memory, lddw, helper call, invalid). */
  private straightCode(i: Insn): string {
    const s = i.slot as number;
    const names = this.names(i);
    if (I.invalidReason(i)) return `throw K.invalid(${s});`;
    const c = I.opClass(i.opcode);
    if (c === I.BPF_ALU || c === I.BPF_ALU64) return this.aluWithFacts(i, names);
    if (c === I.BPF_LDX || c === I.BPF_ST || c === I.BPF_STX) return memCode(i, names, i.off === 0, this.facts?.accessInBounds?.(s) === true);
    if (I.isLddw(i)) {
      try {
        const [lo, hi] = this.lddw(i);
        return `l${i.dst} = ${lo}; h${i.dst} = ${hi};`;
      } catch {
        return `throw K.invalid(${s});`;
      }
    }
    if (I.isCall(i) && !I.isLocalCall(i)) {
      const id = I.isCallx(i) ? `l${i.dst}` : String(i.imm);
      return `R[2] = l1; R[3] = h1; R[4] = l2; R[5] = h2; R[6] = l3; R[7] = h3; R[8] = l4; R[9] = h4; R[10] = l5; R[11] = h5; H(${id}, ${s}); l0 = R[0]; h0 = R[1];`;
    }
    return `throw K.invalid(${s});`;
  }

  /** Loops as `for (;;)`, forward jumps as labelled-block breaks; budget tested at the entry and loop headers only. */
  private structuredSource(st: NonNullable<ReturnType<typeof structure>>): string {
    const insns = this.insns;
    const { blocks, order, loops, constructs } = st;
    const check = (b: number): string => `if (budget < ${st.work.get(b) as number}) { ${SPILL} return X(${blocks[b].startSlot}, budget, 0); }`;
    const out: string[] = [];
    if (!loops.has(0)) out.push(check(0));
    const open: { last: number }[] = [];
    const byStart = new Map<number, typeof constructs>();
    for (const c of constructs) {
      const l = byStart.get(c.start) ?? [];
      l.push(c);
      byStart.set(c.start, l);
    }
    const transfer = (u: number, v: number, slot: number): string => {
      if (v < 0) return `throw K.invalid(${slot});`;
      const e = st.edge(u, v);
      return e === 'fall' ? '' : e === 'continue' ? `continue L${v};` : `break B${v};`;
    };
    order.forEach((u, p) => {
      while (open.length > 0 && open[open.length - 1].last < p) {
        open.pop();
        out.push('}');
      }
      const starting = (byStart.get(p) ?? []).slice().sort((a, b) => b.last - a.last || (a.kind === 'block' ? -1 : 1));
      for (const c of starting) {
        open.push(c);
        out.push(c.kind === 'loop' ? `L${c.target}: for (;;) {` : `B${c.target}: {`);
      }
      const b = blocks[u];
      if (loops.has(u)) out.push(check(u));
      out.push(`budget -= ${b.length};`);
      for (let k = b.first; k < b.end - 1; k++) out.push(this.straightCode(insns[k]));
      const last = insns[b.end - 1];
      const s = last.slot as number;
      if (I.invalidReason(last)) out.push(`throw K.invalid(${s});`);
      else if (I.isExit(last)) out.push('R[0] = l0; R[1] = h0; return budget;');
      else if (I.isJump(last)) {
        const taken = transfer(u, b.succ[0], s);
        if (I.isJa(last)) out.push(taken);
        else {
          const cond = this.condWithFacts(last, this.names(last));
          const fall = transfer(u, b.succ[1], this.slots);
          if (taken === '' && fall === '') out.push(`${cond};`);
          else if (taken === '') out.push(`if (!(${cond})) { ${fall} }`);
          else out.push(`if (${cond}) { ${taken} } ${fall}`);
        }
      } else {
        out.push(this.straightCode(last));
        out.push(transfer(u, b.succ[0], this.slots));
      }
    });
    while (open.pop()) out.push('}');
    out.push(`throw K.invalid(${this.slots});`);
    const regs = Array.from({ length: 11 }, (_, k) => `l${k} = R[${2 * k}], h${k} = R[${2 * k + 1}]`).join(', ');
    return ['return function run(budget) {', `let ${regs};`, 'let t0 = 0, t1 = 0, t2 = 0, t3 = 0, t4 = 0, t5 = 0;', 'const MV = M.views, MWV = M.writableViews;', ...out, '};'].join('\n');
  }

  /** The fallback compiler (bpf-to-bpf calls, irreducible control flow): one `switch (pc)` case per basic block. */
  private dispatchSource(): string {
    const insns = this.insns;
    const map = I.slotIndex(insns);
    const leaders = new Set<number>([0]);
    for (const i of insns) {
      const s = i.slot as number;
      const next = s + I.insnSlots(i);
      if (I.isJump(i)) {
        leaders.add(s + 1 + I.jumpOffset(i));
        leaders.add(next);
      } else if (I.isLocalCall(i)) {
        leaders.add(s + 1 + i.imm);
        leaders.add(next);
      } else if (I.isExit(i)) leaders.add(next);
    }
    const out: string[] = [];
    const blockLen = (start: number): number => {
      let k = map[start];
      let count = 0;
      while (k < insns.length) {
        count++;
        const s = insns[k].slot as number;
        const next = s + I.insnSlots(insns[k]);
        k++;
        if (leaders.has(next)) break;
      }
      return count;
    };
    const validTarget = (t: number): boolean => t >= 0 && t < map.length && map[t] >= 0;
    for (const i of insns) {
      const s = i.slot as number;
      // not enough budget for the whole block: the interpreter finishes the run (it stops at the exact instruction)
      if (leaders.has(s)) out.push(`case ${s}: if (budget < ${blockLen(s)}) { ${SPILL} return X(${s}, budget, depth); } budget -= ${blockLen(s)};`);
      const names = this.names(i);
      const why = I.invalidReason(i);
      if (why) {
        out.push(`throw K.invalid(${s});`);
        continue;
      }
      const c = I.opClass(i.opcode);
      if (c === I.BPF_ALU || c === I.BPF_ALU64 || c === I.BPF_LDX || c === I.BPF_ST || c === I.BPF_STX || I.isLddw(i) || (I.isCall(i) && !I.isLocalCall(i))) out.push(this.straightCode(i));
      else if (I.isExit(i)) {
        out.push(
          `if (depth === 0) { R[0] = l0; R[1] = h0; return budget; } depth--; fb = depth * ${FRAME_WORDS};` +
            ` l6 = F[fb]; h6 = F[fb + 1]; l7 = F[fb + 2]; h7 = F[fb + 3]; l8 = F[fb + 4]; h8 = F[fb + 5]; l9 = F[fb + 6]; h9 = F[fb + 7]; l10 = F[fb + 8]; h10 = F[fb + 9]; pc = F[fb + 10]; continue;`,
        );
      } else if (I.isLocalCall(i)) {
        const t = s + 1 + i.imm;
        if (!validTarget(t)) {
          out.push(`throw K.invalid(${s});`);
          continue;
        }
        out.push(
          `if (depth >= ${this.maxDepth - 1}) throw K.depth(${s}); fb = depth * ${FRAME_WORDS}; depth++;` +
            ` F[fb] = l6; F[fb + 1] = h6; F[fb + 2] = l7; F[fb + 3] = h7; F[fb + 4] = l8; F[fb + 5] = h8; F[fb + 6] = l9; F[fb + 7] = h9; F[fb + 8] = l10; F[fb + 9] = h10; F[fb + 10] = ${s + 1};` +
            ` l10 = (l10 - ${I.STACK_SIZE}) | 0; pc = ${t}; continue;`,
        );
      } else if (I.isJump(i)) {
        const t = s + 1 + I.jumpOffset(i);
        const go = validTarget(t) ? `{ pc = ${t}; continue; }` : `throw K.invalid(${s});`;
        if (I.isJa(i)) out.push(go);
        else out.push(`if (${this.condWithFacts(i, names)}) ${go}`);
      } else out.push(`throw K.invalid(${s});`);
    }
    const regs = Array.from({ length: 11 }, (_, k) => `l${k} = R[${2 * k}], h${k} = R[${2 * k + 1}]`).join(', ');
    return [
      'return function run(budget) {',
      `let ${regs};`,
      'let t0 = 0, t1 = 0, t2 = 0, t3 = 0, t4 = 0, t5 = 0, pc = 0, depth = 0, fb = 0;',
      'const MV = M.views, MWV = M.writableViews;',
      'for (;;) {',
      'switch (pc) {',
      ...out,
      `throw K.invalid(${this.slots});`,
      'default: throw K.invalid(pc);',
      '}',
      '}',
      '};',
    ].join('\n');
  }

  private compile(): RawRun {
    // A unique first line per compilation: V8 caches functions by source, and two VMs sharing one
    // compiled function lose TurboFan's specialisation on the closure's constants (R, M, MV…).
    const make = new Function('R', 'M', 'K', 'H', 'F', 'X', `// compilation ${++compilations}\n${this.compileSource()}`) as (R: Int32Array, M: Memory, K: Support, H: (id: number, slot: number) => void, F: Int32Array, X: (pc: number, budget: number, depth: number) => number) => RawRun;
    const interp = this.engine('interp');
    return make(this.R, this.mem, this.K, this.H, this.F, (pc, budget, depth) => interp(budget, pc, depth));
  }
}

/**
 * Runs with the registers in the VM's R from slot `pc` at bpf-to-bpf call depth `depth` (both
 * default 0; only the interpreter takes others: the compiled code hands a run over to it when the
 * budget gets short); returns the unused budget.
 */
export type RawRun = (budget: number, pc?: number, depth?: number) => number;

type InterpFactory = (
  OP: Int32Array,
  DST: Int32Array,
  SRC: Int32Array,
  OFF: Int32Array,
  IMM: Int32Array,
  R: Int32Array,
  M: Memory,
  K: Support,
  H: (id: number, slot: number) => void,
  F: Int32Array,
  maxDepth: number,
) => RawRun;

/**
 * One instruction at slot `pc` and call depth `depth`: returns the next slot (the new depth in
 * `S[0]`), or -1 when the instruction was the program's final `exit` (r0 in R). Throws the
 * interpreter's RuntimeCheckErrors.
 */
export type StepFn = (pc: number, depth: number) => number;

/** What a Stepper drives: the step function, its depth out-parameter and the VM's call-frame words. */
export interface StepEngine {
  step: StepFn;
  /** S[0]: the call depth after the last step. */
  S: Int32Array;
  /** Saved r6-r10 and the return slot of each bpf-to-bpf call: FRAME_WORDS per depth, return slot at word 10. */
  F: Int32Array;
  maxDepth: number;
}

/** Words per saved call frame in F (r6-r10 halves, return slot). */
export const CALL_FRAME_WORDS = FRAME_WORDS;

type StepFactory = (...args: [...Parameters<InterpFactory>, S: Int32Array]) => StepFn;

const interpreters = new Map<boolean, InterpFactory>();
const steppers = new Map<boolean, StepFactory>();

/** The interpreter: one generated `switch (opcode)` over pre-decoded slot arrays. */
function interpreterFactory(trapDivision: boolean): InterpFactory {
  const cached = interpreters.get(trapDivision);
  if (cached) return cached;
  const src = [
    'return function run(budget, pc0, depth0) {',
    'let pc = pc0 === undefined ? 0 : pc0, depth = depth0 === undefined ? 0 : depth0, fb = 0, t0 = 0, t1 = 0, t2 = 0, t3 = 0, t4 = 0, t5 = 0;',
    'const MV = M.views, MS = M.sizes, MW = M.writable;',
    'for (;;) {',
    'if (--budget < 0) throw K.budget();',
    'const op = OP[pc], d = DST[pc], s = SRC[pc], off = OFF[pc], imm = IMM[pc];',
    'pc++;',
    'switch (op) {',
    ...interpreterCases(trapDivision),
    'default: throw K.invalid(pc - 1);',
    '}',
    '}',
    '};',
  ].join('\n');
  const f = new Function('OP', 'DST', 'SRC', 'OFF', 'IMM', 'R', 'M', 'K', 'H', 'F', 'maxDepth', src) as InterpFactory;
  interpreters.set(trapDivision, f);
  return f;
}

/**
 * The stepping interpreter: the very same instruction cases as the interpreter, without its loop.
 * `budget` is -1 so the final `exit` case (`return budget`) reports the end of the program.
 */
function stepperFactory(trapDivision: boolean): StepFactory {
  const cached = steppers.get(trapDivision);
  if (cached) return cached;
  const src = [
    'return function step(pc0, depth0) {',
    'let pc = pc0, depth = depth0, fb = 0, t0 = 0, t1 = 0, t2 = 0, t3 = 0, t4 = 0, t5 = 0;',
    'const budget = -1;',
    'const MV = M.views, MS = M.sizes, MW = M.writable;',
    'const op = OP[pc], d = DST[pc], s = SRC[pc], off = OFF[pc], imm = IMM[pc];',
    'pc++;',
    'switch (op) {',
    ...interpreterCases(trapDivision),
    'default: throw K.invalid(pc - 1);',
    '}',
    'S[0] = depth;',
    'return pc;',
    '};',
  ].join('\n');
  const f = new Function('OP', 'DST', 'SRC', 'OFF', 'IMM', 'R', 'M', 'K', 'H', 'F', 'maxDepth', 'S', src) as StepFactory;
  steppers.set(trapDivision, f);
  return f;
}

/** The interpreter's `case op: { … break; }` for every valid opcode (shared by the loop and the stepper). */
function interpreterCases(trapDivision: boolean): string[] {
  const names: Names = { dl: 'R[d]', dh: 'R[d + 1]', sl: 'R[s]', sh: 'R[s + 1]', l0: 'R[0]', h0: 'R[1]', imm: 'imm', off: 'off', slot: '(pc - 1)', trapDivision };
  const cases: string[] = [];
  const variant = (op: number, off = 0, imm = 0): Insn => ({ opcode: op, dst: 0, src: 0, off, imm });
  for (let op = 0; op < 256; op++) {
    const c = I.opClass(op);
    const code = I.opCode(op);
    const x = I.opSource(op) === I.BPF_X;
    let body: string | undefined;
    if (c === I.BPF_ALU || c === I.BPF_ALU64) {
      if (code === I.BPF_END) {
        if (c === I.BPF_ALU64 && x) continue;
        body = `switch (imm) { case 16: ${aluCode(variant(op, 0, 16), names)} break; case 32: ${aluCode(variant(op, 0, 32), names)} break; case 64: ${aluCode(variant(op, 0, 64), names)} break; default: throw K.invalid(pc - 1); }`;
      } else if (code === I.BPF_DIV || code === I.BPF_MOD) {
        body = `if (off === 1) { ${aluCode(variant(op, 1), names)} } else { ${aluCode(variant(op, 0), names)} }`;
      } else if (code === I.BPF_MOV && x) {
        body = `switch (off) { case 0: ${aluCode(variant(op, 0), names)} break; case 8: ${aluCode(variant(op, 8), names)} break; case 16: ${aluCode(variant(op, 16), names)} break; case 32: ${aluCode(variant(op, 32), names)} break; default: throw K.invalid(pc - 1); }`;
      } else if (code <= I.BPF_ARSH && !(code === I.BPF_NEG && x)) body = aluCode(variant(op), names);
    } else if (c === I.BPF_JMP || c === I.BPF_JMP32) {
      if (code === I.BPF_JA) {
        if (!x) body = c === I.BPF_JMP32 ? 'pc += imm;' : 'pc += off;';
      } else if (code === I.BPF_EXIT) {
        if (c === I.BPF_JMP && !x)
          body = `if (depth === 0) return budget; depth--; fb = depth * ${FRAME_WORDS}; R[12] = F[fb]; R[13] = F[fb + 1]; R[14] = F[fb + 2]; R[15] = F[fb + 3]; R[16] = F[fb + 4]; R[17] = F[fb + 5]; R[18] = F[fb + 6]; R[19] = F[fb + 7]; R[20] = F[fb + 8]; R[21] = F[fb + 9]; pc = F[fb + 10];`;
      } else if (code === I.BPF_CALL) {
        if (c !== I.BPF_JMP) continue;
        if (x) body = 'H(R[d], pc - 1);';
        else
          body =
            `if (s === 2) { if (depth >= maxDepth - 1) throw K.depth(pc - 1); fb = depth * ${FRAME_WORDS}; depth++;` +
            ' F[fb] = R[12]; F[fb + 1] = R[13]; F[fb + 2] = R[14]; F[fb + 3] = R[15]; F[fb + 4] = R[16]; F[fb + 5] = R[17]; F[fb + 6] = R[18]; F[fb + 7] = R[19]; F[fb + 8] = R[20]; F[fb + 9] = R[21]; F[fb + 10] = pc;' +
            ` R[20] = (R[20] - ${I.STACK_SIZE}) | 0; pc += imm; } else H(imm, pc - 1);`;
      } else if (code !== 0xe0 && code !== 0xf0) body = `if (${condCode(variant(op), names)}) pc += off;`;
    } else if (op === I.OPCODE_LDDW) {
      body = 'R[d] = imm; R[d + 1] = IMM[pc]; pc++;';
    } else if (c === I.BPF_LDX) {
      const m = I.opMode(op);
      if (m === I.BPF_MEM || (m === I.BPF_MEMSX && I.opSize(op) !== I.BPF_DW)) body = memCode(variant(op), names);
    } else if (c === I.BPF_ST || c === I.BPF_STX) {
      const m = I.opMode(op);
      if (m === I.BPF_MEM) body = memCode(variant(op), names);
      else if (c === I.BPF_STX && m === I.BPF_ATOMIC && (I.opSize(op) === I.BPF_W || I.opSize(op) === I.BPF_DW)) {
        const ops = [0x00, 0x40, 0x50, 0xa0, 0x01, 0x41, 0x51, 0xa1, I.BPF_XCHG, I.BPF_CMPXCHG];
        body = `switch (imm) { ${ops.map((a) => `case ${a}: ${memCode(variant(op, 0, a), names)} break;`).join(' ')} default: throw K.invalid(pc - 1); }`;
      }
    }
    if (body !== undefined) cases.push(`case ${op}: { ${body} break; }`);
  }
  return cases;
}
