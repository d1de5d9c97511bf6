/**
 * A model of the machine code of one pass-one unit, for the kernel checks: per section, the
 * machine instructions in address order with the labels at each address, the control flow
 * between them (fall-through, branches and jumps to labels of the same section), and a linear
 * register analysis that tells which symbols' addresses and which constants a register may hold.
 *
 * The analysis is deliberately simple and documented in docs/kernel-checks.md: it walks each
 * section once in address order, forgets everything after an unconditional jump or return, and
 * forgets caller-saved registers across calls.
 */
import type { SourceRange } from '../../simulator/diagnostics';
import type { MachineInstr } from '../../simulator/riscv/asm/machine';
import { forEachSymbol, type Expr } from '../../simulator/riscv/asm/syntax';
import type { FileUnit } from '../../simulator/riscv/asm/units';

export interface FlowInsn {
  index: number;
  offset: number;
  mi: MachineInstr;
  name: string;
  range: SourceRange;
  /** Control-flow successors (indexes); `exit` marks a way out of what this section shows. Never changed once built (lists are shared). */
  next: readonly number[];
  exit?: 'return' | 'jump-away' | 'end';
  prev: readonly number[];
  /** Register facts before this instruction (recorded for stores and CSR instructions only). */
  before: RegFacts;
}

export interface RegFacts {
  /** Symbols whose address (plus anything) a register may hold, by register number. */
  symbols: (ReadonlySet<string> | undefined)[];
  /** Known constant values, by register number. */
  constants: (bigint | undefined)[];
}

export interface FlowSection {
  name: string;
  insns: FlowInsn[];
  /** Labels (symbol names) defined at an instruction, by instruction index. */
  labels: Map<number, string[]>;
}

export interface FlowUnit {
  unit: FileUnit;
  sections: FlowSection[];
}

const RA = 1;
/** Registers a call may change (psABI caller-saved): ra, t0-t6, a0-a7. */
const CALLER_SAVED = [1, 5, 6, 7, 10, 11, 12, 13, 14, 15, 16, 17, 28, 29, 30, 31];

export function symbolsOf(e: Expr | undefined): string[] {
  const out: string[] = [];
  if (e) forEachSymbol(e, (n) => out.push(n));
  return out;
}

/** A constant expression's value using the unit's `.equ` values; undefined when not constant. */
export function constValue(e: Expr, unit: FileUnit, depth = 0): bigint | undefined {
  if (depth > 32) return undefined;
  switch (e.kind) {
    case 'num':
      return e.value;
    case 'sym': {
      const s = unit.symbols.get(e.name);
      if (s?.value && s.value.section === undefined) return s.value.v;
      if (s?.expr) return constValue(s.expr, unit, depth + 1);
      return undefined;
    }
    case 'unary': {
      const v = constValue(e.arg, unit, depth + 1);
      if (v === undefined) return undefined;
      return e.op === '-' ? -v : e.op === '~' ? ~v : e.op === '!' ? (v === 0n ? 1n : 0n) : v;
    }
    case 'binary': {
      const a = constValue(e.left, unit, depth + 1);
      const b = constValue(e.right, unit, depth + 1);
      if (a === undefined || b === undefined) return undefined;
      switch (e.op) {
        case '+': return a + b;
        case '-': return a - b;
        case '*': return a * b;
        case '/': return b === 0n ? undefined : a / b;
        case '%': return b === 0n ? undefined : a % b;
        case '<<': return b >= 0n && b < 64n ? a << b : undefined;
        case '>>': return b >= 0n && b < 64n ? a >> b : undefined;
        case '|': return a | b;
        case '&': return a & b;
        case '^': return a ^ b;
        default: return undefined;
      }
    }
    default:
      return undefined;
  }
}

function immConst(mi: MachineInstr, unit: FileUnit): bigint | undefined {
  const imm = mi.imm;
  if (!imm) return undefined;
  if (imm.value !== undefined) return imm.value;
  if (imm.kind === 'imm12' || imm.kind === 'shamt6' || imm.kind === 'shamt5' || imm.kind === 'uimm5' || imm.kind === 'uimm20') return imm.expr ? constValue(imm.expr, unit) : undefined;
  return undefined;
}

