/**
 * From a parsed instruction statement to machine instructions: operand shapes are checked
 * against the instruction's format, and pseudo-instructions are expanded the way GNU as does.
 */
import type { SourceRange } from '../../diagnostics';
import { csrNumber } from '../isa/csrs';
import { instruction, type InstrDef } from '../isa/instructions';
import { registerNumber } from '../isa/registers';
import { liSteps } from './li';
import type { Imm, ImmKind, MachineInstr } from './machine';
import type { Expr, InstructionStmt, Operand } from './syntax';

export interface ExpandEnv {
  /** Value of an expression if it is a constant at this point of the file, else undefined. */
  constant(e: Expr): bigint | undefined;
  /** Rewrites numeric local references (`1b`) for this position. */
  locals(e: Expr): Expr;
}

export class OperandError extends Error {
  constructor(
    message: string,
    readonly range: SourceRange,
  ) {
    super(message);
  }
}

const RA = 1;
const T1 = 6;

/** Register-register mnemonics that take an immediate third operand as their `i` form. */
const IMMEDIATE_FORM: Record<string, string> = {
  add: 'addi', and: 'andi', or: 'ori', xor: 'xori', slt: 'slti', sltu: 'sltiu',
  sll: 'slli', srl: 'srli', sra: 'srai', addw: 'addiw', sllw: 'slliw', srlw: 'srliw', sraw: 'sraiw',
};

function def(name: string): InstrDef {
  const d = instruction(name);
  if (!d) throw new Error(`internal: no instruction ${name}`);
  return d;
}

function describe(op: Operand): string {
  if (op.kind === 'mem') return 'a memory operand';
  const e = op.expr;
  if (e.kind === 'sym') return `'${e.name}'`;
  if (e.kind === 'num') return `${e.value}`;
  return 'an expression';
}

class Ops {
  constructor(
    readonly stmt: InstructionStmt,
    readonly env: ExpandEnv,
  ) {}

  get mn(): string {
    return this.stmt.mnemonic;
  }

  get ops(): Operand[] {
    return this.stmt.operands;
  }

  fail(message: string, range: SourceRange = this.stmt.range): never {
    throw new OperandError(message, range);
  }

  count(...allowed: number[]): void {
    const n = this.ops.length;
    if (!allowed.includes(n)) {
      const want = allowed.length === 1 ? `${allowed[0]}` : `${allowed.slice(0, -1).join(', ')} or ${allowed[allowed.length - 1]}`;
      this.fail(`${this.mn} takes ${want} operand${allowed.length === 1 && allowed[0] === 1 ? '' : 's'}, got ${n}`);
    }
  }

  isReg(i: number): boolean {
    const op = this.ops[i];
    return op !== undefined && op.kind === 'expr' && op.expr.kind === 'sym' && registerNumber(op.expr.name) !== undefined;
  }

  reg(i: number, role: string): number {
    const op = this.ops[i];
    if (op.kind === 'expr' && op.expr.kind === 'sym') {
      const n = registerNumber(op.expr.name);
      if (n !== undefined) return n;
    }
    return this.fail(`${this.mn} expects a register for ${role}, got ${describe(op)}`, op.range);
  }

  expr(i: number, role: string): Expr {
    const op = this.ops[i];
    if (op.kind !== 'expr') return this.fail(`${this.mn} expects ${role}, got a memory operand`, op.range);
    if (op.expr.kind === 'sym' && registerNumber(op.expr.name) !== undefined) {
      this.fail(`${this.mn} expects ${role}, got register '${op.expr.name}'`, op.range);
    }
    return this.env.locals(op.expr);
  }

  imm(i: number, kind: ImmKind, role = 'an immediate'): Imm {
    return { kind, expr: this.expr(i, role), range: this.ops[i].range };
  }

