import { expect, messageText } from './expect';
import type { Diagnostic } from 'vscode-languageserver';
import { riscvGuestLanguage as L } from '../../../server/riscv';
import { MemoryWorkspace, lines } from './workspace';

const brief = (ds: Diagnostic[]): [number, number, number, string][] => ds.map((d) => [d.range.start.line, d.range.start.character, d.range.end.character, messageText(d.message)]);
const scenario = (sources: string[], extra = ''): string =>
  JSON.stringify({ program: { code: { sources }, mode: 'M' }, stop: { maxInstructions: 10 }, ...(extra ? JSON.parse(extra) : {}) });
const vmScenario = (sources: string[]): string =>
  JSON.stringify({ name: 'vm test', vms: [{ name: 'g', code: { sources } }], stop: { maxInstructions: 10 } });

describe('riscv-guest quick diagnostics', () => {
  it('reports the assembler errors of this file with exact ranges and messages', () => {
    const ws = new MemoryWorkspace({
      '/w/a.S': lines('  .text', '  addx a0, a1, a2', '  csrr a0, foo', '  addi a0, a0, 5000', '  beq a0, a1, far', '  .zero 8192', 'far:', '  j nowhere', 'dup:', 'dup:'),
    });
    expect(brief(L.quickDiagnostics(ws.doc('/w/a.S'), ws.ctx))).to.deep.equal([
      [1, 2, 6, "unknown instruction 'addx'; did you mean 'add'?"],
      [2, 11, 14, "unknown CSR 'foo'"],
      [3, 15, 19, 'immediate 5000 does not fit the 12-bit signed field of addi (-2048..2047)'],
      [4, 14, 17, 'branch target out of reach of beq: offset 8196 is outside -4096..4094'],
      [7, 4, 11, "undefined symbol 'nowhere'"],
      [9, 0, 3, "duplicate label 'dup'"],
    ]);
  });

  it('flags writes to read-only CSRs and CSRs of an extension the harts lack, but not reads', () => {
    const ws = new MemoryWorkspace({ '/w/a.S': lines('  csrw cycle, a0', '  csrr a0, cycle', '  csrrs a0, mhartid, x0', '  csrrsi a0, mhartid, 1', '  csrr a0, fflags') });
    const ds = L.quickDiagnostics(ws.doc('/w/a.S'), ws.ctx);
    expect(ds.map((d) => [d.range.start.line, d.code])).to.deep.equal([[0, 'csr-read-only'], [3, 'csr-read-only'], [4, 'missing-extension']]);
    expect(ds[0].message).to.equal('cycle (0xc00) is read-only: writing it raises an illegal-instruction exception');
    expect(ds[2].message).to.equal('fflags belongs to the F extension, which the target (RV64IMA_Zicsr_Zifencei with the H extension) does not have');
  });

  it('links the files a scenario loads together: a global of another source resolves, a missing one is undefined', () => {
    const files = {
      '/w/main.S': lines('  .globl _start', '_start:', '  call helper', '  j _start'),
      '/w/lib.S': lines('  .globl helper', 'helper:', '  ret'),
    };
    const alone = new MemoryWorkspace(files);
    expect(brief(L.quickDiagnostics(alone.doc('/w/main.S'), alone.ctx))).to.deep.equal([[2, 7, 13, "undefined symbol 'helper'"]]);
    const linked = new MemoryWorkspace({ ...files, '/w/s.hlab.json': scenario(['main.S', 'lib.S']) });
    expect(L.quickDiagnostics(linked.doc('/w/main.S'), linked.ctx)).to.deep.equal([]);
  });

  it('reports a global defined twice across a scenario\'s sources, with the first definition as related information', () => {
    const ws = new MemoryWorkspace({
      '/w/a.S': lines('  .globl x', 'x:', '  ret'),
      '/w/b.S': lines('  .globl x', 'x:', '  ret'),
      '/w/s.hlab.json': scenario(['a.S', 'b.S']),
    });
    const ds = L.quickDiagnostics(ws.doc('/w/b.S'), ws.ctx);
    expect(brief(ds)).to.deep.equal([[1, 0, 1, "duplicate symbol 'x': also defined as global in /w/a.S"]]);
    expect(ds[0].relatedInformation?.[0].location.uri).to.equal('file:///w/a.S');
  });

  it('checks an included file in the link of the file that includes it', () => {
    const ws = new MemoryWorkspace({
      '/w/main.S': lines('  .equ LIMIT, 10', '  .include "body.S"', 'done:', '  ret'),
      '/w/body.S': lines('  li a0, LIMIT', '  j done', '  j missing'),
    });
    expect(brief(L.quickDiagnostics(ws.doc('/w/body.S'), ws.ctx))).to.deep.equal([[2, 4, 11, "undefined symbol 'missing'"]]);
  });

  it('checks privilege against the mode the scenario runs the code in', () => {
    const body = lines('  mret', '  sret', '  csrw mstatus, a0', '  csrw hgatp, a0', '  hfence.gvma', '  csrw sstatus, a0');
    const vm = new MemoryWorkspace({ '/w/g.S': body, '/w/s.hlab.json': vmScenario(['g.S']) });
    const ds = L.quickDiagnostics(vm.doc('/w/g.S'), vm.ctx).filter((d) => d.code === 'privilege');
    expect(ds.map((d) => [d.range.start.line, d.message])).to.deep.equal([
      [0, "mret needs M-mode, but scenario 'vm test' runs this code in VS-mode (a guest kernel)"],
      [2, "mstatus needs M-mode, but scenario 'vm test' runs this code in VS-mode (a guest kernel)"],
      [3, "hgatp needs HS-mode (hypervisor CSR), but scenario 'vm test' runs this code in VS-mode (a guest kernel)"],
      [4, "hfence.gvma needs HS-mode (the hypervisor), but scenario 'vm test' runs this code in VS-mode (a guest kernel)"],
    ]);
    const s = new MemoryWorkspace({ '/w/g.S': body, '/w/s.hlab.json': JSON.stringify({ name: 'smode', program: { code: { sources: ['g.S'] }, mode: 'S' }, stop: { maxInstructions: 10 } }) });
    expect(L.quickDiagnostics(s.doc('/w/g.S'), s.ctx).filter((d) => d.code === 'privilege').map((d) => d.range.start.line)).to.deep.equal([0, 2]);
    const m = new MemoryWorkspace({ '/w/g.S': body, '/w/s.hlab.json': scenario(['g.S']) });
    expect(L.quickDiagnostics(m.doc('/w/g.S'), m.ctx).filter((d) => d.code === 'privilege')).to.deep.equal([]);
    const alone = new MemoryWorkspace({ '/w/g.S': body });
    expect(L.quickDiagnostics(alone.doc('/w/g.S'), alone.ctx).filter((d) => d.code === 'privilege')).to.deep.equal([]);
  });

  it('answers for the current version: a fix removes the diagnostic', () => {
    const ws = new MemoryWorkspace({ '/w/a.S': lines('  j nowhere') });
    expect(L.quickDiagnostics(ws.doc('/w/a.S', 1), ws.ctx)).to.have.length(1);
    ws.set('/w/a.S', lines('nowhere:', '  j nowhere'));
    expect(L.quickDiagnostics(ws.doc('/w/a.S', 2), ws.ctx)).to.deep.equal([]);
  });

  it('reports nothing for the shipped examples', async () => {
    const { examplesWorkspace } = await import('./examples');
    const { ws, guests } = examplesWorkspace();
    for (const g of guests) expect(L.quickDiagnostics(ws.doc(g), ws.ctx), g).to.deep.equal([]);
  });
});

