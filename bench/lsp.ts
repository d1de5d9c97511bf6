/**
 * Language-server latency, measured over the real protocol (`dist/server.js --stdio` and a
 * vscode-languageserver-protocol client), each against a baseline measured in the same run:
 * - a 5,000-line guest file (riscv-guest): `didChange` -> the diagnostics of that version,
 *   p50/p99 over 200 edits after 20 warm-up edits whose latencies are printed too (target p99
 *   <= 50 ms); baseline: the language's own quick diagnostics in process;
 * - a 1,000-instruction callback: `didChange` -> the publication of that version that includes
 *   the verifier's results (debounce included), over 100 edits (target p99 <= 150 ms); baseline:
 *   assemble + verify in process;
 * - hover on instructions of that callback (verified), 200 requests (target p99 <= 20 ms);
 *   baseline: the hcb hover in process.
 */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import {
  createProtocolConnection, DidChangeTextDocumentNotification, DidOpenTextDocumentNotification, ExitNotification, InitializedNotification, InitializeRequest,
  PublishDiagnosticsNotification, ShutdownRequest, StreamMessageReader, StreamMessageWriter, type ProtocolConnection, type PublishDiagnosticsParams,
} from 'vscode-languageserver-protocol/node';
import { TextDocument } from 'vscode-languageserver-textdocument';
import { hcbLanguage } from '../server/hcb/index';
import { riscvGuestLanguage } from '../server/riscv/index';
import type { LanguageContext } from '../server/language';
import { assemble } from '../simulator/ebpf/asm/assembler';
import { verifyHcb } from '../simulator/ebpf/verifier/index';
import { callback, guestFile } from '../test/server/support/generated';
import { SERVER_NODE_OPTIONS } from '../protocol/server-launch';

interface Stats {
  p50: number;
  p99: number;
}

function stats(xs: number[]): Stats {
  const s = [...xs].sort((a, b) => a - b);
  const at = (q: number): number => s[Math.min(s.length - 1, Math.ceil(q * s.length) - 1)];
  return { p50: at(0.5), p99: at(0.99) };
}

class BenchClient {
  readonly connection: ProtocolConnection;
  private readonly waiters: { test: (p: PublishDiagnosticsParams) => boolean; resolve: () => void }[] = [];
  private readonly counts = new Map<string, number>();

  constructor(private readonly child: ReturnType<typeof spawn>) {
    if (!child.stdout || !child.stdin) throw new Error('server without stdio');
    this.connection = createProtocolConnection(new StreamMessageReader(child.stdout), new StreamMessageWriter(child.stdin));
    this.connection.onNotification(PublishDiagnosticsNotification.type, (p) => {
      const key = `${p.uri}@${p.version}`;
      this.counts.set(key, (this.counts.get(key) ?? 0) + 1);
      for (let k = this.waiters.length - 1; k >= 0; k--) {
        if (this.waiters[k].test(p)) {
          this.waiters[k].resolve();
          this.waiters.splice(k, 1);
        }
      }
    });
    this.connection.listen();
  }

  /** Resolves when `uri` has had `n` publications for `version`. */
  published(uri: string, version: number, n: number): Promise<void> {
    if ((this.counts.get(`${uri}@${version}`) ?? 0) >= n) return Promise.resolve();
    return new Promise((resolve) => this.waiters.push({ test: (p) => p.uri === uri && p.version === version && (this.counts.get(`${uri}@${version}`) ?? 0) >= n, resolve }));
  }

  async stop(): Promise<void> {
    await this.connection.sendRequest(ShutdownRequest.type);
    await this.connection.sendNotification(ExitNotification.type);
    this.connection.dispose();
    if (this.child.exitCode === null) this.child.kill();
  }
}

function serverPath(): string {
  const dir = typeof __dirname === 'undefined' ? join(process.cwd(), 'dist') : __dirname;
  const path = join(dir, 'server.js');
  if (!existsSync(path)) throw new Error(`${path} not found: run npm run build first`);
  return path;
}

