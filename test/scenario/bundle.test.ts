import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { createRequire } from 'node:module';
import { buildSync } from 'esbuild';

// The CLI and the language server are esbuild bundles (scripts/build.mjs: platform node, cjs).
// jsonc-parser's UMD entry breaks inside such a bundle, so check the loader survives bundling.
describe('scenario loader in an esbuild bundle', () => {
  it('bundles and parses', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'hyperlab-scenario-'));
    try {
      const out = path.join(dir, 'scenario.cjs');
      buildSync({
        entryPoints: [path.resolve(import.meta.dirname, '../../simulator/scenario/index.ts')],
        bundle: true, platform: 'node', target: 'node20', format: 'cjs', outfile: out, logLevel: 'silent',
      });
      const mod = createRequire(import.meta.url)(out) as typeof import('../../simulator/scenario');
      const r = mod.parseScenario('{ "vms": [{ "name": "a", "code": { "elf": "k" } }], "x": 1 }', 'b.hlab.json');
      assert.deepEqual(r.diagnostics.map((d) => d.message), ["unknown property 'x' in (document)"]);
      assert.equal(r.scenario.kind, 'hypervisor');
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
