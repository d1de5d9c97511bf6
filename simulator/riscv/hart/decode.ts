/**
 * RV64IMA + Zicsr + Zifencei (+ the privileged instructions) decoder, written from the RISC-V
 * unprivileged and privileged specifications. Produces a small record per instruction that both
 * engines (interpreter and block compiler) consume. Anything not recognised decodes to ILLEGAL.
 */
export enum Op {
  ILLEGAL, LUI, AUIPC, JAL, JALR, BEQ, BNE, BLT, BGE, BLTU, BGEU,
  LB, LH, LW, LD, LBU, LHU, LWU, SB, SH, SW, SD,
  ADDI, SLTI, SLTIU, XORI, ORI, ANDI, SLLI, SRLI, SRAI,
  ADD, SUB, SLL, SLT, SLTU, XOR, SRL, SRA, OR, AND,
  ADDIW, SLLIW, SRLIW, SRAIW, ADDW, SUBW, SLLW, SRLW, SRAW,
  MUL, MULH, MULHSU, MULHU, DIV, DIVU, REM, REMU, MULW, DIVW, DIVUW, REMW, REMUW,
  LR, SC, AMO,
  FENCE, FENCE_I, ECALL, EBREAK, MRET, SRET, WFI, SFENCE_VMA,
  HFENCE_VVMA, HFENCE_GVMA, HLV, HSV,
  CSRRW, CSRRS, CSRRC, CSRRWI, CSRRSI, CSRRCI,
}

/** AMO sub-operations (funct5 of the AMO major opcode). */
export enum Amo { ADD = 0x00, SWAP = 0x01, XOR = 0x04, OR = 0x08, AND = 0x0c, MIN = 0x10, MAX = 0x14, MINU = 0x18, MAXU = 0x1c }

export interface Decoded {
  op: Op;
  rd: number;
  rs1: number;
  rs2: number;
  /** Sign-extended immediate (int32); shift amount for shifts; zimm for CSR*I; CSR number in `csr`. */
  imm: number;
  csr: number;
  /** Access width in bytes for loads/stores/LR/SC/AMO. */
  width: number;
  amo: Amo;
  raw: number;
}

function mk(op: Op, raw: number, rd = 0, rs1 = 0, rs2 = 0, imm = 0): Decoded {
  return { op, rd, rs1, rs2, imm, csr: 0, width: 0, amo: Amo.ADD, raw };
}

/** True for instructions that end a compiled block or must run in the interpreter (system ops). */
export function isSystem(op: Op): boolean {
  return op >= Op.FENCE_I && op <= Op.CSRRCI || op === Op.ILLEGAL;
}

/** True for control transfers (they end a block). */
export function isBranch(op: Op): boolean {
  return op >= Op.JAL && op <= Op.BGEU;
}

