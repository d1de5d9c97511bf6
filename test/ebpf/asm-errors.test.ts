/**
 * What the chevrotain statement parser must keep from the hand-written one it replaced: the exact
 * message and columns of each kind of bad statement in both syntaxes, per-line recovery (every
 * bad line reported, every good line assembled at its slot), and the ranges the language server
 * reads (labels, references, maps, directives).
 */
import { strict as assert } from 'node:assert';
import { assemble, assembleOrThrow } from '../../simulator/ebpf/asm/assembler';
import * as I from '../../simulator/ebpf/isa';

/** `column-endColumn message` of each diagnostic of a one-line program. */
function located(line: string): string[] {
  return assemble(line, { file: 'e.hcb' }).diagnostics.map((d) => `${d.range.column}-${d.range.endColumn} ${d.message}`);
}

const KERNEL_ERRORS: [string, string][] = [
  ['r0 = *(u32 *)(r1 + 4', "21-22 expected ')' at the end of the line"],
  ['r0 = *(u32 *)(r11 + 4)', "15-18 expected a base register, found 'r11'"],
  ['r0 = *(u128 *)(r1 + 4)', "8-12 'u128' is not a memory type (u8, u16, u32, u64, s8, s16, s32)"],
  ['r1 = *(u32 *)(r1 4)', "18-19 expected ')', found '4'"],
  ['w0 = *(u64 *)(r1 + 0)', '1-3 loads write the whole rN register'],
  ['r0 = *(s64 *)(r1 + 0)', '8-11 there is no sign-extending 64-bit load; use u64'],
  ['*(s32 *)(r10 - 4) = 1', '3-6 stores take an unsigned type (u8, u16, u32, u64)'],
  ['*(u32 *)(r10 - 8) == 1', "19-21 expected '=', found '=='"],
  ['r1 += w2', '7-9 mixing r1 and w2: use both rN or both wN'],
  ['w1 = r2', '6-8 mixing w1 and r2: use both rN or both wN'],
  ['r1 += *(u32 *)(r2 + 0)', "7-8 expected an immediate, found '*'"],
  ['r1 (s8)= r2', "4-5 '(' is not an assignment operator"],
  ['r1 = (u8)r2', "6-7 expected a value, found '('"],
  ['r1 = ', '5-6 expected a value after ='],
  ['r1 = 0x100000000', "6-17 immediate 0x1_0000_0000 does not fit the signed 32-bit field of mov (add 'll' for a 64-bit load)"],
  ['r1 = 0x10000000000000000 ll', '6-25 immediate 0x1_0000_0000_0000_0000 does not fit the 64 bits of lddw'],
  ['r1 = toString(1) ll', "14-15 expected 'll', found '('"],
  ['r1 = -r2', '7-9 neg works in place: write r1 = -r1'],
  ['r1 = be16 r2', '11-13 byte swaps work in place: write r1 = be16 r1'],
  ['if r1 > w2 goto +1', '9-11 both registers of a comparison must be rN (64-bit) or both wN (32-bit)'],
  ['if r1 ~ 2 goto +1', "7-8 '~' is not a comparison (==, !=, >, >=, <, <=, s>, s>=, s<, s<=, &)"],
  ['if r1 > 2 goto', '15-16 expected a jump target (a label or +N)'],
  ['if r1 > 2 got +1', "11-14 expected 'goto', found 'got'"],
  ['goto +40000', '6-12 jump offset 40000 does not fit the signed 16-bit offset field'],
  ['gotol +0x80000000', '7-18 jump offset 2147483648 does not fit 32 bits'],
  ['lock *(u16 *)(r1 + 0) += r2', '8-11 atomic operations are on u32 or u64 only'],
  ['lock *(u64 *)(r1 + 0) -= r2', "23-25 '-=' is not an atomic operation (+=, |=, &=, ^=)"],
  ['r1 = atomic_fetch_add((u64 *)(r2 + 0), r3)', '1-3 the fetched value goes back to the source register: write r3 = atomic_fetch_add(…, r3)'],
  ['r1 = cmpxchg_64(r2 + 0, r1, r3)', '25-27 cmpxchg compares with r0'],
  ['call', '5-6 call needs a helper, a function label or a register'],
  ['call local', '11-12 expected a function label at the end of the line'],
  ['exit r0', "6-8 unexpected 'r0' after the instruction"],
  ['frob r1', "1-5 unknown instruction 'frob'"],
  // names JavaScript objects inherit are not mnemonics or operators
  ['constructor %r1, 2', "1-12 unknown instruction 'constructor'"],
  ['r1 toString 5', "4-12 'toString' is not an assignment operator"],
  // the lexer's errors
  ['r1 = 12ab', "6-10 '12ab' is not a number"],
  ['r1 = %foo', "6-10 '%foo' is not a register (r0 to r10)"],
  ['r1 = 1 @@', "8-9 unexpected character '@' | 9-10 unexpected character '@'"],
];

