/**
 * Runtime support shared by both engines (`K` in the generated code): the unsigned high word of
 * a 32x32 product, 64-bit division for operands beyond 32 bits (BigInt: rare, off the hot path),
 * and error constructors.
 */
import { RuntimeCheckError } from './memory';

const toBig = (lo: number, hi: number): bigint => (BigInt(hi) << 32n) | BigInt(lo >>> 0);

export class Support {
  /** High half of the last 64-bit result returned by a division helper. */
  hi = 0;

  mulhu(a: number, b: number): number {
    const a0 = a & 0xffff;
    const a1 = a >>> 16;
    const b0 = b & 0xffff;
    const b1 = b >>> 16;
    const m1 = a1 * b0;
    const m2 = a0 * b1;
    const mid = ((a0 * b0) >>> 16) + (m1 & 0xffff) + (m2 & 0xffff);
    return (a1 * b1 + (m1 >>> 16) + (m2 >>> 16) + (mid >>> 16)) | 0;
  }

  private split(v: bigint): number {
    const u = BigInt.asUintN(64, v);
    this.hi = Number(u >> 32n) | 0;
    return Number(u & 0xffffffffn) | 0;
  }
  udiv(al: number, ah: number, bl: number, bh: number): number {
    return this.split(BigInt.asUintN(64, toBig(al, ah)) / BigInt.asUintN(64, toBig(bl, bh)));
  }
  umod(al: number, ah: number, bl: number, bh: number): number {
    return this.split(BigInt.asUintN(64, toBig(al, ah)) % BigInt.asUintN(64, toBig(bl, bh)));
  }
  sdiv(al: number, ah: number, bl: number, bh: number): number {
    return this.split(BigInt.asIntN(64, toBig(al, ah)) / BigInt.asIntN(64, toBig(bl, bh)));
  }
  smod(al: number, ah: number, bl: number, bh: number): number {
    return this.split(BigInt.asIntN(64, toBig(al, ah)) % BigInt.asIntN(64, toBig(bl, bh)));
  }
  divz(slot: number): RuntimeCheckError {
    return new RuntimeCheckError('division-by-zero', `slot ${slot}: division or modulo by zero`, slot);
  }
  invalid(slot: number): RuntimeCheckError {
    return new RuntimeCheckError('invalid-instruction', `slot ${slot}: invalid instruction`, slot);
  }
  budget(): RuntimeCheckError {
    return new RuntimeCheckError('budget', 'instruction budget exhausted');
  }
  depth(slot: number): RuntimeCheckError {
    return new RuntimeCheckError('call-depth', `slot ${slot}: bpf-to-bpf calls nested deeper than the stack allows`, slot);
  }
}
