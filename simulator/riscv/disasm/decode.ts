/**
 * One 32-bit word to objdump-style text. Aliases follow what `riscv64-linux-gnu-objdump -d`
 * prints by default (li, mv, ret, csrr, beqz …) so listings read the same as the GNU ones.
 * objdump 2.40 prints register-immediate ALU instructions under their register-register name
 * (`add a0,a1,5` for addi, `sll` for slli, `csrw mstatus,5` for csrwi); we print the same, and
 * our assembler accepts those forms. Deliberate difference: pc-relative targets are written `0x80000010` (objdump writes
 * `80000010`) so the operand text reassembles to the same bytes.
 */
import { csrName } from '../isa/csrs';
import { immB, immI, immJ, immS, immU, rd as fRd, rs1 as fRs1, rs2 as fRs2 } from '../isa/fields';
import { decodeDef } from '../isa/instructions';
import { registerName as r } from '../isa/registers';

export interface Decoded {
  mnemonic: string;
  operands: string;
  /** Absolute target of a branch/jump, for symbolisation. */
  target?: bigint;
}

const hex = (v: number | bigint): string => `0x${v.toString(16)}`;
const fenceSet = (bits: number): string => (['i', 'o', 'r', 'w'].filter((_, k) => bits & (8 >> k)).join('') || '0');

function csr(n: number): string {
  return csrName(n) ?? hex(n);
}

const OBJDUMP_NAME: Record<string, string> = {
  addi: 'add', xori: 'xor', ori: 'or', andi: 'and', addiw: 'addw',
  slli: 'sll', srli: 'srl', srai: 'sra', slliw: 'sllw', srliw: 'srlw', sraiw: 'sraw',
};

const COUNTERS: Record<number, string> = { 0xc00: 'rdcycle', 0xc01: 'rdtime', 0xc02: 'rdinstret' };

