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

export function requireTool(context: Mocha.Context, name: string): void {
  if (hasTool(name)) return;
  if (process.env.CI === 'true') throw new Error(`${name} is missing; scripts/install-test-deps.sh should have installed it`);
  context.skip();
}