  /** `offset(base)`; `zeroOffset` is for AMOs and H loads whose address takes no offset. */
  mem(i: number, zeroOffset = false): { base: number; imm: Imm } {
    const op = this.ops[i];
    if (op.kind !== 'mem') return this.fail(`${this.mn} expects an address like 0(a0) or (a0), got ${describe(op)}`, op.range);
    const base = registerNumber(op.base) ?? 0;
    const offset = op.offset ? this.env.locals(op.offset) : undefined;
    if (zeroOffset && offset) {
      const v = this.env.constant(offset);
      if (v !== 0n) this.fail(`the address of ${this.mn} takes no offset: use (${op.base}) or 0(${op.base})`, op.range);
    }
    return { base, imm: offset ? { kind: 'imm12', expr: offset, range: op.range } : { kind: 'literal', value: 0n, range: op.range } };
  }

  csr(i: number): number {
    const op = this.ops[i];
    if (op.kind === 'expr' && op.expr.kind === 'sym') {
      const n = csrNumber(op.expr.name);
      if (n !== undefined) return n;
      const asConst = this.env.constant(op.expr);
      if (asConst === undefined) return this.fail(`unknown CSR '${op.expr.name}'`, op.range);
    }
    const v = op.kind === 'expr' ? this.env.constant(op.expr) : undefined;
    if (v === undefined) return this.fail(`${this.mn} expects a CSR name or number, got ${describe(op)}`, op.range);
    if (v < 0n || v > 0xfffn) this.fail(`CSR number ${v} is out of range (0..4095)`, op.range);
    return Number(v);
  }

  fenceSet(i: number): number {
    const op = this.ops[i];
    if (op.kind === 'expr') {
      if (op.expr.kind === 'sym' && /^i?o?r?w?$/.test(op.expr.name) && op.expr.name !== '') {
        const s = op.expr.name;
        return (s.includes('i') ? 8 : 0) | (s.includes('o') ? 4 : 0) | (s.includes('r') ? 2 : 0) | (s.includes('w') ? 1 : 0);
      }
      if (op.expr.kind === 'num' && op.expr.value === 0n) return 0;
    }
    return this.fail(`${this.mn} expects an ordering set made of i, o, r, w in that order (e.g. rw), got ${describe(op)}`, op.range);
  }
}

type Handler = (o: Ops) => MachineInstr[];

const mk = (name: string, fields: Omit<MachineInstr, 'def'>): MachineInstr => ({ def: def(name), ...fields });
const lit = (value: bigint, range: SourceRange): Imm => ({ kind: 'literal', value, range });

/** auipc + second instruction, both relative to the auipc's address. */
function pcrelPair(tmp: number, target: Imm, second: (lo: Imm) => MachineInstr): MachineInstr[] {
  return [
    mk('auipc', { rd: tmp, imm: { ...target, kind: 'pcrelHi' } }),
    second({ ...target, kind: 'pcrelLo' }),
  ];
}

