// Writes hyperlab.vsix at the repository root with @vscode/vsce from what `npm run build` left in
// dist/ (run through `npm run package`, which builds first). Prints the package's size and fails
// when it reaches the 5 MB budget or lacks a file the installed extension needs.
//
// vsce flags, and why:
//   --no-dependencies           the bundles already contain every dependency; without it vsce
//                               would copy node_modules of the runtime dependencies in;
//   --allow-missing-repository  the project has no public repository URL (vsce would prompt);
//   --no-rewrite-relative-links README links stay relative (vsce would need a repository URL).
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import path from 'node:path';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const out = path.join(root, 'hyperlab.vsix');
const budget = 5 * 1024 * 1024;
const needed = ['dist/extension.js', 'dist/server.js', 'dist/debugAdapter.js', 'dist/package.json'];

const missing = needed.filter((f) => !existsSync(path.join(root, f)));
if (missing.length > 0) {
  console.error(`package: missing ${missing.join(', ')} — run \`npm run build\` first (or these entry points are not written yet)`);
  process.exit(1);
}

const vsce = path.join(root, 'node_modules', '@vscode', 'vsce', 'vsce');
// Every bundle but the benchmark must be in the package: a new build entry that .vscodeignore
// does not name yet would otherwise be left out silently.
const listed = spawnSync(process.execPath, [vsce, 'ls', '--no-dependencies'], { cwd: root, encoding: 'utf8' });
const packaged = new Set(listed.stdout.split('\n').map((l) => l.trim()));
const bundles = readdirSync(path.join(root, 'dist')).filter((f) => f.endsWith('.js') && f !== 'bench.js').map((f) => `dist/${f}`);
const left = bundles.filter((b) => !packaged.has(b));
if (listed.status !== 0 || left.length > 0) {
  console.error(`package: not in the package: ${left.join(', ') || '(vsce ls failed)'} — add them to .vscodeignore's allow-list`);
  process.exit(1);
}
if (packaged.has('dist/bench.js')) {
  console.error('package: dist/bench.js should not be packaged');
  process.exit(1);
}

const args = [vsce, 'package', '--no-dependencies', '--allow-missing-repository', '--no-rewrite-relative-links', '--out', out];
const r = spawnSync(process.execPath, args, { cwd: root, stdio: 'inherit' });
if (r.status !== 0) {
  console.error(`package: vsce exited with ${r.status ?? r.signal}`);
  process.exit(1);
}

const size = statSync(out).size;
console.log(`package: ${path.relative(root, out)} is ${(size / 1024).toFixed(1)} KiB (${size} bytes; budget ${budget / 1024 / 1024} MB)`);
if (size >= budget) {
  console.error('package: over the 5 MB budget');
  process.exit(1);
}
