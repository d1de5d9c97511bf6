// Bundles every entry point with esbuild into dist/. One script so that the CLI, and later the
// extension, language server and debug adapter, share one build configuration.
import { build } from 'esbuild';
import { chmodSync } from 'node:fs';

const common = { bundle: true, platform: 'node', target: 'node20', format: 'cjs', sourcemap: true, logLevel: 'warning' };

const entries = [
  { in: 'simulator/cli/main.ts', out: 'dist/cli.js', executable: true },
];

await Promise.all(entries.map((e) => build({
  ...common,
  entryPoints: [e.in],
  outfile: e.out,
  banner: e.executable ? { js: '#!/usr/bin/env node' } : undefined,
})));
for (const e of entries) if (e.executable) chmodSync(e.out, 0o755);
