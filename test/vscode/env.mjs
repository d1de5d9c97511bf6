// The pieces every real-VS-Code runner here shares: where the installed tools are, a throwaway
// code-server (its own config, profile, extensions and XDG folders, detached in its own process
// group so it and everything it spawns can be ended together), Chromium through playwright-core,
// and a fresh-enough hyperlab.vsix. Plain Node (no TypeScript) so it runs before anything is built.
import { spawn, spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, openSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
export const cacheDir = process.env.HYPERLAB_CACHE ?? path.join(os.homedir(), '.cache', 'hyperlab');

/** Runs the idempotent installer (skips whatever is present) and returns the paths it reports. */
export function ensureTestEnv(log) {
  const r = spawnSync('bash', [path.join(repoRoot, 'scripts', 'install-vscode-test-env.sh')], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  for (const line of r.stderr.trim().split('\n')) if (line) log(line);
  if (r.status !== 0) throw new Error(`scripts/install-vscode-test-env.sh exited with ${r.status}`);
  return JSON.parse(readFileSync(path.join(cacheDir, 'vscode-test-env.json'), 'utf8'));
}

/** Newest modification time under `p` (a file or a folder, recursively; node_modules skipped). */
function newestMtime(p) {
  if (!existsSync(p)) return 0;
  const st = statSync(p);
  if (!st.isDirectory()) return st.mtimeMs;
  let newest = st.mtimeMs;
  for (const entry of readdirSync(p)) {
    if (entry === 'node_modules') continue;
    newest = Math.max(newest, newestMtime(path.join(p, entry)));
  }
  return newest;
}

/** What the package is built from: if any of it is newer than the .vsix, the .vsix is stale. */
const PACKAGE_INPUTS = ['package.json', '.vscodeignore', 'README.md', 'client', 'server', 'debug-adapter', 'protocol', 'simulator', 'syntaxes', 'snippets', 'schemas', 'media', 'examples', 'scripts/build.mjs'];

/** Packages the extension (`npm run package`) unless hyperlab.vsix is newer than all its inputs. */
export function ensureVsix(log, { force = false } = {}) {
  const vsix = path.join(repoRoot, 'hyperlab.vsix');
  const inputs = Math.max(...PACKAGE_INPUTS.map((p) => newestMtime(path.join(repoRoot, p))));
  if (!force && existsSync(vsix) && statSync(vsix).mtimeMs > inputs) {
    log(`reusing ${path.relative(repoRoot, vsix)} (newer than its sources)`);
    return vsix;
  }
  log('packaging: npm run package');
  const r = spawnSync('npm', ['run', '--silent', 'package'], { cwd: repoRoot, encoding: 'utf8' });
  for (const line of `${r.stdout}${r.stderr}`.trim().split('\n')) if (line) log(`  ${line}`);
  if (r.status !== 0) throw new Error('npm run package failed');
  return vsix;
}

/**
 * A throwaway copy of the test workspace (test/vscode/fixtures, examples/, schemas/, in the same
 * relative layout as in the repository): whatever the tests edit, save or create in it — on
 * purpose or by a stray keystroke — never reaches the repository. The caller removes `dir`.
 */
export function copyTestWorkspace(name) {
  const dir = mkdtempSync(path.join(os.tmpdir(), `hyperlab-${name}-workspace-`));
  // schemas/ too: the examples name their schema by a relative "$schema" path.
  for (const part of ['examples', 'schemas', path.join('test', 'vscode', 'fixtures')]) cpSync(path.join(repoRoot, part), path.join(dir, part), { recursive: true });
  return { dir, workspaceFile: path.join(dir, 'test', 'vscode', 'fixtures', 'hyperlab-tests.code-workspace') };
}

/** A TCP port free right now on 127.0.0.1. */
export function freePort() {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
  });
}

/**
 * A code-server profile in a fresh temp folder: config file, user data (with settings that keep
 * the workbench quiet and deterministic), extensions folder, XDG folders.
 */
export function makeProfile(prefix = 'hyperlab-vscode-') {
  const dir = mkdtempSync(path.join(os.tmpdir(), prefix));
  const p = {
    dir,
    config: path.join(dir, 'config.yaml'),
    userData: path.join(dir, 'user-data'),
    extensions: path.join(dir, 'extensions'),
    xdgConfig: path.join(dir, 'xdg-config'),
    xdgData: path.join(dir, 'xdg-data'),
    browserProfile: path.join(dir, 'chromium'),
    log: path.join(dir, 'code-server.log'),
  };
  for (const d of [p.userData, p.extensions, p.xdgConfig, p.xdgData, p.browserProfile]) mkdirSync(d, { recursive: true });
  writeFileSync(p.config, 'auth: none\ncert: false\n');
  const settings = path.join(p.userData, 'User');
  mkdirSync(settings, { recursive: true });
  writeFileSync(path.join(settings, 'settings.json'), JSON.stringify({
    'workbench.startupEditor': 'none',
    'workbench.tips.enabled': false,
    'security.workspace.trust.enabled': false,
    'extensions.autoCheckUpdates': false,
    'extensions.autoUpdate': false,
    'telemetry.telemetryLevel': 'off',
    'update.mode': 'none',
    'debug.openDebug': 'neverOpen',
    'window.restoreWindows': 'none',
    // Nothing is saved behind the test's back (the workspace is a copy anyway).
    'debug.saveBeforeStart': 'none',
    'files.autoSave': 'off',
    'git.openRepositoryInParentFolders': 'never',
    'workbench.secondarySideBar.defaultVisibility': 'hidden',
    'chat.disableAIFeatures': true,
  }, null, 2));
  return p;
}

