/**
 * The verifier worker's failure path: a cancelled verification that runs on (the verifier cannot
 * stop half-way) gets the worker restarted; the jobs of other documents lost with it run again,
 * and every document ends up with the verifier's diagnostics of its current version.
 * In-process server over in-memory streams, with the real worker bundle and a short kill delay.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { DidChangeTextDocumentNotification, DidOpenTextDocumentNotification } from 'vscode-languageserver-protocol/node';
import { startInProcess } from './support/inProcess';
import { ensureBuilt, ROOT } from './support/lspClient';

describe('language server: verifier worker restarts', function () {
  this.timeout(60000);

  it('restarts a worker stuck on a cancelled job and re-runs the other documents\' lost jobs', async () => {
    ensureBuilt();
    const server = await startInProcess({ runner: { workerPath: join(ROOT, 'dist', 'serverWorker.js'), killAfterMs: 20 } });
    const { client, logs, pubs, waitFor } = server;
    try {
      const lines = ['.event tracing', '  r0 = 0', '  r2 = *(u32 *)(r1 + 8)'];
      for (let k = 0; k < 3000; k++) lines.push(`  if r2 > ${k} goto l${k}`, '  r0 += r2', `l${k}:`, '  r0 &= 0xffff');
      lines.push('  r0 = r9', '  exit');
      const heavy = 'file:///virtual/heavy.hcb';
      const small = 'file:///virtual/small.hcb';
      await client.sendNotification(DidOpenTextDocumentNotification.type, { textDocument: { uri: heavy, languageId: 'hcb', version: 1, text: `${lines.join('\n')}\n` } });
      // wait until the heavy verification is under way, then make it stale and queue another document behind it
      await waitFor(() => pubs.some((p) => p.uri === heavy && p.version === 1), 'the heavy file\'s assembler diagnostics');
      await new Promise((r) => setTimeout(r, 50));
      await client.sendNotification(DidChangeTextDocumentNotification.type, { textDocument: { uri: heavy, version: 2 }, contentChanges: [{ range: { start: { line: 1, character: 7 }, end: { line: 1, character: 8 } }, text: '1' }] });
      await client.sendNotification(DidOpenTextDocumentNotification.type, { textDocument: { uri: small, languageId: 'hcb', version: 1, text: '.event tracing\n  r0 = r8\n  exit\n' } });
      const verified = (uri: string, version: number, message: RegExp): boolean =>
        pubs.some((p) => p.uri === uri && p.version === version && p.diagnostics.some((d) => message.test(String(d.message))));
      await waitFor(() => verified(small, 1, /^r8 is read before it is initialised/), 'the small file\'s verifier diagnostics');
      await waitFor(() => verified(heavy, 2, /^r9 is read before it is initialised/), 'the heavy file\'s verifier diagnostics of version 2');
      assert.ok(logs.some((l) => /restarting the slow-diagnostics worker: job \d+ ignored cancellation/.test(l)), logs.join('\n'));
      // nothing of version 1 arrived after version 2's
      const heavyVersions = pubs.filter((p) => p.uri === heavy).map((p) => p.version ?? 0);
      assert.deepEqual([...heavyVersions].sort((a, b) => a - b), heavyVersions);
    } finally {
      await server.stop();
    }
  });
});