const s64 = (v: bigint): bigint => BigInt.asIntN(64, v);
const s32 = (v: bigint): bigint => BigInt.asIntN(32, v);

/** The constant an instruction leaves in rd, given constant inputs (undefined = unknown). */
function constResult(mi: MachineInstr, a: bigint | undefined, b: bigint | undefined, imm: bigint | undefined): bigint | undefined {
  const n = mi.def.name;
  if (n === 'lui') return imm === undefined ? undefined : s64(s32(imm << 12n));
  const useImm = mi.def.format === 'I' || mi.def.format === 'SH6' || mi.def.format === 'SH5';
  const y = useImm ? imm : b;
  if (a === undefined || y === undefined) return undefined;
  switch (n) {
    case 'addi': case 'add': return s64(a + y);
    case 'addiw': case 'addw': return s32(a + y);
    case 'sub': return s64(a - y);
    case 'ori': case 'or': return a | y;
    case 'andi': case 'and': return a & y;
    case 'xori': case 'xor': return a ^ y;
    case 'slli': case 'sll': return s64(a << (y & 63n));
    case 'srli': case 'srl': return BigInt.asUintN(64, a) >> (y & 63n);
    case 'srai': case 'sra': return s64(a) >> (y & 63n);
    case 'slliw': return s32(a << (y & 31n));
    default: return undefined;
  }
}

/** The register an instruction writes, if any. */
export function writtenRegister(mi: MachineInstr): number | undefined {
  switch (mi.def.format) {
    case 'STORE': case 'B': case 'FENCE': case 'NONE': case 'SFENCE': case 'HSV':
      return undefined;
    default:
      return mi.rd;
  }
}

function targetOf(mi: MachineInstr): string | undefined {
  const e = mi.imm?.expr;
  return e?.kind === 'sym' ? e.name : undefined;
}

const EMPTY: RegFacts = { symbols: [], constants: [] };
/**
 * Placeholder successor/predecessor list while a section's flow is being built; buildFlow
 * replaces it in every instruction before returning. Frozen, so a missed replacement fails loudly.
 */
const UNLINKED: number[] = Object.freeze([]) as unknown as number[];

/**
 * Labels by section and offset, from one pass over the unit's symbols (not one pass per
 * section), names in the order the unit defines them.
 */
function labelsBySection(unit: FileUnit): Map<string, Map<number, string[]>> {
  const out = new Map<string, Map<number, string[]>>();
  for (const s of unit.symbols.values()) {
    if (s.section === undefined || s.offset === undefined) continue;
    let bySection = out.get(s.section);
    if (!bySection) out.set(s.section, (bySection = new Map()));
    const names = bySection.get(s.offset);
    if (names) names.push(s.name);
    else bySection.set(s.offset, [s.name]);
  }
  return out;
}

/** The instruction index a branch or jump target names in this section, if it is a label here. */
function targetIndex(mi: MachineInstr, unit: FileUnit, section: string, insns: readonly FlowInsn[]): number | undefined {
  const name = targetOf(mi);
  if (name === undefined) return undefined;
  const s = unit.symbols.get(name);
  return s?.section === section && s.offset !== undefined ? indexAt(insns, s.offset) : undefined;
}

/** The instruction at `offset` (instructions are in ascending offset order), by bisection. */
function indexAt(insns: readonly FlowInsn[], offset: number): number | undefined {
  let lo = 0;
  let hi = insns.length - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    const o = insns[mid].offset;
    if (o === offset) return mid;
    if (o < offset) lo = mid + 1;
    else hi = mid - 1;
  }
  return undefined;
}

/**
 * One-element index lists, shared by every flow ever built (most instructions have exactly one
 * successor and one predecessor): frozen, so nothing can change one under another flow.
 */
const singletons: (readonly number[])[] = [];
/** Past this index lists are made per flow (a `.rept` of a million instructions must not pin a million lists). */
const MAX_SHARED_SINGLETON = 1 << 16;
function only(i: number): readonly number[] {
  if (i >= MAX_SHARED_SINGLETON) return [i];
  let l = singletons[i];
  if (l === undefined) {
    for (let k = singletons.length; k <= i; k++) singletons[k] = Object.freeze([k]);
    l = singletons[i];
  }
  return l;
}
const NONE: readonly number[] = Object.freeze([]);

