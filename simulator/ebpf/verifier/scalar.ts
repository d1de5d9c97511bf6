/**
 * The numeric domain of the verifier: a reduced product of a signed 64-bit interval, an unsigned
 * 64-bit interval and a tristate number (known bits: `tv` holds the known bit values, `tm` marks
 * the unknown bits). Values are immutable; every constructor returns a reduced value or `null`
 * for the empty set (bottom), so infeasible branches fall out of the refinement functions.
 *
 * Design notes: intervals and their reduction follow Cousot & Cousot (1977); tristate numbers
 * follow Vishwanathan et al., "Sound, precise, and fast abstract interpretation with tristate
 * numbers" (CGO 2022). 32-bit views (ALU32/JMP32) are computed on the zero-extended or
 * sign-extended low half and mapped back where the high half is known.
 */

export const M64 = (1n << 64n) - 1n;
export const M32 = (1n << 32n) - 1n;
export const S64_MIN = -(1n << 63n);
export const S64_MAX = (1n << 63n) - 1n;
const TWO64 = 1n << 64n;

export interface Scalar {
  readonly smin: bigint;
  readonly smax: bigint;
  readonly umin: bigint;
  readonly umax: bigint;
  /** Known bit values (unknown bits are 0 here). */
  readonly tv: bigint;
  /** Unknown-bit mask. */
  readonly tm: bigint;
}

export const toSigned = (u: bigint): bigint => BigInt.asIntN(64, u);
export const toUnsigned = (s: bigint): bigint => BigInt.asUintN(64, s);
const max = (a: bigint, b: bigint): bigint => (a > b ? a : b);
const min = (a: bigint, b: bigint): bigint => (a < b ? a : b);

export const TOP: Scalar = { smin: S64_MIN, smax: S64_MAX, umin: 0n, umax: M64, tv: 0n, tm: M64 };

export function konst(v: bigint): Scalar {
  const u = toUnsigned(v);
  const s = toSigned(v);
  return { smin: s, smax: s, umin: u, umax: u, tv: u, tm: 0n };
}

export function isConst(a: Scalar): boolean {
  return a.tm === 0n;
}

export function isTop(a: Scalar): boolean {
  return a.umin === 0n && a.umax === M64 && a.smin === S64_MIN && a.smax === S64_MAX && a.tm === M64;
}

/** Bits needed for 0 <= x < 2^64 (x > 0). */
function bitLength(x: bigint): number {
  if (x < 0x100000000n) return 32 - Math.clz32(Number(x));
  return 64 - Math.clz32(Number(x >> 32n));
}

/** LOW[k] = 2^k - 1 and HIGH[k] = its complement in 64 bits (k = 0..64): no allocation in `make`. */
const LOW: bigint[] = [];
const HIGH: bigint[] = [];
for (let k = 0; k <= 64; k++) {
  LOW.push((1n << BigInt(k)) - 1n);
  HIGH.push(M64 ^ ((1n << BigInt(k)) - 1n));
}

/** Builds a reduced scalar; null when the constraints are contradictory. */
export function make(smin: bigint, smax: bigint, umin: bigint, umax: bigint, tv: bigint, tm: bigint): Scalar | null {
  for (let round = 0; round < 3; round++) {
    if (smin > smax || umin > umax) return null;
    // a round that changes nothing would repeat itself: stop early (same result, less work)
    const smin0 = smin;
    const smax0 = smax;
    const umin0 = umin;
    const umax0 = umax;
    // known bits bound the unsigned range
    umin = max(umin, tv);
    umax = min(umax, tv | tm);
    if (umin > umax) return null;
    // signed <-> unsigned when the signed range does not cross zero / unsigned does not cross 2^63
    if (smin >= 0n) {
      umin = max(umin, smin);
      umax = min(umax, smax);
    } else if (smax < 0n) {
      umin = max(umin, smin + TWO64);
      umax = min(umax, smax + TWO64);
    }
    if (umin > umax) return null;
    if (umax <= S64_MAX) {
      smin = max(smin, umin);
      smax = min(smax, umax);
    } else if (umin > S64_MAX) {
      smin = max(smin, umin - TWO64);
      smax = min(smax, umax - TWO64);
    }
    if (smin > smax) return null;
    // the common prefix of umin..umax is known
    const bits = umin === umax ? 0 : bitLength(umin ^ umax);
    let ntm = tm;
    let ntv = tv & (M64 ^ tm);
    if (bits < 64) {
      const mask = LOW[bits];
      const high = HIGH[bits];
      const pv = umin & high;
      if (((tv ^ pv) & high & ~tm) !== 0n) return null;
      ntm = tm & mask;
      ntv = (tv | pv) & (M64 ^ ntm);
    }
    // known bits also fix the lowest/highest possible value
    const changed = ntm !== tm || ntv !== tv;
    tv = ntv;
    tm = ntm;
    if (tm === 0n) {
      const s = toSigned(tv);
      if (tv < umin || tv > umax || s < smin || s > smax) return null;
      return { smin: s, smax: s, umin: tv, umax: tv, tv, tm };
    }
    if (!changed && (round > 0 || (smin === smin0 && smax === smax0 && umin === umin0 && umax === umax0))) break;
  }
  if (smin > smax || umin > umax) return null;
  return { smin, smax, umin, umax, tv, tm };
}

