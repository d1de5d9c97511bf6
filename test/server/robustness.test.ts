/**
 * No input may crash or hang the server: random bytes, then 10,000 random edits to an open
 * document of each language (hcb, riscv-guest, scenario), with requests of every kind in between.
 * Afterwards the server must still answer correctly: a known callback gets exactly the
 * diagnostics `hyperlab verify` prints, a guest file its known error, a scenario its known error.
 */
import assert from 'node:assert/strict';
import { cpSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Position, Range, TextDocumentContentChangeEvent } from 'vscode-languageserver-protocol';
import { TextDocument } from 'vscode-languageserver-textdocument';
import { runCli } from '../support/cli';
import { fileUri, LspClient, ROOT } from './support/lspClient';
import { Random } from './support/random';

const EDITS_PER_DOCUMENT = 10000;

const VOCABULARY: Record<string, string[]> = {
  hcb: ['r0 = 0', 'exit', 'call map_lookup_elem', 'if r1 > 3 goto out', 'out:', '.event tracing', '.map m, hash, 4, 8, 4', '*(u64 *)(r10 - 8) = r1', 'ldxw %r0, [%r1+4]', 'lddw %r1, 0x1', 'goto +1', ' ll', '(', ')', '*', ';', '\n', '\r\n', ':', '#', 'r10', 's>>=', 'w3'],
  'riscv-guest': ['addi a0, a0, 1', 'la sp, stack_top', '1:', 'bnez t0, 1b', '.macro m x\n.endm', '.include "x.S"', '.equ N, 5', 'csrw satp, t0', 'sfence.vma', '%hi(x)', '#define X 1', '.section .text', '"', '\\', '\n', ':', '(', ')', ',', '.endm', '.rept 3', 'li a0, 0x7fffffffffffffff'],
  scenario: ['{', '}', '[', ']', '"program"', ':', ',', '"sources"', '"hello.S"', 'null', 'true', '1e999', '"\\u', '"vms"', '"callbacks"', '"event"', '\n', '0x10', '-', '"entry"'],
};

function randomEdit(rnd: Random, doc: TextDocument, role: string): TextDocumentContentChangeEvent {
  const text = doc.getText();
  const at = (): Position => doc.positionAt(rnd.int(text.length + 1));
  const range = (): Range => {
    const a = at();
    const b = at();
    return doc.offsetAt(a) <= doc.offsetAt(b) ? { start: a, end: b } : { start: b, end: a };
  };
  const k = rnd.int(100);
  if (text.length > 1500 && k < 50) {
    // keep the document from growing without bound: delete a chunk
    const start = rnd.int(text.length);
    return { range: { start: doc.positionAt(start), end: doc.positionAt(start + 2000) }, text: '' };
  }
  if (k < 40) {
    const p = at();
    return { range: { start: p, end: p }, text: rnd.pick(VOCABULARY[role]) };
  }
  if (k < 55) {
    const p = at();
    return { range: { start: p, end: p }, text: rnd.bytes(1 + rnd.int(8)) };
  }
  if (k < 75) {
    const r = range();
    if (doc.offsetAt(r.end) - doc.offsetAt(r.start) > 200) r.end = doc.positionAt(doc.offsetAt(r.start) + rnd.int(200));
    return { range: r, text: '' };
  }
  if (k < 90) {
    const r = range();
    if (doc.offsetAt(r.end) - doc.offsetAt(r.start) > 50) r.end = doc.positionAt(doc.offsetAt(r.start) + rnd.int(50));
    return { range: r, text: rnd.pick(VOCABULARY[role]) + rnd.pick(VOCABULARY[role]) };
  }
  if (k < 95) {
    // positions past the end of a line or of the document (clients do send these)
    const line = rnd.int(doc.lineCount + 3);
    return { range: { start: { line, character: 500 }, end: { line: line + rnd.int(3), character: 9999 } }, text: rnd.pick(VOCABULARY[role]) };
  }
  if (k < 98) return { range: { start: { line: 0, character: 0 }, end: { line: 0, character: 0 } }, text: '\uFEFF' };
  return { text: rnd.bytes(rnd.int(300)) };
}

