/**
 * get_prandom_u32's state belongs to the callback and travels with snapshots: after a restore,
 * the machine's own re-execution of a callback that draws numbers draws the same ones (and so
 * decides the same) as the run that was recorded — not the generator's first numbers again.
 *
 * Fixture: fixtures/prandom/veto.hlab.json, a vcpu-preemption callback that vetoes a preemption
 * when its number is odd and prints every number (trace_printk), so a different draw changes both
 * the printed lines and the machine's scheduling (its architectural state).
 */
import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Engine } from '../../simulator/machine';
import { prepareScenario, type PreparedScenario } from '../../simulator/runner/scenario';
import { SnapshotStore } from '../../simulator/snapshot';
import type { CallbackRunEvent } from '../../simulator/trace/events';
import { archHash } from '../../debug-adapter/runtime/arch-hash';
import { PRANDOM_SEED, Prandom } from '../../simulator/ebpf/vm/prandom';

const SCENARIO = path.join(import.meta.dirname, 'fixtures/prandom/veto.hlab.json');
const read = (f: string): Uint8Array | undefined => (fs.existsSync(f) ? new Uint8Array(fs.readFileSync(f)) : undefined);

/** The fixture set up, with every callback run's result and printed lines collected in `runs`. */
function prepare(engine: Engine): { p: PreparedScenario; runs: { result: bigint; output: string[] }[] } {
  const p = prepareScenario(fs.readFileSync(SCENARIO, 'utf8'), SCENARIO, read, { engine });
  if (!('machine' in p)) throw new Error(p.diagnostics.map((d) => `${d.range.line}: ${d.message}`).join('\n'));
  const runs: { result: bigint; output: string[] }[] = [];
  p.machine.trace.subscribe((e: CallbackRunEvent) => { runs.push({ result: e.result, output: e.output ?? [] }); }, ['callback-run']);
  return { p, runs };
}

const BEFORE = 120_000n;
const AFTER = 150_000n;

describe('get_prandom_u32 state in snapshots', function () {
  this.timeout(30_000);

  it('the generator is xorshift32 from PRANDOM_SEED, its state settable and checked', () => {
    const a = new Prandom();
    const first = [a.next(), a.next(), a.next()];
    assert.equal(new Prandom().state, PRANDOM_SEED);
    const b = new Prandom(a.state);
    const c = new Prandom();
    c.next(); c.next(); c.next();
    assert.deepEqual([b.next(), b.next()], [c.next(), c.next()]);
    // xorshift32 (13, 17, 5) written out on BigInts: the numbers callbacks have always drawn.
    let s = BigInt(PRANDOM_SEED);
    const expected = [0, 1, 2].map(() => {
      s ^= (s << 13n) & 0xffffffffn;
      s ^= s >> 17n;
      s ^= (s << 5n) & 0xffffffffn;
      return Number(s);
    });
    assert.deepEqual(first, expected);
    for (const bad of [0, -1, 2 ** 32, 1.5, Number.NaN]) assert.throws(() => new Prandom(bad), /prandom state must be an integer in 1\.\.0xffffffff/);
  });

  for (const engine of ['compiled', 'interpreter'] as const) {
    it(`${engine}: snapshot, run, restore, run: the callback draws, decides and prints the same both times`, () => {
      const { p, runs } = prepare(engine);
      assert.equal(p.run({ maxInstructions: BEFORE }).reason, 'limit');
      const drawnBefore = runs.length;
      assert.ok(drawnBefore >= 3, `the callback ran ${drawnBefore} times before the snapshot`);
      const store = new SnapshotStore(p.machine);
      const snap = store.capture('after some draws');

      const segment = (): { runs: typeof runs; arch: string } => {
        const from = runs.length;
        assert.equal(p.run({ maxInstructions: AFTER }).reason, 'limit');
        return { runs: runs.slice(from), arch: archHash(p.machine, p.hypervisor) };
      };
      const first = segment();
      assert.ok(first.runs.length >= 5, `the callback ran ${first.runs.length} times after the snapshot`);
      assert.ok(first.runs.some((r) => r.result === 0n) && first.runs.some((r) => r.result === 1n), 'both answers occur');
      store.restore(snap);
      const second = segment();
      assert.deepEqual(second.runs, first.runs, 'callback results and printed numbers after the restore');
      assert.equal(second.arch, first.arch, 'the machine after the restored run');

      // And both equal one uninterrupted run over the same instructions.
      const whole = prepare(engine);
      assert.equal(whole.p.run({ maxInstructions: BEFORE + AFTER }).reason, 'limit');
      assert.deepEqual(whole.runs.slice(drawnBefore), first.runs, 'the uninterrupted run');
      assert.equal(archHash(whole.p.machine, whole.p.hypervisor), first.arch);
    });
  }
});
