// `npm run sandbox`: VS Code in the browser for anyone without a desktop VS Code. Starts
// code-server on 127.0.0.1 with the packaged extension (hyperlab.vsix, packaged first when older
// than its sources) installed and the examples/ folder open, prints the URL, and runs until
// Ctrl-C, which ends code-server and removes its throwaway profile.
// Options: --port N (default: $HYPERLAB_SANDBOX_PORT, else 8080 when free, else any free port).
import path from 'node:path';
import { createServer } from 'node:net';
import { parseArgs } from 'node:util';
import { ensureTestEnv, ensureVsix, freePort, installVsix, makeProfile, removeProfile, repoRoot, startCodeServer } from '../test/vscode/env.mjs';

const { values: opts } = parseArgs({ options: { port: { type: 'string' } } });
const log = (m) => console.log(`[sandbox] ${m}`);

const portFree = (port) =>
  new Promise((resolve) => {
    const srv = createServer();
    srv.once('error', () => resolve(false));
    srv.listen(port, '127.0.0.1', () => srv.close(() => resolve(true)));
  });

async function choosePort() {
  const asked = opts.port ?? process.env.HYPERLAB_SANDBOX_PORT;
  if (asked !== undefined) {
    const n = Number(asked);
    if (!Number.isInteger(n) || n < 1 || n > 65535) throw new Error(`--port: '${asked}' is not a port number`);
    return n;
  }
  return (await portFree(8080)) ? 8080 : freePort();
}

const env = ensureTestEnv(log);
const vsix = ensureVsix(log);
const profile = makeProfile('hyperlab-sandbox-');
let server;
const stop = async () => {
  await server?.stop();
  removeProfile(profile);
};
for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP']) {
  process.on(sig, () => {
    log('stopping code-server');
    void stop().then(() => process.exit(0));
  });
}
try {
  const ext = installVsix(env, profile, vsix);
  log(`installed ${path.basename(ext)}`);
  const workspace = path.join(repoRoot, 'examples');
  server = await startCodeServer(env, profile, { port: await choosePort(), workspace, onSpawn: (stop) => (server = { stop }) });
  console.log(`\nHyperLab sandbox: ${server.url}/?folder=${encodeURIComponent(workspace)}\n(code-server log: ${profile.log}; Ctrl-C stops it)`);
} catch (e) {
  console.error(`[sandbox] ${e instanceof Error ? e.message : e}`);
  await stop();
  process.exit(1);
}
// code-server runs detached; keep this process alive until a signal ends both.
setInterval(() => {}, 1 << 30);