/*
 * Runs on every keystroke over every instruction of the file, so it is written as plain loops
 * without per-instruction closures or temporary arrays: allocation here is what made GC pauses
 * show up in the change-to-diagnostics p99.
 */
export function buildFlow(unit: FileUnit): FlowUnit {
  const sections: FlowSection[] = [];
  let labelsOf: Map<string, Map<number, string[]>> | undefined;
  for (const chunk of unit.chunks.values()) {
    const insns: FlowInsn[] = [];
    for (const item of chunk.items) {
      if (item.kind !== 'insn') continue;
      const { instrs, range } = item;
      for (let k = 0; k < instrs.length; k++) {
        const mi = instrs[k];
        insns.push({ index: insns.length, offset: item.offset + 4 * k, mi, name: mi.def.name, range, next: UNLINKED, prev: UNLINKED, before: EMPTY, exit: undefined });
      }
    }
    if (!insns.length) continue;
    labelsOf ??= labelsBySection(unit);
    const labels = new Map<number, string[]>();
    // A label at the end of the section, or between data, is at the next instruction if any.
    for (const [offset, names] of labelsOf.get(chunk.name) ?? []) {
      const at = indexAt(insns, offset);
      if (at === undefined) continue;
      const there = labels.get(at);
      if (there) there.push(...names);
      else labels.set(at, names);
    }
    const last = insns.length - 1;
    for (const insn of insns) {
      const { mi, name, index } = insn;
      const format = mi.def.format;
      const fall = index < last ? index + 1 : undefined;
      if (name === 'mret' || name === 'sret') {
        insn.exit = 'return';
        insn.next = NONE;
      } else if (format === 'B' || (name === 'jal' && mi.rd === 0)) {
        const branch = format === 'B';
        if (branch && fall === undefined) insn.exit = 'end';
        const t = targetIndex(mi, unit, chunk.name, insns);
        if (t === undefined) insn.exit = 'jump-away';
        const falls = branch && fall !== undefined;
        insn.next = falls ? (t === undefined ? only(fall) : [fall, t]) : t === undefined ? NONE : only(t);
      } else if (name === 'jalr' && mi.rd === 0) {
        insn.exit = mi.rs1 === RA ? 'return' : 'jump-away';
        insn.next = NONE;
      } else if (fall !== undefined) insn.next = only(fall);
      else {
        insn.exit = 'end';
        insn.next = NONE;
      }
    }
    for (const insn of insns) {
      for (const n of insn.next) {
        const to = insns[n];
        // A one-element list is a shared singleton (copied on the second predecessor); longer ones are this flow's own.
        if (to.prev === UNLINKED) to.prev = only(insn.index);
        else if (to.prev.length === 1) to.prev = [to.prev[0], insn.index];
        else (to.prev as number[]).push(insn.index);
      }
    }
    // Every instruction gets its own (or a shared, frozen) list; none keeps the placeholder.
    for (const insn of insns) if (insn.prev === UNLINKED) insn.prev = NONE;
    analyseRegisters(insns, unit);
    sections.push({ name: chunk.name, insns, labels });
  }
  return { unit, sections };
}

/**
 * The symbols an immediate names, as a set shared by every instruction with the same
 * expression object (the assembler's line cache hands unchanged lines the same expressions);
 * undefined when it names none. Sets are never mutated once made.
 */
let immSymbols = new WeakMap<Expr, ReadonlySet<string> | null>();

/** Forgets the shared immediate symbol sets (tests compare against a from-scratch analysis). */
export function clearFlowMemo(): void {
  immSymbols = new WeakMap();
}
function symbolsOfImm(e: Expr): ReadonlySet<string> | undefined {
  let s = immSymbols.get(e);
  if (s === undefined) {
    const names = symbolsOf(e);
    s = names.length ? new Set(names) : null;
    immSymbols.set(e, s);
  }
  return s ?? undefined;
}

/** The union of up to three sets, in their order; one of them itself when only it is given. */
function union(a: ReadonlySet<string> | undefined, b: ReadonlySet<string> | undefined, c: ReadonlySet<string> | undefined): ReadonlySet<string> | undefined {
  if (!b && !c) return a;
  if (!a && !c) return b;
  if (!a && !b) return c;
  const out = new Set<string>();
  for (const s of [a, b, c]) if (s) for (const n of s) out.add(n);
  return out;
}

