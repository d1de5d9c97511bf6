/**
 * One machine instruction chosen by the assembler, with its immediate still symbolic, and its
 * final encoding once addresses are known. Range checks live here so every path (real
 * instruction, pseudo-instruction, macro) reports the same wording.
 */
import type { SourceRange } from '../../diagnostics';
import { packB, packI, packJ, packR, packS, packU } from '../isa/fields';
import type { InstrDef } from '../isa/instructions';
import { EvalError, hi20, lo12 } from './eval';
import type { Expr } from './syntax';

export type ImmKind =
  | 'imm12' // signed 12-bit
  | 'uimm20' // lui/auipc field
  | 'branch' // expression is the target address
  | 'jump' // expression is the target address
  | 'shamt6'
  | 'shamt5'
  | 'uimm5'
  | 'pcrelHi' // hi20 of (target - this pc)
  | 'pcrelLo' // lo12 of (target - pc of the auipc just before)
  | 'literal'; // already a field value

export interface Imm {
  kind: ImmKind;
  expr?: Expr;
  value?: bigint;
  range: SourceRange;
}

export interface MachineInstr {
  def: InstrDef;
  rd?: number;
  rs1?: number;
  rs2?: number;
  imm?: Imm;
  csr?: number;
  pred?: number;
  succ?: number;
}

export interface FinalEnv {
  /** Evaluates to an absolute 64-bit value, or throws EvalError. */
  eval(e: Expr, pc: bigint): bigint;
  report(range: SourceRange, message: string): void;
}

function check(ok: boolean, range: SourceRange, message: string): void {
  if (!ok) throw new EvalError(message, range);
}

function immValue(mi: MachineInstr, pc: bigint, env: FinalEnv): bigint {
  const imm = mi.imm;
  if (!imm) return 0n;
  const raw = imm.value ?? (imm.expr ? env.eval(imm.expr, pc) : 0n);
  const name = mi.def.name;
  switch (imm.kind) {
    case 'imm12':
      check(raw >= -2048n && raw <= 2047n, imm.range, `immediate ${raw} does not fit the 12-bit signed field of ${name} (-2048..2047)`);
      return raw;
    case 'uimm20':
      check(raw >= 0n && raw <= 0xfffffn, imm.range, `immediate ${raw} does not fit the 20-bit field of ${name} (0..1048575)`);
      return raw;
    case 'shamt6':
      check(raw >= 0n && raw <= 63n, imm.range, `shift amount ${raw} is out of range for ${name} (0..63)`);
      return raw;
    case 'shamt5':
      check(raw >= 0n && raw <= 31n, imm.range, `shift amount ${raw} is out of range for ${name} (0..31)`);
      return raw;
    case 'uimm5':
      check(raw >= 0n && raw <= 31n, imm.range, `immediate ${raw} does not fit the 5-bit unsigned field of ${name} (0..31)`);
      return raw;
    case 'branch': {
      const off = BigInt.asIntN(64, raw - pc);
      check(off >= -4096n && off <= 4094n, imm.range, `branch target out of reach of ${name}: offset ${off} is outside -4096..4094`);
      check((off & 1n) === 0n, imm.range, `branch target of ${name} is at an odd offset (${off})`);
      return off;
    }
    case 'jump': {
      const off = BigInt.asIntN(64, raw - pc);
      check(off >= -(1n << 20n) && off < 1n << 20n, imm.range, `jump target out of reach of ${name}: offset ${off} is outside -1048576..1048574`);
      check((off & 1n) === 0n, imm.range, `jump target of ${name} is at an odd offset (${off})`);
      return off;
    }
    case 'pcrelHi': {
      const off = BigInt.asIntN(64, raw - pc);
      check(off >= -(1n << 31n) - 0x800n && off < (1n << 31n) - 0x800n, imm.range, `target out of reach of auipc (offset ${off} exceeds ±2 GiB)`);
      return hi20(off);
    }
    case 'pcrelLo':
      return lo12(BigInt.asIntN(64, raw - (pc - 4n)));
    case 'literal':
      return raw;
  }
}

/** Encodes one instruction at `pc`; on a range error reports it and returns the encoding with a zero immediate. */
export function encodeMachine(mi: MachineInstr, pc: bigint, env: FinalEnv): number {
  let imm = 0;
  try {
    imm = Number(BigInt.asIntN(32, immValue(mi, pc, env)));
  } catch (e) {
    if (e instanceof EvalError) env.report(e.range, e.message);
    else throw e;
  }
  const d = mi.def;
  const rd = mi.rd ?? 0;
  const rs1 = mi.rs1 ?? 0;
  const rs2 = mi.rs2 ?? 0;
  switch (d.format) {
    case 'R':
    case 'AMO':
    case 'SFENCE':
    case 'HSV':
      return packR(d.match, rd, rs1, rs2);
    case 'LR':
    case 'HLV':
      return packR(d.match, rd, rs1, 0);
    case 'I':
    case 'LOAD':
    case 'JALR':
      return packI(d.match, rd, rs1, imm);
    case 'SH6':
    case 'SH5':
      return packI(d.match, rd, rs1, imm & 0x3f);
    case 'STORE':
      return packS(d.match, rs1, rs2, imm);
    case 'B':
      return packB(d.match, rs1, rs2, imm);
    case 'U':
      return packU(d.match, rd, imm);
    case 'J':
      return packJ(d.match, rd, imm);
    case 'CSR':
      return packI(d.match, rd, rs1, mi.csr ?? 0);
    case 'CSRI':
      return packI(d.match, rd, imm & 31, mi.csr ?? 0);
    case 'FENCE':
      return (d.match | ((mi.pred ?? 0) << 24) | ((mi.succ ?? 0) << 20)) >>> 0;
    case 'NONE':
      return d.match;
  }
}
