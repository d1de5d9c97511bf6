/**
 * The real (non-pseudo) RV64IMA + Zicsr + Zifencei + privileged + H instructions: each is a
 * format saying which operand fields it has, and the fixed bits (`match`) under `mask`.
 * The assembler and the disassembler both read this one table, so an encoding is stated once.
 */
export type Format =
  | 'R' // rd, rs1, rs2
  | 'I' // rd, rs1, imm12
  | 'LOAD' // rd, imm12(rs1)
  | 'STORE' // rs2, imm12(rs1)
  | 'B' // rs1, rs2, 13-bit pc-relative target
  | 'U' // rd, imm20
  | 'J' // rd, 21-bit pc-relative target
  | 'JALR' // rd, imm12(rs1)
  | 'SH6' // rd, rs1, shamt 0..63
  | 'SH5' // rd, rs1, shamt 0..31
  | 'AMO' // rd, rs2, (rs1)
  | 'LR' // rd, (rs1)
  | 'CSR' // rd, csr, rs1
  | 'CSRI' // rd, csr, uimm5
  | 'FENCE' // pred, succ
  | 'NONE' // no operands
  | 'SFENCE' // rs1, rs2 (both optional)
  | 'HLV' // rd, (rs1)
  | 'HSV'; // rs2, (rs1)

export interface InstrDef {
  name: string;
  format: Format;
  match: number;
  mask: number;
}

const OP = {
  LOAD: 0x03,
  MISC_MEM: 0x0f,
  OP_IMM: 0x13,
  AUIPC: 0x17,
  OP_IMM_32: 0x1b,
  STORE: 0x23,
  AMO: 0x2f,
  OP: 0x33,
  LUI: 0x37,
  OP_32: 0x3b,
  BRANCH: 0x63,
  JALR: 0x67,
  JAL: 0x6f,
  SYSTEM: 0x73,
} as const;

const MASK_OPCODE = 0x7f;
const MASK_F3 = 0x707f;
const MASK_F7 = 0xfe00707f;

/** Masks per format: which bits are fixed by the mnemonic. */
const FORMAT_MASK: Record<Format, number> = {
  R: MASK_F7,
  I: MASK_F3,
  LOAD: MASK_F3,
  STORE: MASK_F3,
  B: MASK_F3,
  U: MASK_OPCODE,
  J: MASK_OPCODE,
  JALR: MASK_F3,
  SH6: 0xfc00707f,
  SH5: MASK_F7,
  AMO: MASK_F7,
  LR: 0xfff0707f,
  CSR: MASK_F3,
  CSRI: MASK_F3,
  FENCE: 0xf00fffff,
  NONE: 0xffffffff,
  SFENCE: 0xfe007fff,
  HLV: 0xfff0707f,
  HSV: 0xfe007fff,
};

export const INSTRUCTIONS: InstrDef[] = [];

function def(name: string, format: Format, match: number, mask = FORMAT_MASK[format]): void {
  INSTRUCTIONS.push({ name, format, match: match >>> 0, mask: mask >>> 0 });
}
const f3 = (op: number, funct3: number): number => op | (funct3 << 12);
const f7 = (op: number, funct3: number, funct7: number): number => (op | (funct3 << 12) | (funct7 << 25)) >>> 0;

def('lui', 'U', OP.LUI);
def('auipc', 'U', OP.AUIPC);
def('jal', 'J', OP.JAL);
def('jalr', 'JALR', f3(OP.JALR, 0));
(['beq', 'bne', '', '', 'blt', 'bge', 'bltu', 'bgeu'] as const).forEach((n, i) => n && def(n, 'B', f3(OP.BRANCH, i)));
(['lb', 'lh', 'lw', 'ld', 'lbu', 'lhu', 'lwu'] as const).forEach((n, i) => def(n, 'LOAD', f3(OP.LOAD, i)));
(['sb', 'sh', 'sw', 'sd'] as const).forEach((n, i) => def(n, 'STORE', f3(OP.STORE, i)));
def('addi', 'I', f3(OP.OP_IMM, 0));
def('slti', 'I', f3(OP.OP_IMM, 2));
def('sltiu', 'I', f3(OP.OP_IMM, 3));
def('xori', 'I', f3(OP.OP_IMM, 4));
def('ori', 'I', f3(OP.OP_IMM, 6));
def('andi', 'I', f3(OP.OP_IMM, 7));
def('slli', 'SH6', f3(OP.OP_IMM, 1));
def('srli', 'SH6', f3(OP.OP_IMM, 5));
def('srai', 'SH6', f7(OP.OP_IMM, 5, 0x20));
def('add', 'R', f7(OP.OP, 0, 0));
def('sub', 'R', f7(OP.OP, 0, 0x20));
def('sll', 'R', f7(OP.OP, 1, 0));
def('slt', 'R', f7(OP.OP, 2, 0));
def('sltu', 'R', f7(OP.OP, 3, 0));
def('xor', 'R', f7(OP.OP, 4, 0));
def('srl', 'R', f7(OP.OP, 5, 0));
def('sra', 'R', f7(OP.OP, 5, 0x20));
def('or', 'R', f7(OP.OP, 6, 0));
def('and', 'R', f7(OP.OP, 7, 0));
def('addiw', 'I', f3(OP.OP_IMM_32, 0));
def('slliw', 'SH5', f7(OP.OP_IMM_32, 1, 0));
def('srliw', 'SH5', f7(OP.OP_IMM_32, 5, 0));
def('sraiw', 'SH5', f7(OP.OP_IMM_32, 5, 0x20));
def('addw', 'R', f7(OP.OP_32, 0, 0));
def('subw', 'R', f7(OP.OP_32, 0, 0x20));
def('sllw', 'R', f7(OP.OP_32, 1, 0));
def('srlw', 'R', f7(OP.OP_32, 5, 0));
def('sraw', 'R', f7(OP.OP_32, 5, 0x20));

