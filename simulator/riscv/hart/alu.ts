/**
 * 64-bit integer arithmetic on (lo, hi) int32 pairs, without BigInt on the common paths.
 *
 * A 64-bit register value v is held as two int32 halves: lo = v mod 2^32 reinterpreted as int32,
 * hi = v >> 32 (arithmetic) as int32. Results are written to the shared out-array `R`
 * (R[0] = lo, R[1] = hi) so that no allocation happens per operation.
 */
export const R = new Int32Array(2);

const TWO32 = 4294967296;

export function add64(al: number, ah: number, bl: number, bh: number): void {
  const t = (al >>> 0) + (bl >>> 0);
  R[0] = t | 0;
  R[1] = (ah + bh + (t > 0xffffffff ? 1 : 0)) | 0;
}

export function sub64(al: number, ah: number, bl: number, bh: number): void {
  const t = (al >>> 0) - (bl >>> 0);
  R[0] = t | 0;
  R[1] = (ah - bh - (t < 0 ? 1 : 0)) | 0;
}

export function sll64(lo: number, hi: number, sh: number): void {
  sh &= 63;
  if (sh === 0) { R[0] = lo; R[1] = hi; } else if (sh < 32) {
    R[1] = (hi << sh) | (lo >>> (32 - sh));
    R[0] = lo << sh;
  } else { R[1] = lo << (sh - 32); R[0] = 0; }
}

export function srl64(lo: number, hi: number, sh: number): void {
  sh &= 63;
  if (sh === 0) { R[0] = lo; R[1] = hi; } else if (sh < 32) {
    R[0] = (lo >>> sh) | (hi << (32 - sh));
    R[1] = (hi >>> sh) | 0;
  } else { R[0] = (hi >>> (sh - 32)) | 0; R[1] = 0; }
}

export function sra64(lo: number, hi: number, sh: number): void {
  sh &= 63;
  if (sh === 0) { R[0] = lo; R[1] = hi; } else if (sh < 32) {
    R[0] = (lo >>> sh) | (hi << (32 - sh));
    R[1] = hi >> sh;
  } else { R[0] = hi >> (sh - 32); R[1] = hi >> 31; }
}

export function lt64(al: number, ah: number, bl: number, bh: number): boolean {
  return ah < bh || (ah === bh && (al >>> 0) < (bl >>> 0));
}

export function ltu64(al: number, ah: number, bl: number, bh: number): boolean {
  return (ah >>> 0) < (bh >>> 0) || (ah === bh && (al >>> 0) < (bl >>> 0));
}

/** High 32 bits of the unsigned product of two 32-bit values (as uint32 in a double). */
export function mulhi32u(a: number, b: number): number {
  a >>>= 0; b >>>= 0;
  const a0 = a & 0xffff, a1 = a >>> 16, b0 = b & 0xffff, b1 = b >>> 16;
  const mid = a1 * b0 + a0 * b1; // < 2^33
  return a1 * b1 + Math.floor((mid * 65536 + a0 * b0) / TWO32);
}

/** Low 64 bits of a*b (same for signed and unsigned). */
export function mul64(al: number, ah: number, bl: number, bh: number): void {
  R[0] = Math.imul(al, bl);
  R[1] = (mulhi32u(al, bl) + Math.imul(al, bh) + Math.imul(ah, bl)) | 0;
}

/** High 64 bits of the unsigned 128-bit product. */
export function mulhu64(al: number, ah: number, bl: number, bh: number): void {
  const p0h = mulhi32u(al, bl);
  const p1l = Math.imul(al, bh) >>> 0, p1h = mulhi32u(al, bh);
  const p2l = Math.imul(ah, bl) >>> 0, p2h = mulhi32u(ah, bl);
  const p3l = Math.imul(ah, bh) >>> 0, p3h = mulhi32u(ah, bh);
  const w1 = p0h + p1l + p2l;
  const c1 = Math.floor(w1 / TWO32);
  const w2 = p1h + p2h + p3l + c1;
  const c2 = Math.floor(w2 / TWO32);
  R[0] = w2 | 0;
  R[1] = (p3h + c2) | 0;
}