export function decode(word: number, address: bigint): Decoded {
  const w = word >>> 0;
  const d = decodeDef(w);
  if (!d) return { mnemonic: '.word', operands: hex(w) };
  const rd = fRd(w);
  const rs1 = fRs1(w);
  const rs2 = fRs2(w);
  const n = d.name;
  const out = (mnemonic: string, operands: string, target?: bigint): Decoded => ({ mnemonic, operands, target });
  switch (d.format) {
    case 'R':
      if (n === 'sub' && rs1 === 0) return out('neg', `${r(rd)},${r(rs2)}`);
      if (n === 'subw' && rs1 === 0) return out('negw', `${r(rd)},${r(rs2)}`);
      if (n === 'sltu' && rs1 === 0) return out('snez', `${r(rd)},${r(rs2)}`);
      if (n === 'slt' && rs2 === 0) return out('sltz', `${r(rd)},${r(rs1)}`);
      if (n === 'slt' && rs1 === 0) return out('sgtz', `${r(rd)},${r(rs2)}`);
      return out(n, `${r(rd)},${r(rs1)},${r(rs2)}`);
    case 'I': {
      const imm = immI(w);
      if (n === 'addi' && rd === 0 && rs1 === 0 && imm === 0) return out('nop', '');
      if (n === 'addi' && rs1 === 0) return out('li', `${r(rd)},${imm}`);
      if (n === 'addi' && imm === 0) return out('mv', `${r(rd)},${r(rs1)}`);
      if (n === 'addiw' && imm === 0) return out('sext.w', `${r(rd)},${r(rs1)}`);
      if (n === 'xori' && imm === -1) return out('not', `${r(rd)},${r(rs1)}`);
      if (n === 'sltiu' && imm === 1) return out('seqz', `${r(rd)},${r(rs1)}`);
      if (n === 'andi' && imm === 255) return out('zext.b', `${r(rd)},${r(rs1)}`);
      return out(OBJDUMP_NAME[n] ?? n, `${r(rd)},${r(rs1)},${imm}`);
    }
    case 'SH6':
    case 'SH5':
      return out(OBJDUMP_NAME[n] ?? n, `${r(rd)},${r(rs1)},${hex((w >>> 20) & (d.format === 'SH6' ? 63 : 31))}`);
    case 'LOAD':
      return out(n, `${r(rd)},${immI(w)}(${r(rs1)})`);
    case 'STORE':
      return out(n, `${r(rs2)},${immS(w)}(${r(rs1)})`);
    case 'B': {
      const target = BigInt.asUintN(64, address + BigInt(immB(w)));
      const t = hex(target);
      if (rs2 === 0 && n === 'beq') return out('beqz', `${r(rs1)},${t}`, target);
      if (rs2 === 0 && n === 'bne') return out('bnez', `${r(rs1)},${t}`, target);
      if (rs1 === 0 && n === 'bge') return out('blez', `${r(rs2)},${t}`, target);
      if (rs2 === 0 && n === 'bge') return out('bgez', `${r(rs1)},${t}`, target);
      if (rs2 === 0 && n === 'blt') return out('bltz', `${r(rs1)},${t}`, target);
      if (rs1 === 0 && n === 'blt') return out('bgtz', `${r(rs2)},${t}`, target);
      return out(n, `${r(rs1)},${r(rs2)},${t}`, target);
    }
    case 'U':
      return out(n, `${r(rd)},${hex(immU(w))}`);
    case 'J': {
      const target = BigInt.asUintN(64, address + BigInt(immJ(w)));
      if (rd === 0) return out('j', hex(target), target);
      if (rd === 1) return out('jal', hex(target), target);
      return out(n, `${r(rd)},${hex(target)}`, target);
    }
    case 'JALR': {
      const imm = immI(w);
      if (rd === 0 && rs1 === 1 && imm === 0) return out('ret', '');
      if (rd === 0 && imm === 0) return out('jr', r(rs1));
      if (rd === 1 && imm === 0) return out('jalr', r(rs1));
      if (rd === 1) return out('jalr', `${imm}(${r(rs1)})`);
      if (rd === 0) return out('jr', `${imm}(${r(rs1)})`);
      if (imm === 0) return out('jalr', `${r(rd)},${r(rs1)}`);
      return out(n, `${r(rd)},${imm}(${r(rs1)})`);
    }
    case 'AMO':
      return out(n, `${r(rd)},${r(rs2)},(${r(rs1)})`);
    case 'LR':
    case 'HLV':
      return out(n, `${r(rd)},(${r(rs1)})`);
    case 'HSV':
      return out(n, `${r(rs2)},(${r(rs1)})`);
    case 'CSR': {
      const c = (w >>> 20) & 0xfff;
      if (n === 'csrrs' && rs1 === 0 && COUNTERS[c]) return out(COUNTERS[c], r(rd));
      if (n === 'csrrs' && rs1 === 0) return out('csrr', `${r(rd)},${csr(c)}`);
      if (rd === 0) return out(n.replace('csrr', 'csr'), `${csr(c)},${r(rs1)}`);
      return out(n, `${r(rd)},${csr(c)},${r(rs1)}`);
    }
    case 'CSRI': {
      const c = (w >>> 20) & 0xfff;
      if (rd === 0) return out(n.replace('csrr', 'csr').slice(0, -1), `${csr(c)},${rs1}`);
      return out(n.slice(0, -1), `${r(rd)},${csr(c)},${rs1}`);
    }
    case 'FENCE': {
      const pred = (w >>> 24) & 15;
      const succ = (w >>> 20) & 15;
      if (pred === 15 && succ === 15) return out('fence', '');
      return out('fence', `${fenceSet(pred)},${fenceSet(succ)}`);
    }
    case 'NONE':
      return out(n, '');
    case 'SFENCE':
      if (rs1 === 0 && rs2 === 0) return out(n, '');
      if (rs2 === 0) return out(n, r(rs1));
      return out(n, `${r(rs1)},${r(rs2)}`);
  }
}
