/**
 * A 50,000-line guest file stays responsive: once it is open and analysed, hover and completion
 * on it answer quickly; while it is being edited (each analysis takes far longer than a
 * keystroke), the server keeps answering requests about other documents at once, because the
 * file's quick diagnostics move off the main loop; when typing stops, the last version gets its
 * diagnostics.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { CompletionItem, Hover } from 'vscode-languageserver-protocol';
import { guestFile } from './support/generated';
import { fileUri, LspClient, ROOT } from './support/lspClient';

const LINES = 50000;

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[s.length >> 1];
}

describe('language server: a 50,000-line guest file', function () {
  this.timeout(120000);
  let client: LspClient;
  const bigUri = 'file:///virtual/big-kernel.S';
  const smallUri = fileUri(join(ROOT, 'test', 'server', 'fixtures', 'bounds.hcb'));
  let text: string;

  before(async () => {
    client = new LspClient();
    await client.initialize();
    text = guestFile(LINES);
    await client.open(smallUri, 'hcb', readFileSync(join(ROOT, 'test', 'server', 'fixtures', 'bounds.hcb'), 'utf8'));
    await client.open(bigUri, 'riscv-guest', text);
    assert.deepEqual(await client.settled(bigUri, 1, 90000), []);
  });
  after(async () => client.stop());

  it('answers hover and completion on it quickly once it is analysed', async () => {
    const lines = text.split('\n');
    const hoverTimes: number[] = [];
    const completionTimes: number[] = [];
    for (let k = 0; k < 10; k++) {
      const line = Math.floor(((k + 0.5) * lines.length) / 10);
      const col = Math.max(0, lines[line].search(/\S/)) + 1;
      let t0 = performance.now();
      const h = await client.request<Hover | null>('textDocument/hover', { textDocument: { uri: bigUri }, position: { line, character: col } });
      hoverTimes.push(performance.now() - t0);
      if (lines[line].trim() !== '') assert.ok(h, `hover at line ${line + 1}: ${lines[line]}`);
      t0 = performance.now();
      const items = await client.request<CompletionItem[]>('textDocument/completion', { textDocument: { uri: bigUri }, position: { line, character: 2 } });
      completionTimes.push(performance.now() - t0);
      assert.ok(items.length > 0);
    }
    console.log(`      hover median ${median(hoverTimes).toFixed(1)} ms, max ${Math.max(...hoverTimes).toFixed(1)} ms; completion median ${median(completionTimes).toFixed(1)} ms, max ${Math.max(...completionTimes).toFixed(1)} ms`);
    assert.ok(median(hoverTimes) < 200, `hover median ${median(hoverTimes)} ms`);
    assert.ok(median(completionTimes) < 1000, `completion median ${median(completionTimes)} ms`);
  });

  it('keeps answering other documents while the file is edited, then publishes the last version', async () => {
    const target = text.split('\n').findIndex((l) => l === '  li a0, 16');
    const otherTimes: number[] = [];
    for (let k = 0; k < 8; k++) {
      await client.change(bigUri, [{ range: { start: { line: target, character: 9 }, end: { line: target, character: 11 } }, text: String(10 + k) }]);
      const t0 = performance.now();
      const h = await client.request<Hover | null>('textDocument/hover', { textDocument: { uri: smallUri }, position: { line: 8, character: 10 } });
      otherTimes.push(performance.now() - t0);
      assert.ok(h);
      await new Promise((r) => setTimeout(r, 20));
    }
    console.log(`      while typing: hover on another document median ${median(otherTimes).toFixed(1)} ms, max ${Math.max(...otherTimes).toFixed(1)} ms`);
    assert.ok(median(otherTimes) < 250, `median ${median(otherTimes)} ms`);
    const last = client.version(bigUri);
    // the last edit breaks the file: its diagnostics must be the last version's, at that line
    const v = await client.change(bigUri, [{ range: { start: { line: target, character: 2 }, end: { line: target, character: 4 } }, text: 'lx' }]);
    assert.ok(v > last);
    const d = await client.settled(bigUri, v, 90000);
    assert.ok(d.some((x) => x.range.start.line === target), JSON.stringify(d));
  });
});