export function decode(raw: number): Decoded {
  raw |= 0;
  const opcode = raw & 0x7f;
  const rd = (raw >>> 7) & 31, f3 = (raw >>> 12) & 7, rs1 = (raw >>> 15) & 31, rs2 = (raw >>> 20) & 31;
  const f7 = raw >>> 25;
  const immI = raw >> 20;
  const ill = mk(Op.ILLEGAL, raw);
  switch (opcode) {
    case 0x37: return mk(Op.LUI, raw, rd, 0, 0, raw & 0xfffff000);
    case 0x17: return mk(Op.AUIPC, raw, rd, 0, 0, raw & 0xfffff000);
    case 0x6f: {
      const imm = ((raw >> 31) << 20) | (((raw >>> 12) & 0xff) << 12) | (((raw >>> 20) & 1) << 11) | (((raw >>> 21) & 0x3ff) << 1);
      return mk(Op.JAL, raw, rd, 0, 0, imm);
    }
    case 0x67: return f3 === 0 ? mk(Op.JALR, raw, rd, rs1, 0, immI) : ill;
    case 0x63: {
      const imm = ((raw >> 31) << 12) | (((raw >>> 7) & 1) << 11) | (((raw >>> 25) & 0x3f) << 5) | (((raw >>> 8) & 0xf) << 1);
      const ops = [Op.BEQ, Op.BNE, Op.ILLEGAL, Op.ILLEGAL, Op.BLT, Op.BGE, Op.BLTU, Op.BGEU];
      const op = ops[f3];
      return op === Op.ILLEGAL ? ill : mk(op, raw, 0, rs1, rs2, imm);
    }
    case 0x03: {
      const ops = [Op.LB, Op.LH, Op.LW, Op.LD, Op.LBU, Op.LHU, Op.LWU, Op.ILLEGAL];
      const widths = [1, 2, 4, 8, 1, 2, 4, 0];
      if (ops[f3] === Op.ILLEGAL) return ill;
      const d = mk(ops[f3], raw, rd, rs1, 0, immI);
      d.width = widths[f3];
      return d;
    }
    case 0x23: {
      if (f3 > 3) return ill;
      const imm = ((raw >> 25) << 5) | ((raw >>> 7) & 31);
      const d = mk([Op.SB, Op.SH, Op.SW, Op.SD][f3], raw, 0, rs1, rs2, imm);
      d.width = 1 << f3;
      return d;
    }
    case 0x13: {
      switch (f3) {
        case 0: return mk(Op.ADDI, raw, rd, rs1, 0, immI);
        case 2: return mk(Op.SLTI, raw, rd, rs1, 0, immI);
        case 3: return mk(Op.SLTIU, raw, rd, rs1, 0, immI);
        case 4: return mk(Op.XORI, raw, rd, rs1, 0, immI);
        case 6: return mk(Op.ORI, raw, rd, rs1, 0, immI);
        case 7: return mk(Op.ANDI, raw, rd, rs1, 0, immI);
        case 1: return (raw >>> 26) === 0 ? mk(Op.SLLI, raw, rd, rs1, 0, (raw >>> 20) & 63) : ill;
        case 5: {
          const f6 = raw >>> 26;
          if (f6 === 0) return mk(Op.SRLI, raw, rd, rs1, 0, (raw >>> 20) & 63);
          if (f6 === 0x10) return mk(Op.SRAI, raw, rd, rs1, 0, (raw >>> 20) & 63);
          return ill;
        }
      }
      return ill;
    }
    case 0x1b: {
      if (f3 === 0) return mk(Op.ADDIW, raw, rd, rs1, 0, immI);
      if (f3 === 1 && f7 === 0) return mk(Op.SLLIW, raw, rd, rs1, 0, rs2);
      if (f3 === 5 && f7 === 0) return mk(Op.SRLIW, raw, rd, rs1, 0, rs2);
      if (f3 === 5 && f7 === 0x20) return mk(Op.SRAIW, raw, rd, rs1, 0, rs2);
      return ill;
    }
    case 0x33: {
      let op = Op.ILLEGAL;
      if (f7 === 0) op = [Op.ADD, Op.SLL, Op.SLT, Op.SLTU, Op.XOR, Op.SRL, Op.OR, Op.AND][f3];
      else if (f7 === 0x20) op = f3 === 0 ? Op.SUB : f3 === 5 ? Op.SRA : Op.ILLEGAL;
      else if (f7 === 1) op = [Op.MUL, Op.MULH, Op.MULHSU, Op.MULHU, Op.DIV, Op.DIVU, Op.REM, Op.REMU][f3];
      return op === Op.ILLEGAL ? ill : mk(op, raw, rd, rs1, rs2);
    }
    case 0x3b: {
      let op = Op.ILLEGAL;
      if (f7 === 0) op = f3 === 0 ? Op.ADDW : f3 === 1 ? Op.SLLW : f3 === 5 ? Op.SRLW : Op.ILLEGAL;
      else if (f7 === 0x20) op = f3 === 0 ? Op.SUBW : f3 === 5 ? Op.SRAW : Op.ILLEGAL;
      else if (f7 === 1) op = [Op.MULW, Op.ILLEGAL, Op.ILLEGAL, Op.ILLEGAL, Op.DIVW, Op.DIVUW, Op.REMW, Op.REMUW][f3];
      return op === Op.ILLEGAL ? ill : mk(op, raw, rd, rs1, rs2);
    }
    case 0x2f: {
      if (f3 !== 2 && f3 !== 3) return ill;
      const f5 = raw >>> 27;
      let d: Decoded;
      if (f5 === 0x02) { if (rs2 !== 0) return ill; d = mk(Op.LR, raw, rd, rs1); } else if (f5 === 0x03) d = mk(Op.SC, raw, rd, rs1, rs2);
      else if (f5 in Amo && typeof Amo[f5] === 'string') { d = mk(Op.AMO, raw, rd, rs1, rs2); d.amo = f5 as Amo; } else return ill;
      d.width = f3 === 2 ? 4 : 8;
      return d;
    }
    case 0x0f: {
      if (f3 === 0) return mk(Op.FENCE, raw);
      if (f3 === 1) return mk(Op.FENCE_I, raw);
      return ill;
    }
    case 0x73: {
      if (f3 === 0) {
        if (rd !== 0) return ill;
        if (raw === 0x00000073) return mk(Op.ECALL, raw);
        if (raw === 0x00100073) return mk(Op.EBREAK, raw);
        if (raw === 0x30200073) return mk(Op.MRET, raw);
        if (raw === 0x10200073) return mk(Op.SRET, raw);
        if (raw === 0x10500073) return mk(Op.WFI, raw);
        if (f7 === 0x09) return mk(Op.SFENCE_VMA, raw, 0, rs1, rs2);
        if (f7 === 0x11) return mk(Op.HFENCE_VVMA, raw, 0, rs1, rs2);
        if (f7 === 0x31) return mk(Op.HFENCE_GVMA, raw, 0, rs1, rs2);
        return ill;
      }
      if (f3 === 4) {
        // Hypervisor loads/stores. HLV: imm bit 0 = zero-extend, bit 1 = HLVX (execute permission).
        if (f7 === 0x30 || f7 === 0x32 || f7 === 0x34 || f7 === 0x36) {
          const width = 1 << ((f7 >>> 1) & 3);
          if (rs2 === 0 || (rs2 === 1 && width < 8)) { const d = mk(Op.HLV, raw, rd, rs1, 0, rs2); d.width = width; return d; }
          if (rs2 === 3 && (width === 2 || width === 4)) { const d = mk(Op.HLV, raw, rd, rs1, 0, 3); d.width = width; return d; }
          return ill;
        }
        if ((f7 === 0x31 || f7 === 0x33 || f7 === 0x35 || f7 === 0x37) && rd === 0) {
          const d = mk(Op.HSV, raw, 0, rs1, rs2); d.width = 1 << ((f7 >>> 1) & 3); return d;
        }
        return ill;
      }
      const op = [Op.ILLEGAL, Op.CSRRW, Op.CSRRS, Op.CSRRC, Op.ILLEGAL, Op.CSRRWI, Op.CSRRSI, Op.CSRRCI][f3];
      const d = mk(op, raw, rd, rs1, 0, f3 >= 5 ? rs1 : 0);
      d.csr = (raw >>> 20) & 0xfff;
      return d;
    }
  }
  return ill;
}
