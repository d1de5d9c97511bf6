/**
 * The meaning of each RFC 9669 instruction as JavaScript statements over (lo, hi) int32 register
 * halves. Both engines are generated from these templates: the compiler substitutes register
 * locals and literal fields per instruction; the interpreter substitutes register-file slots and
 * the decoded fields of the current instruction. The semantics therefore exist once.
 *
 * Conventions: temporaries t0..t5 are declared by the engine, as are MV/MS/MW (the Memory's
 * per-region views, sizes and writability for the inline fast path); `M` is the Memory, `K` the runtime
 * support (`K.mulhu`, 64-bit division through BigInt for large operands, error constructors).
 */
import * as I from '../isa';
import type { Insn } from '../isa';
import { REGION_HI_BASE } from './memory';

export interface Names {
  /** Destination register halves. */
  dl: string;
  dh: string;
  /** Source register halves. */
  sl: string;
  sh: string;
  /** r0 halves (cmpxchg). */
  l0: string;
  h0: string;
  /** Expressions for the instruction's fields (literals in compiled code). */
  imm: string;
  off: string;
  /** Slot expression for error messages. */
  slot: string;
  /** Trap on division/modulo by zero instead of the RFC result (checked interpreter). */
  trapDivision: boolean;
  /**
   * Loads and stores go straight to the region's DataView (`MV`, or `MWV` for stores: only
   * writable regions have one there) inside `try`; a missing region or an offset past its end
   * throws inside the engine and the `catch` replays the access through `M`, which throws the
   * RuntimeCheckError. 8-byte accesses touch their high word first, so a store that fails
   * writes nothing. Compiled code only (V8 keeps the no-throw path free).
   */
  viaTry?: boolean;
}

const U = (x: string): string => `(${x} >>> 0)`;

