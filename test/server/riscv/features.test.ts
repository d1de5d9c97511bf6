import type { DocumentSymbol, Hover, MarkupContent, Range } from 'vscode-languageserver';
import { riscvGuestLanguage as L } from '../../../server/riscv';
import { expect } from './expect';
import { MemoryWorkspace, lines } from './workspace';

const text = (h: Hover | null | undefined): string => (h ? (h.contents as MarkupContent).value : '');
const SRC = lines(
  '  .equ LIMIT, 3',          // 0
  '  .macro twice reg',       // 1
  '  addi \\reg, \\reg, 1',   // 2
  '  addi \\reg, \\reg, 1',   // 3
  '  .endm',                  // 4
  '  .text',                  // 5
  '  .globl _start',          // 6
  '_start:',                  // 7
  '  addi a1, a0, 1',         // 8
  '  twice a0',               // 9
  '1:',                       // 10
  '  addi a0, a0, -1',        // 11
  '  bnez a0, 1b',            // 12
  '  li t0, LIMIT',           // 13
  '  csrw satp, t0',          // 14
  '  sfence.vma',             // 15
  '  j _start',               // 16
);

function ws(): MemoryWorkspace {
  return new MemoryWorkspace({ '/w/f.S': SRC });
}

describe('riscv-guest hover', () => {
  it('shows an instruction\'s operands, meaning and the bytes of this line', () => {
    const w = ws();
    expect(text(L.hover?.(w.doc('/w/f.S'), { line: 8, character: 3 }, w.ctx))).to.equal(
      '**addi** rd, rs1, imm\n\nrd = rs1 + imm\n\n```\n0x80000000: 93 05 15 00   add a1,a0,1\n```');
  });
  it('shows a macro call\'s expansion', () => {
    const w = ws();
    const h = text(L.hover?.(w.doc('/w/f.S'), { line: 9, character: 3 }, w.ctx));
    expect(h).to.equal('**macro twice** reg (defined at line 2)\n\nExpands here to:\n\n```\n0x80000004: 13 05 15 00   add a0,a0,1\n0x80000008: 13 05 15 00   add a0,a0,1\n```');
  });
  it('shows registers, CSRs with fields, symbols with value and definition, local labels', () => {
    const w = ws();
    const d = w.doc('/w/f.S');
    expect(text(L.hover?.(d, { line: 8, character: 8 }, w.ctx))).to.equal('**x11 / a1** — argument / return value (caller-saved)');
    expect(text(L.hover?.(d, { line: 14, character: 8 }, w.ctx))).to.equal('**satp** — CSR 0x180, supervisor level, read/write\n\nFields: PPN[43:0] ASID[59:44] MODE[63:60] (0 = Bare, 8 = Sv39, 9 = Sv48)');
    expect(text(L.hover?.(d, { line: 13, character: 10 }, w.ctx))).to.equal('**LIMIT** = 0x3 (constant)\n\nDefined at line 1:\n```riscv-guest\n.equ LIMIT, 3\n```');
    expect(text(L.hover?.(d, { line: 16, character: 5 }, w.ctx))).to.equal('**_start** = 0x80000000 in .text, global\n\nDefined at line 8:\n```riscv-guest\n_start:\n```');
    expect(text(L.hover?.(d, { line: 12, character: 12 }, w.ctx))).to.equal('**1b** = 0x8000000c\n\nDefined at line 11:\n```riscv-guest\n1:\n```');
  });
  it('returns null on blank space', () => {
    const w = ws();
    expect(L.hover?.(w.doc('/w/f.S'), { line: 8, character: 0 }, w.ctx)).to.equal(null);
  });
});