function byFormat(d: InstrDef): Handler {
  const name = d.name;
  switch (d.format) {
    case 'R':
      return (o) => {
        o.count(3);
        const alt = IMMEDIATE_FORM[name];
        if (alt && !o.isReg(2)) return byFormat(def(alt))(o);
        return [mk(name, { rd: o.reg(0, 'rd'), rs1: o.reg(1, 'rs1'), rs2: o.reg(2, 'rs2') })];
      };
    case 'I':
      return (o) => {
        o.count(3);
        return [mk(name, { rd: o.reg(0, 'rd'), rs1: o.reg(1, 'rs1'), imm: o.imm(2, 'imm12') })];
      };
    case 'SH6':
    case 'SH5':
      return (o) => {
        o.count(3);
        return [mk(name, { rd: o.reg(0, 'rd'), rs1: o.reg(1, 'rs1'), imm: o.imm(2, d.format === 'SH6' ? 'shamt6' : 'shamt5', 'a shift amount') })];
      };
    case 'LOAD':
      return (o) => {
        o.count(2);
        const rd = o.reg(0, 'rd');
        if (o.ops[1].kind === 'mem') {
          const m = o.mem(1);
          return [mk(name, { rd, rs1: m.base, imm: m.imm })];
        }
        return pcrelPair(rd, o.imm(1, 'branch', 'an address'), (lo) => mk(name, { rd, rs1: rd, imm: lo }));
      };
    case 'STORE':
      return (o) => {
        o.count(2, 3);
        const rs2 = o.reg(0, 'rs2');
        if (o.ops.length === 2) {
          const m = o.mem(1);
          return [mk(name, { rs2, rs1: m.base, imm: m.imm })];
        }
        const tmp = o.reg(2, 'the temporary register');
        return pcrelPair(tmp, o.imm(1, 'branch', 'an address'), (lo) => mk(name, { rs2, rs1: tmp, imm: lo }));
      };
    case 'B':
      return (o) => {
        o.count(3);
        return [mk(name, { rs1: o.reg(0, 'rs1'), rs2: o.reg(1, 'rs2'), imm: o.imm(2, 'branch', 'a branch target') })];
      };
    case 'U':
      return (o) => {
        o.count(2);
        return [mk(name, { rd: o.reg(0, 'rd'), imm: o.imm(1, 'uimm20') })];
      };
    case 'J':
      return (o) => {
        o.count(1, 2);
        if (o.ops.length === 1) return [mk(name, { rd: RA, imm: o.imm(0, 'jump', 'a jump target') })];
        return [mk(name, { rd: o.reg(0, 'rd'), imm: o.imm(1, 'jump', 'a jump target') })];
      };
    case 'JALR':
      return (o) => {
        o.count(1, 2, 3);
        if (o.ops.length === 1) {
          if (o.ops[0].kind === 'mem') {
            const m = o.mem(0);
            return [mk(name, { rd: RA, rs1: m.base, imm: m.imm })];
          }
          return [mk(name, { rd: RA, rs1: o.reg(0, 'rs1'), imm: lit(0n, o.stmt.range) })];
        }
        const rd = o.reg(0, 'rd');
        if (o.ops.length === 2) {
          if (o.ops[1].kind === 'mem') {
            const m = o.mem(1);
            return [mk(name, { rd, rs1: m.base, imm: m.imm })];
          }
          return [mk(name, { rd, rs1: o.reg(1, 'rs1'), imm: lit(0n, o.stmt.range) })];
        }
        return [mk(name, { rd, rs1: o.reg(1, 'rs1'), imm: o.imm(2, 'imm12') })];
      };
    case 'AMO':
      return (o) => {
        o.count(3);
        return [mk(name, { rd: o.reg(0, 'rd'), rs2: o.reg(1, 'rs2'), rs1: o.mem(2, true).base })];
      };
    case 'LR':
    case 'HLV':
      return (o) => {
        o.count(2);
        return [mk(name, { rd: o.reg(0, 'rd'), rs1: o.mem(1, true).base })];
      };
    case 'HSV':
      return (o) => {
        o.count(2);
        return [mk(name, { rs2: o.reg(0, 'rs2'), rs1: o.mem(1, true).base })];
      };
    case 'CSR':
      return (o) => {
        o.count(3);
        if (!o.isReg(2)) return byFormat(def(`${name}i`))(o);
        return [mk(name, { rd: o.reg(0, 'rd'), csr: o.csr(1), rs1: o.reg(2, 'rs1') })];
      };
    case 'CSRI':
      return (o) => {
        o.count(3);
        return [mk(name, { rd: o.reg(0, 'rd'), csr: o.csr(1), imm: o.imm(2, 'uimm5') })];
      };
    case 'FENCE':
      return (o) => {
        o.count(0, 2);
        if (o.ops.length === 0) return [mk(name, { pred: 15, succ: 15 })];
        return [mk(name, { pred: o.fenceSet(0), succ: o.fenceSet(1) })];
      };
    case 'NONE':
      return (o) => {
        o.count(0);
        return [mk(name, {})];
      };
    case 'SFENCE':
      return (o) => {
        o.count(0, 1, 2);
        return [mk(name, { rs1: o.ops.length > 0 ? o.reg(0, 'rs1') : 0, rs2: o.ops.length > 1 ? o.reg(1, 'rs2') : 0 })];
      };
  }
}

