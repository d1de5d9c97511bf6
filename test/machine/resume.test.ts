/**
 * Stopping a run and going on must not change what the machine does: a debugger pauses, steps
 * and continues, and reverse execution replays from checkpoints, so a run cut into pieces has to
 * interleave the harts and fire events exactly as one uninterrupted run does.
 */
import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Hypervisor } from '../../simulator/hypervisor';
import { Machine, type Engine, type RunResult } from '../../simulator/machine';
import type { Image } from '../../simulator/riscv/image';
import { buildImage } from '../../simulator/runner/image';

const root = path.resolve(import.meta.dirname, '../..');
const read = (f: string): Uint8Array | undefined => (fs.existsSync(f) ? new Uint8Array(fs.readFileSync(f)) : undefined);
function example(file: string): Image {
  const b = buildImage([path.join(root, file)], read, {});
  if (!b.image) throw new Error(b.diagnostics.map((d) => d.message).join('\n'));
  return b.image;
}

interface Outcome { reason: string; instret: bigint; cycles: number; console: string; perHart: number[]; metrics: [string, number][] }

/** Runs to the end in pieces of the given sizes (cycled), or in one piece when `pieces` is empty. */
function runInPieces(m: Machine, pieces: readonly bigint[], run: (max: bigint) => RunResult, out: number[], metrics: () => Map<string, number>): Outcome {
  let instret = 0n;
  let r: RunResult;
  for (let k = 0; ; k++) {
    const piece = pieces.length ? pieces[k % pieces.length] : 50_000_000n;
    r = run(piece);
    instret += r.instret;
    if (r.reason !== 'limit') break;
    assert.ok(k < 100_000, 'the program did not finish');
  }
  const nonZero = [...metrics()].filter(([, v]) => v !== 0).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return { reason: r.reason, instret, cycles: r.cycles, console: new TextDecoder().decode(Uint8Array.from(out)), perHart: m.harts.map((h) => h.retired), metrics: nonZero };
}

function smpIpi(engine: Engine, pieces: readonly bigint[]): Outcome {
  const out: number[] = [];
  const m = new Machine({ engine, harts: 4, quantum: 1000, firmware: 'sbi', ramSize: 1 << 20, console: (b) => out.push(b) });
  m.load(example('examples/smp-ipi/smp-ipi.S'));
  return runInPieces(m, pieces, (max) => m.run({ maxInstructions: max }), out, () => m.metrics.snapshot());
}

function twoVms(engine: Engine, pieces: readonly bigint[]): Outcome {
  const out: number[] = [];
  const m = new Machine({ engine, harts: 2, ramSize: 128 << 20, console: (b) => out.push(b) });
  const image = example('examples/two-vms/guest.S');
  const hv = new Hypervisor(m, { timeslice: 20_000, vms: [{ name: 'a', vcpus: 2, memory: 16 << 20, image }, { name: 'b', vcpus: 2, memory: 32 << 20, image }] });
  return runInPieces(m, pieces, (max) => hv.run({ maxInstructions: max }), out, () => hv.metrics());
}

const SPLITS: { name: string; pieces: bigint[] }[] = [
  { name: 'pieces of 17 and 1,000 instructions', pieces: [17n, 1000n] },
  { name: 'pieces of 4,099 instructions', pieces: [4099n] },
  { name: 'single instructions at first, then large pieces', pieces: [1n, 1n, 1n, 1n, 1n, 1n, 1n, 1n, 77_777n] },
];

describe('stopping and resuming a run', function () {
  this.timeout(60_000);
  for (const engine of ['interpreter', 'compiled'] as const) {
    for (const [what, run] of [['examples/smp-ipi (4 harts, SBI IPIs and HSM)', smpIpi], ['examples/two-vms (4 vCPUs on 2 harts)', twoVms]] as const) {
      it(`${what}, ${engine}: any split gives the uninterrupted run's result`, function () {
        const whole = run(engine, []);
        assert.equal(whole.reason, 'pass');
        for (const s of SPLITS) assert.deepEqual(run(engine, s.pieces), whole, s.name);
      });
    }
  }
});
