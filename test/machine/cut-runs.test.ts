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
import { SnapshotStore, stateHash } from '../../simulator/snapshot';
import { archHash } from '../../debug-adapter/runtime/arch-hash';
import type { Engine, Machine } from '../../simulator/machine';
import type { DebugHook, Hart } from '../../simulator/riscv/hart/hart';

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
  { example: 'two-vms/two-vms.hlab.json', totals: [9n, 400n, 30_001n, 120_000n] },
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

describe('cut runs and snapshots', function () {
  this.timeout(60_000);
  for (const engine of ['compiled', 'interpreter'] as const) {
    it(`two-vms, ${engine}: a snapshot taken inside a cut burst resumes it after a restore`, function () {
      const p = prepare('two-vms/two-vms.hlab.json', engine);
      const store = new SnapshotStore(p.machine);
      // Cut inside bursts at several places, a snapshot at each, compared with the uninterrupted run.
      let at = 0n;
      for (const first of [13n, 1n, 333n, 2n]) {
        assert.equal(p.run({ maxInstructions: first }).reason, 'limit');
        at += first;
        const snap = store.capture(`at ${at}`);
        assert.equal(p.run({ maxInstructions: 4_999n }).reason, 'limit');
        const live = { arch: archHash(p.machine, p.hypervisor), state: stateHash(p.machine) };
        store.restore(snap);
        assert.equal(p.run({ maxInstructions: 4_999n }).reason, 'limit');
        assert.equal(archHash(p.machine, p.hypervisor), live.arch, `restored at ${at}: architectural hash`);
        assert.equal(stateHash(p.machine), live.state, `restored at ${at}: state hash`);
        at += 4_999n;
        const whole = runCut('two-vms/two-vms.hlab.json', engine, at, []);
        assert.equal(live.arch, whole.arch, `${at} instructions cut and restored vs uninterrupted`);
      }
    });
  }
});

/**
 * A debugger's stops cut runs too: at a boundary (DebugHook.atBoundary), the rest of the burst is
 * carried over; at a watched store, whose call the bus ends anyway, it is not. Either way the run
 * must be the one made with the same hooks in place that never stop.
 */
describe('debugger stops (machine run loop)', function () {
  this.timeout(60_000);

  /** Runs `total` instructions, resuming after every 'debug' stop; how many stops there were. */
  function runThroughStops(p: PreparedScenario, total: bigint): { stops: number; arch: string; state: string } {
    let done = 0n;
    let stops = 0;
    while (done < total) {
      const r = p.run({ maxInstructions: total - done });
      done += r.instret;
      if (r.reason === 'debug') stops++;
      else assert.equal(r.reason, 'limit', r.message);
    }
    return { stops, arch: archHash(p.machine, p.hypervisor), state: stateHash(p.machine) };
  }

  /** A hook that sees every boundary and stops at every `every`-th one (never twice at the same place). */
  function boundaryHook(m: Machine, every: number): DebugHook {
    let seen = 0;
    let last: [number, number] | undefined;
    return {
      addresses: new Set<number>(), physical: new Set<number>(), singleStep: true,
      atBoundary(hart: Hart): boolean {
        if (every === 0 || (last !== undefined && last[0] === hart.id && last[1] === hart.retired)) return false;
        if (++seen % every !== 0) return false;
        last = [hart.id, hart.retired];
        m.requestStop({ reason: 'debug', message: 'boundary' });
        return true;
      },
    };
  }

  for (const engine of ['compiled', 'interpreter'] as const) {
    it(`two-vms and smp-ipi, ${engine}: stopping at boundaries gives the run made without stopping`, function () {
      for (const example of ['two-vms/two-vms.hlab.json', 'smp-ipi/smp-ipi.hlab.json']) {
        const outcome = (every: number): ReturnType<typeof runThroughStops> => {
          const p = prepare(example, engine);
          const hook = boundaryHook(p.machine, every);
          for (const h of p.machine.harts) h.debug = hook;
          return runThroughStops(p, 20_000n);
        };
        const free = outcome(0);
        for (const every of [1, 7, 97]) {
          const stopped = outcome(every);
          assert.ok(stopped.stops >= 20_000 / every / 2, `${example}: ${stopped.stops} stops`);
          assert.equal(stopped.arch, free.arch, `${example}, a stop every ${every} boundaries: architectural hash`);
          if (engine === 'interpreter') assert.equal(stopped.state, free.state, `${example}, a stop every ${every} boundaries: state hash`);
        }
      }
    });

    it(`smp-ipi, ${engine}: stopping at watched stores gives the run made with the watches not stopping`, function () {
      const outcome = (stop: boolean): ReturnType<typeof runThroughStops> => {
        const p = prepare('smp-ipi/smp-ipi.hlab.json', engine);
        const m = p.machine;
        const at = (name: string): number => {
          const s = p.images[0].symbols.find((x) => x.name === name);
          assert.ok(s !== undefined, name);
          return Number(s.value);
        };
        const onWrite = (): void => { if (stop) m.requestStop({ reason: 'debug', message: 'watch', endsBurst: true }); };
        m.bus.addWatch({ address: at('counter'), size: at('interrupts') + 16 - at('counter'), onWrite });
        m.bus.addWatch({ address: at('lines'), size: 128 * 4, onWrite });
        return runThroughStops(p, 20_000n);
      };
      const free = outcome(false);
      const stopped = outcome(true);
      assert.equal(free.stops, 0);
      assert.ok(stopped.stops >= 20, `${stopped.stops} stops`);
      assert.equal(stopped.arch, free.arch, 'architectural hash');
      if (engine === 'interpreter') assert.equal(stopped.state, free.state, 'state hash');
    });
  }
});
