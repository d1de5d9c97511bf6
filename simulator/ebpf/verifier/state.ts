/**
 * Abstract values and states of the verifier.
 *
 * A register holds a `Val`: uninitialised, a number (scalar domain), a pointer into a region with
 * an offset interval (context, stack of a frame, packet, packet end, map value, other helper
 * memory, the read-only guest window), a map reference, or `any` (initialised but of no single type: the join of
 * incompatible values; usable only by moving it around). A state is the registers, the stack of
 * every active frame (byte-precise kinds plus spilled registers), the registers saved by
 * bpf-to-bpf calls, and the smallest packet size proven by comparisons.
 */
import * as S from './scalar';
import type { Scalar, Thresholds } from './scalar';

export type Kind = 'uninit' | 'num' | 'ctx' | 'stack' | 'packet' | 'pend' | 'map' | 'mem' | 'sock' | 'guest' | 'mapref' | 'any';

export interface Val {
  readonly t: Kind;
  /** The number for `num`; the offset for pointers (stack: relative to the frame's r10). */
  readonly v: Scalar;
  /** Map value / helper memory that may be null (not yet compared with 0). */
  readonly nullable?: boolean;
  /** Region size in bytes (map value, mem, sock, guest window). */
  readonly size?: number;
  /** Stack frame index (0 = main). */
  readonly frame?: number;
  /** Map index for `mapref` and `map`. */
  readonly map?: number;
  /** Equality class: registers with the same id hold the same value (copies). */
  readonly id?: number;
  /**
   * Pointers (and map references) only: an interval containing the pointer's numeric value
   * (its address) when it is not null, when the platform or the initial state gives one
   * (`Platform.pointerAddress`). Absent: unknown. Moves with the offset.
   */
  readonly addr?: Scalar;
}

export const UNINIT: Val = { t: 'uninit', v: S.TOP };
export const ANY: Val = { t: 'any', v: S.TOP };
export const num = (v: Scalar): Val => ({ t: 'num', v });
export const NUM_TOP: Val = num(S.TOP);

export const isPtr = (x: Val): boolean => x.t === 'ctx' || x.t === 'stack' || x.t === 'packet' || x.t === 'pend' || x.t === 'map' || x.t === 'mem' || x.t === 'sock' || x.t === 'guest';

export const STACK_BYTES = 512;
/** Stack byte kinds. */
export const B_UNINIT = 0;
export const B_NUM = 1;
export const B_SPILL = 2;
/** Initialised but possibly holding pointer bytes: readable only as `any`. */
export const B_MIXED = 3;

export interface Spill {
  /** Width in bytes (8 for a full register). */
  w: number;
  v: Val;
}

export interface Frame {
  bytes: Uint8Array;
  /** Spilled values keyed by their first byte index (0..511, r10-relative offset + 512). */
  spills: Map<number, Spill>;
}

export interface State {
  regs: Val[];
  frames: Frame[];
  /** For each frame below the current one: the caller's r6..r9 at the call. */
  saved: Val[][];
  /** Packet bytes [0, pktMin) are known to exist. */
  pktMin: bigint;
  /** The packet has at most this many bytes, when known (absent: no upper bound). */
  pktMax?: bigint;
  /** Lowest packet offset that may be accessed (negative: metadata before the packet). */
  meta: bigint;
}

export function newFrame(): Frame {
  return { bytes: new Uint8Array(STACK_BYTES), spills: new Map() };
}

export function cloneFrame(f: Frame): Frame {
  return { bytes: f.bytes.slice(), spills: new Map(f.spills) };
}

/**
 * Shallow copy: only the registers are copied. The frame list, the frames and the saved registers
 * are shared; callers replace the frame list and copy a frame before writing it (`ownFrame`), and
 * replace `saved` rather than change it.
 */
export function cloneState(s: State): State {
  const out: State = { regs: s.regs.slice(), frames: s.frames, saved: s.saved, pktMin: s.pktMin, meta: s.meta };
  if (s.pktMax !== undefined) out.pktMax = s.pktMax;
  return out;
}

function sameRegion(a: Val, b: Val): boolean {
  return a.t === b.t && a.frame === b.frame && a.map === b.map && a.size === b.size;
}

