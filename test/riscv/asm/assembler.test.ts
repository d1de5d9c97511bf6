import { strict as assert } from 'node:assert';
import { assemble, parseSource, type AsmOptions } from '../../../simulator/riscv/asm';
import { lexLine } from '../../../simulator/riscv/asm/lexer';
import { liSteps } from '../../../simulator/riscv/asm/li';
import type { Image } from '../../../simulator/riscv/image';

function words(src: string, opts: AsmOptions = {}, section = '.text'): number[] {
  const r = assemble([{ path: 't.s', text: src }], opts);
  assert.deepEqual(r.diagnostics.filter((d) => d.severity === 'error').map((d) => d.message), []);
  const s = (r.image as Image).sections.find((x) => x.name === section);
  assert.ok(s, `section ${section}`);
  const out: number[] = [];
  for (let i = 0; i + 4 <= s.size; i += 4) out.push((s.data[i] | (s.data[i + 1] << 8) | (s.data[i + 2] << 16) | (s.data[i + 3] << 24)) >>> 0);
  return out;
}

function errors(src: string, opts: AsmOptions = {}): string[] {
  const r = assemble([{ path: 't.s', text: src }], opts);
  assert.equal(r.image, undefined);
  return r.diagnostics.filter((d) => d.severity === 'error').map((d) => `${d.range.line}:${d.range.column}-${d.range.endColumn} ${d.message}`);
}

