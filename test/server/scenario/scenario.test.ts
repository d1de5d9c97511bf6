import type { Diagnostic } from 'vscode-languageserver';
import { scenarioLanguage as S } from '../../../server/scenario';
import { examplesWorkspace } from '../riscv/examples';
import { expect, messageText } from '../riscv/expect';
import { MemoryWorkspace, lines } from '../riscv/workspace';

const GUEST = lines('  .globl _start', '_start:', '  j _start');
const HCB = lines('.event page-reclaim', '.range 0x1000, 0x2000', '  r0 = 0', '  exit');

function vmScenario(vm: Record<string, unknown>): string {
  // One property per line so the expected ranges are easy to read.
  return JSON.stringify({ vms: [{ name: 'g', ...vm }], stop: { maxInstructions: 10 } }, null, 2);
}

const brief = (ds: Diagnostic[]): [string, number, string][] => ds.map((d) => [String(d.code), d.range.start.line, messageText(d.message)]);

/** 0-based line of the first line of the scenario containing `needle`. */
function lineOf(files: Record<string, string>, needle: string): number {
  return (files['/w/s.hlab.json'] ?? '').split('\n').findIndex((l) => l.includes(needle));
}

function check(files: Record<string, string>): Diagnostic[] {
  const ws = new MemoryWorkspace(files);
  return S.quickDiagnostics(ws.doc('/w/s.hlab.json'), ws.ctx);
}

describe('scenario language diagnostics', () => {
  it('accepts a scenario whose files exist, assemble and define the entry', () => {
    expect(check({ '/w/g.S': GUEST, '/w/cb.hcb': HCB, '/w/s.hlab.json': vmScenario({ code: { sources: ['g.S'] }, callbacks: [{ file: 'cb.hcb', event: 'page-reclaim', range: { start: '0x1000', end: '0x2000' } }] }) })).to.deep.equal([]);
  });

  it('reports a missing source and a missing callback where the scenario names them', () => {
    const text = vmScenario({ code: { sources: ['nope.S'] }, callbacks: [{ file: 'gone.hcb', event: 'tracing', range: { start: '0x1000', end: '0x2000' } }] });
    const files = { '/w/s.hlab.json': text };
    const ds = check(files);
    expect(brief(ds)).to.deep.equal([
      ['file-not-found', lineOf(files, '"nope.S"'), "source 'nope.S' does not exist (looked for /w/nope.S)"],
      ['file-not-found', lineOf(files, '"gone.hcb"'), "hyper-callback 'gone.hcb' does not exist (looked for /w/gone.hcb)"],
    ]);
    const named = text.split('\n')[lineOf(files, '"nope.S"')];
    expect([ds[0].range.start.character, ds[0].range.end.character]).to.deep.equal([named.indexOf('"nope.S"'), named.indexOf('"nope.S"') + 8]);
  });

  it('reports an entry symbol the sources do not define, at the entry', () => {
    const files = { '/w/g.S': GUEST, '/w/s.hlab.json': vmScenario({ code: { sources: ['g.S'], entry: 'kmain' } }) };
    const ds = check(files);
    expect(brief(ds)).to.deep.equal([['entry-not-found', lineOf(files, '"kmain"'), "entry symbol 'kmain' is not defined in 'g.S' (global symbols: _start)"]]);
  });

  it('reports a source that does not assemble, with its errors as related information', () => {
    const files = { '/w/g.S': lines('_start:', '  addx a0, a0, a0'), '/w/s.hlab.json': vmScenario({ code: { sources: ['g.S'] } }) };
    const ds = check(files);
    expect(brief(ds)).to.deep.equal([['source-errors', lineOf(files, '"g.S"'), "'g.S' does not assemble: 1 error(s), the first: unknown instruction 'addx'; did you mean 'add'?"]]);
    expect(ds[0].relatedInformation?.map((r) => [r.location.uri, r.location.range.start.line])).to.deep.equal([['file:///w/g.S', 1]]);
  });

  it('reports a callback whose .hcb declares another event, and one that does not assemble', () => {
    const files = { '/w/g.S': GUEST, '/w/cb.hcb': HCB, '/w/s.hlab.json': vmScenario({ code: { sources: ['g.S'] }, callbacks: [{ file: 'cb.hcb', event: 'tracing', range: { start: '0x1000', end: '0x2000' } }] }) };
    const other = check(files);
    expect(brief(other)).to.deep.equal([['callback-event', lineOf(files, '"cb.hcb"'), "'cb.hcb' declares event 'page-reclaim' but the scenario attaches it to 'tracing'"]]);
    const broken = check({ '/w/g.S': GUEST, '/w/cb.hcb': lines('.event page-reclaim', '  r0 = = 1', '  exit'), '/w/s.hlab.json': vmScenario({ code: { sources: ['g.S'] }, callbacks: [{ file: 'cb.hcb', event: 'page-reclaim', range: { start: '0x1000', end: '0x2000' } }] }) });
    expect(brief(broken).map((b) => [b[0], b[1]])).to.deep.equal([['callback-errors', lineOf(files, '"cb.hcb"')]]);
    expect(broken[0].relatedInformation?.[0].location.range.start.line).to.equal(1);
  });

  it('reports code that does not fit the RAM it is loaded into', () => {
    const files = { '/w/g.S': lines('_start:', '  j _start', '  .data', '  .zero 0x300000'), '/w/s.hlab.json': vmScenario({ memory: '2MiB', code: { sources: ['g.S'] } }) };
    const ds = check(files);
    expect(brief(ds)).to.deep.equal([['outside-ram', lineOf(files, '"g.S"'), 'section .data [0x80001000, 0x80301000) lies outside the RAM it is loaded into [0x80000000, 0x80200000)']]);
  });

  it('keeps the loader\'s own diagnostics (JSON syntax, unknown fields, overlapping callback ranges)', () => {
    const syntax = check({ '/w/s.hlab.json': '{ "vms": [ }' });
    expect(syntax.length > 0 && syntax.every((d) => d.code === 'json-syntax')).to.equal(true);
    const overlap = check({ '/w/g.S': GUEST, '/w/cb.hcb': HCB, '/w/s.hlab.json': vmScenario({ code: { sources: ['g.S'] }, callbacks: [
      { file: 'cb.hcb', event: 'page-reclaim', range: { start: '0x1000', end: '0x2000' } },
      { file: 'cb.hcb', event: 'page-reclaim', range: { start: '0x1800', end: '0x3000' } },
    ] }) });
    expect(overlap.map((d) => d.code)).to.deep.equal(['overlapping-ranges']);
  });

  it('reports nothing for the shipped examples', () => {
    const { ws, scenarios } = examplesWorkspace();
    for (const s of scenarios) expect(S.quickDiagnostics(ws.doc(s), ws.ctx), s).to.deep.equal([]);
  });
});

