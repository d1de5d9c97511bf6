/**
 * Runtime-level test: the debugger's replay of a scenario callback's run (ScenarioCallbacks, fed
 * by CallbackRegistry.observer just before the machine's run) draws the same get_prandom_u32
 * numbers as the machine's run, so it shows the same r0 and printed lines — for every run, not
 * only the first (the generator's state is the callback's, read when the run is recorded), and
 * again after the machine was restored from a snapshot.
 *
 * Fixture: test/ebpf/fixtures/prandom/veto.hlab.json (a vcpu-preemption callback that vetoes on
 * an odd number and prints every number it draws).
 */
import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { prepareScenario, type PreparedScenario } from '../../simulator/runner/scenario';
import { SnapshotStore } from '../../simulator/snapshot';
import type { CallbackRunEvent } from '../../simulator/trace/events';
import { ScenarioCallbacks } from '../../debug-adapter/runtime/scenario-callbacks';
import { ROOT } from './support';

const SCENARIO = path.join(ROOT, 'test/ebpf/fixtures/prandom/veto.hlab.json');
const read = (f: string): Uint8Array | undefined => (fs.existsSync(f) ? new Uint8Array(fs.readFileSync(f)) : undefined);

interface Outcome { r0: bigint; lines: string[] }

/** The fixture with the machine's runs and the debugger's replays of them collected side by side. */
function setUp(): { p: PreparedScenario; machine: Outcome[]; replayed: Outcome[] } {
  const p = prepareScenario(fs.readFileSync(SCENARIO, 'utf8'), SCENARIO, read, {});
  if (!('machine' in p)) throw new Error(p.diagnostics.map((d) => `${d.range.line}: ${d.message}`).join('\n'));
  const hv = p.hypervisor;
  assert.ok(hv !== undefined);
  const machine: Outcome[] = [];
  const replayed: Outcome[] = [];
  p.machine.trace.subscribe((e: CallbackRunEvent) => { machine.push({ r0: e.result, lines: e.output ?? [] }); }, ['callback-run']);
  let ids = 0;
  const recorder = new ScenarioCallbacks(path.dirname(SCENARIO), () => ++ids, () => { /* logpoints: none set */ });
  hv.callbacks.observer = {
    beforeRun: (cb, ctx, guest) => {
      const rec = recorder.recordAtStart(cb, ctx, guest, p.machine.timeNow());
      if (typeof rec === 'string') throw new Error(rec);
      const end = rec.debugger.continue();
      assert.equal(end.finished, true, end.description);
      replayed.push({ r0: rec.debugger.run.stepper.r0, lines: [...rec.debugger.run.traceLines] });
    },
  };
  return { p, machine, replayed };
}

describe('debugger replay of a callback that draws get_prandom_u32', function () {
  this.timeout(30_000);

  it('every replayed run shows the r0 and printed numbers of the machine\'s run, also after a snapshot restore', () => {
    const { p, machine, replayed } = setUp();
    assert.equal(p.run({ maxInstructions: 120_000n }).reason, 'limit');
    const store = new SnapshotStore(p.machine);
    const snap = store.capture('mid');
    const from = machine.length;
    assert.equal(p.run({ maxInstructions: 150_000n }).reason, 'limit');
    const after = machine.length - from;
    assert.ok(from >= 3 && after >= 5, `runs before/after the snapshot: ${from}/${after}`);
    store.restore(snap);
    assert.equal(p.run({ maxInstructions: 150_000n }).reason, 'limit');

    assert.equal(replayed.length, machine.length);
    assert.deepEqual(replayed, machine);
    // The numbers really change from run to run (a replay from the first state would differ).
    const printed = new Set(machine.map((o) => o.lines.join('')));
    assert.equal(printed.size, from + after, `distinct numbers among ${machine.length} runs`);
    assert.ok(machine.some((o) => o.r0 === 1n) && machine.some((o) => o.r0 === 0n), 'both answers occur');
    // The restored run repeats the runs after the snapshot.
    assert.deepEqual(machine.slice(from + after), machine.slice(from, from + after));
  });
});