export function joinVal(a: Val, b: Val, th?: Thresholds): Val {
  if (a === b) return a;
  if (a.t === 'uninit' || b.t === 'uninit') return UNINIT;
  if (a.t === 'any' || b.t === 'any') return ANY;
  if (!sameRegion(a, b)) return ANY;
  const v = th ? S.widen(a.v, b.v, th) : S.join(a.v, b.v);
  const nullable = a.nullable || b.nullable;
  const id = a.id === b.id ? a.id : undefined;
  const r: { -readonly [K in keyof Val]: Val[K] } = { t: a.t, v };
  if (nullable) r.nullable = true;
  if (a.size !== undefined) r.size = a.size;
  if (a.frame !== undefined) r.frame = a.frame;
  if (a.map !== undefined) r.map = a.map;
  if (id !== undefined) r.id = id;
  if (a.addr && b.addr) r.addr = th ? S.widen(a.addr, b.addr, th) : S.join(a.addr, b.addr);
  return r;
}

export function leqVal(a: Val, b: Val): boolean {
  if (a === b) return true;
  if (b.t === 'uninit') return true;
  if (a.t === 'uninit') return false;
  if (b.t === 'any') return true;
  if (a.t === 'any') return false;
  if (!sameRegion(a, b)) return false;
  if (a.nullable && !b.nullable) return false;
  if (b.id !== undefined && a.id !== b.id) return false;
  if (b.addr && !(a.addr && S.leq(a.addr, b.addr))) return false;
  return S.leq(a.v, b.v);
}

function joinFrame(a: Frame, b: Frame, th?: Thresholds): Frame {
  if (a === b) return a;
  const out = newFrame();
  for (let i = 0; i < STACK_BYTES; i++) {
    const x = a.bytes[i];
    const y = b.bytes[i];
    out.bytes[i] = x === y ? x : x === B_UNINIT || y === B_UNINIT ? B_UNINIT : x === B_MIXED || y === B_MIXED ? B_MIXED : B_NUM;
  }
  // spills present in both at the same place survive; others degrade their bytes
  for (const [k, sa] of a.spills) {
    const sb = b.spills.get(k);
    if (sb && sb.w === sa.w && out.bytes[k] !== B_UNINIT) {
      const v = joinVal(sa.v, sb.v, th);
      let ok = true;
      for (let i = k; i < k + sa.w; i++) if (a.bytes[i] !== B_SPILL || b.bytes[i] !== B_SPILL) ok = false;
      if (ok && v.t !== 'uninit') {
        out.spills.set(k, { w: sa.w, v });
        for (let i = k; i < k + sa.w; i++) out.bytes[i] = B_SPILL;
        continue;
      }
    }
    degrade(out, a, k, sa);
  }
  for (const [k, sb] of b.spills) if (!out.spills.has(k)) degrade(out, b, k, sb);
  return out;
}

function degrade(out: Frame, src: Frame, k: number, sp: Spill): void {
  for (let i = k; i < k + sp.w; i++) {
    if (out.bytes[i] === B_SPILL && !out.spills.has(k)) {
      // byte was a spill on both sides but the spills differ
      out.bytes[i] = sp.v.t === 'num' ? B_NUM : B_MIXED;
    } else if (out.bytes[i] === B_NUM && src.bytes[i] === B_SPILL && sp.v.t !== 'num') {
      out.bytes[i] = B_MIXED;
    }
  }
}

function leqFrame(a: Frame, b: Frame): boolean {
  if (a === b) return true;
  for (let i = 0; i < STACK_BYTES; i++) {
    const x = a.bytes[i];
    const y = b.bytes[i];
    if (x === y || y === B_UNINIT) continue;
    if (y === B_MIXED && x !== B_UNINIT) continue;
    if (y === B_NUM && x === B_SPILL) continue; // checked below
    return false;
  }
  for (const [k, sb] of b.spills) {
    const sa = a.spills.get(k);
    if (!sa || sa.w !== sb.w || !leqVal(sa.v, sb.v)) return false;
  }
  for (const [k, sa] of a.spills) {
    if (b.spills.has(k)) continue;
    for (let i = k; i < k + sa.w; i++) if (b.bytes[i] === B_NUM && sa.v.t !== 'num') return false;
  }
  return true;
}

