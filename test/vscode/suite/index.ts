/**
 * Entry of the extension-host suite (the `extensionTestsPath` module): runs every bundled
 * *.vscode.js file next to it with mocha between a `HYPERLAB-SUITE-START` line and one
 * `HYPERLAB-SUITE {...}` line with the counts (test/vscode/run.mjs reads both), and rejects
 * when a test failed (the host's exit code).
 */
import Mocha from 'mocha';
import { readdirSync } from 'node:fs';
import * as path from 'node:path';

export async function run(): Promise<void> {
  const mocha = new Mocha({ ui: 'bdd', color: false, reporter: 'spec', timeout: 60_000, grep: process.env.HYPERLAB_SUITE_GREP });
  for (const file of readdirSync(__dirname).filter((f) => f.endsWith('.vscode.js')).sort()) mocha.addFile(path.join(__dirname, file));
  // Marks where the suite's own output starts in the workbench log the runner receives.
  console.log('HYPERLAB-SUITE-START');
  const counts = { passed: 0, failed: 0 };
  await new Promise<void>((resolve) => {
    const runner = mocha.run(() => resolve());
    runner.on('pass', () => counts.passed++);
    runner.on('fail', () => counts.failed++);
  });
  console.log(`HYPERLAB-SUITE ${JSON.stringify(counts)}`);
  if (counts.failed > 0) throw new Error(`${counts.failed} extension-host test(s) failed`);
}