/** Statements for an ALU/ALU64 instruction (`i` selects the variant: opcode, off, imm). */
export function aluCode(i: Insn, n: Names): string {
  const is64 = I.opClass(i.opcode) === I.BPF_ALU64;
  const code = I.opCode(i.opcode);
  const x = I.opSource(i.opcode) === I.BPF_X;
  const { dl, dh } = n;
  const bl = x ? n.sl : n.imm;
  const bh = x ? n.sh : `(${n.imm} >> 31)`;
  const trap = (cond: string): string => (n.trapDivision ? `if (${cond}) throw K.divz(${n.slot});\n` : '');
  if (code === I.BPF_END) {
    const kind = I.swapKind(i);
    const w = i.imm;
    if (kind === 'le') {
      if (w === 16) return `${dl} = ${dl} & 0xffff; ${dh} = 0;`;
      if (w === 32) return `${dh} = 0;`;
      return '';
    }
    if (w === 16) return `${dl} = ((${dl} & 0xff) << 8) | ((${dl} >>> 8) & 0xff); ${dh} = 0;`;
    const sw = (v: string): string => `(((${v} & 0xff) << 24) | ((${v} & 0xff00) << 8) | ((${v} >>> 8) & 0xff00) | (${v} >>> 24))`;
    if (w === 32) return `t0 = ${dl}; ${dl} = ${sw('t0')}; ${dh} = 0;`;
    return `t0 = ${dl}; t1 = ${dh}; ${dl} = ${sw('t1')}; ${dh} = ${sw('t0')};`;
  }
  if (!is64) {
    let s: string;
    switch (code) {
      case I.BPF_ADD:
        s = `${dl} = (${dl} + ${bl}) | 0;`;
        break;
      case I.BPF_SUB:
        s = `${dl} = (${dl} - ${bl}) | 0;`;
        break;
      case I.BPF_MUL:
        s = `${dl} = Math.imul(${dl}, ${bl});`;
        break;
      case I.BPF_DIV:
        s = trap(`${bl} === 0`) + (i.off === 1 ? `${dl} = ${bl} === 0 ? 0 : (${dl} / ${bl}) | 0;` : `${dl} = ${bl} === 0 ? 0 : (${U(dl)} / ${U(bl)}) | 0;`);
        break;
      case I.BPF_MOD:
        s = trap(`${bl} === 0`) + (i.off === 1 ? `if (${bl} !== 0) ${dl} = (${dl} % ${bl}) | 0;` : `if (${bl} !== 0) ${dl} = (${U(dl)} % ${U(bl)}) | 0;`);
        break;
      case I.BPF_OR:
        s = `${dl} = ${dl} | ${bl};`;
        break;
      case I.BPF_AND:
        s = `${dl} = ${dl} & ${bl};`;
        break;
      case I.BPF_XOR:
        s = `${dl} = ${dl} ^ ${bl};`;
        break;
      case I.BPF_LSH:
        s = `${dl} = ${dl} << (${bl} & 31);`;
        break;
      case I.BPF_RSH:
        s = `${dl} = (${dl} >>> (${bl} & 31)) | 0;`;
        break;
      case I.BPF_ARSH:
        s = `${dl} = ${dl} >> (${bl} & 31);`;
        break;
      case I.BPF_NEG:
        s = `${dl} = (-${dl}) | 0;`;
        break;
      case I.BPF_MOV:
        if (i.off === 8) s = `${dl} = (${bl} << 24) >> 24;`;
        else if (i.off === 16) s = `${dl} = (${bl} << 16) >> 16;`;
        else s = `${dl} = ${bl};`;
        break;
      default:
        return `throw K.invalid(${n.slot});`;
    }
    return `${s} ${dh} = 0;`;
  }
  switch (code) {
    // compiled code: int32-only, the carry is (a + b mod 2^32) < a unsigned, the borrow a < b
    // unsigned; the interpreter keeps the double-precision form (faster over register-file slots)
    case I.BPF_ADD:
      if (n.viaTry) return `t0 = (${dl} + ${bl}) | 0; ${dh} = (${dh} + ${bh} + (${U('t0')} < ${U(dl)} ? 1 : 0)) | 0; ${dl} = t0;`;
      return `t0 = ${U(dl)} + ${U(bl)}; ${dh} = (${dh} + ${bh} + (t0 > 4294967295 ? 1 : 0)) | 0; ${dl} = t0 | 0;`;
    case I.BPF_SUB:
      if (n.viaTry) return `t0 = (${dl} - ${bl}) | 0; ${dh} = (${dh} - ${bh} - (${U(dl)} < ${U(bl)} ? 1 : 0)) | 0; ${dl} = t0;`;
      return `t0 = ${U(dl)} - ${U(bl)}; ${dh} = (${dh} - ${bh} - (t0 < 0 ? 1 : 0)) | 0; ${dl} = t0 | 0;`;
    case I.BPF_MUL:
      return `t0 = ${dl}; t1 = ${bl}; ${dh} = (Math.imul(${dh}, t1) + Math.imul(t0, ${bh}) + K.mulhu(t0, t1)) | 0; ${dl} = Math.imul(t0, t1);`;
    case I.BPF_OR:
      return `${dl} = ${dl} | ${bl}; ${dh} = ${dh} | ${bh};`;
    case I.BPF_AND:
      return `${dl} = ${dl} & ${bl}; ${dh} = ${dh} & ${bh};`;
    case I.BPF_XOR:
      return `${dl} = ${dl} ^ ${bl}; ${dh} = ${dh} ^ ${bh};`;
    case I.BPF_MOV:
      if (i.off === 8) return `${dl} = (${bl} << 24) >> 24; ${dh} = ${dl} >> 31;`;
      if (i.off === 16) return `${dl} = (${bl} << 16) >> 16; ${dh} = ${dl} >> 31;`;
      if (i.off === 32) return `${dl} = ${bl}; ${dh} = ${dl} >> 31;`;
      return `${dl} = ${bl}; ${dh} = ${bh};`;
    case I.BPF_NEG:
      return `t0 = ${dl}; ${dl} = (-t0) | 0; ${dh} = (~${dh} + (t0 === 0 ? 1 : 0)) | 0;`;
    case I.BPF_LSH:
      return `t0 = ${bl} & 63; if (t0 >= 32) { ${dh} = ${dl} << (t0 - 32); ${dl} = 0; } else if (t0 !== 0) { ${dh} = (${dh} << t0) | (${dl} >>> (32 - t0)); ${dl} = ${dl} << t0; }`;
    case I.BPF_RSH:
      return `t0 = ${bl} & 63; if (t0 >= 32) { ${dl} = (${dh} >>> (t0 - 32)) | 0; ${dh} = 0; } else if (t0 !== 0) { ${dl} = (${dl} >>> t0) | (${dh} << (32 - t0)); ${dh} = (${dh} >>> t0) | 0; }`;
    case I.BPF_ARSH:
      return `t0 = ${bl} & 63; if (t0 >= 32) { ${dl} = ${dh} >> (t0 - 32); ${dh} = ${dh} >> 31; } else if (t0 !== 0) { ${dl} = (${dl} >>> t0) | (${dh} << (32 - t0)); ${dh} = ${dh} >> t0; }`;
    case I.BPF_DIV:
      if (i.off === 1) {
        return (
          trap(`${bl} === 0 && ${bh} === 0`) +
          `if (${bl} === 0 && ${bh} === 0) { ${dl} = 0; ${dh} = 0; } ` +
          `else if (${dh} === (${dl} >> 31) && ${bh} === (${bl} >> 31)) { t0 = Math.trunc(${dl} / ${bl}); ${dl} = t0 | 0; ${dh} = t0 < 0 ? -1 : 0; } ` +
          `else { t0 = K.sdiv(${dl}, ${dh}, ${bl}, ${bh}); ${dh} = K.hi; ${dl} = t0; }`
        );
      }
      return (
        trap(`${bl} === 0 && ${bh} === 0`) +
        `if (${bl} === 0 && ${bh} === 0) { ${dl} = 0; ${dh} = 0; } ` +
        `else if (${dh} === 0 && ${bh} === 0) { ${dl} = (${U(dl)} / ${U(bl)}) | 0; } ` +
        `else { t0 = K.udiv(${dl}, ${dh}, ${bl}, ${bh}); ${dh} = K.hi; ${dl} = t0; }`
      );
    case I.BPF_MOD:
      if (i.off === 1) {
        return (
          trap(`${bl} === 0 && ${bh} === 0`) +
          `if (${bl} === 0 && ${bh} === 0) { } ` +
          `else if (${dh} === (${dl} >> 31) && ${bh} === (${bl} >> 31)) { t0 = ${dl} % ${bl}; ${dl} = t0 | 0; ${dh} = t0 < 0 ? -1 : 0; } ` +
          `else { t0 = K.smod(${dl}, ${dh}, ${bl}, ${bh}); ${dh} = K.hi; ${dl} = t0; }`
        );
      }
      return (
        trap(`${bl} === 0 && ${bh} === 0`) +
        `if (${bl} === 0 && ${bh} === 0) { } ` +
        `else if (${dh} === 0 && ${bh} === 0) { ${dl} = (${U(dl)} % ${U(bl)}) | 0; } ` +
        `else { t0 = K.umod(${dl}, ${dh}, ${bl}, ${bh}); ${dh} = K.hi; ${dl} = t0; }`
      );
  }
  return `throw K.invalid(${n.slot});`;
}