function fromU(lo: bigint, hi: bigint): Scalar {
  return make(S64_MIN, S64_MAX, lo, hi, 0n, M64) ?? TOP;
}

function fromS(lo: bigint, hi: bigint): Scalar {
  return make(lo, hi, 0n, M64, 0n, M64) ?? TOP;
}

export function range(lo: bigint, hi: bigint, signed: boolean): Scalar {
  return signed ? fromS(lo, hi) : fromU(lo, hi);
}

export function eq(a: Scalar, b: Scalar): boolean {
  return a.smin === b.smin && a.smax === b.smax && a.umin === b.umin && a.umax === b.umax && a.tv === b.tv && a.tm === b.tm;
}

export function join(a: Scalar, b: Scalar): Scalar {
  const tm = a.tm | b.tm | (a.tv ^ b.tv);
  return make(min(a.smin, b.smin), max(a.smax, b.smax), min(a.umin, b.umin), max(a.umax, b.umax), a.tv & ~tm & M64, tm) ?? TOP;
}

export function meet(a: Scalar, b: Scalar): Scalar | null {
  if (((a.tv ^ b.tv) & ~a.tm & ~b.tm) !== 0n) return null;
  const tm = a.tm & b.tm;
  return make(max(a.smin, b.smin), min(a.smax, b.smax), max(a.umin, b.umin), min(a.umax, b.umax), (a.tv | b.tv) & ~tm & M64, tm);
}

export function leq(a: Scalar, b: Scalar): boolean {
  return (
    a.smin >= b.smin &&
    a.smax <= b.smax &&
    a.umin >= b.umin &&
    a.umax <= b.umax &&
    (a.tm & ~b.tm) === 0n &&
    ((a.tv ^ b.tv) & ~b.tm) === 0n
  );
}

/** Sorted widening thresholds (signed and unsigned). */
export interface Thresholds {
  signed: bigint[];
  unsigned: bigint[];
}

function nextUp(list: bigint[], v: bigint, top: bigint): bigint {
  for (const t of list) if (t >= v) return t;
  return top;
}
function nextDown(list: bigint[], v: bigint, bottom: bigint): bigint {
  for (let i = list.length - 1; i >= 0; i--) if (list[i] <= v) return list[i];
  return bottom;
}

/** Widening with thresholds: an unstable bound jumps to the next threshold beyond it. */
export function widen(old: Scalar, next: Scalar, th: Thresholds): Scalar {
  const j = join(old, next);
  const smin = j.smin < old.smin ? nextDown(th.signed, j.smin, S64_MIN) : j.smin;
  const smax = j.smax > old.smax ? nextUp(th.signed, j.smax, S64_MAX) : j.smax;
  const umin = j.umin < old.umin ? nextDown(th.unsigned, j.umin, 0n) : j.umin;
  const umax = j.umax > old.umax ? nextUp(th.unsigned, j.umax, M64) : j.umax;
  return make(smin, smax, umin, umax, j.tv, j.tm) ?? TOP;
}

// ---------------------------------------------------------------------------------- arithmetic

export function add(a: Scalar, b: Scalar): Scalar {
  if (isConst(a) && isConst(b)) return konst(a.tv + b.tv);
  let smin = a.smin + b.smin;
  let smax = a.smax + b.smax;
  if (smin < S64_MIN || smax > S64_MAX) [smin, smax] = [S64_MIN, S64_MAX];
  let umin = a.umin + b.umin;
  let umax = a.umax + b.umax;
  if (umax > M64) {
    if (umin > M64) [umin, umax] = [umin - TWO64, umax - TWO64];
    else [umin, umax] = [0n, M64];
  }
  const sv = a.tv + b.tv;
  const sm = a.tm + b.tm;
  const chi = (sv + sm) ^ sv;
  const mu = (chi | a.tm | b.tm) & M64;
  return make(smin, smax, umin, umax, sv & ~mu & M64, mu) ?? TOP;
}

