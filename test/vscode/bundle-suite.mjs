// Bundles the extension-host suite (test/vscode/suite/index.ts and every *.vscode.ts next to it)
// into out/vscode-test/ as CommonJS, which is what the extension host loads. The files are named
// *.vscode.ts so that the unit tests' glob (test/**/*.test.ts) never picks them up: they need
// the `vscode` module, which only exists inside an extension host.
// `vscode` is provided by the host; mocha stays external and resolves from the repository's
// node_modules (out/ is inside the repository), so its reporters load as mocha expects.
import { build } from 'esbuild';
import { mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { repoRoot } from './env.mjs';

export const suiteOutDir = path.join(repoRoot, 'out', 'vscode-test');

export async function bundleSuite() {
  const suiteDir = path.join(repoRoot, 'test', 'vscode', 'suite');
  const entries = readdirSync(suiteDir)
    .filter((f) => f === 'index.ts' || f.endsWith('.vscode.ts'))
    .map((f) => path.join(suiteDir, f));
  rmSync(suiteOutDir, { recursive: true, force: true });
  mkdirSync(suiteOutDir, { recursive: true });
  // The repository is "type": "module"; this marker makes Node read the bundles as CommonJS.
  writeFileSync(path.join(suiteOutDir, 'package.json'), '{ "type": "commonjs" }\n');
  await build({
    entryPoints: entries,
    outdir: suiteOutDir,
    bundle: true,
    platform: 'node',
    target: 'node20',
    format: 'cjs',
    sourcemap: 'inline',
    logLevel: 'warning',
    external: ['vscode', 'mocha'],
  });
  return path.join(suiteOutDir, 'index.js');
}