/** The boolean expression of a conditional jump. */
export function condCode(i: Insn, n: Names): string {
  const is64 = I.opClass(i.opcode) === I.BPF_JMP;
  const code = I.opCode(i.opcode);
  const x = I.opSource(i.opcode) === I.BPF_X;
  const { dl, dh } = n;
  const bl = x ? n.sl : n.imm;
  const bh = x ? n.sh : `(${n.imm} >> 31)`;
  if (!is64) {
    switch (code) {
      case I.BPF_JEQ:
        return `${dl} === ${bl}`;
      case I.BPF_JNE:
        return `${dl} !== ${bl}`;
      case I.BPF_JSET:
        return `(${dl} & ${bl}) !== 0`;
      case I.BPF_JGT:
        return `${U(dl)} > ${U(bl)}`;
      case I.BPF_JGE:
        return `${U(dl)} >= ${U(bl)}`;
      case I.BPF_JLT:
        return `${U(dl)} < ${U(bl)}`;
      case I.BPF_JLE:
        return `${U(dl)} <= ${U(bl)}`;
      case I.BPF_JSGT:
        return `${dl} > ${bl}`;
      case I.BPF_JSGE:
        return `${dl} >= ${bl}`;
      case I.BPF_JSLT:
        return `${dl} < ${bl}`;
      case I.BPF_JSLE:
        return `${dl} <= ${bl}`;
    }
    return 'false';
  }
  const uh = (op: string, eqop: string): string => `(${U(dh)} ${op} ${U(bh)} || (${dh} === ${bh} && ${U(dl)} ${eqop} ${U(bl)}))`;
  const sh = (op: string, eqop: string): string => `(${dh} ${op} ${bh} || (${dh} === ${bh} && ${U(dl)} ${eqop} ${U(bl)}))`;
  switch (code) {
    case I.BPF_JEQ:
      return `(${dl} === ${bl} && ${dh} === ${bh})`;
    case I.BPF_JNE:
      return `(${dl} !== ${bl} || ${dh} !== ${bh})`;
    case I.BPF_JSET:
      return `((${dl} & ${bl}) !== 0 || (${dh} & ${bh}) !== 0)`;
    case I.BPF_JGT:
      return uh('>', '>');
    case I.BPF_JGE:
      return uh('>', '>=');
    case I.BPF_JLT:
      return uh('<', '<');
    case I.BPF_JLE:
      return uh('<', '<=');
    case I.BPF_JSGT:
      return sh('>', '>');
    case I.BPF_JSGE:
      return sh('>', '>=');
    case I.BPF_JSLT:
      return sh('<', '<');
    case I.BPF_JSLE:
      return sh('<', '<=');
  }
  return 'false';
}