describe('RV64 assembler', () => {
  describe('errors are located and worded plainly', () => {
    it('immediate out of range', () => {
      assert.deepEqual(errors('  addi a0, a0, 5000'), ['1:16-20 immediate 5000 does not fit the 12-bit signed field of addi (-2048..2047)']);
    });
    it('unknown mnemonic suggests the closest', () => {
      assert.deepEqual(errors('addd a0, a1, a2'), ["1:1-5 unknown instruction 'addd'; did you mean 'add'?"]);
    });
    it('unknown CSR, operand count, operand kind', () => {
      assert.deepEqual(errors('csrr a0, mstatuz\nadd a0, a1\nadd a0, a1, 5(a2)'), [
        "1:10-17 unknown CSR 'mstatuz'",
        '2:1-11 add takes 3 operands, got 2',
        '3:13-18 add expects an immediate, got a memory operand',
      ]);
    });
    it('several errors per file, the good lines still assemble', () => {
      const e = errors('nop\nfoo a0\nnop\nslli a0, a0, 64\nbeq a0, a1\n');
      assert.equal(e.length, 3);
      assert.ok(e.includes('4:14-16 shift amount 64 is out of range for slli (0..63)'), e.join('\n'));
      assert.ok(e.includes("2:1-4 unknown instruction 'foo'"), e.join('\n'));
      assert.ok(e.includes('5:1-11 beq takes 3 operands, got 2'), e.join('\n'));
    });
    it('branch out of reach, undefined symbol, duplicate label', () => {
      assert.deepEqual(errors('x: beq a0, a1, far\n.skip 5000\nfar: j nowhere\nx: nop'), [
        "4:1-2 duplicate label 'x'",
        '1:16-19 branch target out of reach of beq: offset 5004 is outside -4096..4094',
        "3:8-15 undefined symbol 'nowhere'",
      ]);
    });
  });

  describe('expressions and symbols', () => {
    it('GNU precedence, bases, char literals, .equ/.set/=', () => {
      const w = words(".equ A, 3\n.set B, A*2\nC = B - 1\naddi a0, x0, 1 + 2 * 3\naddi a0, x0, 0x10 | 0b11\naddi a0, x0, 010\naddi a0, x0, 'a'\naddi a0, x0, C\naddi a0, x0, -(1<<4)\n");
      assert.deepEqual(w.map((x) => x >> 20), [7, 19, 8, 97, 5, -16]);
    });
    it('%hi/%lo and %pcrel_hi/%pcrel_lo', () => {
      const w = words('lui a0, %hi(0x12345fff)\naddi a0, a0, %lo(0x12345fff)\n1: auipc a1, %pcrel_hi(d)\naddi a1, a1, %pcrel_lo(1b)\n.data\nd: .word 1', {});
      assert.equal(w[0] >>> 12, 0x12346);
      assert.equal(w[1] >> 20, -1);
      // .data is at 0x80001000, the auipc at 0x80000008: delta 0xff8.
      assert.equal(w[2] >>> 12 & 0xfffff, 1);
      assert.equal(w[3] >> 20, -8);
    });
  });

  describe('local labels and macros', () => {
    it('1b/1f pick the nearest definition', () => {
      const w = words('1: nop\n1: beq a0, a1, 1b\nbne a0, a1, 1f\n1: nop');
      assert.equal(w[1], 0x00b50063); // its own line's label: offset 0
      assert.equal(w[2], 0x00b51263); // +4
    });
    it('macros: arguments, defaults, \\@, .exitm, nesting, .rept', () => {
      const src = [
        '.macro addk reg, k=1',
        '  addi \\reg, \\reg, \\k',
        '.endm',
        '.macro twice r',
        '  addk \\r',
        '  .exitm',
        '  addk \\r, 99',
        '.endm',
        'addk a0, 5',
        'addk a1',
        'twice a2',
        '.rept 2',
        'nop',
        '.endr',
      ].join('\n');
      const w = words(src);
      assert.deepEqual(w, [0x00550513, 0x00158593, 0x00160613, 0x13, 0x13]);
    });
    it('.irpc repeats per character; .org moves forward with a fill and refuses to move back', () => {
      assert.deepEqual(words('.irpc k, 12\naddi a\\k, zero, \\k\n.endr\n'), [0x00100593, 0x00200613]);
      const r = assemble([{ path: 't.s', text: '.data\n.byte 1\n.org 4, 0xee\n.byte 2\n' }]);
      assert.deepEqual([...(r.image as Image).sections[0].data], [1, 0xee, 0xee, 0xee, 2]);
      assert.deepEqual(errors('nop\nnop\n.org 4'), ['3:6-7 .org 4 would move backwards in .text (already at 8)']);
    });
    it('errors inside a macro point at the call site and the body line', () => {
      const r = assemble([{ path: 'm.s', text: '.macro bad\n addi a0, a0, 9999\n.endm\n  bad\n' }]);
      const d = r.diagnostics[0];
      assert.equal(d.range.line, 4);
      assert.match(d.message, /9999/);
      assert.equal(d.related?.[0].range.line, 2);
    });
  });

  describe('preprocessor', () => {
    it('#define/#ifdef/#if/#include and the benchmark loop.S idioms', () => {
      const files: Record<string, string> = { 'inc/defs.h': '#define VAL 7\n' };
      const src = '#include "inc/defs.h"\n#ifndef N\n#define N 100\n#endif\n#if defined(VAL) && VAL > 5\nli a0, N\n#else\nli a0, 1\n#endif\n#ifdef QEMU\nnop\n#endif\n# a comment line\n/* block\ncomment */ li a1, VAL // tail\n';
      const w = words(src, { readFile: (p) => files[p] });
      assert.deepEqual(w, [0x06400513, 0x00700593]);
      assert.deepEqual(words(src, { readFile: (p) => files[p], defines: { N: '3', QEMU: '1' } }), [0x00300513, 0x13, 0x00700593]);
    });
    it('#define is substituted in macro arguments even when the macro was defined before it (as cpp does)', () => {
      const src = '.macro setk r, k\n  li \\r, \\k\n.endm\n.macro outer k\n  setk a1, \\k\n.endm\n#define K 7\n#define KK (K + 1)\nsetk a0, KK\nouter K\nsetk a2, "K"\n';
      assert.deepEqual(words(src.replace('setk a2, "K"\n', '')), [0x00800513, 0x00700593]);
      assert.match(errors(src)[0], /^11:/);
    });
    it('.include resolves relative to the including file', () => {
      const files: Record<string, string> = { 'src/sub/a.s': '.include "b.s"\n', 'src/sub/b.s': 'nop\n' };
      const r = assemble([{ path: 'src/main.s', text: '.include "sub/a.s"\nret\n' }], { readFile: (p) => files[p] });
      assert.deepEqual(r.diagnostics, []);
      assert.equal(r.image?.sections[0].size, 8);
      assert.match(errors('.include "missing.s"')[0], /cannot find include file "missing.s"/);
    });
  });

  describe('linking and layout', () => {
    it('links files by .globl symbol; sections flow on 4 KiB boundaries', () => {
      const r = assemble([
        { path: 'a.s', text: '.section .text.init\n.globl _start\n_start: call f\n.data\nx: .word 1\n' },
        { path: 'b.s', text: '.text\n.globl f\nf: la a0, y2\nret\n.data\n.globl y2\ny2: .word 2\n.bss\nbuf: .zero 64\n' },
      ]);
      assert.deepEqual(r.diagnostics, []);
      const img = r.image as Image;
      assert.deepEqual(img.sections.map((s) => [s.name, s.address.toString(16), s.size]), [
        ['.text.init', '80000000', 8], ['.text', '80001000', 12], ['.data', '80002000', 8], ['.bss', '80003000', 64],
      ]);
      assert.equal(img.entry, 0x80000000n);
      assert.equal(img.symbols.find((s) => s.name === 'y2')?.value, 0x80002004n);
      assert.equal(img.sections[2].progbits, true);
      assert.equal(img.sections[3].progbits, false);
    });
    it('duplicate globals and undefined symbols are located errors', () => {
      const r = assemble([
        { path: 'a.s', text: '.globl f\nf: j g\n' },
        { path: 'b.s', text: '.globl f\nf: nop\n' },
      ]);
      const msgs = r.diagnostics.map((d) => `${d.range.file}:${d.range.line} ${d.message}`);
      assert.ok(msgs.includes("b.s:2 duplicate symbol 'f': also defined as global in a.s"), msgs.join('\n'));
      assert.ok(msgs.includes("a.s:2 undefined symbol 'g'"), msgs.join('\n'));
    });
    it('explicit section addresses override the flow', () => {
      const r = assemble([{ path: 'a.s', text: 'nop\n.data\n.word 1' }], { sectionAddresses: { '.data': 0x90000000n } });
      assert.equal(r.image?.sections[1].address, 0x90000000n);
    });
  });

  describe('source map', () => {
    it('has one entry per instruction (pseudo expansions included) and per data item', () => {
      const r = assemble([{ path: 's.s', text: 'li a0, 0x12345678\nnop\n.data\n.word 1, 2\n.asciz "hi"\n' }]);
      const m = (r.image as Image).sourceMap.map((e) => [e.address.toString(16), e.length, e.range.line, e.isInstruction]);
      assert.deepEqual(m, [
        ['80000000', 4, 1, true], ['80000004', 4, 1, true], ['80000008', 4, 2, true],
        ['80001000', 4, 4, false], ['80001004', 4, 4, false], ['80001008', 3, 5, false],
      ]);
    });
  });

  describe('li expansion (same sequences as GNU as)', () => {
    const show = (v: bigint): string => liSteps(v).map((s) => `${s.op} ${s.imm}`).join('; ');
    it('small, 32-bit and 64-bit constants', () => {
      assert.equal(show(5n), 'addi 5');
      assert.equal(show(0x12345n), 'lui 18; addiw 837');
      assert.equal(show(0x80000000n), 'addiw 1; slli 31');
      assert.equal(show(-0x8000000000000000n), 'addiw -1; slli 63');
      assert.equal(show(0x7fffffffffffffffn), 'addiw -1; slli 63; addi -1');
      assert.equal(show(0xffffffffn), 'addiw 1; slli 32; addi -1');
    });
  });

  describe('parseSource (language-server entry point)', () => {
    it('gives ranges for labels, references, macros and includes, and recovers from bad lines', () => {
      const p = parseSource('p.s', '#include "x.h"\nstart: j end\n  addi a0, a0, (\n.macro m a\n  nop\n.endm\nend: la a0, start\n');
      assert.deepEqual(p.labels.map((l) => [l.name, l.range.line]), [['start', 2], ['end', 7]]);
      assert.deepEqual(p.references.map((r) => [r.name, r.range.line, r.range.column]), [['end', 2, 10], ['start', 7, 13]]);
      assert.ok(p.nodes.some((n) => n.kind === 'macro' && n.name === 'm' && n.body.length === 1));
      assert.ok(p.nodes.some((n) => n.kind === 'include' && n.path === 'x.h'));
      assert.equal(p.diagnostics.filter((d) => d.range.line === 3).length, 1);
    });
  });
});