const UBPF_ERRORS: [string, string][] = [
  ['ldxw %r0, [%r1+4', "17-18 expected ']' at the end of the line"],
  ['ldxw %r0 [%r1+4]', "10-11 expected ',', found '['"],
  ['ldxw %r0, %r1', "11-14 expected '[', found '%r1'"],
  ['ldxdw %r0, [%r1+0x8000]', '16-23 offset 32768 does not fit the signed 16-bit offset field'],
  ['ldxq %r0, [%r1]', "1-5 unknown instruction 'ldxq'"],
  ['stxw [%r1+4], 5', "15-16 expected a register, found '5'"],
  ['stw [%r1+4], %r2', "14-17 expected an immediate, found '%r2'"],
  ['add32 %r1', "10-11 expected ',' at the end of the line"],
  ['add32 , %r1', "7-8 expected a register, found ','"],
  ['add32 %r1, 0x100000000', '12-23 immediate 0x1_0000_0000 does not fit the signed 32-bit field of add32'],
  ['mov32 %r1, %r2, %r3', "15-16 unexpected ',' after the instruction"],
  ['neg %r1, 2', "8-9 unexpected ',' after the instruction"],
  ['jgt %r1, 2', "11-12 expected ',' at the end of the line"],
  ['jgt %r1, 2, +40000', '13-19 jump offset 40000 does not fit the signed 16-bit offset field'],
  ['ja', '3-4 expected a jump target (a label or +N)'],
  ['lddw %r1', "9-10 expected ',' at the end of the line"],
  ['lock frob [%r10-8], %r1', "6-10 'frob' is not an atomic operation (add, or, and, xor, xchg, cmpxchg)"],
  ['lock add [%r10-8]', "18-19 expected ',' at the end of the line"],
  ['be16', '5-6 expected a register at the end of the line'],
  ['call local +', '13-14 expected a slot offset at the end of the line'],
];

const DIRECTIVE_ERRORS: [string, string][] = [
  ['.map m, array, 4, , 8', "19-20 expected an argument, found ','"],
  ['.map m, array, 4, 8,', '21-22 expected an argument at the end of the line'],
  ['.event', '1-7 .event takes 1 argument, not 0'],
  ['.map m, tree, 4, 4, 1', "9-13 unknown map type 'tree' (array or hash)"],
  ['.frob 1', "1-6 unknown directive '.frob' (.event, .map, .range)"],
  ['.range 5, 1', '1-12 the guest range must be start < end within 64 bits'],
];

