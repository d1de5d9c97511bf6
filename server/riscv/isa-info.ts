/**
 * What the editor says about the ISA: a one-line meaning and the operand form of every
 * mnemonic (real and pseudo), the fields of the CSRs a kernel writes most, and the directives.
 * Encodings are not restated here: hover shows the bytes the assembler produced.
 */
import { INSTRUCTIONS, type Format } from '../../simulator/riscv/isa/instructions';

export interface MnemonicInfo {
  /** Operand form as written, e.g. `rd, rs1, imm`. */
  operands: string;
  meaning: string;
  /** Snippet body for completion (`${1:rd}, ${2:rs1}`). */
  snippet: string;
  pseudo: boolean;
}

const FORMAT_OPERANDS: Record<Format, string> = {
  R: 'rd, rs1, rs2', I: 'rd, rs1, imm', LOAD: 'rd, offset(rs1)', STORE: 'rs2, offset(rs1)', B: 'rs1, rs2, label',
  U: 'rd, imm20', J: 'rd, label', JALR: 'rd, offset(rs1)', SH6: 'rd, rs1, shamt', SH5: 'rd, rs1, shamt', AMO: 'rd, rs2, (rs1)',
  LR: 'rd, (rs1)', CSR: 'rd, csr, rs1', CSRI: 'rd, csr, uimm5', FENCE: 'pred, succ', NONE: '', SFENCE: 'rs1, rs2', HLV: 'rd, (rs1)', HSV: 'rs2, (rs1)',
};

