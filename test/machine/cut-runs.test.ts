/**
 * A run of N instructions must leave the machine exactly as the same N instructions cut into
 * pieces do (instruction limits here; debugger stops end a run the same way). Costs counted after
 * an instruction retires (TLB walks, loads, taken branches) let a hart's clock pass the slice end
 * inside one call to the hart; a cut in the middle of that call must not move the rest of it to
 * the next slice, or stepping and re-executing from a checkpoint would leave different states.
 *
 * Checked on the two example scenarios where it matters most: two-vms (hypervisor, nested paging,
 * TLB costs on by default) and smp-ipi (four harts, SBI IPIs). The architectural hash (what
 * reverse execution compares) must agree on both engines, the full state hash (what a snapshot
 * holds, budgets included) on the interpreter.
 */
import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { prepareScenario, type PreparedScenario } from '../../simulator/runner/scenario';
import { stateHash } from '../../simulator/snapshot';
import { archHash } from '../../debug-adapter/runtime/arch-hash';
import type { Engine } from '../../simulator/machine';

const root = path.resolve(import.meta.dirname, '../..');
const read = (f: string): Uint8Array | undefined => (fs.existsSync(f) ? new Uint8Array(fs.readFileSync(f)) : undefined);

function prepare(example: string, engine: Engine): PreparedScenario {
  const file = path.join(root, 'examples', example);
  const p = prepareScenario(fs.readFileSync(file, 'utf8'), file, read, { engine });
  if (!('machine' in p)) throw new Error(p.diagnostics.map((d) => d.message).join('\n'));
  return p;
}

interface Fingerprint { instret: bigint; state: string; arch: string; reason: string }

/** Runs `total` instructions of the example in pieces of the given sizes (cycled; empty: one piece). */
function runCut(example: string, engine: Engine, total: bigint, pieces: readonly bigint[]): Fingerprint {
  const p = prepare(example, engine);
  let done = 0n;
  let reason = 'limit';
  for (let k = 0; done < total; k++) {
    const piece = pieces.length === 0 ? total : pieces[k % pieces.length];
    const want = piece < total - done ? piece : total - done;
    const r = p.run({ maxInstructions: want });
    done += r.instret;
    reason = r.reason;
    if (r.reason !== 'limit') break;
    assert.equal(r.instret, want, `piece ${k} retired ${r.instret} of ${want}`);
  }
  return { instret: done, state: stateHash(p.machine), arch: archHash(p.machine, p.hypervisor), reason };
}

/** Every instruction alone for the first `n`, then `rest` as one piece. */
function singlesThen(n: number, rest: bigint): bigint[] {
  return [...new Array<bigint>(n).fill(1n), rest];
}

const EXAMPLES = [
  { example: 'two-vms/two-vms.hlab.json', totals: [9n, 400n, 30_001n, 250_000n] },
  { example: 'smp-ipi/smp-ipi.hlab.json', totals: [9n, 400n, 20_001n] },
];

const CUTS: { name: string; pieces: (total: bigint) => bigint[] }[] = [
  { name: '1, 1, 7, 1, 13, 1, 1, 101', pieces: () => [1n, 1n, 7n, 1n, 13n, 1n, 1n, 101n] },
  { name: 'every instruction for the first 300', pieces: (total) => singlesThen(300, total) },
  { name: 'pieces of 997', pieces: () => [997n] },
];

describe('cut runs (machine run loop)', function () {
  this.timeout(60_000);
  for (const engine of ['compiled', 'interpreter'] as const) {
    for (const { example, totals } of EXAMPLES) {
      it(`${example}, ${engine}: N instructions in one run equal the same N cut into pieces`, function () {
        for (const total of totals) {
          const whole = runCut(example, engine, total, []);
          for (const cut of CUTS) {
            const pieces = cut.pieces(total);
            const cutRun = runCut(example, engine, total, pieces);
            const what = `${total} instructions cut as ${cut.name}`;
            assert.equal(cutRun.instret, whole.instret, `${what}: instructions`);
            assert.equal(cutRun.reason, whole.reason, `${what}: stop reason`);
            assert.equal(cutRun.arch, whole.arch, `${what}: architectural hash`);
            // The compiled engine translates an instruction fetch once per block and single-steps
            // the rest of a block a cut leaves, so its fetch-lookup statistics (and TLB LRU stamps)
            // depend on where runs were cut: only the interpreter's full state is cut-independent.
            if (engine === 'interpreter') assert.equal(cutRun.state, whole.state, `${what}: state hash`);
          }
        }
      });
    }
  }
});