export function joinState(a: State, b: State, th?: Thresholds): State {
  const regs = a.regs.map((x, i) => joinVal(x, b.regs[i], th));
  // (different depths only meet in the per-instruction summaries over call contexts)
  const frames = a.frames === b.frames ? a.frames : a.frames.slice(0, b.frames.length).map((f, i) => joinFrame(f, b.frames[i], th));
  const saved = a.saved === b.saved ? a.saved : a.saved.slice(0, b.saved.length).map((r, i) => r.map((x, j) => joinVal(x, b.saved[i][j], th)));
  const out: State = { regs, frames, saved, pktMin: a.pktMin < b.pktMin ? a.pktMin : b.pktMin, meta: a.meta > b.meta ? a.meta : b.meta };
  if (a.pktMax !== undefined && b.pktMax !== undefined) out.pktMax = a.pktMax > b.pktMax ? a.pktMax : b.pktMax;
  return out;
}

export function leqState(a: State, b: State): boolean {
  if (a.pktMin < b.pktMin || a.meta > b.meta) return false;
  if (b.pktMax !== undefined && (a.pktMax === undefined || a.pktMax > b.pktMax)) return false;
  for (let i = 0; i < a.regs.length; i++) if (!leqVal(a.regs[i], b.regs[i])) return false;
  for (let i = 0; i < a.saved.length; i++) for (let j = 0; j < a.saved[i].length; j++) if (!leqVal(a.saved[i][j], b.saved[i][j])) return false;
  for (let i = 0; i < a.frames.length; i++) if (!leqFrame(a.frames[i], b.frames[i])) return false;
  return true;
}

// ------------------------------------------------------------------------------------ printing

const KIND_NAMES: Record<Kind, string> = {
  uninit: 'uninitialised',
  num: 'number',
  ctx: 'ctx',
  stack: 'stack',
  packet: 'packet',
  pend: 'packet_end',
  map: 'map_value',
  mem: 'mem',
  sock: 'socket',
  guest: 'guest_window',
  mapref: 'map',
  any: 'unknown',
};

function offStr(v: Scalar): string {
  if (S.isConst(v)) {
    const s = S.toSigned(v.tv);
    return s === 0n ? '' : s > 0n ? `+${s}` : `${s}`;
  }
  return `+${S.formatScalar(v)}`;
}

export function formatVal(x: Val): string {
  switch (x.t) {
    case 'uninit':
    case 'any':
      return KIND_NAMES[x.t];
    case 'num':
      return S.formatScalar(x.v);
    case 'mapref':
      return `map#${x.map ?? '?'}`;
    case 'stack':
      return `fp${x.frame ? `[${x.frame}]` : ''}${offStr(x.v) || '+0'}`;
    default: {
      const base = `${KIND_NAMES[x.t]}${x.size !== undefined && x.t !== 'pend' ? `(${x.size}B)` : ''}`;
      return `${base}${offStr(x.v)}${x.nullable ? ' or null' : ''}`;
    }
  }
}

/** One line per initialised register and a compact stack summary: for hovers and traces. */
export function formatState(s: State, regs?: readonly number[]): string {
  const parts: string[] = [];
  const list = regs ?? s.regs.map((_, i) => i);
  for (const i of list) {
    const x = s.regs[i];
    if (x.t === 'uninit' && regs === undefined) continue;
    parts.push(`r${i}=${formatVal(x)}`);
  }
  if (regs === undefined) {
    const f = s.frames[s.frames.length - 1];
    const stack: string[] = [];
    let i = 0;
    while (i < STACK_BYTES) {
      const sp = f.spills.get(i);
      if (sp) {
        stack.push(`fp${i - STACK_BYTES}=${formatVal(sp.v)}`);
        i += sp.w;
        continue;
      }
      if (f.bytes[i] === B_NUM || f.bytes[i] === B_MIXED) {
        let j = i;
        while (j < STACK_BYTES && f.bytes[j] === f.bytes[i] && !f.spills.has(j)) j++;
        stack.push(`fp${i - STACK_BYTES}..fp${j - STACK_BYTES}=${f.bytes[i] === B_NUM ? 'number' : 'unknown'}`);
        i = j;
        continue;
      }
      i++;
    }
    if (stack.length) parts.push(`stack{${stack.join(' ')}}`);
    if (s.pktMin > 0n) parts.push(`packet>=${s.pktMin}B`);
  }
  return parts.join(' ');
}