const MEANING: Record<string, string> = {
  lui: 'rd = imm20 << 12 (sign-extended)', auipc: 'rd = pc + (imm20 << 12)', jal: 'rd = pc + 4; pc = label',
  jalr: 'rd = pc + 4; pc = (rs1 + offset) & ~1',
  beq: 'if rs1 == rs2: pc = label', bne: 'if rs1 != rs2: pc = label', blt: 'if rs1 < rs2 (signed): pc = label',
  bge: 'if rs1 >= rs2 (signed): pc = label', bltu: 'if rs1 < rs2 (unsigned): pc = label', bgeu: 'if rs1 >= rs2 (unsigned): pc = label',
  lb: 'rd = sign-extend(mem8[rs1 + offset])', lh: 'rd = sign-extend(mem16[rs1 + offset])', lw: 'rd = sign-extend(mem32[rs1 + offset])',
  ld: 'rd = mem64[rs1 + offset]', lbu: 'rd = zero-extend(mem8[rs1 + offset])', lhu: 'rd = zero-extend(mem16[rs1 + offset])',
  lwu: 'rd = zero-extend(mem32[rs1 + offset])',
  sb: 'mem8[rs1 + offset] = rs2', sh: 'mem16[rs1 + offset] = rs2', sw: 'mem32[rs1 + offset] = rs2', sd: 'mem64[rs1 + offset] = rs2',
  addi: 'rd = rs1 + imm', slti: 'rd = (rs1 < imm) signed ? 1 : 0', sltiu: 'rd = (rs1 < imm) unsigned ? 1 : 0',
  xori: 'rd = rs1 ^ imm', ori: 'rd = rs1 | imm', andi: 'rd = rs1 & imm',
  slli: 'rd = rs1 << shamt', srli: 'rd = rs1 >> shamt (logical)', srai: 'rd = rs1 >> shamt (arithmetic)',
  add: 'rd = rs1 + rs2', sub: 'rd = rs1 - rs2', sll: 'rd = rs1 << rs2[5:0]', slt: 'rd = (rs1 < rs2) signed ? 1 : 0',
  sltu: 'rd = (rs1 < rs2) unsigned ? 1 : 0', xor: 'rd = rs1 ^ rs2', srl: 'rd = rs1 >> rs2[5:0] (logical)',
  sra: 'rd = rs1 >> rs2[5:0] (arithmetic)', or: 'rd = rs1 | rs2', and: 'rd = rs1 & rs2',
  addiw: 'rd = sign-extend((rs1 + imm)[31:0])', slliw: 'rd = sign-extend((rs1 << shamt)[31:0])',
  srliw: 'rd = sign-extend(rs1[31:0] >> shamt)', sraiw: 'rd = sign-extend(rs1[31:0] >>> shamt)',
  addw: 'rd = sign-extend((rs1 + rs2)[31:0])', subw: 'rd = sign-extend((rs1 - rs2)[31:0])', sllw: 'rd = sign-extend((rs1 << rs2[4:0])[31:0])',
  srlw: 'rd = sign-extend(rs1[31:0] >> rs2[4:0])', sraw: 'rd = sign-extend(rs1[31:0] >>> rs2[4:0])',
  'fence.tso': 'orders loads before loads/stores and stores before stores (TSO fence)', pause: 'hint: spin-wait pause (Zihintpause)',
  fence: 'orders the pred accesses (i, o, r, w) before the succ accesses', 'fence.i': 'makes earlier stores visible to later instruction fetches on this hart',
  ecall: 'environment call: traps to the next privilege level (SBI call from S, hypercall from VS)', ebreak: 'breakpoint trap',
  sret: 'return from an S-mode trap: pc = sepc, privilege = sstatus.SPP, SIE = SPIE', mret: 'return from an M-mode trap: pc = mepc, privilege = mstatus.MPP, MIE = MPIE',
  wfi: 'wait for interrupt (may be a no-op)', 'sfence.vma': 'orders page-table stores before later translations and flushes TLB entries (rs1 = address, rs2 = ASID; x0 = all)',
  'hfence.vvma': 'as sfence.vma for the guest (VS-stage) translations of the current VMID (rs1 = guest virtual address, rs2 = ASID)',
  'hfence.gvma': 'orders G-stage page-table stores and flushes guest-physical translations (rs1 = guest physical address >> 2, rs2 = VMID)',
  mul: 'rd = (rs1 * rs2)[63:0]', mulh: 'rd = (rs1 * rs2)[127:64] signed', mulhsu: 'rd = (rs1 * rs2)[127:64] signed × unsigned',
  mulhu: 'rd = (rs1 * rs2)[127:64] unsigned', div: 'rd = rs1 / rs2 (signed)', divu: 'rd = rs1 / rs2 (unsigned)', rem: 'rd = rs1 % rs2 (signed)',
  remu: 'rd = rs1 % rs2 (unsigned)', mulw: 'rd = sign-extend((rs1 * rs2)[31:0])', divw: 'rd = sign-extend(rs1[31:0] / rs2[31:0]) signed',
  divuw: 'rd = sign-extend(rs1[31:0] / rs2[31:0]) unsigned', remw: 'rd = sign-extend(rs1[31:0] % rs2[31:0]) signed', remuw: 'rd = sign-extend(rs1[31:0] % rs2[31:0]) unsigned',
  csrrw: 'rd = csr; csr = rs1 (atomic swap)', csrrs: 'rd = csr; csr |= rs1 (no write when rs1 is x0)', csrrc: 'rd = csr; csr &= ~rs1 (no write when rs1 is x0)',
  csrrwi: 'rd = csr; csr = uimm5', csrrsi: 'rd = csr; csr |= uimm5 (no write when uimm5 is 0)', csrrci: 'rd = csr; csr &= ~uimm5 (no write when uimm5 is 0)',
  'hlv.b': 'rd = sign-extend(mem8[rs1]) as a VS/VU access (two-stage translation)', 'hlv.bu': 'rd = zero-extend(mem8[rs1]) as a guest access',
  'hlv.h': 'rd = sign-extend(mem16[rs1]) as a guest access', 'hlv.hu': 'rd = zero-extend(mem16[rs1]) as a guest access',
  'hlvx.hu': 'rd = zero-extend(mem16[rs1]) as a guest access needing execute permission', 'hlv.w': 'rd = sign-extend(mem32[rs1]) as a guest access',
  'hlv.wu': 'rd = zero-extend(mem32[rs1]) as a guest access', 'hlvx.wu': 'rd = zero-extend(mem32[rs1]) as a guest access needing execute permission',
  'hlv.d': 'rd = mem64[rs1] as a guest access', 'hsv.b': 'mem8[rs1] = rs2 as a guest access', 'hsv.h': 'mem16[rs1] = rs2 as a guest access',
  'hsv.w': 'mem32[rs1] = rs2 as a guest access', 'hsv.d': 'mem64[rs1] = rs2 as a guest access',
};