export function sub(a: Scalar, b: Scalar): Scalar {
  if (isConst(a) && isConst(b)) return konst(a.tv - b.tv);
  let smin = a.smin - b.smax;
  let smax = a.smax - b.smin;
  if (smin < S64_MIN || smax > S64_MAX) [smin, smax] = [S64_MIN, S64_MAX];
  let umin = a.umin - b.umax;
  let umax = a.umax - b.umin;
  if (umin < 0n) {
    if (umax < 0n) [umin, umax] = [umin + TWO64, umax + TWO64];
    else [umin, umax] = [0n, M64];
  }
  const dv = a.tv - b.tv;
  const alpha = dv + a.tm;
  const beta = dv - b.tm;
  const mu = ((alpha ^ beta) | a.tm | b.tm) & M64;
  return make(smin, smax, umin, umax, toUnsigned(dv) & ~mu & M64, mu) ?? TOP;
}

export function neg(a: Scalar): Scalar {
  return sub(konst(0n), a);
}

export function mul(a: Scalar, b: Scalar): Scalar {
  if (isConst(a) && isConst(b)) return konst(a.tv * b.tv);
  let r: Scalar = TOP;
  if (a.umax * b.umax <= M64) r = fromU(a.umin * b.umin, a.umax * b.umax);
  const c = [a.smin * b.smin, a.smin * b.smax, a.smax * b.smin, a.smax * b.smax];
  const lo = c.reduce(min);
  const hi = c.reduce(max);
  if (lo >= S64_MIN && hi <= S64_MAX) r = meet(r, fromS(lo, hi)) ?? r;
  // trailing known-zero bits multiply
  const tz = (x: Scalar): bigint => {
    let n = 0n;
    while (n < 64n && ((x.tv | x.tm) >> n) % 2n === 0n) n++;
    return n;
  };
  const z = tz(a) + tz(b);
  if (z > 0n) r = meet(r, { smin: S64_MIN, smax: S64_MAX, umin: 0n, umax: M64, tv: 0n, tm: z >= 64n ? 0n : M64 & ~((1n << z) - 1n) }) ?? r;
  return r;
}

export function and(a: Scalar, b: Scalar): Scalar {
  const v = a.tv & b.tv;
  const m = ((a.tv | a.tm) & (b.tv | b.tm) & ~v) & M64;
  return make(S64_MIN, S64_MAX, 0n, min(a.umax, b.umax), v, m) ?? TOP;
}

export function or(a: Scalar, b: Scalar): Scalar {
  const v = a.tv | b.tv;
  const m = (a.tm | b.tm) & ~v & M64;
  return make(S64_MIN, S64_MAX, max(a.umin, b.umin), M64, v, m) ?? TOP;
}

export function xor(a: Scalar, b: Scalar): Scalar {
  const m = a.tm | b.tm;
  return make(S64_MIN, S64_MAX, 0n, M64, (a.tv ^ b.tv) & ~m & M64, m) ?? TOP;
}

function lshK(a: Scalar, k: bigint): Scalar {
  if (k === 0n) return a;
  let r: Scalar = { smin: S64_MIN, smax: S64_MAX, umin: 0n, umax: M64, tv: (a.tv << k) & M64, tm: (a.tm << k) & M64 };
  if (a.umax << k <= M64) r = meet(r, fromU(a.umin << k, a.umax << k)) ?? r;
  if (a.smin << k >= S64_MIN && a.smax << k <= S64_MAX) r = meet(r, fromS(a.smin << k, a.smax << k)) ?? r;
  return make(r.smin, r.smax, r.umin, r.umax, r.tv, r.tm) ?? TOP;
}

function rshK(a: Scalar, k: bigint): Scalar {
  if (k === 0n) return a;
  return make(S64_MIN, S64_MAX, a.umin >> k, a.umax >> k, a.tv >> k, a.tm >> k) ?? TOP;
}

function arshK(a: Scalar, k: bigint): Scalar {
  if (k === 0n) return a;
  const tv = toUnsigned(toSigned(a.tv) >> k);
  const tm = toUnsigned(toSigned(a.tm) >> k);
  return make(a.smin >> k, a.smax >> k, 0n, M64, tv & ~tm, tm) ?? TOP;
}