describe('riscv-guest expansion limits', () => {
  const quick = (text: string): [number, string, string][] => {
    const ws = new MemoryWorkspace({ '/w/big.S': text });
    return L.quickDiagnostics(ws.doc('/w/big.S'), ws.ctx).map((d) => [d.range.start.line, String(d.code), messageText(d.message)]);
  };

  it('does not assemble nested .rept blocks that multiply past the limit, and says so at the .rept', () => {
    const t = performance.now();
    expect(quick(lines('  .rept 1000', '  .rept 1000', '  nop', '  .endr', '  .endr'))).to.deep.equal([
      [1, 'too-large-to-check', "this .rept repeats its block 1000000 times, over the editor's limit of 100000; the editor does not assemble this link (no assembler diagnostics or kernel checks) — `hyperlab asm` still does"],
    ]);
    expect(performance.now() - t).to.be.below(8000);
  });

  it('evaluates counts given by .equ and #define, and reserved sizes', () => {
    expect(quick(lines('  .equ N, 1 << 20', '  .rept N', '  nop', '  .endr')).map((d) => d[0])).to.deep.equal([1]);
    expect(quick(lines('#define SIZE (256 * 1024 * 1024)', '  .bss', '  .zero SIZE')).map((d) => [d[0], d[1]])).to.deep.equal([[2, 'too-large-to-check']]);
  });

  it('assembles ordinary repetitions and reservations', () => {
    expect(quick(lines('  .rept 16', '  nop', '  .endr', '  .bss', '  .zero 1 << 20'))).to.deep.equal([]);
  });
});