function atomicMeaning(name: string): string | undefined {
  const m = /^(lr|sc|amo\w+)\.([wd])(\.aq|\.rl|\.aqrl)?$/.exec(name);
  if (!m) return undefined;
  const width = m[2] === 'w' ? '32' : '64';
  const order = m[3] ? ` (${m[3].slice(1)} ordering)` : '';
  if (m[1] === 'lr') return `rd = mem${width}[rs1] and reserve the address${order}`;
  if (m[1] === 'sc') return `if still reserved: mem${width}[rs1] = rs2, rd = 0; else rd = 1${order}`;
  const op = m[1].slice(3);
  return `atomically: rd = mem${width}[rs1]; mem${width}[rs1] = rd ${op} rs2${order}`;
}

const PSEUDO: Record<string, [string, string]> = {
  nop: ['', 'does nothing (addi x0, x0, 0)'], li: ['rd, imm', 'rd = imm (lui/addi(w)/slli sequence as needed)'],
  la: ['rd, symbol', 'rd = address of symbol (auipc + addi)'], lla: ['rd, symbol', 'rd = address of symbol, pc-relative (auipc + addi)'],
  mv: ['rd, rs', 'rd = rs (addi rd, rs, 0)'], not: ['rd, rs', 'rd = ~rs (xori rd, rs, -1)'], neg: ['rd, rs', 'rd = -rs (sub rd, x0, rs)'],
  negw: ['rd, rs', 'rd = sign-extend(-rs[31:0])'], 'sext.w': ['rd, rs', 'rd = sign-extend(rs[31:0]) (addiw rd, rs, 0)'],
  'zext.b': ['rd, rs', 'rd = rs & 0xff'], seqz: ['rd, rs', 'rd = rs == 0'], snez: ['rd, rs', 'rd = rs != 0'], sltz: ['rd, rs', 'rd = rs < 0'],
  sgtz: ['rd, rs', 'rd = rs > 0'], sgt: ['rd, rs1, rs2', 'rd = rs1 > rs2 (signed)'], sgtu: ['rd, rs1, rs2', 'rd = rs1 > rs2 (unsigned)'],
  beqz: ['rs, label', 'if rs == 0: pc = label'], bnez: ['rs, label', 'if rs != 0: pc = label'], blez: ['rs, label', 'if rs <= 0: pc = label'],
  bgez: ['rs, label', 'if rs >= 0: pc = label'], bltz: ['rs, label', 'if rs < 0: pc = label'], bgtz: ['rs, label', 'if rs > 0: pc = label'],
  bgt: ['rs1, rs2, label', 'if rs1 > rs2 (signed): pc = label'], ble: ['rs1, rs2, label', 'if rs1 <= rs2 (signed): pc = label'],
  bgtu: ['rs1, rs2, label', 'if rs1 > rs2 (unsigned): pc = label'], bleu: ['rs1, rs2, label', 'if rs1 <= rs2 (unsigned): pc = label'],
  j: ['label', 'pc = label (jal x0, label)'], jr: ['rs', 'pc = rs (jalr x0, 0(rs))'], ret: ['', 'return: pc = ra (jalr x0, 0(ra))'],
  call: ['symbol', 'ra = pc + 8; pc = symbol (auipc ra + jalr ra)'], tail: ['symbol', 'pc = symbol without linking (auipc t1 + jalr x0)'],
  jump: ['symbol, rt', 'pc = symbol using rt as the temporary (auipc + jalr x0)'],
  csrr: ['rd, csr', 'rd = csr (csrrs rd, csr, x0: no write)'], csrw: ['csr, rs', 'csr = rs (csrrw x0, csr, rs)'], csrs: ['csr, rs', 'csr |= rs'],
  csrc: ['csr, rs', 'csr &= ~rs'], csrwi: ['csr, uimm5', 'csr = uimm5'], csrsi: ['csr, uimm5', 'csr |= uimm5'], csrci: ['csr, uimm5', 'csr &= ~uimm5'],
  rdcycle: ['rd', 'rd = cycle'], rdtime: ['rd', 'rd = time'], rdinstret: ['rd', 'rd = instret'],
};

