/**
 * Deterministic corpus for the GNU `as` oracle: every mnemonic and operand form we accept,
 * immediate-field edges, every CSR name, and many `li` constants. The same text goes through
 * GNU as and through our assembler; the bytes must match.
 */
import { allCsrNames } from '../../../simulator/riscv/isa/csrs';
import { INSTRUCTIONS } from '../../../simulator/riscv/isa/instructions';
import { ABI_NAMES } from '../../../simulator/riscv/isa/registers';

/** xorshift64*: small, seedable, identical on every machine. */
export class Rng {
  private s: bigint;
  constructor(seed: bigint) {
    this.s = seed || 1n;
  }
  next64(): bigint {
    let x = this.s;
    x ^= x >> 12n;
    x ^= (x << 25n) & 0xffffffffffffffffn;
    x ^= x >> 27n;
    this.s = x;
    return (x * 0x2545f4914f6cdd1dn) & 0xffffffffffffffffn;
  }
  int(n: number): number {
    return Number(this.next64() % BigInt(n));
  }
  pick<T>(xs: readonly T[]): T {
    return xs[this.int(xs.length)];
  }
}

export function generateCorpus(seed = 0x5eed5eedn): string {
  const rng = new Rng(seed);
  const L: string[] = [];
  const reg = (): string => (rng.int(4) === 0 ? rng.pick(['zero', 'ra', 'sp', 't6', 'x31', 'fp', 'x0']) : rng.pick(ABI_NAMES));
  const imm12Edges = [-2048, -2047, -1, 0, 1, 2, 2046, 2047];
  const imm12 = (): number => (rng.int(3) === 0 ? rng.pick(imm12Edges) : rng.int(4096) - 2048);
  const byFormat = (f: string): string[] => INSTRUCTIONS.filter((d) => d.format === f).map((d) => d.name);

  L.push('\t.text', '\t.globl _start', '_start:');
  L.push('\t.equ CONST_A, 42', '\t.set CONST_B, CONST_A * 2 + 1', 'CONST_C = -(1 << 11)');

  for (const n of byFormat('R')) {
    for (let k = 0; k < 12; k++) L.push(`\t${n} ${reg()}, ${reg()}, ${reg()}`);
  }
  for (const n of byFormat('I')) {
    for (const v of imm12Edges) L.push(`\t${n} ${reg()}, ${reg()}, ${v}`);
    for (let k = 0; k < 24; k++) L.push(`\t${n} ${reg()}, ${reg()}, ${imm12()}`);
  }
  for (const n of byFormat('SH6')) for (let s = 0; s < 64; s++) L.push(`\t${n} ${reg()}, ${reg()}, ${s}`);
  for (const n of byFormat('SH5')) for (let s = 0; s < 32; s++) L.push(`\t${n} ${reg()}, ${reg()}, ${s}`);
  for (const [n, alt] of [['add', 5], ['and', -3], ['or', 0x7ff], ['xor', -2048], ['slt', 7], ['sltu', 1], ['sll', 63], ['srl', 1], ['sra', 33], ['addw', -1], ['sllw', 31], ['srlw', 0], ['sraw', 17]] as const) {
    L.push(`\t${n} ${reg()}, ${reg()}, ${alt}`);
  }
  for (const n of byFormat('LOAD')) {
    for (const v of imm12Edges) L.push(`\t${n} ${reg()}, ${v}(${reg()})`);
    for (let k = 0; k < 8; k++) L.push(`\t${n} ${reg()}, ${imm12()}(${reg()})`);
    L.push(`\t${n} ${reg()}, (${reg()})`, `\t${n} a0, data_word`, `\t${n} t3, text_label`);
  }
  for (const n of byFormat('STORE')) {
    for (const v of imm12Edges) L.push(`\t${n} ${reg()}, ${v}(${reg()})`);
    for (let k = 0; k < 8; k++) L.push(`\t${n} ${reg()}, ${imm12()}(${reg()})`);
    L.push(`\t${n} ${reg()}, (${reg()})`, `\t${n} a1, data_word, t0`, `\t${n} s1, text_label, t2`);
  }
  for (const n of ['lui', 'auipc']) {
    for (const v of [0, 1, 0x7ffff, 0x80000, 0xfffff, 0x12345]) L.push(`\t${n} ${reg()}, ${v}`);
    for (let k = 0; k < 4; k++) L.push(`\t${n} ${reg()}, ${rng.int(0x100000)}`);
  }

  // Branches and jumps to nearby labels, both directions, through every alias.
  const branches = [...byFormat('B'), 'bgt', 'ble', 'bgtu', 'bleu'];
  const zbranches = ['beqz', 'bnez', 'blez', 'bgez', 'bltz', 'bgtz'];
  L.push('text_label:');
  for (const b of branches) L.push(`1:\t${b} ${reg()}, ${reg()}, 1b`, `\t${b} ${reg()}, ${reg()}, 1f`, `1:\tnop`);
  for (const b of zbranches) L.push(`2:\t${b} ${reg()}, 2b`, `\t${b} ${reg()}, 2f`, `2:\tnop`);
  L.push('3:\tj 3b', '\tj 3f', '\tjal 3b', '\tjal t0, 3f', '\tjal x0, 3b', '3:\tnop');
  // Branch reach edges: -4096 and +4088. GNU as already relaxes a forward branch of +4092 into
  // a reversed branch + jal (it sizes the branch at its relaxed length while deciding); we do not relax.
  L.push('branch_back:', '\t.rept 1023', '\tnop', '\t.endr', '\tbne a0, a1, branch_back', '\tbeq t0, t1, branch_fwd', '\t.rept 1021', '\tnop', '\t.endr', 'branch_fwd:', '\tnop');
  // Jump reach edges: -1 MiB and +1 MiB - 4, over zero-filled gaps.
  L.push('jump_back:', '\t.skip 1048572', '\tnop', '\tjal jump_back', '\tj jump_fwd', '\t.skip 1048568', 'jump_fwd:', '\tnop');

  for (const form of ['jalr a1', 'jalr ra, 0(a0)', 'jalr t0, -2048(t1)', 'jalr s0, 2047(s1)', 'jalr a1, a0', 'jalr a1, a0, 4', 'jalr zero, 0(ra)', 'jalr x5, 12(x6)', 'jr a0', 'jr 8(a1)', 'ret']) {
    L.push(`\t${form}`);
  }
  L.push('\tcall far_target', '\tcall t1, far_target', '\ttail far_target', '\tjump far_target, t2');

  for (const n of [...byFormat('AMO'), ...byFormat('LR'), ...byFormat('HLV'), ...byFormat('HSV')]) {
    const d = INSTRUCTIONS.find((x) => x.name === n);
    if (d?.format === 'AMO') L.push(`\t${n} ${reg()}, ${reg()}, (${reg()})`, `\t${n} ${reg()}, ${reg()}, 0(${reg()})`);
    else L.push(`\t${n} ${reg()}, (${reg()})`, `\t${n} ${reg()}, 0(${reg()})`);
  }

  // Every CSR by name, through each CSR instruction, plus numeric operands.
  const csrOps = ['csrrw', 'csrrs', 'csrrc', 'csrrwi', 'csrrsi', 'csrrci'];
  allCsrNames().forEach((c, i) => {
    for (const op of [csrOps[i % csrOps.length], csrOps[(i + 3) % csrOps.length]]) {
      L.push(op.endsWith('i') ? `\t${op} ${reg()}, ${c}, ${i % 32}` : `\t${op} ${reg()}, ${c}, ${reg()}`);
    }
  });
  for (const c of ['0', '1', '0x7ff', '0x800', '0xfff', '0x747', '3072', 'CONST_A']) L.push(`\tcsrrs a0, ${c}, a1`);
  for (const c of ['mstatus', 'sstatus', 'hstatus', 'vsatp', 'hgatp', 'satp', 'mtval2', 'htinst']) {
    L.push(`\tcsrr a0, ${c}`, `\tcsrw ${c}, t0`, `\tcsrs ${c}, t1`, `\tcsrc ${c}, t2`, `\tcsrwi ${c}, 31`, `\tcsrsi ${c}, 0`, `\tcsrci ${c}, 17`, `\tcsrw ${c}, 5`, `\tcsrs ${c}, 1`, `\tcsrc ${c}, 2`);
  }
  L.push('\trdcycle a0', '\trdtime t1', '\trdinstret s11', '\tcsrrw a0, mscratch, 5');

  L.push('\tecall', '\tebreak', '\tsret', '\tmret', '\twfi', '\tfence', '\tfence rw, rw', '\tfence iorw, iorw', '\tfence r, w', '\tfence w, r', '\tfence io, o', '\tfence i, r', '\tfence.i', '\tfence.tso', '\tpause');
  for (const f of ['sfence.vma', 'hfence.vvma', 'hfence.gvma']) L.push(`\t${f}`, `\t${f} a0`, `\t${f} a0, a1`, `\t${f} zero, t6`);

  // Register-only pseudo-instructions.
  for (const p of ['mv', 'not', 'neg', 'negw', 'sext.w', 'seqz', 'snez', 'sltz', 'sgtz', 'zext.b']) {
    for (let k = 0; k < 4; k++) L.push(`\t${p} ${reg()}, ${reg()}`);
  }
  L.push('\tsgt a0, a1, a2', '\tsgtu t0, t1, t2', '\tnop');

  // li: edges and random 64-bit constants.
  const consts: bigint[] = [
    0n, 1n, -1n, 2047n, 2048n, -2048n, -2049n, 4095n, 4096n, 0x7ffn, 0x800n, 0xfffn, 0x1000n, 0x7ffff800n, 0x7fffffffn,
    0x80000000n, 0xffffffffn, 0x100000000n, 0x7fffffffffffffffn, -0x8000000000000000n, 0xffffffff00000000n,
    0x123456789abcdef0n, 0xfedcba9876543210n, 0x8000000000000001n, 0x0000000100000001n, -0x80000000n, -0x80000001n,
    0xfffffffffffff800n, 0x00000fffffffffffn, 0x0000800000000000n, 0xaaaaaaaaaaaaaaaan, 0x5555555555555555n, 100000000n,
  ];
  for (let k = 0; k < 64; k++) consts.push(1n << BigInt(k), (1n << BigInt(k)) - 1n, -(1n << BigInt(k)));
  for (let k = 0; k < 600; k++) {
    const kind = k % 4;
    const r = rng.next64();
    if (kind === 0) consts.push(r);
    else if (kind === 1) consts.push(r & 0xffffffffn);
    else if (kind === 2) consts.push(BigInt.asIntN(32, r));
    else consts.push(r & rng.next64() & rng.next64());
  }
  for (const c of consts) {
    const v = BigInt.asIntN(64, c);
    L.push(`\tli ${reg()}, ${v < 0n ? `-0x${(-v).toString(16)}` : `0x${v.toString(16)}`}`);
  }
  L.push('\tli a0, CONST_A', '\tli a1, CONST_B', '\tli a2, CONST_C', "\tli a3, 'A'", '\tli a4, 017', '\tli a5, 0b1011', '\tli a6, (1 << 40) | 0x55', '\tli a7, ~0x0f');

  // Addresses and relocation operators.
  L.push('\tla a0, data_word', '\tlla a1, data_word', '\tla t0, _start', '\tlla t1, far_target', '\tla s0, data_word + 12');
  L.push('\tlui a0, %hi(0x12345fff)', '\taddi a0, a0, %lo(0x12345fff)', '\tlui a0, %hi(-0x7ffff801)', '\tlui a0, %hi(CONST_B)', '\tlw a1, %lo(data_word)(a0)', '\tsw a1, %lo(data_word)(a0)');
  L.push('4:\tauipc a2, %pcrel_hi(data_word)', '\taddi a2, a2, %pcrel_lo(4b)', '5:\tauipc a3, %pcrel_hi(far_target)', '\tld a3, %pcrel_lo(5b)(a3)', '\tsd a3, %pcrel_lo(5b)(a3)');
  L.push('\taddi a0, a0, (1 + 2) * 3', '\taddi a0, a0, 100 / 7 - 100 % 7', '\taddi a0, a0, -(0x10 << 2) | 3', '\tandi a0, a0, ~0x7f & 0xff', '\txori a0, a0, 0x55 ^ 0x0f', '\taddi a0, a0, CONST_B - CONST_A', '\taddi a0, a0, 256 >> 4', "\taddi a0, a0, 'z' - 'a'");
  L.push('\t.align 4', '\tnop', '\t.balign 64', '\tnop', '\t.p2align 3', '\tnop');
  // .irpc (one repetition per character) and forward .org with a fill byte.
  L.push('\t.irpc k, 0123', '\taddi a\\k, t\\k, \\k', '\t.endr', '\t.irpc s, 57', '\tslli s\\s, s\\s, 1\\s', '\t.endr');
  L.push('org_here:', '\tnop', '\t.org . + 12', '\tnop', '\t.org org_here + 64', '\tnop');
  L.push('far_target:', '\tret');

  L.push('\t.data', 'data_word:', '\t.word 0x12345678, -1', '\t.dword 0x1122334455667788', '\t.byte 1, 2, 3', '\t.half 0x1234', '\t.align 3', '\t.quad _start, far_target', '\t.ascii "ab\\n"', '\t.asciz "hi"', '\t.string "x"', '\t.zero 5', '\t.balign 8', '\t.8byte data_word', '\t.org 0x80, 0x11', '\t.byte 7', '\t.org 0x90');
  return L.join('\n') + '\n';
}