/** Shift by a possibly unknown amount; the amount is masked to `width - 1` bits as RFC 9669 says. */
export function shift(kind: 'lsh' | 'rsh' | 'arsh', a: Scalar, b: Scalar, width: 32 | 64): Scalar {
  const maskK = BigInt(width - 1);
  if (isConst(b)) {
    const k = b.tv & maskK;
    return kind === 'lsh' ? lshK(a, k) : kind === 'rsh' ? rshK(a, k) : arshK(a, k);
  }
  if (b.umax > maskK) return TOP;
  const lo = b.umin;
  const hi = b.umax;
  if (kind === 'rsh') return fromU(a.umin >> hi, a.umax >> lo);
  if (kind === 'arsh') return fromS(min(a.smin >> lo, a.smin >> hi), max(a.smax >> lo, a.smax >> hi));
  if (a.umax << hi <= M64) return fromU(a.umin << lo, a.umax << hi);
  return TOP;
}

export function udiv(a: Scalar, b: Scalar): Scalar {
  if (isConst(b)) {
    if (b.tv === 0n) return konst(0n);
    if (isConst(a)) return konst(a.tv / b.tv);
  }
  if (b.umin > 0n) return fromU(a.umin / b.umax, a.umax / b.umin);
  return fromU(0n, a.umax / max(1n, b.umin));
}

export function umod(a: Scalar, b: Scalar): Scalar {
  if (isConst(b)) {
    if (b.tv === 0n) return a;
    if (isConst(a)) return konst(a.tv % b.tv);
  }
  if (b.umin > 0n) {
    if (a.umax < b.umin) return a;
    return fromU(0n, min(a.umax, b.umax - 1n));
  }
  return fromU(0n, a.umax);
}

function absMax(b: Scalar): bigint {
  return max(b.smin < 0n ? -b.smin : b.smin, b.smax < 0n ? -b.smax : b.smax);
}

export function sdiv(a: Scalar, b: Scalar, width: 32 | 64): Scalar {
  if (isConst(a) && isConst(b)) {
    const x = BigInt.asIntN(width, a.tv);
    const y = BigInt.asIntN(width, b.tv);
    if (y === 0n) return konst(0n);
    return konst(BigInt.asUintN(width, x / y));
  }
  if (b.smin > 0n && a.smin >= 0n) return fromS(a.smin / b.smax, a.smax / b.smin);
  if (b.smin > 0n || b.smax < 0n) {
    const m = a.smin === S64_MIN ? S64_MAX : max(-a.smin, a.smax);
    return fromS(-m, m);
  }
  return TOP;
}

export function smod(a: Scalar, b: Scalar, width: 32 | 64): Scalar {
  if (isConst(a) && isConst(b)) {
    const x = BigInt.asIntN(width, a.tv);
    const y = BigInt.asIntN(width, b.tv);
    if (y === 0n) return a;
    return konst(BigInt.asUintN(width, x % y));
  }
  if (b.smin > 0n || b.smax < 0n) {
    const m = absMax(b) - 1n;
    if (a.smin >= 0n) return fromS(0n, min(a.smax, m));
    if (a.smax <= 0n) return fromS(max(a.smin, -m), 0n);
    return fromS(-m, m);
  }
  if (a.smin >= 0n) return fromS(0n, a.smax);
  return TOP;
}

// ------------------------------------------------------------------------------- width changes

/** The low 32 bits, zero-extended. */
export function trunc32(a: Scalar): Scalar {
  if (isConst(a)) return konst(a.tv & M32);
  let r: Scalar = { smin: 0n, smax: M32, umin: 0n, umax: M32, tv: a.tv & M32, tm: a.tm & M32 };
  if (a.umin >> 32n === a.umax >> 32n) r = meet(r, fromU(a.umin & M32, a.umax & M32)) ?? r;
  if (a.smin >= -(1n << 31n) && a.smax < 1n << 31n) {
    if (a.smin >= 0n) r = meet(r, fromU(a.smin, a.smax)) ?? r;
    else if (a.smax < 0n) r = meet(r, fromU(a.smin + (1n << 32n), a.smax + (1n << 32n))) ?? r;
  }
  return make(r.smin, r.smax, r.umin, r.umax, r.tv, r.tm) ?? TOP;
}