describe('riscv-guest completion', () => {
  it('offers mnemonics with operand snippets, macros and directives at the start of a statement', () => {
    const w = new MemoryWorkspace({ '/w/f.S': `${SRC}  ad` });
    const items = L.completion?.(w.doc('/w/f.S'), { line: 17, character: 4 }, w.ctx) ?? [];
    const addi = items.find((i) => i.label === 'addi');
    expect(addi?.insertText).to.equal('addi ${1:rd}, ${2:rs1}, ${3:imm}');
    expect(items.find((i) => i.label === 'sd')?.insertText).to.equal('sd ${1:rs2}, ${2:offset}(${3:rs1})');
    expect(items.find((i) => i.label === 'twice')?.insertText).to.equal('twice ${1:reg}');
    expect(items.some((i) => i.label === '.section')).to.equal(true);
    expect(items.some((i) => i.label === 'a0')).to.equal(false);
  });
  it('offers CSRs first after csrw, then registers and the link\'s symbols', () => {
    const w = new MemoryWorkspace({ '/w/f.S': `${SRC}  csrw ` });
    const items = L.completion?.(w.doc('/w/f.S'), { line: 17, character: 7 }, w.ctx) ?? [];
    expect(items.find((i) => i.label === 'satp')?.sortText).to.equal('0satp');
    expect(items.some((i) => i.label === 'a0')).to.equal(true);
    expect(items.find((i) => i.label === 'LIMIT')?.detail).to.equal('constant');
    expect(items.find((i) => i.label === '_start')?.detail).to.equal('label in .text');
    expect(items.some((i) => i.label === 'addi')).to.equal(false);
  });
});

describe('riscv-guest navigation', () => {
  it('goes to labels, numeric local labels, .equ names and macros', () => {
    const w = ws();
    const d = w.doc('/w/f.S');
    const at = (line: number, character: number): [number, number][] => (L.definition?.(d, { line, character }, w.ctx) ?? []).map((l) => [l.range.start.line, l.range.start.character]);
    expect(at(16, 5)).to.deep.equal([[7, 0]]);
    expect(at(12, 12)).to.deep.equal([[10, 0]]);
    expect(at(13, 10)).to.deep.equal([[0, 7]]);
    expect(at(9, 3)).to.deep.equal([[1, 9]]);
  });
  it('finds references and renames a label everywhere it is named, .globl included', () => {
    const w = ws();
    const d = w.doc('/w/f.S');
    const refs = (L.references?.(d, { line: 7, character: 2 }, true, w.ctx) ?? []).map((l) => l.range.start.line).sort((a, b) => a - b);
    expect(refs).to.deep.equal([6, 7, 16]);
    const edit = L.rename?.(d, { line: 16, character: 5 }, 'entry', w.ctx);
    expect(edit?.changes?.['file:///w/f.S']?.map((e) => [e.range.start.line, e.range.start.character, e.range.end.character, e.newText])).to.deep.equal([
      [7, 0, 6, 'entry'], [6, 9, 15, 'entry'], [16, 4, 10, 'entry'],
    ]);
    expect(L.rename?.(d, { line: 16, character: 5 }, 'a0', w.ctx)).to.equal(null);
    expect(L.rename?.(d, { line: 16, character: 5 }, 'LIMIT', w.ctx), 'onto an existing name').to.equal(null);
    expect(L.prepareRename?.(d, { line: 8, character: 3 }, w.ctx)).to.equal(null);
  });
  it('renames a macro at its definition and its calls, and an .equ name with its uses', () => {
    const w = ws();
    const d = w.doc('/w/f.S');
    const edits = (line: number, character: number, name: string): [number, number, number][] =>
      (L.rename?.(d, { line, character }, name, w.ctx)?.changes?.['file:///w/f.S'] ?? []).map((e) => [e.range.start.line, e.range.start.character, e.range.end.character]);
    expect(edits(9, 3, 'thrice')).to.deep.equal([[1, 9, 14], [9, 2, 7]]);
    expect(edits(0, 8, 'MAX')).to.deep.equal([[0, 7, 12], [13, 9, 14]]);
    expect(L.prepareRename?.(d, { line: 9, character: 3 }, w.ctx)).to.deep.equal({ range: { start: { line: 9, character: 2 }, end: { line: 9, character: 7 } }, placeholder: 'twice' });
  });
  it('resolves 1b/1f to the nearest definition in the right direction', () => {
    const w = new MemoryWorkspace({ '/w/f.S': lines('1:', '  j 1f', '1:', '  j 1b', '  j 1f', '1:') });
    const d = w.doc('/w/f.S');
    const to = (line: number): number | undefined => L.definition?.(d, { line, character: 4 }, w.ctx)[0]?.range.start.line;
    expect([to(1), to(3), to(4)]).to.deep.equal([2, 2, 5]);
    expect((L.references?.(d, { line: 2, character: 0 }, true, w.ctx) ?? []).map((l) => l.range.start.line)).to.deep.equal([2, 1, 3]);
  });
  it('follows symbols across files of a scenario and into included files', () => {
    const w = new MemoryWorkspace({
      '/w/main.S': lines('  .include "defs.S"', '  .globl _start', '_start:', '  li a0, SIZE', '  call helper'),
      '/w/defs.S': lines('  .equ SIZE, 64'),
      '/w/lib.S': lines('  .globl helper', 'helper:', '  ret'),
      '/w/s.hlab.json': JSON.stringify({ program: { code: { sources: ['main.S', 'lib.S'] }, mode: 'M' }, stop: { maxInstructions: 1 } }),
    });
    const d = w.doc('/w/main.S');
    const def = (line: number, character: number): [string, number][] => (L.definition?.(d, { line, character }, w.ctx) ?? []).map((l) => [l.uri, l.range.start.line]);
    expect(def(3, 10)).to.deep.equal([['file:///w/defs.S', 0]]);
    expect(def(4, 9)).to.deep.equal([['file:///w/lib.S', 1]]);
    expect(def(0, 14)).to.deep.equal([['file:///w/defs.S', 0]]);
    const edit = L.rename?.(d, { line: 4, character: 9 }, 'assist', w.ctx);
    expect(Object.keys(edit?.changes ?? {}).sort()).to.deep.equal(['file:///w/lib.S', 'file:///w/main.S']);
    expect(L.documentLinks?.(d, w.ctx).map((l) => [l.target, l.range.start.character, l.range.end.character])).to.deep.equal([['file:///w/defs.S', 12, 18]]);
  });
});