describe('language server: robustness', function () {
  this.timeout(240000);
  let client: LspClient;
  let workspace: string;

  before(async () => {
    workspace = mkdtempSync(join(tmpdir(), 'hyperlab-fuzz-'));
    cpSync(join(ROOT, 'examples', 'hello'), workspace, { recursive: true });
    cpSync(join(ROOT, 'test', 'server', 'fixtures'), join(workspace, 'cb'), { recursive: true });
    client = new LspClient({ workspaceFolder: workspace });
    await client.initialize();
  });
  after(async () => {
    await client.stop();
    rmSync(workspace, { recursive: true, force: true });
  });

  it('survives random bytes and 10,000 random edits per language, answering every request', async () => {
    const rnd = new Random(0x5eed);
    const docs = [
      { role: 'hcb', languageId: 'hcb', uri: fileUri(join(workspace, 'cb', 'fuzz.hcb')) },
      { role: 'riscv-guest', languageId: 'riscv-guest', uri: fileUri(join(workspace, 'fuzz.S')) },
      { role: 'scenario', languageId: 'json', uri: fileUri(join(workspace, 'fuzz.hlab.json')) },
    ];
    const mirrors = new Map<string, TextDocument>();
    for (const d of docs) {
      const text = rnd.bytes(1024);
      mirrors.set(d.uri, TextDocument.create(d.uri, d.languageId, 1, text));
      await client.open(d.uri, d.languageId, text);
    }
    let requests = 0;
    const poke = async (uri: string): Promise<void> => {
      const doc = mirrors.get(uri) as TextDocument;
      const position = doc.positionAt(rnd.int(doc.getText().length + 1));
      const td = { textDocument: { uri } };
      const all = await Promise.all([
        client.request('textDocument/hover', { ...td, position }),
        client.request('textDocument/completion', { ...td, position }),
        client.request('textDocument/signatureHelp', { ...td, position }),
        client.request('textDocument/definition', { ...td, position }),
        client.request('textDocument/references', { ...td, position, context: { includeDeclaration: true } }),
        client.request('textDocument/prepareRename', { ...td, position }),
        client.request('textDocument/rename', { ...td, position, newName: 'renamed' }),
        client.request('textDocument/documentSymbol', td),
        client.request('textDocument/foldingRange', td),
        client.request('textDocument/semanticTokens/full', td),
        client.request('textDocument/codeAction', { ...td, range: { start: position, end: position }, context: { diagnostics: [] } }),
        client.request('textDocument/codeLens', td),
        client.request('textDocument/inlayHint', { ...td, range: { start: { line: 0, character: 0 }, end: position } }),
        client.request('textDocument/formatting', { ...td, options: { tabSize: 2, insertSpaces: true } }),
        client.request('textDocument/documentLink', td),
        client.request('workspace/symbol', { query: 'a' }),
        client.request('hyperlab/verifyCallback', { uri }),
      ]);
      requests += all.length;
    };
    // Edits go out in bursts of up to 40 (as from a fast typist or a paste-and-undo storm), with
    // a round trip between bursts so the server has to keep up rather than only buffer.
    for (let k = 0; k < EDITS_PER_DOCUMENT; ) {
      const burst = Math.min(1 + rnd.int(40), EDITS_PER_DOCUMENT - k);
      for (const d of docs) {
        const sent: Promise<number>[] = [];
        for (let j = 0; j < burst; j++) {
          const mirror = mirrors.get(d.uri) as TextDocument;
          const change = randomEdit(rnd, mirror, d.role);
          mirrors.set(d.uri, TextDocument.update(mirror, [change], mirror.version + 1));
          sent.push(client.change(d.uri, [change]));
        }
        await Promise.all(sent);
      }
      await client.request('textDocument/documentSymbol', { textDocument: { uri: docs[rnd.int(docs.length)].uri } });
      if (Math.floor((k + burst) / 1000) > Math.floor(k / 1000)) for (const d of docs) await poke(d.uri);
      k += burst;
    }
    // the server's text is the client's: the last publication is for the last version
    for (const d of docs) {
      const version = client.version(d.uri);
      await client.diagnostics(d.uri, (p) => p.version === version, 30000);
      await poke(d.uri);
    }
    assert.ok(requests >= 17 * 33);
    assert.equal(client.child.exitCode, null, 'server still running');
  });

  it('after the storm, known documents get exactly their expected diagnostics', async () => {
    const bounds = readFileSync(join(workspace, 'cb', 'bounds.hcb'), 'utf8');
    const hcbUri = fileUri(join(workspace, 'cb', 'fuzz.hcb'));
    const v = await client.change(hcbUri, [{ text: bounds }]);
    const got = await client.settled(hcbUri, v);
    const cli = runCli(['verify', join(workspace, 'cb', 'bounds.hcb')]).out.split('\n').filter((l) => /: error: /.test(l));
    assert.deepEqual(got.map((d) => `:${d.range.start.line + 1}:${d.range.start.character + 1}: error: ${String(d.message)}`), cli.map((l) => l.replace(/^[^:]*/, '')));

    const guestUri = fileUri(join(workspace, 'fuzz.S'));
    const guest = '  .globl _start\n_start:\n  li a0, 1\n  j nowhere\n';
    const gv = await client.change(guestUri, [{ text: guest }]);
    const gd = await client.settled(guestUri, gv);
    assert.ok(gd.some((d) => d.range.start.line === 3 && /nowhere/.test(String(d.message))), JSON.stringify(gd));

    const scenarioUri = fileUri(join(workspace, 'fuzz.hlab.json'));
    const scenario = readFileSync(join(workspace, 'hello.hlab.json'), 'utf8').replace('"htif.S"', '"missing.S"');
    const sv = await client.change(scenarioUri, [{ text: scenario }]);
    const sd = await client.settled(scenarioUri, sv);
    assert.ok(sd.some((d) => /missing\.S/.test(String(d.message))), JSON.stringify(sd));
    const failures = client.stderr.join('').split('\n').filter((l) => / failed: /.test(l));
    if (failures.length) console.log(`    languages logged ${failures.length} guarded failures, first: ${failures[0]}`);
    assert.ok(!failures.some((l) => /^hcb /.test(l)), failures.join('\n'));
  });
});