describe('eBPF assembler parser: located errors and recovery', function () {
  for (const [group, table] of [
    ['kernel syntax', KERNEL_ERRORS],
    ['ubpf syntax', UBPF_ERRORS],
    ['directives', DIRECTIVE_ERRORS],
  ] as const) {
    it(`names the problem and its columns for bad statements in the ${group}`, function () {
      for (const [line, want] of table) assert.deepEqual(located(line).join(' | '), want, line);
    });
  }

  it('reports every bad line of a program, in order, and still assembles the good ones at their slots', function () {
    const source = [
      'start:',
      '  r0 = 0', // slot 0
      '  r1 = *(u32 *)(r1 + 4', // bad
      '  ldxw %r2, [%r1+4]', // slot 1
      'mid: frob r1', // bad, but its label still names slot 2
      '  add32 %r2, , 3', // bad
      '  r3 = 0x123456789 ll', // slots 2-3
      '  if r2 > 5 goto mid', // slot 4
      '  r4 += w5', // bad
      '  jgt %r2, 1, start', // slot 5
      '  exit', // slot 6
    ].join('\n');
    const r = assemble(source, { file: 'rec.hcb' });
    assert.deepEqual(
      r.diagnostics.map((d) => `${d.range.line}:${d.range.column}-${d.range.endColumn} ${d.message}`),
      [
        "3:23-24 expected ')' at the end of the line",
        "5:6-10 unknown instruction 'frob'",
        "6:14-15 expected an immediate, found ','",
        '9:9-11 mixing r4 and w5: use both rN or both wN',
      ],
    );
    assert.deepEqual(
      r.insns.map((x) => [x.range.line, x.insn.slot]),
      [
        [2, 0],
        [4, 1],
        [7, 2],
        [8, 4],
        [10, 5],
        [11, 6],
      ],
    );
    // the jump to `mid` lands on the instruction after the bad line (slot 2): off = 2 - (4 + 1)
    const jump = r.insns.find((x) => x.range.line === 8)?.insn;
    assert.equal(jump?.off, -3);
    const back = r.insns.find((x) => x.range.line === 10)?.insn;
    assert.equal(back?.off, -6);
    assert.deepEqual(
      r.labels.map((l) => [l.name, l.slot, l.range.line, l.range.column, l.range.endColumn]),
      [
        ['start', 0, 1, 1, 6],
        ['mid', 2, 5, 1, 4],
      ],
    );
  });

  it('keeps a bad line from hiding the next one: each line gets its own first error', function () {
    const lines = KERNEL_ERRORS.map(([l]) => l).concat(UBPF_ERRORS.map(([l]) => l));
    const r = assemble(lines.join('\n'), { file: 'many.hcb' });
    // every line reports (the `@@` line twice: one error per character)
    const perLine = new Map<number, number>();
    for (const d of r.diagnostics) perLine.set(d.range.line, (perLine.get(d.range.line) ?? 0) + 1);
    for (let k = 1; k <= lines.length; k++) assert.ok((perLine.get(k) ?? 0) >= 1, `line ${k} '${lines[k - 1]}' reported nothing`);
    assert.equal(r.insns.length, 0);
  });

  it('gives the language server the ranges of statements, labels and references', function () {
    const source = ['.map counts, hash, 8, 8, 4', '<entry>: r1 = counts ll', 'again: call map_lookup_elem', '  if r0 == 0 goto again', '  call local fn', '  exit', 'fn: r0 = map_value(counts) + 8 ll', '  exit'].join('\n');
    const r = assembleOrThrow(source, { file: 'ls.hcb' });
    const at = (x: { range: { line: number; column: number; endColumn: number } }): string => `${x.range.line}:${x.range.column}-${x.range.endColumn}`;
    assert.deepEqual(r.labels.map((l) => `${l.name}@${at(l)}`), ['entry@2:2-7', 'again@3:1-6', 'fn@7:1-3']);
    assert.deepEqual(r.insns.map(at), ['2:10-24', '3:8-28', '4:3-24', '5:3-16', '6:3-7', '7:5-34', '8:3-7']);
    assert.deepEqual(
      r.references.map((x) => `${x.kind}:${x.name}@${at(x)}->${x.target}`),
      ['map:counts@2:15-21->0', 'helper:map_lookup_elem@3:13-28->1', 'label:again@4:19-24->2', 'function:fn@5:14-16->6', 'map:counts@7:20-26->0'],
    );
    assert.equal(r.maps[0].nameRange.column, 6);
    assert.equal(r.maps[0].nameRange.endColumn, 12);
    const value = r.program.insns[r.program.insns.length - 2];
    assert.ok(I.isLddw(value) && value.src === I.PSEUDO_MAP_IDX_VALUE && value.imm2 === 8);
  });

  it('gives independent results when lines repeat (the line cache shares parses, never instructions)', function () {
    const body = ['  if r1 > 2 goto out', '  r0 = 1', 'out:', '  exit'];
    const a = assembleOrThrow(body.join('\n'));
    a.program.insns[0].off = 99; // a caller may do what it likes with its result
    // the same lines later in another program: other slots, other jump offsets
    const b = assembleOrThrow(['  r0 = 0', '  r0 = 0', ...body].join('\n'));
    assert.equal(b.program.insns[2].off, 1);
    assert.equal(b.program.insns[2].slot, 2);
    assert.equal(a.program.insns[0].slot, 0);
    const again = assembleOrThrow(body.join('\n'));
    assert.deepEqual(again.program.insns[0], { opcode: I.BPF_JMP | I.BPF_JGT | I.BPF_K, dst: 1, src: 0, off: 1, imm: 2, slot: 0 });
    assert.deepEqual(again.labels[0].range, { file: '<input>', line: 3, column: 1, endLine: 3, endColumn: 4 });
    // a repeated bad line is reported on each of its lines
    const bad = assemble('frob\nexit\nfrob', { file: 'b.hcb' });
    assert.deepEqual(bad.diagnostics.map((d) => d.range.line), [1, 3]);
  });

  it('reads every instruction form the same way in both syntaxes', function () {
    const pairs: [string, string][] = [
      ['w1 = w2', 'mov32 %r1, %r2'],
      ['r1 s/= -3', 'sdiv %r1, -3'],
      ['w1 s%= w2', 'smod32 %r1, %r2'],
      ['r1 s>>= 7', 'arsh %r1, 7'],
      ['w1 = -w1', 'neg32 %r1'],
      ['r1 = (s16)r2', 'movsx1664 %r1, %r2'],
      ['w1 = (s8)w2', 'movsx832 %r1, %r2'],
      ['r1 = le64 r1', 'le64 %r1'],
      ['r1 = bswap16 r1', 'bswap16 %r1'],
      ['r1 = *(s32 *)(r2 - 4)', 'ldxsw %r1, [%r2-4]'],
      ['*(u16 *)(r10 - 2) = 0x7fff', 'sth [%r10-2], 0x7fff'],
      ['*(u8 *)(r10 - 1) = r3', 'stxb [%r10-1], %r3'],
      ['lock *(u32 *)(r10 - 8) |= w1', 'lock or32 [%r10-8], %r1'],
      ['w1 = atomic_fetch_xor((u32 *)(r10 - 8), w1)', 'lock fetch xor32 [%r10-8], %r1'],
      ['r1 = xchg_64(r10 - 8, r1)', 'lock xchg [%r10-8], %r1'],
      ['r0 = cmpxchg_64(r10 - 8, r0, r2)', 'lock cmpxchg [%r10-8], %r2'],
      ['if w1 s<= -5 goto +0', 'jsle32 %r1, -5, +0'],
      ['if r1 & r2 goto +0', 'jset %r1, %r2, +0'],
      ['gotol +0', 'ja32 +0'],
      ['r1 = -1 ll', 'lddw %r1, -1'],
      ['r1 = map_fd(3) ll', 'lddw %r1, map_fd(3)'],
      ['callx r2', 'callx %r2'],
    ];
    for (const [kernel, ubpf] of pairs) {
      const a = assembleOrThrow(`${kernel}\nexit`).bytes;
      const b = assembleOrThrow(`${ubpf}\nexit`).bytes;
      assert.deepEqual(a, b, `${kernel}  vs  ${ubpf}`);
    }
  });
});
