/** examples/smp-ipi: the 4-hart S-mode kernel under the native SBI firmware. */
import { strict as assert } from 'node:assert';
import { join } from 'node:path';
import { Machine, type Engine } from '../../simulator/machine';
import { TraceBuffer } from '../../simulator/trace';
import { buildProgram, PLATFORM_DIR } from './programs';

const DIR = join(PLATFORM_DIR, '../../examples/smp-ipi');

function runExample(engine: Engine, quantum: number): { m: Machine; out: string; reason: string; instret: bigint; cycles: number; trace: TraceBuffer } {
  const out: number[] = [];
  const trace = new TraceBuffer(1 << 14, { record: ['ipi', 'interrupt', 'console'] });
  const m = new Machine({ engine, harts: 4, quantum, firmware: 'sbi', ramSize: 1 << 20, trace, console: (b) => out.push(b) });
  m.load(buildProgram('smp-ipi.S', { dir: DIR }));
  const r = m.run({ maxInstructions: 5_000_000n });
  return { m, out: new TextDecoder().decode(Uint8Array.from(out)), reason: r.reason, instret: r.instret, cycles: r.cycles, trace };
}

describe('examples/smp-ipi', function () {
  this.timeout(30_000);
  for (const engine of ['compiled', 'interpreter'] as const) {
    for (const quantum of [1000, 37]) {
      it(`passes on the ${engine} engine, quantum ${quantum}: HSM start, IPI ring, AMO counter, DBCN, SRST`, function () {
        const { m, out, reason } = runExample(engine, quantum);
        assert.equal(reason, 'pass', out);
        const lines = out.trimEnd().split('\n');
        assert.equal(lines[0], 'smp-ipi: hart 0 up, starting harts 1-3');
        assert.equal(lines[lines.length - 1], 'smp-ipi: all 4 harts agree, shutting down');
        for (let h = 0; h < 4; h++) assert.ok(lines.some((l) => new RegExp(`^hart ${h}: counter = 4000, messages = 5, interrupts = [1-5]$`).test(l)), `hart ${h} line missing:\n${out}`);
        assert.equal(m.metrics.get('sbi.calls.hsm') !== undefined, true);
        assert.equal(m.metrics.get('sbi.calls.ipi'), 20);
        assert.equal(m.metrics.get('sbi.calls.srst'), 1);
        assert.ok((m.metrics.get('interrupts.by_cause.supervisor_software') ?? 0) >= 4);
        for (let h = 1; h < 4; h++) assert.equal(m.hsm[h], 1, `hart ${h} STOPPED`);
      });
    }
  }

  it('is deterministic: same output, instret, virtual time and trace, on both engines', function () {
    const a = runExample('compiled', 1000);
    const b = runExample('compiled', 1000);
    const c = runExample('interpreter', 1000);
    const key = (r: ReturnType<typeof runExample>): unknown => ({ out: r.out, instret: r.instret, cycles: r.cycles, trace: JSON.stringify(r.trace.events()), retired: r.m.harts.map((h) => h.retired) });
    assert.deepEqual(key(a), key(b));
    assert.deepEqual(key(a), key(c));
  });
});