describe('riscv-guest names from included files', () => {
  it('hovers and goes to a #define of an included header and a macro of an included file', () => {
    const w = new MemoryWorkspace({
      '/w/k.S': lines('#include "sbi.h"', '  .include "macros.S"', '_start:', '  li a7, SBI_EXT_BASE', '  bump a0'),
      '/w/sbi.h': lines('/* SBI */', '#define SBI_EXT_BASE 0x10   /* base extension */'),
      '/w/macros.S': lines('  .macro bump r', '  addi \\r, \\r, 1', '  .endm'),
    });
    const d = w.doc('/w/k.S');
    expect(text(L.hover?.(d, { line: 3, character: 12 }, w.ctx))).to.equal('**SBI_EXT_BASE** — #define 0x10\n\nDefined at sbi.h:2:\n```riscv-guest\n#define SBI_EXT_BASE 0x10   /* base extension */\n```');
    expect(L.definition?.(d, { line: 3, character: 12 }, w.ctx).map((l) => [l.uri, l.range.start.line, l.range.start.character])).to.deep.equal([['file:///w/sbi.h', 1, 8]]);
    expect(text(L.hover?.(d, { line: 4, character: 3 }, w.ctx))).to.equal('**macro bump** r (defined at macros.S:1)\n\nExpands here to:\n\n```\n0x80000004: 13 05 15 00   add a0,a0,1\n```');
    expect(L.definition?.(d, { line: 4, character: 3 }, w.ctx).map((l) => [l.uri, l.range.start.line])).to.deep.equal([['file:///w/macros.S', 0]]);
    expect(L.completion?.(d, { line: 4, character: 4 }, w.ctx).find((i) => i.label === 'bump')?.insertText).to.equal('bump ${1:r}');
  });
});

