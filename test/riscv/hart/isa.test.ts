/** Runs the project's self-checking ISA programs (test/riscv/isa) on both engines. */
import { strict as assert } from 'node:assert';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { haveGnuToolchain } from '../../../bench/lib/gnu';
import { buildFile, runBoth } from './helpers';

const ISA_DIR = join(import.meta.dirname, '..', 'isa');

describe('hart: self-checking ISA programs (both engines)', function () {
  if (!haveGnuToolchain()) { it.skip('needs binutils-riscv64-linux-gnu'); return; }
  let programs: string[] = [];
  try { programs = readdirSync(ISA_DIR).filter((f) => f.endsWith('.S') && f !== 'env.S'); } catch { /* folder absent */ }
  const env = (() => { try { return readFileSync(join(ISA_DIR, 'env.S'), 'utf8'); } catch { return ''; } })();
  for (const p of programs) {
    it(p, function () {
      const image = buildFile(join(ISA_DIR, p), { 'env.S': env });
      const { result } = runBoth(image, 10_000_000n);
      assert.equal(result.reason, 'pass', result.message);
    });
  }
});