/** Sign-extends the low `bits` bits (movsx, sign-extending loads, signed 32-bit views). */
export function sext(a: Scalar, bits: 8 | 16 | 32): Scalar {
  const n = BigInt(bits);
  const mask = (1n << n) - 1n;
  const half = 1n << (n - 1n);
  if (isConst(a)) return konst(BigInt.asIntN(bits, a.tv));
  // if the value is known to lie in [0, half) or [-half, 0) as a signed number, it is unchanged
  if (a.smin >= -half && a.smax < half) return a;
  const low = truncBits(a, bits);
  if (low.umax < half) return low;
  if (low.umin >= half) return fromS(low.umin - (1n << n), low.umax - (1n << n));
  // sign bit unknown: the known low bits still hold; high bits follow the sign bit
  const signKnown = (low.tm & half) === 0n;
  if (signKnown) {
    const hi = (low.tv & half) !== 0n ? M64 & ~mask : 0n;
    return make(-half, half - 1n, 0n, M64, (low.tv | hi) & M64, low.tm) ?? fromS(-half, half - 1n);
  }
  return fromS(-half, half - 1n);
}

/** The low `bits` bits, zero-extended. */
export function truncBits(a: Scalar, bits: 8 | 16 | 32 | 64): Scalar {
  if (bits === 64) return a;
  if (bits === 32) return trunc32(a);
  const mask = (1n << BigInt(bits)) - 1n;
  if (isConst(a)) return konst(a.tv & mask);
  let r = make(0n, mask, 0n, mask, a.tv & mask, a.tm & mask) ?? fromU(0n, mask);
  if (a.umin >> BigInt(bits) === a.umax >> BigInt(bits)) r = meet(r, fromU(a.umin & mask, a.umax & mask)) ?? r;
  return r;
}

/** Byte swap of the low `bits` bits (RFC 9669 BPF_END to the non-host order, host = little endian). */
export function bswap(a: Scalar, bits: 16 | 32 | 64): Scalar {
  if (isConst(a)) {
    let v = a.tv;
    let r = 0n;
    for (let i = 0; i < bits / 8; i++) {
      r = (r << 8n) | (v & 0xffn);
      v >>= 8n;
    }
    return konst(r);
  }
  return bits === 64 ? TOP : fromU(0n, (1n << BigInt(bits)) - 1n);
}

/** Replaces the low 32 bits of `orig` by what is known of `low` (a refined 32-bit view). */
export function withLow32(orig: Scalar, low: Scalar): Scalar | null {
  let r: Scalar | null = orig;
  if (orig.umin >> 32n === orig.umax >> 32n) {
    const hi = orig.umin & ~M32 & M64;
    r = meet(r, fromU(hi + (low.umin & M32), hi + min(low.umax, M32)));
    if (!r) return null;
  }
  const known = ~low.tm & M32;
  return meet(r, { smin: S64_MIN, smax: S64_MAX, umin: 0n, umax: M64, tv: low.tv & known, tm: M64 & ~known });
}

// ------------------------------------------------------------------------------- comparisons

export type CmpOp = 'eq' | 'ne' | 'gt' | 'ge' | 'lt' | 'le' | 'sgt' | 'sge' | 'slt' | 'sle' | 'set';

export const NEGATE: Record<CmpOp, CmpOp | 'nset'> = {
  eq: 'ne', ne: 'eq', gt: 'le', ge: 'lt', lt: 'ge', le: 'gt', sgt: 'sle', sge: 'slt', slt: 'sge', sle: 'sgt', set: 'nset',
};

const SWAP: Record<string, CmpOp> = { gt: 'lt', ge: 'le', lt: 'gt', le: 'ge', sgt: 'slt', sge: 'sle', slt: 'sgt', sle: 'sge', eq: 'eq', ne: 'ne' };

/**
 * Refines `a op b` (64-bit) assuming it holds. Returns the refined pair, or null when the
 * condition cannot hold.
 */
