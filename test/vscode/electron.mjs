// The same extension-host suite (test/vscode/suite/) in a desktop VS Code through
// @vscode/test-electron, for machines that have one. The VS Code is, in order:
// $HYPERLAB_VSCODE_EXECUTABLE, else one @vscode/test-electron downloads (or finds in its cache).
// When neither is possible (no desktop VS Code here and no network to download one) it says so
// and exits 0: skipped, not failed. The extension under test is the repository itself (built
// first), the workspace a throwaway copy of test/vscode/fixtures/hyperlab-tests.code-workspace.
import { spawnSync } from 'node:child_process';
import { existsSync, rmSync } from 'node:fs';
import { bundleSuite } from './bundle-suite.mjs';
import { copyTestWorkspace, repoRoot } from './env.mjs';

const log = (m) => console.log(`[electron] ${m}`);
const DOWNLOAD_IDLE_TIMEOUT_MS = 15_000;

async function findVsCode() {
  const given = process.env.HYPERLAB_VSCODE_EXECUTABLE;
  if (given) {
    if (!existsSync(given)) throw new Error(`HYPERLAB_VSCODE_EXECUTABLE=${given} does not exist`);
    return { path: given, how: 'HYPERLAB_VSCODE_EXECUTABLE' };
  }
  const { downloadAndUnzipVSCode } = await import('@vscode/test-electron');
  try {
    return { path: await downloadAndUnzipVSCode({ timeout: DOWNLOAD_IDLE_TIMEOUT_MS }), how: 'downloaded or cached by @vscode/test-electron' };
  } catch (e) {
    return { skip: e instanceof Error ? e.message.split('\n')[0] : String(e) };
  }
}

const started = Date.now();
const found = await findVsCode();
if (found.skip !== undefined) {
  log(`skipped: no desktop VS Code found or downloadable (${found.skip}) after ${Date.now() - started} ms`);
  log('set HYPERLAB_VSCODE_EXECUTABLE to a VS Code executable to run the suite here; `npm run test:vscode` runs it in code-server');
  process.exit(0);
}
log(`VS Code: ${found.path} (${found.how})`);

const build = spawnSync('npm', ['run', '--silent', 'build'], { cwd: repoRoot, stdio: 'inherit' });
if (build.status !== 0) {
  log('npm run build failed');
  process.exit(1);
}
const testsPath = await bundleSuite();
const { dir, workspaceFile } = copyTestWorkspace('electron');
let code = 1;
try {
  const { runTests } = await import('@vscode/test-electron');
  code = await runTests({
    vscodeExecutablePath: found.path,
    extensionDevelopmentPath: repoRoot,
    extensionTestsPath: testsPath,
    extensionTestsEnv: process.env.HYPERLAB_SUITE_GREP ? { HYPERLAB_SUITE_GREP: process.env.HYPERLAB_SUITE_GREP } : {},
    // Other installed extensions stay out of the run; the workspace is the throwaway copy.
    launchArgs: [workspaceFile, '--disable-extensions', '--skip-welcome', '--skip-release-notes', '--disable-workspace-trust'],
  });
} catch (e) {
  log(`the suite failed: ${e instanceof Error ? e.message : e}`);
  code = 1;
} finally {
  rmSync(dir, { recursive: true, force: true });
}
process.exit(code);