describe('scenario language links and definitions', () => {
  it('links every existing file name to its file', () => {
    const { ws, root } = examplesWorkspace();
    const doc = ws.doc(`${root}/page-reclaim/page-reclaim.hlab.json`);
    const links = S.documentLinks?.(doc, ws.ctx) ?? [];
    expect(links.map((l) => l.target?.split('/').slice(-2).join('/'))).to.deep.equal(['page-reclaim/guest.S', 'page-reclaim/guest.S', 'page-reclaim/guest.S', 'page-reclaim/reclaim.hcb']);
    const first = links[0];
    const lineText = doc.getText().split('\n')[first.range.start.line];
    expect(lineText.slice(first.range.start.character, first.range.end.character)).to.equal('guest.S');
  });

  it('goes from a file name to the file and from the entry to its label', () => {
    const ws = new MemoryWorkspace({ '/w/g.S': lines('  nop', '  .globl kmain', 'kmain:', '  j kmain'), '/w/s.hlab.json': vmScenario({ code: { sources: ['g.S'], entry: 'kmain' } }) });
    const doc = ws.doc('/w/s.hlab.json');
    const text = doc.getText().split('\n');
    const fileLine = text.findIndex((l) => l.includes('"g.S"'));
    const entryLine = text.findIndex((l) => l.includes('"kmain"'));
    const file = S.definition?.(doc, { line: fileLine, character: text[fileLine].indexOf('g.S') + 1 }, ws.ctx) ?? [];
    expect(file.map((l) => [l.uri, l.range.start.line])).to.deep.equal([['file:///w/g.S', 0]]);
    const entry = S.definition?.(doc, { line: entryLine, character: text[entryLine].indexOf('kmain') + 2 }, ws.ctx) ?? [];
    expect(entry.map((l) => [l.uri, l.range.start.line])).to.deep.equal([['file:///w/g.S', 2]]);
  });

  it('never throws on random text', () => {
    let seed = 3;
    const rnd = (n: number): number => ((seed = (seed * 1103515245 + 12345) & 0x7fffffff) % n);
    const alphabet = '{}[]":,0123456789 \nabcdefvmsourcesentry.S';
    for (let k = 0; k < 100; k++) {
      let t = '';
      for (let i = 0; i < 120; i++) t += alphabet[rnd(alphabet.length)];
      const ws = new MemoryWorkspace({ '/w/s.hlab.json': t });
      const doc = ws.doc('/w/s.hlab.json');
      S.quickDiagnostics(doc, ws.ctx);
      S.documentLinks?.(doc, ws.ctx);
      S.definition?.(doc, { line: 0, character: rnd(40) }, ws.ctx);
    }
  });
});
