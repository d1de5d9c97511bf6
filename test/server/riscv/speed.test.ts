/**
 * Speed of the features the editor calls while typing, on big guest files. The figures are
 * printed so a run shows them; the limits are the (diagnostics of a 5,000-line file
 * within the 50 ms change-to-diagnostics budget, a 50,000-line file under ~1 s, hover in tens
 * of ms), with headroom for a loaded 2-core machine.
 */
import { TextDocument } from 'vscode-languageserver-textdocument';
import { riscvGuestLanguage as L } from '../../../server/riscv';
import { bigGuestFile } from './big-file';
import { expect } from './expect';
import { MemoryWorkspace } from './workspace';

function percentile(xs: number[], p: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))];
}

/**
 * Milliseconds of CPU this process spent in `f` (and wall-clock ms): on a machine shared with
 * other jobs wall time mostly measures the wait for a core, CPU time measures the work.
 */
function timed<T>(f: () => T): { value: T; cpu: number; wall: number } {
  const c = process.cpuUsage();
  const t = performance.now();
  const value = f();
  const wall = performance.now() - t;
  const used = process.cpuUsage(c);
  return { value, cpu: (used.user + used.system) / 1000, wall };
}

/**
 * How an edit changes the file: `insert` adds a line somewhere (every line below it moves, so the
 * assembler's line cache re-places half the file), `in-place` rewrites one line's operand as a
 * user typing a number does (bench/lsp.ts's guest edit; nothing moves).
 */
type EditKind = 'insert' | 'in-place';

/** Times quickDiagnostics after each of `edits` one-line edits (a new version each time). */
function diagnosticsAfterEdits(text: string, edits: number, kind: EditKind): { times: number[]; walls: number[]; count: number } {
  const ws = new MemoryWorkspace({ '/w/big.S': text });
  let doc = ws.doc('/w/big.S');
  L.quickDiagnostics(doc, ws.ctx); // warm-up (JIT, caches of other files)
  const typed = text.split('\n').indexOf('  li a0, 16');
  const times: number[] = [];
  const walls: number[] = [];
  let count = 0;
  for (let i = 0; i < edits; i++) {
    const line = 10 + ((i * 7919) % (doc.lineCount - 20));
    const edit =
      kind === 'insert'
        ? { range: { start: { line, character: 0 }, end: { line, character: 0 } }, text: i % 2 ? '  nop\n' : '  addi a0, a0, 1\n' }
        : { range: { start: { line: typed, character: 0 }, end: { line: typed, character: 100 } }, text: `  li a0, ${17 + i}` };
    doc = TextDocument.update(doc, [edit], doc.version + 1);
    ws.files.set('/w/big.S', doc.getText());
    ws.generation++;
    const current = doc;
    const r = timed(() => L.quickDiagnostics(current, ws.ctx).length);
    count = r.value;
    times.push(r.cpu);
    walls.push(r.wall);
  }
  return { times, walls, count };
}

describe('riscv-guest speed', function () {
  this.timeout(120_000);

  for (const [kind, edits] of [['insert', 200], ['in-place', 100]] as const) {
    it(`5,000-line file: quickDiagnostics after each ${kind} edit (p50/p99 over ${edits} edits)`, () => {
      const { times, walls, count } = diagnosticsAfterEdits(bigGuestFile(5000), edits, kind);
      const f = (xs: number[], p: number): string => percentile(xs, p).toFixed(1);
      console.log(`      5,000 lines, ${edits} ${kind} edits: quickDiagnostics CPU p50 ${f(times, 50)} ms, p99 ${f(times, 99)} ms; wall p50 ${f(walls, 50)} ms, p99 ${f(walls, 99)} ms`);
      expect(count).to.equal(0);
      // Gross regressions only (several times today's figures on a loaded 2-core machine): the
      // issue's figure is measured by `npm run bench` (bench/lsp.ts), not asserted in a test.
      expect(percentile(times, 50)).to.be.below(500);
      expect(percentile(times, 99)).to.be.below(3000);
    });
  }

  it('50,000-line file: diagnostics under ~1 s, then hover in tens of ms', () => {
    const text = bigGuestFile(50_000);
    const ws = new MemoryWorkspace({ '/w/big.S': text });
    const doc = ws.doc('/w/big.S');
    const cold = timed(() => L.quickDiagnostics(doc, ws.ctx));
    const ds = cold.value;
    const edited = TextDocument.update(doc, [{ range: { start: { line: 100, character: 0 }, end: { line: 100, character: 0 } }, text: '  nop\n' }], 2);
    ws.files.set('/w/big.S', edited.getText());
    ws.generation++;
    const again = timed(() => L.quickDiagnostics(edited, ws.ctx)).cpu;
    const hoverTimes: number[] = [];
    const probes = [{ line: 40_001, character: 3 }, { line: 40_002, character: 6 }, { line: 30_000, character: 8 }, { line: 45_010, character: 10 }];
    for (const pos of probes) {
      hoverTimes.push(timed(() => L.hover?.(edited, pos, ws.ctx)).cpu);
    }
    const hover = Math.max(...hoverTimes);
    console.log(`      50,000 lines: quickDiagnostics CPU ${cold.cpu.toFixed(0)} ms cold (wall ${cold.wall.toFixed(0)}), ${again.toFixed(0)} ms after an edit; hover max ${hover.toFixed(1)} ms CPU`);
    expect(ds).to.have.length(0);
    // Gross regressions only; figures are printed above (see the note on the 5,000-line test).
    expect(again).to.be.below(6000);
    expect(hover).to.be.below(300);
  });
});