describe('lexer and line parser (chevrotain)', () => {
  const tokens = (line: string): string[] => lexLine(line, 'l.s', 1).tokens.map((t) => `${t.kind}:${t.text}${t.value !== undefined ? `=${t.value}` : ''}`);
  const parse = (src: string): { nodes: string[]; errors: string[] } => {
    const p = parseSource('l.s', src);
    return {
      nodes: p.nodes.flatMap((n) => (n.kind === 'statement' ? [n.statement.kind === 'instruction' ? n.statement.mnemonic : n.statement.kind === 'label' ? `${n.statement.name}:` : n.statement.name] : [])),
      errors: p.diagnostics.map((d) => `${d.range.line}:${d.range.column}-${d.range.endColumn} ${d.message}`),
    };
  };
  it('numbers in every base, char literals, strings with escapes, %operators, local refs', () => {
    assert.deepEqual(tokens("li a0, 0x1F + 0b101 - 017 * 9 + '\\n' + 'A' # comment"), [
      'ident:li', 'ident:a0', 'punct:,', 'num:0x1F=31', 'punct:+', 'num:0b101=5', 'punct:-', 'num:017=15', 'punct:*', 'num:9=9', 'punct:+', 'char:\'\\n\'=10', 'punct:+', "char:'A'=65",
    ]);
    assert.deepEqual(tokens('lw a0, %lo(x)(a1); j 1b // c'), ['ident:lw', 'ident:a0', 'punct:,', 'reloc:lo', 'punct:(', 'ident:x', 'punct:)', 'punct:(', 'ident:a1', 'punct:)', 'punct:;', 'ident:j', 'localref:1b']);
    assert.deepEqual(lexLine('.ascii "a\\"b\\x41\\101\\n"', 'l.s', 1).tokens[1].bytes, [97, 34, 98, 65, 65, 10]);
    assert.deepEqual(lexLine('x0 x31 a0b fp.x', 'l.s', 1).tokens.map((t) => t.tokenType.name), ['Register', 'Register', 'PlainIdentifier', 'PlainIdentifier']);
  });
  it('lexical errors are located per character, the rest of the line still lexes', () => {
    const r = lexLine('nop ` 12ab "open', 'l.s', 3);
    assert.deepEqual(r.diagnostics.map((d) => `${d.range.column}-${d.range.endColumn} ${d.message}`), ["5-6 unexpected character '`'", "7-11 bad number '12ab'", '12-17 unterminated string']);
  });
  it('labels, memory operands, %lo(sym)(reg), directives, NAME = expr', () => {
    assert.deepEqual(parse('a: 1: lw a0, %lo(x)(a1) ; sd a0, (sp)\n.section .text.init, "ax", @progbits\nN = 3 * (2 + 1)\n').nodes, ['a:', '1:', 'lw', 'sd', '.section', 'N']);
  });
  it('recovers from a bad statement at the next ";" and the next line', () => {
    const r = parse('5 6 ; nop\naddi a0, a0, (\nA = 1 2\nlui a0, %hi x\nret');
    assert.deepEqual(r.nodes, ['nop', 'lui', 'ret']);
    assert.deepEqual(r.errors, [
      "1:1-2 expected an instruction, directive or label, found '5'",
      "2:14-15 ')' expected",
      "3:7-8 unexpected '2' after expression",
      "4:13-14 '(' expected after %hi",
    ]);
  });
});