/** `op rd, rs` pseudo-instructions that are one instruction with a fixed third operand. */
function unary(build: (rd: number, rs: number, r: SourceRange) => MachineInstr): Handler {
  return (o) => {
    o.count(2);
    return [build(o.reg(0, 'rd'), o.reg(1, 'rs'), o.stmt.range)];
  };
}

function branchZero(name: string, swap: boolean): Handler {
  return (o) => {
    o.count(2);
    const rs = o.reg(0, 'rs');
    const target = o.imm(1, 'branch', 'a branch target');
    return [mk(name, swap ? { rs1: 0, rs2: rs, imm: target } : { rs1: rs, rs2: 0, imm: target })];
  };
}

function branchSwapped(name: string): Handler {
  return (o) => {
    o.count(3);
    return [mk(name, { rs1: o.reg(1, 'rs2'), rs2: o.reg(0, 'rs1'), imm: o.imm(2, 'branch', 'a branch target') })];
  };
}

function csrPseudo(base: string, withRd: boolean): Handler {
  return (o) => {
    if (withRd) {
      o.count(2);
      return [mk(base, { rd: o.reg(0, 'rd'), csr: o.csr(1), rs1: 0 })];
    }
    o.count(2);
    if (!o.isReg(1) || base.endsWith('i')) {
      const name = base.endsWith('i') ? base : `${base}i`;
      return [mk(name, { rd: 0, csr: o.csr(0), imm: o.imm(1, 'uimm5') })];
    }
    return [mk(base, { rd: 0, csr: o.csr(0), rs1: o.reg(1, 'rs') })];
  };
}

function counter(csr: number): Handler {
  return (o) => {
    o.count(1);
    return [mk('csrrs', { rd: o.reg(0, 'rd'), csr, rs1: 0 })];
  };
}

function li(o: Ops): MachineInstr[] {
  o.count(2);
  const rd = o.reg(0, 'rd');
  const e = o.expr(1, 'a constant');
  const v = o.env.constant(e);
  if (v === undefined) o.fail(`li needs a constant known at this point; for an address use la`, o.ops[1].range);
  return liSteps(v, rd === 0).map((s) => mk(s.op, { rd, rs1: s.fromRd ? rd : 0, imm: lit(s.imm, o.ops[1].range) }));
}

function pcrelAddress(o: Ops): MachineInstr[] {
  o.count(2);
  const rd = o.reg(0, 'rd');
  return pcrelPair(rd, o.imm(1, 'branch', 'an address'), (lo) => mk('addi', { rd, rs1: rd, imm: lo }));
}

function farJump(linkReg: number | 'operand', tmp: number | 'operand'): Handler {
  return (o) => {
    let target: Imm;
    let rd: number;
    let t: number;
    if (linkReg === 'operand' || tmp === 'operand') {
      o.count(2);
      if (tmp === 'operand') {
        target = o.imm(0, 'branch', 'a jump target');
        t = o.reg(1, 'the temporary register');
        rd = 0;
      } else {
        rd = o.reg(0, 'rd');
        t = rd;
        target = o.imm(1, 'branch', 'a jump target');
      }
    } else {
      o.count(1);
      target = o.imm(0, 'branch', 'a jump target');
      rd = linkReg;
      t = tmp;
    }
    return pcrelPair(t, target, (lo) => mk('jalr', { rd, rs1: t, imm: lo }));
  };
}

