/**
 * Bit-field packing and unpacking for the RISC-V base formats. Immediates go in and come out
 * as plain numbers (sign-extended where the format is signed); callers check ranges first.
 */
export const rd = (w: number): number => (w >>> 7) & 31;
export const rs1 = (w: number): number => (w >>> 15) & 31;
export const rs2 = (w: number): number => (w >>> 20) & 31;

export function packR(match: number, d: number, s1: number, s2: number): number {
  return (match | (d << 7) | (s1 << 15) | (s2 << 20)) >>> 0;
}

export function packI(match: number, d: number, s1: number, imm: number): number {
  return (match | (d << 7) | (s1 << 15) | ((imm & 0xfff) << 20)) >>> 0;
}

export function packS(match: number, s1: number, s2: number, imm: number): number {
  return (match | ((imm & 0x1f) << 7) | (s1 << 15) | (s2 << 20) | (((imm >> 5) & 0x7f) << 25)) >>> 0;
}

export function packB(match: number, s1: number, s2: number, off: number): number {
  const bits =
    (((off >> 11) & 1) << 7) | (((off >> 1) & 0xf) << 8) | (((off >> 5) & 0x3f) << 25) | (((off >> 12) & 1) << 31);
  return (match | bits | (s1 << 15) | (s2 << 20)) >>> 0;
}

export function packU(match: number, d: number, imm20: number): number {
  return (match | (d << 7) | ((imm20 & 0xfffff) << 12)) >>> 0;
}

export function packJ(match: number, d: number, off: number): number {
  const bits =
    (((off >> 12) & 0xff) << 12) | (((off >> 11) & 1) << 20) | (((off >> 1) & 0x3ff) << 21) | (((off >> 20) & 1) << 31);
  return (match | (d << 7) | bits) >>> 0;
}

export const immI = (w: number): number => w >> 20;
export const immS = (w: number): number => ((w >> 25) << 5) | ((w >>> 7) & 0x1f);
export const immB = (w: number): number =>
  ((w >> 31) << 12) | (((w >>> 7) & 1) << 11) | (((w >>> 25) & 0x3f) << 5) | (((w >>> 8) & 0xf) << 1);
export const immU = (w: number): number => (w >>> 12) & 0xfffff;
export const immJ = (w: number): number =>
  ((w >> 31) << 20) | (((w >>> 12) & 0xff) << 12) | (((w >>> 20) & 1) << 11) | (((w >>> 21) & 0x3ff) << 1);