/** `t1` (lo) / `t2` (hi) = base + off. */
function address(bl: string, bh: string, off: string, offIsZero: boolean): string {
  if (offIsZero) return `t1 = ${bl}; t2 = ${bh};`;
  const k = /^\((-?\d+)\)$/.exec(off);
  if (k) {
    // a literal offset (compiled code): int32-only carry or borrow
    const v = Number(k[1]);
    return v >= 0
      ? `t1 = (${bl} + ${v}) | 0; t2 = (${bh} + (${U('t1')} < ${U(bl)} ? 1 : 0)) | 0;`
      : `t1 = (${bl} - ${-v}) | 0; t2 = (${bh} - (${U('t1')} > ${U(bl)} ? 1 : 0)) | 0;`;
  }
  return `t1 = ${U(bl)} + ${off}; t2 = (${bh} + (t1 > 4294967295 ? 1 : (t1 < 0 ? -1 : 0))) | 0; t1 = t1 | 0;`;
}

/** Statements for LDX/ST/STX (including atomics). `offIsZero` lets compiled code skip the add. */
export function memCode(i: Insn, n: Names, offIsZero = false, inBounds = false): string {
  const cls = I.opClass(i.opcode);
  const size = I.sizeBytes(i.opcode);
  const { dl, dh, sl, sh } = n;
  const plain = cls === I.BPF_LDX || cls === I.BPF_ST || (cls === I.BPF_STX && I.opMode(i.opcode) === I.BPF_MEM);
  if (inBounds && plain) return uncheckedMemCode(i, n, offIsZero);
  if (n.viaTry && plain) return tryMemCode(i, n, offIsZero);
  if (cls === I.BPF_LDX) {
    const a = address(sl, sh, n.off, offIsZero);
    const sx = I.opMode(i.opcode) === I.BPF_MEMSX;
    const fast = (n: number): string => `t5 = t2 - ${REGION_HI_BASE}; if ((t5 >>> 0) < MS.length && (t1 >>> 0) + ${n} <= MS[t5]) `;
    switch (size) {
      case 1:
        return `${a} ${fast(1)}t3 = MV[t5].getUint8(t1 >>> 0); else t3 = M.ld8(t2, t1); ${sx ? `${dl} = (t3 << 24) >> 24; ${dh} = ${dl} >> 31;` : `${dl} = t3; ${dh} = 0;`}`;
      case 2:
        return `${a} ${fast(2)}t3 = MV[t5].getUint16(t1 >>> 0, true); else t3 = M.ld16(t2, t1); ${sx ? `${dl} = (t3 << 16) >> 16; ${dh} = ${dl} >> 31;` : `${dl} = t3; ${dh} = 0;`}`;
      case 4:
        return `${a} ${fast(4)}${dl} = MV[t5].getInt32(t1 >>> 0, true); else ${dl} = M.ld32(t2, t1); ${dh} = ${sx ? `${dl} >> 31` : '0'};`;
      default:
        return `${a} ${fast(8)}{ ${dl} = MV[t5].getInt32(t1 >>> 0, true); ${dh} = MV[t5].getInt32((t1 >>> 0) + 4, true); } else { ${dl} = M.ld64(t2, t1); ${dh} = M.hi; }`;
    }
  }
  const a = address(dl, dh, n.off, offIsZero);
  if (cls === I.BPF_ST || (cls === I.BPF_STX && I.opMode(i.opcode) === I.BPF_MEM)) {
    const vl = cls === I.BPF_ST ? n.imm : sl;
    const vh = cls === I.BPF_ST ? `(${n.imm} >> 31)` : sh;
    const fast = (n: number): string => `t5 = t2 - ${REGION_HI_BASE}; if ((t5 >>> 0) < MS.length && (t1 >>> 0) + ${n} <= MS[t5] && MW[t5]) `;
    switch (size) {
      case 1:
        return `${a} ${fast(1)}MV[t5].setUint8(t1 >>> 0, ${vl}); else M.st8(t2, t1, ${vl});`;
      case 2:
        return `${a} ${fast(2)}MV[t5].setUint16(t1 >>> 0, ${vl}, true); else M.st16(t2, t1, ${vl});`;
      case 4:
        return `${a} ${fast(4)}MV[t5].setInt32(t1 >>> 0, ${vl}, true); else M.st32(t2, t1, ${vl});`;
      default:
        return `${a} ${fast(8)}{ MV[t5].setInt32(t1 >>> 0, ${vl}, true); MV[t5].setInt32((t1 >>> 0) + 4, ${vh}, true); } else M.st64(t2, t1, ${vl}, ${vh});`;
    }
  }
  // atomics
  const op = i.imm;
  const fetch = (op & I.BPF_FETCH) !== 0;
  if (size === 4) {
    let s = `${a} t3 = M.ld32(t2, t1); `;
    switch (op & ~I.BPF_FETCH) {
      case I.BPF_ATOMIC_ADD:
        s += `M.st32(t2, t1, (t3 + ${sl}) | 0);`;
        break;
      case I.BPF_ATOMIC_OR:
        s += `M.st32(t2, t1, t3 | ${sl});`;
        break;
      case I.BPF_ATOMIC_AND:
        s += `M.st32(t2, t1, t3 & ${sl});`;
        break;
      case I.BPF_ATOMIC_XOR:
        s += `M.st32(t2, t1, t3 ^ ${sl});`;
        break;
      case I.BPF_XCHG & ~I.BPF_FETCH:
        s += `M.st32(t2, t1, ${sl});`;
        break;
      case I.BPF_CMPXCHG & ~I.BPF_FETCH:
        return `${s} if (t3 === ${n.l0}) M.st32(t2, t1, ${sl}); ${n.l0} = t3; ${n.h0} = 0;`;
      default:
        return `throw K.invalid(${n.slot});`;
    }
    return fetch ? `${s} ${sl} = t3; ${sh} = 0;` : s;
  }
  let s = `${a} t3 = M.ld64(t2, t1); t0 = M.hi; `;
  switch (op & ~I.BPF_FETCH) {
    case I.BPF_ATOMIC_ADD:
      s += `t4 = ${U('t3')} + ${U(sl)}; M.st64(t2, t1, t4 | 0, (t0 + ${sh} + (t4 > 4294967295 ? 1 : 0)) | 0);`;
      break;
    case I.BPF_ATOMIC_OR:
      s += `M.st64(t2, t1, t3 | ${sl}, t0 | ${sh});`;
      break;
    case I.BPF_ATOMIC_AND:
      s += `M.st64(t2, t1, t3 & ${sl}, t0 & ${sh});`;
      break;
    case I.BPF_ATOMIC_XOR:
      s += `M.st64(t2, t1, t3 ^ ${sl}, t0 ^ ${sh});`;
      break;
    case I.BPF_XCHG & ~I.BPF_FETCH:
      s += `M.st64(t2, t1, ${sl}, ${sh});`;
      break;
    case I.BPF_CMPXCHG & ~I.BPF_FETCH:
      return `${s} if (t3 === ${n.l0} && t0 === ${n.h0}) M.st64(t2, t1, ${sl}, ${sh}); ${n.l0} = t3; ${n.h0} = t0;`;
    default:
      return `throw K.invalid(${n.slot});`;
  }
  return fetch ? `${s} ${sl} = t3; ${sh} = t0;` : s;
}