function snippetOf(operands: string): string {
  if (!operands) return '';
  let n = 0;
  const slot = (name: string): string => `\${${++n}:${name}}`;
  return operands.split(', ').map((o) => {
    const mem = /^(\w*)\((\w+)\)$/.exec(o);
    if (!mem) return slot(o);
    return mem[1] ? `${slot(mem[1])}(${slot(mem[2])})` : `(${slot(mem[2])})`;
  }).join(', ');
}

export const MNEMONICS: ReadonlyMap<string, MnemonicInfo> = (() => {
  const out = new Map<string, MnemonicInfo>();
  for (const d of INSTRUCTIONS) {
    const operands = FORMAT_OPERANDS[d.format];
    out.set(d.name, { operands, meaning: MEANING[d.name] ?? atomicMeaning(d.name) ?? d.name, snippet: snippetOf(operands), pseudo: false });
  }
  for (const [name, [operands, meaning]] of Object.entries(PSEUDO)) out.set(name, { operands, meaning, snippet: snippetOf(operands), pseudo: true });
  return out;
})();

/** Fields of the CSRs whose layout a kernel writer needs at hand (priv. spec 1.12 + H). */
export const CSR_FIELDS: Record<string, string> = {
  mstatus: 'SIE[1] MIE[3] SPIE[5] UBE[6] MPIE[7] SPP[8] VS[10:9] MPP[12:11] FS[14:13] XS[16:15] MPRV[17] SUM[18] MXR[19] TVM[20] TW[21] TSR[22] UXL[33:32] SXL[35:34] SBE[36] MBE[37] GVA[38] MPV[39] SD[63]',
  sstatus: 'SIE[1] SPIE[5] UBE[6] SPP[8] VS[10:9] FS[14:13] XS[16:15] SUM[18] MXR[19] UXL[33:32] SD[63]',
  vsstatus: 'as sstatus, for VS mode: SIE[1] SPIE[5] SPP[8] SUM[18] MXR[19] UXL[33:32] SD[63]',
  hstatus: 'VSBE[5] GVA[6] SPV[7] SPVP[8] HU[9] VGEIN[17:12] VTVM[20] VTW[21] VTSR[22] VSXL[33:32]',
  satp: 'PPN[43:0] ASID[59:44] MODE[63:60] (0 = Bare, 8 = Sv39, 9 = Sv48)',
  vsatp: 'PPN[43:0] ASID[59:44] MODE[63:60] (guest VS-stage root; 8 = Sv39)',
  hgatp: 'PPN[43:0] VMID[57:44] MODE[63:60] (0 = Bare, 8 = Sv39x4, 9 = Sv48x4; root is 16 KiB aligned)',
  mtvec: 'MODE[1:0] (0 = direct, 1 = vectored) BASE[63:2]', stvec: 'MODE[1:0] (0 = direct, 1 = vectored) BASE[63:2]', vstvec: 'MODE[1:0] BASE[63:2]',
  mie: 'SSIE[1] VSSIE[2] MSIE[3] STIE[5] VSTIE[6] MTIE[7] SEIE[9] VSEIE[10] MEIE[11] SGEIE[12]',
  mip: 'SSIP[1] VSSIP[2] MSIP[3] STIP[5] VSTIP[6] MTIP[7] SEIP[9] VSEIP[10] MEIP[11] SGEIP[12]',
  sie: 'SSIE[1] STIE[5] SEIE[9]', sip: 'SSIP[1] STIP[5] SEIP[9]',
  mcause: 'Interrupt[63] Exception code[62:0]', scause: 'Interrupt[63] Exception code[62:0]',
  medeleg: 'one bit per exception code delegated to S mode', mideleg: 'one bit per interrupt delegated to S mode',
  hedeleg: 'one bit per exception code delegated to VS mode', hideleg: 'one bit per interrupt delegated to VS mode',
  mepc: 'address mret returns to', sepc: 'address sret returns to', menvcfg: 'FIOM[0] CBIE[5:4] CBCFE[6] CBZE[7] PBMTE[62] STCE[63]',
  pmpcfg0: 'eight 8-bit entries: R[0] W[1] X[2] A[4:3] (OFF, TOR, NA4, NAPOT) L[7]',
};

