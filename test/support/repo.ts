/**
 * Where the repository is, found without import.meta: the benchmark bundles this code into
 * CommonJS (dist/bench.js), where import.meta is empty. The root is the nearest folder above the
 * running script (mocha's, dist/bench.js, bench/main.ts under tsx), else above the working
 * directory, whose package.json is HyperLab's.
 */
import { existsSync, readFileSync, realpathSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';

let cached: string | undefined;

function isRoot(dir: string): boolean {
  const pkg = join(dir, 'package.json');
  if (!existsSync(pkg)) return false;
  try {
    return (JSON.parse(readFileSync(pkg, 'utf8')) as { name?: unknown }).name === 'hyperlab';
  } catch {
    return false;
  }
}

function searchUp(start: string): string | undefined {
  for (let dir = resolve(start); ; dir = dirname(dir)) {
    if (isRoot(dir)) return dir;
    if (dirname(dir) === dir) return undefined;
  }
}

export function repositoryRoot(): string {
  if (cached) return cached;
  const script = process.argv[1];
  const starts = [...(script && existsSync(script) ? [dirname(realpathSync(script)), dirname(script)] : []), process.cwd()];
  for (const start of starts) {
    const found = searchUp(start);
    if (found) return (cached = found);
  }
  throw new Error(`cannot find the HyperLab repository above ${starts.join(' or ')}`);
}

/** A path inside the repository. */
export function repoPath(...parts: string[]): string {
  return join(repositoryRoot(), ...parts);
}
