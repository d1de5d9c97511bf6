// Tests in a real VS Code: code-server (VS Code in the browser with a real Node extension host)
// with the packaged hyperlab.vsix installed, driven by Debian's Chromium through playwright-core.
//   1. the extension-host mocha suite (test/vscode/suite/), run through the workbench's smoke-test
//      driver payload with the installed extension as the development extension, so the suite
//      exercises exactly the files in the .vsix;
//   2. the Playwright UI test (test/vscode/ui.mjs) against a second, fresh code-server.
// Everything it starts runs in its own process group and is ended on every exit path.
// Screenshots go to .test-artifacts/vscode/. Exits non-zero on any failure; the last line is
// `N passed, M failed`.
//
// Options: --only suite|ui   run one part
//          --grep TEXT       only suite tests whose full title contains TEXT (mocha --grep)
//          --repackage       package even when hyperlab.vsix looks fresh
//          --vsix FILE       test this .vsix instead of packaging the repository
//          --keep            keep the temp profiles (code-server logs) for inspection
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { format } from 'node:util';
import { parseArgs } from 'node:util';
import { bundleSuite } from './bundle-suite.mjs';
import { copyTestWorkspace, ensureTestEnv, ensureVsix, freePort, installVsix, launchChromium, makeProfile, removeProfile, repoRoot, startCodeServer } from './env.mjs';
import { runUiTests } from './ui.mjs';

const SUITE_TIMEOUT_MS = 300_000;
const artifacts = path.join(repoRoot, '.test-artifacts', 'vscode');

const { values: opts } = parseArgs({
  options: {
    only: { type: 'string' },
    grep: { type: 'string' },
    repackage: { type: 'boolean', default: false },
    vsix: { type: 'string' },
    keep: { type: 'boolean', default: false },
  },
});
if (opts.only && !['suite', 'ui'].includes(opts.only)) {
  console.error(`--only must be 'suite' or 'ui', not '${opts.only}'`);
  process.exit(2);
}

const log = (...a) => console.log(`[vscode] ${format(...a)}`);
// What to end or remove, newest last. Drained after each part (so the suite's code-server and
// browser are gone before the UI test starts) and on every exit path, signals included.
const cleanups = [];
async function cleanup() {
  while (cleanups.length > 0) {
    const c = cleanups.pop();
    try {
      await c();
    } catch (e) {
      log(`cleanup: ${e instanceof Error ? e.message : e}`);
    }
  }
}
for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP']) {
  process.on(sig, () => {
    log(`${sig}: ending everything this run started`);
    void cleanup().then(() => process.exit(130));
  });
}

let passed = 0;
let failed = 0;

/** A throwaway copy of the test workspace for one part; returns its .code-workspace file. */
function workspaceCopy(name) {
  const { workspaceFile, dir } = copyTestWorkspace(name);
  cleanups.push(() => (opts.keep ? log(`kept ${dir}`) : rmSync(dir, { recursive: true, force: true })));
  return workspaceFile;
}

/** Starts a code-server on a fresh profile with the .vsix installed. */
async function freshCodeServer(env, vsix, name, serverOptions) {
  const profile = makeProfile(`hyperlab-${name}-`);
  cleanups.push(() => (opts.keep ? log(`kept ${profile.dir}`) : removeProfile(profile)));
  const extensionDir = installVsix(env, profile, vsix);
  log(`${name}: installed ${path.basename(extensionDir)} into ${profile.extensions}`);
  const port = await freePort();
  const server = await startCodeServer(env, profile, { port, ...serverOptions, onSpawn: (stop) => cleanups.push(stop) });
  log(`${name}: code-server (pid ${server.pid}) at ${server.url}; log ${profile.log}`);
  const browser = await launchChromium(env, profile);
  cleanups.push(() => browser.close());
  return { profile, extensionDir, server, browser };
}

