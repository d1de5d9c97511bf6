/**
 * External oracles (GNU binutils, QEMU) are installed by scripts/install-test-deps.sh. A test that
 * needs one skips with a reason on a developer machine without it, but fails under CI, where a
 * silent skip would hide a broken install step.
 */
import { execFileSync } from 'node:child_process';

export function hasTool(name: string): boolean {
  try {
    execFileSync('sh', ['-c', `command -v ${name}`], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

const reported = new Set<string>();

export function requireTool(context: Mocha.Context, name: string): void {
  if (hasTool(name)) return;
  if (process.env.CI === 'true') throw new Error(`${name} is missing; scripts/install-test-deps.sh should have installed it`);
  // Mocha's skip takes no reason: say it once per tool, where the first skipped test appears.
  if (!reported.has(name)) {
    reported.add(name);
    console.log(`    (skipping what needs ${name}: not installed; scripts/install-test-deps.sh installs it)`);
  }
  context.skip();
}
