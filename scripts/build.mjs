// Bundles every entry point with esbuild into dist/. One script so that the CLI, and later the
// extension, language server and debug adapter, share one build configuration.
import { build } from 'esbuild';
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';

const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8'));

const common = {
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'cjs',
  sourcemap: true,
  logLevel: 'warning',
  // Prefer packages' ESM builds: jsonc-parser's CommonJS entry loads its parts by relative require
  // paths that a bundle cannot follow.
  mainFields: ['module', 'main'],
  define: { HYPERLAB_VERSION: JSON.stringify(pkg.version) },
};

const entries = [
  { in: 'simulator/cli/bin.ts', out: 'dist/cli.js', executable: true },
  { in: 'bench/main.ts', out: 'dist/bench.js', executable: false },
  { in: 'server/main.ts', out: 'dist/server.js', executable: false },
  { in: 'server/slow/worker.ts', out: 'dist/serverWorker.js', executable: false },
  { in: 'debug-adapter/main.ts', out: 'dist/debugAdapter.js', executable: false },
  // The extension host provides `vscode`; everything else is bundled.
  { in: 'client/extension.ts', out: 'dist/extension.js', executable: false, external: ['vscode'] },
];

// The sources are ES modules ("type": "module"); the bundles are CommonJS, which is what VS Code
// loads extensions as. This marker makes Node read dist/*.js as CommonJS.
mkdirSync('dist', { recursive: true });
writeFileSync('dist/package.json', '{ "type": "commonjs" }\n');

const present = entries.filter((e) => existsSync(e.in));
await Promise.all(present.map((e) => build({
  ...common,
  entryPoints: [e.in],
  outfile: e.out,
  banner: e.executable ? { js: '#!/usr/bin/env node' } : undefined,
  external: e.external,
})));
for (const e of present) if (e.executable) chmodSync(e.out, 0o755);