/** One linear walk in address order computing `before` for every instruction. */
function analyseRegisters(insns: FlowInsn[], unit: FileUnit): void {
  let symbols: (ReadonlySet<string> | undefined)[] = [];
  let constants: (bigint | undefined)[] = [];
  /** The record last taken, while no register has changed since (runs of stores share one). */
  let snapshot: RegFacts | undefined;
  for (const insn of insns) {
    constants[0] = 0n;
    symbols[0] = undefined;
    const { mi } = insn;
    const fmt = mi.def.format;
    // Only CSR accesses and stores are asked about; other instructions share an empty record.
    if (fmt === 'STORE' || fmt === 'CSR' || fmt === 'CSRI') insn.before = snapshot ??= { symbols: symbols.slice(), constants: constants.slice() };
    const name = insn.name;
    const jump = name === 'jal' || name === 'jalr';
    if ((jump && mi.rd === 0) || name === 'mret' || name === 'sret') {
      snapshot = undefined;
      symbols = [];
      constants = [];
      continue;
    }
    if (jump) {
      snapshot = undefined;
      for (const r of CALLER_SAVED) {
        symbols[r] = undefined;
        constants[r] = undefined;
      }
      continue;
    }
    const rd = writtenRegister(mi);
    if (rd === undefined || rd === 0) continue;
    snapshot = undefined;
    if (fmt === 'LOAD' || fmt === 'AMO' || fmt === 'LR' || fmt === 'HLV' || fmt === 'CSR' || fmt === 'CSRI') {
      symbols[rd] = undefined;
      constants[rd] = undefined;
      continue;
    }
    // Sets are shared, never mutated once stored, so `addi rd, rs, imm` costs no allocation.
    const fromImm = mi.imm && mi.imm.kind !== 'literal' && mi.imm.expr ? symbolsOfImm(mi.imm.expr) : undefined;
    const s1 = fmt !== 'U' && mi.rs1 !== undefined ? symbols[mi.rs1] : undefined;
    const s2 = fmt === 'R' && mi.rs2 !== undefined ? symbols[mi.rs2] : undefined;
    const a = mi.rs1 !== undefined ? constants[mi.rs1] : undefined;
    const b = mi.rs2 !== undefined ? constants[mi.rs2] : undefined;
    constants[rd] = fmt === 'U' && name === 'auipc' ? undefined : constResult(mi, a, b, immConst(mi, unit));
    symbols[rd] = union(fromImm, s1, s2);
  }
}

// ---- CSR accesses ---------------------------------------------------------------------------

export interface CsrWrite {
  csr: number;
  /** write: the whole register; set/clear: the bits of `mask`. */
  kind: 'write' | 'set' | 'clear';
  /** The value written or the mask, when known. */
  value?: bigint;
  /** The source register (undefined for the immediate forms). */
  source?: number;
}

/** The CSR write an instruction performs, if it writes one (csrrs/csrrc with x0 only read). */
export function csrWrite(insn: FlowInsn, unit: FileUnit): CsrWrite | undefined {
  const { mi } = insn;
  if (mi.csr === undefined) return undefined;
  const regValue = mi.rs1 !== undefined ? insn.before.constants[mi.rs1] : undefined;
  switch (mi.def.name) {
    case 'csrrw':
      return { csr: mi.csr, kind: 'write', value: regValue, source: mi.rs1 };
    case 'csrrs':
    case 'csrrc':
      if (mi.rs1 === 0) return undefined;
      return { csr: mi.csr, kind: mi.def.name === 'csrrs' ? 'set' : 'clear', value: regValue, source: mi.rs1 };
    case 'csrrwi':
      return { csr: mi.csr, kind: 'write', value: immConst(mi, unit) };
    case 'csrrsi':
    case 'csrrci': {
      const v = immConst(mi, unit);
      if (v === 0n) return undefined;
      return { csr: mi.csr, kind: mi.def.name === 'csrrsi' ? 'set' : 'clear', value: v };
    }
    default:
      return undefined;
  }
}