/** The extension-host suite: resolves with mocha's counts as the suite reported them. */
async function runSuite(env, vsix) {
  const testsPath = await bundleSuite();
  const workspace = workspaceCopy('suite');
  const { extensionDir, server, browser } = await freshCodeServer(env, vsix, 'suite', {
    workspace,
    smokeTestDriver: true,
    extraEnv: opts.grep ? { HYPERLAB_SUITE_GREP: opts.grep } : {},
  });
  const page = browser.pages()[0] ?? (await browser.newPage());
  let counts;
  let inSuite = false;
  const lines = [];
  let resolveExit;
  const exited = new Promise((resolve) => (resolveExit = resolve));
  await page.exposeFunction('codeAutomationLog', (type, args) => {
    const text = format(...(Array.isArray(args) ? args : [args]));
    lines.push(`[${type}] ${text}`);
    // Between the suite's start marker and its summary line the output is mocha's: shown. The
    // rest is the workbench's own log: kept in the artifacts (shown only when the suite never ran).
    const m = /^HYPERLAB-SUITE (\{.*\})$/.exec(text);
    if (text === 'HYPERLAB-SUITE-START') inSuite = true;
    else if (m) {
      counts = JSON.parse(m[1]);
      inSuite = false;
    } else if (inSuite) for (const line of text.split('\n')) console.log(`  ${line}`);
  });
  await page.exposeFunction('codeAutomationExit', (code) => resolveExit(code));
  const remote = (p) => `vscode-remote://127.0.0.1:${new URL(server.url).port}${p}`;
  const payload = [
    ['extensionDevelopmentPath', remote(extensionDir)],
    ['extensionTestsPath', remote(testsPath)],
    ['skipWelcome', 'true'],
  ];
  const url = `${server.url}/?workspace=${encodeURIComponent(workspace)}&payload=${encodeURIComponent(JSON.stringify(payload))}`;
  const started = Date.now();
  await page.goto(url);
  const code = await Promise.race([exited, new Promise((resolve) => setTimeout(() => resolve('timeout'), SUITE_TIMEOUT_MS))]);
  log(`suite: extension host exited with ${code} after ${((Date.now() - started) / 1000).toFixed(1)} s`);
  writeFileSync(path.join(artifacts, 'suite-workbench.log'), `${lines.join('\n')}\n`);
  if (code === 'timeout') {
    await page.screenshot({ path: path.join(artifacts, 'suite-timeout.png') }).catch(() => {});
    return { passed: counts?.passed ?? 0, failed: (counts?.failed ?? 0) + 1, note: `no exit within ${SUITE_TIMEOUT_MS / 1000} s` };
  }
  if (!counts) {
    // The suite never reported (it could not load, or run() threw before mocha ran).
    return { passed: 0, failed: 1, note: `the suite did not run (exit ${code}); last output:\n${lines.slice(-20).join('\n')}` };
  }
  if (code !== 0 && counts.failed === 0) return { ...counts, failed: 1, note: `exit ${code} with no failing test` };
  return counts;
}

async function runUi(env, vsix) {
  const workspace = workspaceCopy('ui');
  const { server, browser } = await freshCodeServer(env, vsix, 'ui', { workspace });
  const page = browser.pages()[0] ?? (await browser.newPage());
  const results = await runUiTests({ page, url: `${server.url}/?workspace=${encodeURIComponent(workspace)}`, artifacts, log });
  for (const r of results) console.log(`  ${r.ok ? '✔' : '✘'} ${r.name}${r.ok ? '' : `\n      ${r.error}`}`);
  return { passed: results.filter((r) => r.ok).length, failed: results.filter((r) => !r.ok).length };
}

try {
  // Only this run's screenshots and logs.
  rmSync(artifacts, { recursive: true, force: true });
  mkdirSync(artifacts, { recursive: true });
  const env = ensureTestEnv(log);
  const vsix = opts.vsix ? path.resolve(opts.vsix) : ensureVsix(log, { force: opts.repackage });
  for (const [part, fn] of [['suite', runSuite], ['ui', runUi]]) {
    if (opts.only && opts.only !== part) continue;
    try {
      const r = await fn(env, vsix);
      passed += r.passed;
      failed += r.failed;
      log(`${part}: ${r.passed} passed, ${r.failed} failed${r.note ? ` — ${r.note}` : ''}`);
    } catch (e) {
      failed += 1;
      log(`${part}: could not run: ${e instanceof Error ? e.stack : e}`);
    } finally {
      await cleanup();
    }
  }
} catch (e) {
  failed += 1;
  log(`setup failed: ${e instanceof Error ? e.message : e}`);
} finally {
  await cleanup();
}
console.log(`${passed} passed, ${failed} failed`);
process.exit(failed > 0 ? 1 : 0);