const line = (text: string, k: number): string => text.split('\n')[k];

/** A server process over stdio: with HyperLab's launch options (as the extension starts it) or plain `node dist/server.js`. */
async function startServer(nodeOptions: readonly string[]): Promise<BenchClient> {
  const child = spawn(process.execPath, [...nodeOptions, serverPath(), '--stdio'], { stdio: ['pipe', 'pipe', 'inherit'] });
  const client = new BenchClient(child);
  await client.connection.sendRequest(InitializeRequest.type, { processId: process.pid, rootUri: null, workspaceFolders: null, capabilities: {} });
  await client.connection.sendNotification(InitializedNotification.type, {});
  return client;
}

/** Edits made right after opening, before the measured ones: the server's JIT warms up on them. */
const WARMUP_EDITS = 20;

/**
 * didChange -> diagnostics of that version, over 200 one-line edits of a 5,000-line guest file,
 * after WARMUP_EDITS unmeasured ones (`warmup` holds their latencies, reported separately).
 */
async function guestEdits(client: BenchClient): Promise<{ times: number[]; warmup: number[]; text: string }> {
  const c = client.connection;
  const guestUri = 'file:///bench/kernel.S';
  let guest = guestFile(5000);
  await c.sendNotification(DidOpenTextDocumentNotification.type, { textDocument: { uri: guestUri, languageId: 'riscv-guest', version: 1, text: guest } });
  await client.published(guestUri, 1, 1);
  const targetLine = guest.split('\n').findIndex((l) => l === '  li a0, 16');
  const times: number[] = [];
  const warmup: number[] = [];
  for (let v = 2; v <= 201 + WARMUP_EDITS; v++) {
    const text = `  li a0, ${16 + v}`;
    const old = line(guest, targetLine);
    const t0 = performance.now();
    await c.sendNotification(DidChangeTextDocumentNotification.type, {
      textDocument: { uri: guestUri, version: v },
      contentChanges: [{ range: { start: { line: targetLine, character: 0 }, end: { line: targetLine, character: old.length } }, text }],
    });
    await client.published(guestUri, v, 1);
    (v - 2 < WARMUP_EDITS ? warmup : times).push(performance.now() - t0);
    const lines = guest.split('\n');
    lines[targetLine] = text;
    guest = lines.join('\n');
  }
  return { times, warmup, text: guest };
}