/**
 * A load or store proven (by the verifier's facts) to lie inside a region it may use: no region,
 * bounds or writability test, only the typed access (compiled code only).
 */
function uncheckedMemCode(i: Insn, n: Names, offIsZero: boolean): string {
  const cls = I.opClass(i.opcode);
  const size = I.sizeBytes(i.opcode);
  const { dl, dh, sl, sh } = n;
  if (cls === I.BPF_LDX) {
    const a = address(sl, sh, n.off, offIsZero);
    const sx = I.opMode(i.opcode) === I.BPF_MEMSX;
    const v = `MV[t2 - ${REGION_HI_BASE}]`;
    switch (size) {
      case 1:
        return `${a} t3 = ${v}.getUint8(t1 >>> 0); ${sx ? `${dl} = (t3 << 24) >> 24; ${dh} = ${dl} >> 31;` : `${dl} = t3; ${dh} = 0;`}`;
      case 2:
        return `${a} t3 = ${v}.getUint16(t1 >>> 0, true); ${sx ? `${dl} = (t3 << 16) >> 16; ${dh} = ${dl} >> 31;` : `${dl} = t3; ${dh} = 0;`}`;
      case 4:
        return `${a} ${dl} = ${v}.getInt32(t1 >>> 0, true); ${dh} = ${sx ? `${dl} >> 31` : '0'};`;
      default:
        return `${a} ${dl} = ${v}.getInt32(t1 >>> 0, true); ${dh} = ${v}.getInt32((t1 >>> 0) + 4, true);`;
    }
  }
  const a = address(dl, dh, n.off, offIsZero);
  const vl = cls === I.BPF_ST ? n.imm : sl;
  const vh = cls === I.BPF_ST ? `(${n.imm} >> 31)` : sh;
  const v = `MV[t2 - ${REGION_HI_BASE}]`;
  switch (size) {
    case 1:
      return `${a} ${v}.setUint8(t1 >>> 0, ${vl});`;
    case 2:
      return `${a} ${v}.setUint16(t1 >>> 0, ${vl}, true);`;
    case 4:
      return `${a} ${v}.setInt32(t1 >>> 0, ${vl}, true);`;
    default:
      return `${a} ${v}.setInt32(t1 >>> 0, ${vl}, true); ${v}.setInt32((t1 >>> 0) + 4, ${vh}, true);`;
  }
}