export function refine(op: CmpOp | 'nset', a: Scalar, b: Scalar): [Scalar, Scalar] | null {
  switch (op) {
    case 'eq': {
      const m = meet(a, b);
      return m ? [m, m] : null;
    }
    case 'ne': {
      if (isConst(a) && isConst(b) && a.tv === b.tv) return null;
      return [excludeConst(a, b), excludeConst(b, a)];
    }
    case 'gt':
    case 'ge': {
      const d = op === 'gt' ? 1n : 0n;
      if (b.umin + d > M64 || a.umax < d) return null;
      const na = make(a.smin, a.smax, max(a.umin, b.umin + d), a.umax, a.tv, a.tm);
      const nb = make(b.smin, b.smax, b.umin, min(b.umax, a.umax - d), b.tv, b.tm);
      return na && nb ? [na, nb] : null;
    }
    case 'sgt':
    case 'sge': {
      const d = op === 'sgt' ? 1n : 0n;
      if (b.smin + d > S64_MAX || a.smax - d < S64_MIN) return null;
      const na = make(max(a.smin, b.smin + d), a.smax, a.umin, a.umax, a.tv, a.tm);
      const nb = make(b.smin, min(b.smax, a.smax - d), b.umin, b.umax, b.tv, b.tm);
      return na && nb ? [na, nb] : null;
    }
    case 'lt':
    case 'le':
    case 'slt':
    case 'sle': {
      const r = refine(SWAP[op], b, a);
      return r ? [r[1], r[0]] : null;
    }
    case 'set': {
      if (isConst(b)) {
        const k = b.tv;
        if (((a.tv | a.tm) & k) === 0n) return null;
        let na: Scalar | null = a;
        if ((k & (k - 1n)) === 0n && (a.tv & k) === 0n) na = meet(a, { ...TOP, tv: k, tm: M64 & ~k });
        if (na && na.umin === 0n) na = make(na.smin, na.smax, 1n, na.umax, na.tv, na.tm);
        return na ? [na, b] : null;
      }
      if (isConst(a) && a.tv === 0n) return null;
      return [a, b];
    }
    case 'nset': {
      if (isConst(b)) {
        const k = b.tv;
        if ((a.tv & k) !== 0n) return null;
        const na = make(a.smin, a.smax, a.umin, a.umax, a.tv & ~k & M64, a.tm & ~k & M64);
        return na ? [na, b] : null;
      }
      return [a, b];
    }
  }
}

function excludeConst(a: Scalar, b: Scalar): Scalar {
  if (!isConst(b)) return a;
  const k = b.tv;
  const ks = toSigned(k);
  let { smin, smax, umin, umax } = a;
  if (umin === k && umin < M64) umin++;
  if (umax === k && umax > 0n) umax--;
  if (smin === ks && smin < S64_MAX) smin++;
  if (smax === ks && smax > S64_MIN) smax--;
  return make(smin, smax, umin, umax, a.tv, a.tm) ?? a;
}

/** Does `a op b` hold for every pair (true), for none (false), or is it open (undefined)? */
export function decide(op: CmpOp, a: Scalar, b: Scalar): boolean | undefined {
  const t = refine(op, a, b);
  const f = refine(NEGATE[op], a, b);
  if (!t) return false;
  if (!f) return true;
  return undefined;
}

/** 32-bit comparison: refines the 32-bit views and maps them back to the 64-bit values. */
export function refine32(op: CmpOp | 'nset', a: Scalar, b: Scalar): [Scalar, Scalar] | null {
  const signed = op === 'sgt' || op === 'sge' || op === 'slt' || op === 'sle';
  const va = signed ? sext(a, 32) : trunc32(a);
  const vb = signed ? sext(b, 32) : trunc32(b);
  const r = refine(op, va, vb);
  if (!r) return null;
  const na = withLow32(a, signed ? trunc32(r[0]) : r[0]);
  const nb = withLow32(b, signed ? trunc32(r[1]) : r[1]);
  return na && nb ? [na, nb] : null;
}

export function formatScalar(a: Scalar): string {
  if (isConst(a)) {
    const s = toSigned(a.tv);
    return s < 0n ? `${s}` : s > 9999n ? `0x${a.tv.toString(16)}` : `${s}`;
  }
  const parts: string[] = [];
  const fmt = (v: bigint): string => (v === S64_MIN ? '-oo' : v === S64_MAX || v === M64 ? '+oo' : v > 65535n ? `0x${v.toString(16)}` : `${v}`);
  if (a.smin !== S64_MIN || a.smax !== S64_MAX) parts.push(`s[${fmt(a.smin)}, ${fmt(a.smax)}]`);
  if ((a.umin !== 0n || a.umax !== M64) && !(a.smin >= 0n && a.smin === a.umin && a.smax === a.umax)) parts.push(`u[${fmt(a.umin)}, ${fmt(a.umax)}]`);
  if (a.tm !== M64 && parts.length === 0) parts.push(`bits=0x${a.tv.toString(16)}/0x${a.tm.toString(16)}`);
  return parts.length ? parts.join(' ') : 'scalar';
}