// Fixed encodings come before the general `fence` so the disassembler finds them first.
def('fence.tso', 'NONE', 0x8330000f);
def('pause', 'NONE', 0x0100000f);
def('fence', 'FENCE', f3(OP.MISC_MEM, 0));
def('fence.i', 'NONE', f3(OP.MISC_MEM, 1));
def('ecall', 'NONE', 0x00000073);
def('ebreak', 'NONE', 0x00100073);
def('sret', 'NONE', 0x10200073);
def('mret', 'NONE', 0x30200073);
def('wfi', 'NONE', 0x10500073);
def('sfence.vma', 'SFENCE', f7(OP.SYSTEM, 0, 0x09));
def('hfence.vvma', 'SFENCE', f7(OP.SYSTEM, 0, 0x11));
def('hfence.gvma', 'SFENCE', f7(OP.SYSTEM, 0, 0x31));

(['mul', 'mulh', 'mulhsu', 'mulhu', 'div', 'divu', 'rem', 'remu'] as const).forEach((n, i) => def(n, 'R', f7(OP.OP, i, 1)));
(['mulw', '', '', '', 'divw', 'divuw', 'remw', 'remuw'] as const).forEach((n, i) => n && def(n, 'R', f7(OP.OP_32, i, 1)));

const AMO_FUNCT5: [string, number][] = [
  ['amoadd', 0x00], ['amoswap', 0x01], ['amoxor', 0x04], ['amoor', 0x08],
  ['amoand', 0x0c], ['amomin', 0x10], ['amomax', 0x14], ['amominu', 0x18], ['amomaxu', 0x1c],
];
const ORDERING: [string, number][] = [['', 0], ['.aq', 2], ['.rl', 1], ['.aqrl', 3]];
for (const [width, funct3] of [['w', 2], ['d', 3]] as const) {
  for (const [suffix, aqrl] of ORDERING) {
    const order = aqrl << 25;
    def(`lr.${width}${suffix}`, 'LR', (f3(OP.AMO, funct3) | (0x02 << 27) | order) >>> 0);
    def(`sc.${width}${suffix}`, 'AMO', (f3(OP.AMO, funct3) | (0x03 << 27) | order) >>> 0);
    for (const [base, funct5] of AMO_FUNCT5) {
      def(`${base}.${width}${suffix}`, 'AMO', (f3(OP.AMO, funct3) | (funct5 << 27) | order) >>> 0);
    }
  }
}

(['', 'csrrw', 'csrrs', 'csrrc'] as const).forEach((n, i) => n && def(n, 'CSR', f3(OP.SYSTEM, i)));
(['', 'csrrwi', 'csrrsi', 'csrrci'] as const).forEach((n, i) => n && def(n, 'CSRI', f3(OP.SYSTEM, 4 + i)));

// Hypervisor virtual-machine loads/stores: funct7 selects width, rs2 selects the variant.
const hlv = (funct7: number, rs2: number): number => (f7(OP.SYSTEM, 4, funct7) | (rs2 << 20)) >>> 0;
def('hlv.b', 'HLV', hlv(0x30, 0));
def('hlv.bu', 'HLV', hlv(0x30, 1));
def('hlv.h', 'HLV', hlv(0x32, 0));
def('hlv.hu', 'HLV', hlv(0x32, 1));
def('hlvx.hu', 'HLV', hlv(0x32, 3));
def('hlv.w', 'HLV', hlv(0x34, 0));
def('hlv.wu', 'HLV', hlv(0x34, 1));
def('hlvx.wu', 'HLV', hlv(0x34, 3));
def('hlv.d', 'HLV', hlv(0x36, 0));
def('hsv.b', 'HSV', f7(OP.SYSTEM, 4, 0x31));
def('hsv.h', 'HSV', f7(OP.SYSTEM, 4, 0x33));
def('hsv.w', 'HSV', f7(OP.SYSTEM, 4, 0x35));
def('hsv.d', 'HSV', f7(OP.SYSTEM, 4, 0x37));

const byName = new Map(INSTRUCTIONS.map((d) => [d.name, d]));

export function instruction(name: string): InstrDef | undefined {
  return byName.get(name);
}

/** First table entry whose fixed bits match the word. */
export function decodeDef(word: number): InstrDef | undefined {
  const w = word >>> 0;
  return INSTRUCTIONS.find((d) => ((w & d.mask) >>> 0) === d.match);
}