const PSEUDO: Record<string, Handler> = {
  nop: (o) => (o.count(0), [mk('addi', { rd: 0, rs1: 0, imm: lit(0n, o.stmt.range) })]),
  li,
  la: pcrelAddress,
  lla: pcrelAddress,
  mv: unary((rd, rs, r) => mk('addi', { rd, rs1: rs, imm: lit(0n, r) })),
  not: unary((rd, rs, r) => mk('xori', { rd, rs1: rs, imm: lit(-1n, r) })),
  neg: unary((rd, rs) => mk('sub', { rd, rs1: 0, rs2: rs })),
  negw: unary((rd, rs) => mk('subw', { rd, rs1: 0, rs2: rs })),
  'sext.w': unary((rd, rs, r) => mk('addiw', { rd, rs1: rs, imm: lit(0n, r) })),
  'zext.b': unary((rd, rs, r) => mk('andi', { rd, rs1: rs, imm: lit(255n, r) })),
  seqz: unary((rd, rs, r) => mk('sltiu', { rd, rs1: rs, imm: lit(1n, r) })),
  snez: unary((rd, rs) => mk('sltu', { rd, rs1: 0, rs2: rs })),
  sltz: unary((rd, rs) => mk('slt', { rd, rs1: rs, rs2: 0 })),
  sgtz: unary((rd, rs) => mk('slt', { rd, rs1: 0, rs2: rs })),
  sgt: (o) => (o.count(3), [mk('slt', { rd: o.reg(0, 'rd'), rs1: o.reg(2, 'rs2'), rs2: o.reg(1, 'rs1') })]),
  sgtu: (o) => (o.count(3), [mk('sltu', { rd: o.reg(0, 'rd'), rs1: o.reg(2, 'rs2'), rs2: o.reg(1, 'rs1') })]),
  beqz: branchZero('beq', false),
  bnez: branchZero('bne', false),
  blez: branchZero('bge', true),
  bgez: branchZero('bge', false),
  bltz: branchZero('blt', false),
  bgtz: branchZero('blt', true),
  bgt: branchSwapped('blt'),
  ble: branchSwapped('bge'),
  bgtu: branchSwapped('bltu'),
  bleu: branchSwapped('bgeu'),
  j: (o) => (o.count(1), [mk('jal', { rd: 0, imm: o.imm(0, 'jump', 'a jump target') })]),
  jr: (o) => {
    o.count(1);
    if (o.ops[0].kind === 'mem') {
      const m = o.mem(0);
      return [mk('jalr', { rd: 0, rs1: m.base, imm: m.imm })];
    }
    return [mk('jalr', { rd: 0, rs1: o.reg(0, 'rs'), imm: lit(0n, o.stmt.range) })];
  },
  ret: (o) => (o.count(0), [mk('jalr', { rd: 0, rs1: RA, imm: lit(0n, o.stmt.range) })]),
  call: (o) => (o.ops.length === 2 ? farJump('operand', RA)(o) : farJump(RA, RA)(o)),
  tail: farJump(0, T1),
  jump: farJump(0, 'operand'),
  csrr: csrPseudo('csrrs', true),
  csrw: csrPseudo('csrrw', false),
  csrs: csrPseudo('csrrs', false),
  csrc: csrPseudo('csrrc', false),
  csrwi: csrPseudo('csrrwi', false),
  csrsi: csrPseudo('csrrsi', false),
  csrci: csrPseudo('csrrci', false),
  rdcycle: counter(0xc00),
  rdtime: counter(0xc01),
  rdinstret: counter(0xc02),
};

export function isKnownMnemonic(name: string): boolean {
  return name in PSEUDO || instruction(name) !== undefined;
}

export function knownMnemonics(): string[] {
  return [...Object.keys(PSEUDO)];
}

/** Expands a statement; throws OperandError for a located, user-facing problem. */
export function expandInstruction(stmt: InstructionStmt, env: ExpandEnv): MachineInstr[] {
  const o = new Ops(stmt, env);
  const pseudo = PSEUDO[stmt.mnemonic];
  if (pseudo) return pseudo(o);
  const d = instruction(stmt.mnemonic);
  if (!d) throw new OperandError(`unknown instruction '${stmt.mnemonic}'`, stmt.mnemonicRange);
  return byFormat(d)(o);
}
