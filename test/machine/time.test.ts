import { strict as assert } from 'node:assert';
import { EventQueue, Machine, type MachineConfig } from '../../simulator/machine';
import { TraceBuffer, type TraceEvent } from '../../simulator/trace';
import { buildProgram } from '../platform/programs';
import { build } from '../platform/helpers';

describe('event queue', function () {
  it('fires by time, then in scheduling order; cancel removes', function () {
    const q = new EventQueue();
    const log: string[] = [];
    q.schedule(20, () => log.push('b'), 'b');
    q.schedule(10, () => log.push('a'), 'a');
    const c = q.schedule(20, () => log.push('c'), 'c');
    q.schedule(20, () => log.push('d'), 'd');
    q.schedule(30, () => log.push('e'), 'e');
    q.cancel(c);
    assert.equal(q.nextTime(), 10);
    assert.deepEqual(q.pending().map((e) => e.label), ['a', 'b', 'd', 'e']);
    for (let e = q.popDue(25); e; e = q.popDue(25)) e.fn();
    assert.deepEqual(log, ['a', 'b', 'd']);
    assert.equal(q.nextTime(), 30);
  });
});

function traced(file: string, config: MachineConfig, smode = false): { instret: bigint; cycles: number; retired: number[]; events: string; reason: string } {
  const trace = new TraceBuffer(1 << 16);
  const m = new Machine({ ramSize: 1 << 20, ...config, firmware: smode ? 'sbi' : 'none', trace });
  m.load(buildProgram(file, { smode }));
  const r = m.run({ maxInstructions: 20_000_000n });
  const json = (e: TraceEvent): string => JSON.stringify(e, (_k, v: unknown) => (typeof v === 'bigint' ? v.toString() : v));
  return { instret: r.instret, cycles: r.cycles, retired: m.harts.map((h) => h.retired), events: trace.events().map(json).join('\n'), reason: r.reason };
}

describe('virtual time and determinism', function () {
  this.timeout(20_000);
  for (const [file, config, smode] of [
    ['smp-atomics.S', { harts: 4, quantum: 3 }, false],
    ['clint-ipi.S', { harts: 2, quantum: 100 }, false],
    ['sbi-ipi.S', { harts: 2, quantum: 500 }, true],
    ['sbi-hsm.S', { harts: 4, quantum: 77 }, true],
  ] as const) {
    it(`${file}: two runs give the same instret, virtual time, per-hart counts and trace`, function () {
      const a = traced(file, config, smode);
      const b = traced(file, config, smode);
      assert.equal(a.reason, 'pass');
      assert.deepEqual(a, b);
      if (file !== 'smp-atomics.S') assert.ok(a.events.length > 0);
    });
  }

  it('the engines agree on instret and virtual time with several harts', function () {
    const a = traced('sbi-ipi.S', { harts: 2, quantum: 500, engine: 'compiled' }, true);
    const b = traced('sbi-ipi.S', { harts: 2, quantum: 500, engine: 'interpreter' }, true);
    assert.deepEqual({ ...a, events: '' }, { ...b, events: '' });
    assert.equal(a.events, b.events);
  });

  it('wfi with nothing to wake it halts; the clock is where the last hart stopped', function () {
    const m = new Machine({ ramSize: 1 << 20 });
    m.load(build('  nop\n  wfi\n  j .'));
    const r = m.run();
    assert.equal(r.reason, 'halt');
    assert.equal(r.instret, 2n);
  });

  it('cost overrides change virtual time (cpi = alu), the timebase divides it', function () {
    const prog = build('  li t0, 1000\n1: addi t0, t0, -1\n  bnez t0, 1b\n  li t1, 0x200bff8\n  ld a0, 0(t1)\n  ebreak', { tohost: false });
    const mtimeWith = (config: MachineConfig): bigint => {
      const m = new Machine({ ramSize: 1 << 20, ...config });
      m.load(prog);
      m.run();
      return m.getReg(10);
    };
    // 2002 instructions, then the mtime load's device access (mmioAccess) before it reads.
    assert.equal(mtimeWith({}), 21n);
    assert.equal(mtimeWith({ costs: { alu: 3 } }), 61n);
    assert.equal(mtimeWith({ costs: { mmioAccess: 0 } }), 20n);
    assert.equal(mtimeWith({ timebaseHz: 1_000_000 }), 2n);
    assert.throws(() => new Machine({ timebaseHz: 3 }), /timebaseHz/);
    assert.throws(() => new Machine({ quantum: 0 }), /quantum/);
  });

  it('stopping on instruction limits does not change the outcome (single hart)', function () {
    const whole = new Machine({ ramSize: 1 << 20 });
    whole.load(buildProgram('clint-timer.S'));
    const r1 = whole.run();
    const split = new Machine({ ramSize: 1 << 20 });
    split.load(buildProgram('clint-timer.S'));
    let total = 0n;
    let r2;
    do { r2 = split.run({ maxInstructions: 333n }); total += r2.instret; } while (r2.reason === 'limit');
    assert.equal(r2.reason, r1.reason);
    assert.equal(total, r1.instret);
    assert.equal(split.getReg(19), whole.getReg(19), 'same loop count when the timer fired (s3)');
  });
});

describe('trace and metrics', function () {
  it('interrupts, IPIs, console and SBI calls are counted; events carry virtual time', function () {
    const trace = new TraceBuffer(1 << 12);
    const m = new Machine({ ramSize: 1 << 20, harts: 2, quantum: 500, firmware: 'sbi', trace, input: 'xy' });
    m.load(buildProgram('sbi-base.S', { smode: true }));
    assert.equal(m.run().reason, 'pass');
    assert.equal(m.metrics.get('console.chars'), 11);
    assert.ok((m.metrics.get('sbi.calls.total') ?? 0) >= 15);
    assert.equal(m.metrics.get('sbi.calls.dbcn'), 4);
    assert.equal(m.metrics.get('sbi.calls.legacy'), 2);
    const text = trace.events().filter((e) => e.kind === 'console').map((e) => (e.kind === 'console' ? e.text : '')).join('');
    assert.equal(text, 'hello sbi!\n');

    const t2 = new TraceBuffer(1 << 12, { record: ['ipi', 'interrupt'] });
    const m2 = new Machine({ ramSize: 1 << 20, harts: 2, quantum: 500, firmware: 'sbi', trace: t2 });
    m2.load(buildProgram('sbi-ipi.S', { smode: true }));
    assert.equal(m2.run().reason, 'pass');
    const ipis = t2.events().filter((e) => e.kind === 'ipi');
    assert.ok(ipis.length >= 5, `ipi events: ${ipis.length}`); // hart_start + 4 IPIs (one to itself)
    assert.equal(m2.metrics.get('ipis.total'), ipis.length);
    const ints = t2.events().filter((e) => e.kind === 'interrupt');
    assert.ok(ints.every((e) => e.kind === 'interrupt' && e.cause === 1));
    assert.equal(m2.metrics.get('interrupts.by_cause.supervisor_software'), ints.length);
    for (let i = 1; i < ints.length; i++) assert.ok(ints[i].time >= ints[i - 1].time || ints[i].hart !== ints[i - 1].hart);
  });

  it('with tracing off nothing is recorded', function () {
    const m = new Machine({ ramSize: 1 << 20, harts: 2, quantum: 500, firmware: 'sbi' });
    m.load(buildProgram('sbi-ipi.S', { smode: true }));
    assert.equal(m.run().reason, 'pass');
    assert.equal(m.trace.size, 0);
    assert.ok((m.metrics.get('ipis.total') ?? 0) >= 5);
  });
});