/** High 64 bits of signed x signed. */
export function mulh64(al: number, ah: number, bl: number, bh: number): void {
  mulhu64(al, ah, bl, bh);
  let l = R[0], h = R[1];
  if (ah < 0) { sub64(l, h, bl, bh); l = R[0]; h = R[1]; }
  if (bh < 0) { sub64(l, h, al, ah); l = R[0]; h = R[1]; }
  R[0] = l; R[1] = h;
}

/** High 64 bits of signed(a) x unsigned(b). */
export function mulhsu64(al: number, ah: number, bl: number, bh: number): void {
  mulhu64(al, ah, bl, bh);
  if (ah < 0) sub64(R[0], R[1], bl, bh);
}

function setFromDouble(q: number): void {
  // q is an integer with |q| <= 2^53
  const hi = Math.floor(q / TWO32);
  R[1] = hi | 0;
  R[0] = (q - hi * TWO32) | 0;
}

function toBig(lo: number, hi: number): bigint {
  return (BigInt(hi) << 32n) | BigInt(lo >>> 0);
}

function setFromBig(v: bigint): void {
  R[0] = Number(BigInt.asIntN(32, v));
  R[1] = Number(BigInt.asIntN(32, v >> 32n));
}

/** Signed division per the RISC-V M extension: x/0 = -1, MIN/-1 = MIN. */
export function div64(al: number, ah: number, bl: number, bh: number): void {
  if (bl === 0 && bh === 0) { R[0] = -1; R[1] = -1; return; }
  if (ah === al >> 31 && bh === bl >> 31) { setFromDouble(Math.trunc(al / bl)); return; }
  if (bl === -1 && bh === -1) { sub64(0, 0, al, ah); return; } // includes MIN/-1 = MIN
  setFromBig(toBig(al, ah) / toBig(bl, bh)); // slow path: large operands (BigInt, signed)
}

export function divu64(al: number, ah: number, bl: number, bh: number): void {
  if (bl === 0 && bh === 0) { R[0] = -1; R[1] = -1; return; }
  if (ah === 0 && bh === 0) { R[0] = Math.trunc((al >>> 0) / (bl >>> 0)) | 0; R[1] = 0; return; }
  setFromBig(BigInt.asUintN(64, toBig(al, ah)) / BigInt.asUintN(64, toBig(bl, bh)));
}

/** Signed remainder: x%0 = x, MIN%-1 = 0. */
export function rem64(al: number, ah: number, bl: number, bh: number): void {
  if (bl === 0 && bh === 0) { R[0] = al; R[1] = ah; return; }
  if (bl === -1 && bh === -1) { R[0] = 0; R[1] = 0; return; }
  if (ah === al >> 31 && bh === bl >> 31) { setFromDouble(al % bl); return; }
  setFromBig(toBig(al, ah) % toBig(bl, bh));
}

export function remu64(al: number, ah: number, bl: number, bh: number): void {
  if (bl === 0 && bh === 0) { R[0] = al; R[1] = ah; return; }
  if (ah === 0 && bh === 0) { R[0] = ((al >>> 0) % (bl >>> 0)) | 0; R[1] = 0; return; }
  setFromBig(BigInt.asUintN(64, toBig(al, ah)) % BigInt.asUintN(64, toBig(bl, bh)));
}

/** Converts a pair to an unsigned 64-bit bigint (slow paths, API boundaries). */
export function pairToBigU(lo: number, hi: number): bigint {
  return BigInt.asUintN(64, toBig(lo, hi));
}

/** Splits a bigint (any sign) into the pair of its low 64 bits, in R. */
export function bigToPair(v: bigint): void {
  setFromBig(BigInt.asIntN(64, v));
}