function codeServerEnv(profile, extra = {}) {
  return { ...process.env, XDG_CONFIG_HOME: profile.xdgConfig, XDG_DATA_HOME: profile.xdgData, ...extra };
}

function codeServerArgs(env, profile) {
  return [env.codeServerEntry, '--config', profile.config, '--user-data-dir', profile.userData, '--extensions-dir', profile.extensions];
}

/** Installs a .vsix into the profile; returns the folder the extension was unpacked into. */
export function installVsix(env, profile, vsix) {
  const r = spawnSync(env.node, [...codeServerArgs(env, profile), '--install-extension', vsix], { env: codeServerEnv(profile), encoding: 'utf8', timeout: 120_000 });
  if (r.status !== 0) throw new Error(`code-server --install-extension failed (${r.status ?? r.signal}):\n${r.stdout}${r.stderr}`);
  const folder = readdirSync(profile.extensions).find((d) => d.startsWith('hyperlab.hyperlab-'));
  if (!folder) throw new Error(`the .vsix installed, but no hyperlab.hyperlab-* folder appeared in ${profile.extensions}`);
  return path.join(profile.extensions, folder);
}

/**
 * Starts code-server detached (own process group) on 127.0.0.1:port with `workspace` open and
 * waits for /healthz. Returns { url, stop() }; stop() ends the whole process group. `onSpawn`
 * receives stop() as soon as the process exists, so a caller interrupted while waiting for
 * /healthz can still end it.
 */
export async function startCodeServer(env, profile, { port, workspace, smokeTestDriver = false, extraEnv = {}, onSpawn = () => {} }) {
  const out = openSync(profile.log, 'a');
  const args = [
    ...codeServerArgs(env, profile),
    '--auth', 'none', '--bind-addr', `127.0.0.1:${port}`,
    '--disable-telemetry', '--disable-update-check', '--disable-workspace-trust', '--disable-getting-started-override',
    ...(smokeTestDriver ? ['--vscode-option', 'enable-smoke-test-driver'] : []),
    workspace,
  ];
  const child = spawn(env.node, args, { env: codeServerEnv(profile, extraEnv), detached: true, stdio: ['ignore', out, out] });
  const stop = () => killGroup(child);
  onSpawn(stop);
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 30_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`code-server exited with ${child.exitCode} at start; log: ${profile.log}\n${tail(profile.log)}`);
    try {
      const res = await fetch(`${url}/healthz`);
      if (res.ok) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) {
      await stop();
      throw new Error(`code-server did not answer /healthz within 30 s; log: ${profile.log}\n${tail(profile.log)}`);
    }
    await sleep(200);
  }
  return { url, pid: child.pid, stop };
}

/** Ends a detached child's process group: SIGTERM, then SIGKILL if anything is left after 3 s. */
export async function killGroup(child) {
  if (!child.pid) return;
  const alive = () => {
    try {
      process.kill(-child.pid, 0);
      return true;
    } catch {
      return false;
    }
  };
  if (!alive()) return;
  try {
    process.kill(-child.pid, 'SIGTERM');
  } catch {
    return;
  }
  const deadline = Date.now() + 3000;
  while (alive() && Date.now() < deadline) await sleep(100);
  if (alive()) {
    try {
      process.kill(-child.pid, 'SIGKILL');
    } catch {
      // already gone
    }
  }
}

export async function launchChromium(env, profile) {
  const { chromium } = await import('playwright-core');
  return chromium.launchPersistentContext(profile.browserProfile, {
    executablePath: env.chromium,
    headless: true,
    viewport: { width: 1400, height: 900 },
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
}

export function removeProfile(profile) {
  // Retries: a browser or server still closing may write into the profile while it goes.
  rmSync(profile.dir, { recursive: true, force: true, maxRetries: 5, retryDelay: 200 });
}

export const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

function tail(file, lines = 20) {
  try {
    return readFileSync(file, 'utf8').trim().split('\n').slice(-lines).join('\n');
  } catch {
    return '';
  }
}