const CSR_PRIVILEGE_TEXT = { U: 'user', S: 'supervisor', H: 'hypervisor (HS)', M: 'machine' } as const;
export const privilegeText = (p: keyof typeof CSR_PRIVILEGE_TEXT): string => CSR_PRIVILEGE_TEXT[p];

export const DIRECTIVES: Record<string, string> = {
  '.section': '.section name[, "flags"[, @type]] — switch to a section (flags a, w, x; @nobits for bss)',
  '.text': 'switch to .text', '.data': 'switch to .data', '.bss': 'switch to .bss', '.rodata': 'switch to .rodata',
  '.pushsection': '.pushsection name — switch, remembering the current section', '.popsection': 'back to the section before .pushsection',
  '.previous': 'back to the previous section', '.globl': '.globl symbol — make a symbol visible to the other files of the link',
  '.global': 'same as .globl', '.weak': '.weak symbol — a global that may be left undefined', '.local': '.local symbol — keep a symbol file-local',
  '.align': '.align n — pad to a 2^n-byte boundary', '.p2align': '.p2align n[, fill[, max]] — pad to a 2^n-byte boundary',
  '.balign': '.balign bytes[, fill[, max]] — pad to a multiple of bytes', '.byte': '.byte expr, … — 8-bit values', '.half': '.half expr, … — 16-bit values',
  '.short': '.short expr, … — 16-bit values', '.word': '.word expr, … — 32-bit values', '.long': '.long expr, … — 32-bit values',
  '.dword': '.dword expr, … — 64-bit values', '.quad': '.quad expr, … — 64-bit values', '.ascii': '.ascii "text" — bytes, no terminator',
  '.asciz': '.asciz "text" — bytes with a NUL terminator', '.string': 'same as .asciz', '.zero': '.zero n[, fill] — n bytes',
  '.space': '.space n[, fill] — n bytes', '.skip': 'same as .space', '.equ': '.equ name, expr — define a constant symbol',
  '.set': '.set name, expr — (re)define a symbol', '.equiv': '.equiv name, expr — define a symbol that must not exist yet',
  '.macro': '.macro name params… — start a macro definition (\\param in the body)', '.endm': 'end of a macro definition',
  '.exitm': 'leave the current macro expansion', '.rept': '.rept n — repeat the block n times', '.irp': '.irp sym, values… — repeat once per value',
  '.irpc': '.irpc sym, chars — repeat once per character', '.endr': 'end of .rept/.irp/.irpc', '.include': '.include "file" — assemble another file here',
  '.option': '.option push|pop|rvc|norvc|relax|norelax|pic|nopic|arch', '.type': '.type symbol, @function|@object', '.size': '.size symbol, expr',
  '.if': '.if expr — assemble the block when expr ≠ 0', '.ifdef': '.ifdef symbol', '.ifndef': '.ifndef symbol', '.else': 'else branch of .if',
  '.elseif': '.elseif expr', '.endif': 'end of .if', '.org': '.org offset[, fill] — move forward to offset in the section', '.end': 'stop assembling this file',
  '.error': '.error "message" — fail with a message', '.warning': '.warning "message" — warn with a message', '.file': 'ignored (debug info)',
};
