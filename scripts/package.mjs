// Writes hyperlab.vsix at the repository root with @vscode/vsce from what `npm run build` left in
// dist/ (run through `npm run package`, which builds first). Prints the package's size and fails
// when it reaches the 5 MB budget or lacks a file the installed extension needs.
//
// vsce flags, and why:
//   --no-dependencies           the bundles already contain every dependency; without it vsce
//                               would copy node_modules of the runtime dependencies in;
//   --allow-missing-repository  the project has no public repository URL (vsce would prompt);
//   --skip-license              no LICENSE file yet (package.json says MIT); vsce would prompt;
//   --no-rewrite-relative-links README links stay relative (vsce would need a repository URL).
import { spawnSync } from 'node:child_process';
import { existsSync, statSync } from 'node:fs';
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
const args = [vsce, 'package', '--no-dependencies', '--allow-missing-repository', '--skip-license', '--no-rewrite-relative-links', '--out', out];
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
