/**
 * The server core over the real protocol: Node IPC transport, the workspace index (disk files,
 * open buffers winning, watched-file changes), settings pulled with workspace/configuration,
 * verification off the main loop, and the other two languages end to end.
 */
import assert from 'node:assert/strict';
import { fork } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, rmSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  createProtocolConnection, DidChangeWatchedFilesNotification, FileChangeType, InitializeRequest, IPCMessageReader, IPCMessageWriter,
  PublishDiagnosticsNotification, type DocumentLink, type Hover, type InlayHint, type Location, type MarkupContent, type PublishDiagnosticsParams,
  type SymbolInformation,
} from 'vscode-languageserver-protocol/node';
import { ensureBuilt, fileUri, LspClient, ROOT } from './support/lspClient';

const FIXTURES = join(ROOT, 'test', 'server', 'fixtures');
const pos = (line: number, character: number): { line: number; character: number } => ({ line, character });

describe('language server: core over the protocol', function () {
  this.timeout(60000);
  let workspace: string;

  before(() => {
    workspace = mkdtempSync(join(tmpdir(), 'hyperlab-core-'));
    cpSync(join(ROOT, 'examples', 'hello'), workspace, { recursive: true });
    cpSync(FIXTURES, join(workspace, 'cb'), { recursive: true });
  });
  after(() => rmSync(workspace, { recursive: true, force: true }));

  it('runs over Node IPC (what vscode-languageclient uses)', async () => {
    ensureBuilt();
    const child = fork(join(ROOT, 'dist', 'server.js'), ['--node-ipc'], { stdio: ['ignore', 'ignore', 'pipe', 'ipc'] });
    const connection = createProtocolConnection(new IPCMessageReader(child), new IPCMessageWriter(child));
    const pubs: PublishDiagnosticsParams[] = [];
    connection.onNotification(PublishDiagnosticsNotification.type, (p) => {
      pubs.push(p);
    });
    connection.listen();
    try {
      const init = await connection.sendRequest(InitializeRequest.type, { processId: process.pid, rootUri: null, capabilities: {}, workspaceFolders: null });
      assert.ok(init.capabilities.hoverProvider);
      await connection.sendNotification('initialized', {});
      const uri = fileUri(join(FIXTURES, 'asm-error.hcb'));
      await connection.sendNotification('textDocument/didOpen', { textDocument: { uri, languageId: 'hcb', version: 1, text: readFileSync(join(FIXTURES, 'asm-error.hcb'), 'utf8') } });
      const deadline = Date.now() + 20000;
      while (!pubs.some((p) => p.uri === uri && p.diagnostics.length === 2) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
      assert.deepEqual(pubs.find((p) => p.uri === uri)?.diagnostics.map((d) => d.message), ["expected 'll', found 'r2'", "no label 'nowhere'"]);
    } finally {
      connection.dispose();
      child.kill();
    }
  });

  describe('over stdio', () => {
    let client: LspClient;
    before(async () => {
      client = new LspClient({ workspaceFolder: workspace, configuration: true, settings: { inlayHints: true, kernelChecks: {} } });
      await client.initialize();
      await new Promise((r) => setTimeout(r, 100));
    });
    after(async () => client.stop());

    it('indexes the workspace on disk, registers a file watcher and logs where the verifier runs', async () => {
      const watch = client.registrations.find((r) => r.method === DidChangeWatchedFilesNotification.method);
      assert.deepEqual((watch?.registerOptions as { watchers: { globPattern: string }[] }).watchers.map((w) => w.globPattern), ['**/*.hcb', '**/*.S', '**/*.s', '**/*.hlab.json']);
      const syms = await client.request<SymbolInformation[]>('workspace/symbol', { query: 'again' });
      assert.deepEqual(syms.map((s) => s.location.uri), [fileUri(join(workspace, 'cb', 'loop.hcb'))]);
      assert.match(client.stderr.join('\n'), /slow diagnostics run in a worker thread/);
    });

    it('open buffers win over disk; watched-file events add and remove files', async () => {
      const loopUri = fileUri(join(workspace, 'cb', 'loop.hcb'));
      const text = readFileSync(join(workspace, 'cb', 'loop.hcb'), 'utf8').replace(/again/g, 'onward');
      await client.open(loopUri, 'hcb', text);
      assert.deepEqual(await client.request<SymbolInformation[]>('workspace/symbol', { query: 'again' }), []);
      assert.equal((await client.request<SymbolInformation[]>('workspace/symbol', { query: 'onward' })).length, 1);
      await client.close(loopUri);
      assert.equal((await client.request<SymbolInformation[]>('workspace/symbol', { query: 'again' })).length, 1);

      const fresh = join(workspace, 'cb', 'fresh.hcb');
      writeFileSync(fresh, '.event tracing\nbrand_new:\n  r0 = 0\n  exit\n');
      await client.connection.sendNotification(DidChangeWatchedFilesNotification.type, { changes: [{ uri: fileUri(fresh), type: FileChangeType.Created }] });
      assert.deepEqual((await client.request<SymbolInformation[]>('workspace/symbol', { query: 'brand_new' })).map((s) => s.location.range.start), [pos(1, 0)]);
      writeFileSync(fresh, '.event tracing\nrenamed_on_disk:\n  r0 = 0\n  exit\n');
      await client.connection.sendNotification(DidChangeWatchedFilesNotification.type, { changes: [{ uri: fileUri(fresh), type: FileChangeType.Changed }] });
      assert.equal((await client.request<SymbolInformation[]>('workspace/symbol', { query: 'renamed_on_disk' })).length, 1);
      unlinkSync(fresh);
      await client.connection.sendNotification(DidChangeWatchedFilesNotification.type, { changes: [{ uri: fileUri(fresh), type: FileChangeType.Deleted }] });
      assert.deepEqual(await client.request<SymbolInformation[]>('workspace/symbol', { query: 'renamed_on_disk' }), []);
    });

    it('reads settings with workspace/configuration (inlay hints on)', async () => {
      const uri = fileUri(join(workspace, 'cb', 'loop.hcb'));
      await client.open(uri, 'hcb', readFileSync(join(workspace, 'cb', 'loop.hcb'), 'utf8'));
      const hints = await client.request<InlayHint[]>('textDocument/inlayHint', { textDocument: { uri }, range: { start: pos(0, 0), end: pos(16, 0) } });
      assert.ok(hints.length > 5);
      await client.close(uri);
    });

    it('verifies off the main loop: a hover is answered while a long verification runs', async () => {
      // ~12k instructions of branches: the verifier needs far longer than a hover
      const lines = ['.event tracing', '  r0 = 0', '  r2 = *(u32 *)(r1 + 8)'];
      for (let k = 0; k < 3000; k++) lines.push(`  if r2 > ${k} goto l${k}`, '  r0 += r2', `l${k}:`, '  r0 &= 0xffff');
      lines.push('  exit');
      const heavy = fileUri(join(workspace, 'cb', 'heavy.hcb'));
      const small = fileUri(join(workspace, 'cb', 'bounds.hcb'));
      await client.open(small, 'hcb', readFileSync(join(workspace, 'cb', 'bounds.hcb'), 'utf8'));
      await client.settled(small);
      await client.open(heavy, 'hcb', `${lines.join('\n')}\n`);
      await client.diagnostics(heavy, (p) => p.version === 1);
      const order: string[] = [];
      const verified = client.settled(heavy, 1, 60000).then(() => order.push('verifier'));
      const hovered = client.request<Hover | null>('textDocument/hover', { textDocument: { uri: small }, position: pos(11, 3) }).then((h) => {
        order.push('hover');
        return h;
      });
      const h = await hovered;
      await verified;
      assert.match((h?.contents as MarkupContent).value, /r0 \+= r6/);
      assert.deepEqual(order, ['hover', 'verifier']);
      await client.close(heavy);
      await client.close(small);
    });

    it('riscv-guest end to end: diagnostics, hover, definition', async () => {
      const uri = fileUri(join(workspace, 'hello.S'));
      const text = readFileSync(join(workspace, 'hello.S'), 'utf8');
      await client.open(uri, 'riscv-guest', text);
      assert.deepEqual(await client.settled(uri), []);
      const broken = text.replace('    li      t1, 0\n', '    li      t1, 0\n    addi    t1, t1, 5000\n');
      const v = await client.change(uri, [{ text: broken }]);
      const diags = await client.settled(uri, v);
      const line = broken.split('\n').findIndex((l) => l.includes('5000'));
      assert.equal(diags.length, 1, JSON.stringify(diags));
      assert.equal(diags[0].range.start.line, line);
      const callLine = broken.split('\n').findIndex((l) => l.includes('call    htif_puts'));
      const def = await client.request<Location[]>('textDocument/definition', { textDocument: { uri }, position: pos(callLine, 14) });
      assert.equal(def[0]?.uri, fileUri(join(workspace, 'htif.S')));
      const hover = await client.request<Hover | null>('textDocument/hover', { textDocument: { uri }, position: pos(callLine - 1, 6) });
      assert.ok(hover && (hover.contents as MarkupContent).value.length > 0);
      await client.close(uri);
    });

    it('an edit to an open guest file refreshes the open scenario that loads it (open buffers win)', async () => {
      const scenarioUri = fileUri(join(workspace, 'hello.hlab.json'));
      const guestUri = fileUri(join(workspace, 'hello.S'));
      await client.open(scenarioUri, 'json', readFileSync(join(workspace, 'hello.hlab.json'), 'utf8'));
      assert.deepEqual(await client.settled(scenarioUri), []);
      const before = client.published.get(scenarioUri)?.length ?? 0;
      await client.open(guestUri, 'riscv-guest', readFileSync(join(workspace, 'hello.S'), 'utf8'));
      await client.change(guestUri, [{ range: { start: pos(8, 0), end: pos(8, 0) }, text: '    bogus_instruction a0\n' }]);
      const refreshed = await client.diagnostics(scenarioUri, (p) => (client.published.get(scenarioUri) ?? []).indexOf(p) >= before && p.diagnostics.length > 0, 20000);
      assert.ok(refreshed.diagnostics.some((d) => /hello\.S/.test(String(d.message))), JSON.stringify(refreshed.diagnostics));
      await client.close(guestUri);
      await client.close(scenarioUri);
    });

    it('scenario end to end (by file name, languageId json): diagnostics and document links', async () => {
      const uri = fileUri(join(workspace, 'hello.hlab.json'));
      const text = readFileSync(join(workspace, 'hello.hlab.json'), 'utf8');
      await client.open(uri, 'json', text);
      assert.deepEqual(await client.settled(uri), []);
      const links = await client.request<DocumentLink[]>('textDocument/documentLink', { textDocument: { uri } });
      assert.ok(links.some((l) => l.target === fileUri(join(workspace, 'hello.S'))), JSON.stringify(links));
      const v = await client.change(uri, [{ text: text.replace('"htif.S"', '"nothere.S"') }]);
      const diags = await client.settled(uri, v);
      assert.ok(diags.some((d) => /nothere\.S/.test(String(d.message))), JSON.stringify(diags));
      await client.close(uri);
    });
  });
});