/** A load or store through the region's DataView inside `try`; the `catch` replays it through `M` (see Names.viaTry). */
function tryMemCode(i: Insn, n: Names, offIsZero: boolean): string {
  const cls = I.opClass(i.opcode);
  const size = I.sizeBytes(i.opcode);
  const { dl, dh, sl, sh } = n;
  if (cls === I.BPF_LDX) {
    const a = address(sl, sh, n.off, offIsZero);
    const sx = I.opMode(i.opcode) === I.BPF_MEMSX;
    const v = `MV[t2 - ${REGION_HI_BASE}]`;
    switch (size) {
      case 1:
        return `${a} try { t3 = ${v}.getUint8(t1 >>> 0); } catch { t3 = M.ld8(t2, t1); } ${sx ? `${dl} = (t3 << 24) >> 24; ${dh} = ${dl} >> 31;` : `${dl} = t3; ${dh} = 0;`}`;
      case 2:
        return `${a} try { t3 = ${v}.getUint16(t1 >>> 0, true); } catch { t3 = M.ld16(t2, t1); } ${sx ? `${dl} = (t3 << 16) >> 16; ${dh} = ${dl} >> 31;` : `${dl} = t3; ${dh} = 0;`}`;
      case 4:
        return `${a} try { t3 = ${v}.getInt32(t1 >>> 0, true); } catch { t3 = M.ld32(t2, t1); } ${dl} = t3; ${dh} = ${sx ? `${dl} >> 31` : '0'};`;
      default:
        return `${a} try { t4 = ${v}.getInt32((t1 >>> 0) + 4, true); t3 = ${v}.getInt32(t1 >>> 0, true); } catch { t3 = M.ld64(t2, t1); t4 = M.hi; } ${dl} = t3; ${dh} = t4;`;
    }
  }
  const a = address(dl, dh, n.off, offIsZero);
  const vl = cls === I.BPF_ST ? n.imm : sl;
  const vh = cls === I.BPF_ST ? `(${n.imm} >> 31)` : sh;
  const v = `MWV[t2 - ${REGION_HI_BASE}]`;
  switch (size) {
    case 1:
      return `${a} try { ${v}.setUint8(t1 >>> 0, ${vl}); } catch { M.st8(t2, t1, ${vl}); }`;
    case 2:
      return `${a} try { ${v}.setUint16(t1 >>> 0, ${vl}, true); } catch { M.st16(t2, t1, ${vl}); }`;
    case 4:
      return `${a} try { ${v}.setInt32(t1 >>> 0, ${vl}, true); } catch { M.st32(t2, t1, ${vl}); }`;
    default:
      return `${a} try { ${v}.setInt32((t1 >>> 0) + 4, ${vh}, true); ${v}.setInt32(t1 >>> 0, ${vl}, true); } catch { M.st64(t2, t1, ${vl}, ${vh}); }`;
  }
}