export async function benchLsp(_argv: string[] = []): Promise<void> {
  const client = await startServer(SERVER_NODE_OPTIONS);
  const c = client.connection;
  const ctx: LanguageContext = { files: { read: () => undefined, uris: () => [], generation: 0 }, settings: { kernelChecks: {}, inlayHints: false } };
  console.log(`Language server (launched as the extension does: node ${SERVER_NODE_OPTIONS.join(' ')} dist/server.js)`);

  // ---- 5,000-line guest file -------------------------------------------------------------
  const { times: guestTimes, warmup, text: guest } = await guestEdits(client);
  // the same edits in process: one document whose versions move on, as the server sees it
  const guestBase: number[] = [];
  for (let v = 1; v <= 100; v++) {
    // the same line the server saw edited (the first `li a0, N` of the file), so pass one really runs
    const doc = TextDocument.create('file:///bench/base.S', 'riscv-guest', v, guest.replace(/^ {2}li a0, \d+$/m, `  li a0, ${v}`));
    const t0 = performance.now();
    riscvGuestLanguage.quickDiagnostics(doc, ctx);
    guestBase.push(performance.now() - t0);
  }
  report(`5,000-line guest file, didChange -> diagnostics (riscv-guest), ${guestTimes.length} edits`, stats(guestTimes), stats(guestBase), 50, 'in-process quick diagnostics');
  console.log(`    the ${warmup.length} warm-up edits before them (right after opening, JIT cold): ${warmup.map((t) => t.toFixed(0)).join(' ')} ms`);
  // Another LSP client may start the server without HyperLab's options: show what it gets.
  const plain = await startServer([]);
  const { times: plainTimes } = await guestEdits(plain);
  await plain.stop();
  report('  the same, server started as plain node dist/server.js', stats(plainTimes), stats(guestTimes), 50, 'with the launch options');

  // ---- 1,000-instruction callback --------------------------------------------------------
  const cbUri = 'file:///bench/callback.hcb';
  let cb = callback(1000);
  const insnCount = assemble(cb).insns.length;
  await c.sendNotification(DidOpenTextDocumentNotification.type, { textDocument: { uri: cbUri, languageId: 'hcb', version: 1, text: cb } });
  await client.published(cbUri, 1, 2);
  const cbTimes: number[] = [];
  for (let v = 2; v <= 101; v++) {
    const text = `  r0 = ${v}`;
    const t0 = performance.now();
    await c.sendNotification(DidChangeTextDocumentNotification.type, {
      textDocument: { uri: cbUri, version: v },
      contentChanges: [{ range: { start: { line: 1, character: 0 }, end: { line: 1, character: line(cb, 1).length } }, text }],
    });
    // the assembler's publication, then the one with the verifier's results
    await client.published(cbUri, v, 2);
    cbTimes.push(performance.now() - t0);
    const lines = cb.split('\n');
    lines[1] = text;
    cb = lines.join('\n');
  }
  const cbBase: number[] = [];
  for (let k = 0; k < 50; k++) {
    const t0 = performance.now();
    const r = verifyHcb(assemble(cb.replace('  r0 = 101', `  r0 = ${k}`)));
    cbBase.push(performance.now() - t0);
    if (!r.ok) throw new Error(`bench callback rejected: ${r.diagnostics[0]?.message}`);
  }
  report(`${insnCount}-instruction callback, didChange -> verifier diagnostics`, stats(cbTimes), stats(cbBase), 150, 'in-process assemble + verify');

  // ---- hover ------------------------------------------------------------------------------
  const lines = cb.split('\n');
  const insnLines = lines.map((l, k) => (/^ {2}\S/.test(l) ? k : -1)).filter((k) => k >= 0);
  await c.sendRequest('textDocument/hover', { textDocument: { uri: cbUri }, position: { line: insnLines[0], character: 3 } }); // first hover verifies
  const hoverTimes: number[] = [];
  for (let k = 0; k < 200; k++) {
    const l = insnLines[(k * 37) % insnLines.length];
    const t0 = performance.now();
    await c.sendRequest('textDocument/hover', { textDocument: { uri: cbUri }, position: { line: l, character: 3 } });
    hoverTimes.push(performance.now() - t0);
  }
  const doc = TextDocument.create('file:///bench/hover.hcb', 'hcb', 1, cb);
  hcbLanguage.hover?.(doc, { line: insnLines[0], character: 3 }, ctx);
  const hoverBase: number[] = [];
  for (let k = 0; k < 200; k++) {
    const t0 = performance.now();
    hcbLanguage.hover?.(doc, { line: insnLines[(k * 37) % insnLines.length], character: 3 }, ctx);
    hoverBase.push(performance.now() - t0);
  }
  report('hover on a verified callback instruction', stats(hoverTimes), stats(hoverBase), 20, 'in-process hover');
  await client.stop();
}

function report(what: string, s: Stats, base: Stats, target: number, baseName: string): void {
  const ok = s.p99 <= target ? 'met' : 'MISSED';
  console.log(`  ${what}: p50 ${s.p50.toFixed(1)} ms, p99 ${s.p99.toFixed(1)} ms (target p99 <= ${target} ms: ${ok}); baseline ${baseName} p50 ${base.p50.toFixed(1)} ms, p99 ${base.p99.toFixed(1)} ms; ratio p50 ${(s.p50 / base.p50).toFixed(2)}x`);
}