describe('riscv-guest structure', () => {
  it('outlines sections with their labels, plus constants and macros', () => {
    const w = ws();
    const syms = L.documentSymbols?.(w.doc('/w/f.S'), w.ctx) ?? [];
    expect(syms.map((s) => [s.name, s.children?.map((c) => c.name) ?? []])).to.deep.equal([['LIMIT', []], ['twice', []], ['.text', ['_start']]]);
    expect(L.workspaceSymbols?.('lim', w.ctx).map((s) => s.name)).to.deep.equal(['LIMIT']);
  });
  it('nests every outline entry inside its parent, selection inside range (examples)', async () => {
    const { examplesWorkspace } = await import('./examples');
    const { ws: ex, guests } = examplesWorkspace();
    const before = (a: { line: number; character: number }, b: { line: number; character: number }): boolean => a.line < b.line || (a.line === b.line && a.character <= b.character);
    const inside = (i: Range, o: Range): boolean => before(o.start, i.start) && before(i.end, o.end);
    for (const g of guests) {
      const walk = (syms: DocumentSymbol[], parent?: DocumentSymbol): void => {
        for (const s of syms) {
          expect(inside(s.selectionRange, s.range), `${g} ${s.name}`).to.equal(true);
          if (parent) expect(inside(s.range, parent.range), `${g} ${s.name} in ${parent.name}`).to.equal(true);
          walk(s.children ?? [], s);
        }
      };
      const syms = L.documentSymbols?.(ex.doc(g), ex.ctx) ?? [];
      expect(syms.length > 0, g).to.equal(true);
      walk(syms);
    }
  });
  it('folds macros and sections', () => {
    const w = ws();
    expect(L.foldingRanges?.(w.doc('/w/f.S'), w.ctx).map((f) => [f.startLine, f.endLine])).to.deep.equal([[5, 17], [1, 4]]);
  });
  it('colours mnemonics, registers, labels, numbers and directives', () => {
    const w = new MemoryWorkspace({ '/w/f.S': lines('x:', '  addi a0, a0, 1') });
    // Tokens: x (label decl), addi (keyword), a0, a0 (register), 1 (number).
    expect(L.semanticTokens?.(w.doc('/w/f.S'), w.ctx).data).to.deep.equal([0, 0, 1, 8, 3, 1, 2, 4, 0, 0, 0, 5, 2, 14, 0, 0, 4, 2, 14, 0, 0, 4, 1, 4, 0]);
  });
});

describe('riscv-guest robustness', () => {
  it('answers every feature for random text without throwing', () => {
    let seed = 7;
    const rnd = (n: number): number => ((seed = (seed * 1103515245 + 12345) & 0x7fffffff) % n);
    const alphabet = ' \t\n.:,()%#"\'\\/*-+<>abcdefghilmnorstuvwxz0123456789_$@';
    for (let k = 0; k < 60; k++) {
      let t = '';
      for (let i = 0; i < 200; i++) t += alphabet[rnd(alphabet.length)];
      const w = new MemoryWorkspace({ '/w/r.S': t });
      const d = w.doc('/w/r.S');
      L.quickDiagnostics(d, w.ctx);
      const pos = { line: rnd(5), character: rnd(20) };
      L.hover?.(d, pos, w.ctx);
      L.completion?.(d, pos, w.ctx);
      L.definition?.(d, pos, w.ctx);
      L.references?.(d, pos, true, w.ctx);
      L.rename?.(d, pos, 'n', w.ctx);
      L.documentSymbols?.(d, w.ctx);
      L.foldingRanges?.(d, w.ctx);
      L.semanticTokens?.(d, w.ctx);
      L.documentLinks?.(d, w.ctx);
    }
  });
});
