/**
 * Debugger holds (Machine.hold): a held hart is skipped by the scheduler like a hart that cannot
 * run, the hold set travels with snapshots, the same holds at the same points give the same run,
 * and a run whose free harts all wait stops with 'held' instead of hanging or halting.
 */
import { strict as assert } from 'node:assert';
import { HELD_IDLE_HORIZON, Machine } from '../../simulator/machine';
import { SnapshotStore, stateHash } from '../../simulator/snapshot';
import { archHash } from '../../debug-adapter/runtime/arch-hash';
import { build } from '../platform/helpers';

/**
 * Two harts counting, each in its own word (hart 0 at `count`, hart 1 at `count + 8`); both harts
 * add their count into `shared` with an AMO so that the interleaving shows in memory.
 */
const COUNTING = `
  csrr t0, mhartid
  la t1, count
  slli t2, t0, 3
  add t1, t1, t2
  la t3, shared
1:
  ld t4, 0(t1)
  addi t4, t4, 1
  sd t4, 0(t1)
  amoadd.d t5, t4, (t3)
  j 1b
  .data
  .align 3
count: .dword 0, 0
shared: .dword 0
`;

/** Hart 0 waits with interrupts off (nothing can wake it); hart 1 counts. */
const WAITING = `
  csrr t0, mhartid
  bnez t0, 2f
  csrw mie, zero
1:
  wfi
  j 1b
2:
  la t1, count
3:
  ld t4, 0(t1)
  addi t4, t4, 1
  sd t4, 0(t1)
  j 3b
  .data
  .align 3
count: .dword 0
`;

function machine(body: string): Machine {
  const m = new Machine({ harts: 2, ramSize: 1 << 20, quantum: 100 });
  m.load(build(body, { tohost: false }));
  return m;
}

describe('debugger holds (Machine.hold)', function () {
  this.timeout(20_000);

  it('a held hart retires nothing and its clock stands still; the other runs', function () {
    const m = machine(COUNTING);
    m.run({ maxInstructions: 1000n });
    const retired1 = m.harts[1].retired;
    const time1 = m.hartTime(1);
    const retired0 = m.harts[0].retired;
    m.hold([1]);
    assert.deepEqual([...m.held], [1]);
    assert.ok(m.isHeld(1) && !m.isHeld(0));
    const r = m.run({ maxInstructions: 5000n });
    assert.equal(r.reason, 'limit');
    assert.equal(r.instret, 5000n);
    assert.equal(m.harts[1].retired, retired1, 'hart 1 retired nothing while held');
    assert.equal(m.hartTime(1), time1, 'the held hart\'s clock did not move');
    assert.equal(m.harts[0].retired, retired0 + 5000, 'hart 0 ran all of it');
  });

  it('released, the hart goes on at the machine\'s time', function () {
    const m = machine(COUNTING);
    m.hold([1]);
    m.run({ maxInstructions: 20_000n });
    assert.equal(m.harts[1].retired, 0);
    const machineTime = m.hartTime(0);
    m.hold([]);
    assert.equal(m.held.size, 0);
    m.run({ maxInstructions: 2000n });
    assert.ok(m.harts[1].retired > 0, 'hart 1 runs again');
    // It did not replay the time it was held: its clock starts from the slice it joined.
    assert.ok(m.hartTime(1) >= machineTime - m.quantum * m.cpi, `hart 1 at ${m.hartTime(1)}, the machine at ${machineTime}`);
  });

  it('snapshots capture and restore the hold set', function () {
    const m = machine(COUNTING);
    const store = new SnapshotStore(m);
    m.hold([0]);
    m.run({ maxInstructions: 300n });
    const snap = store.capture('held 0');
    const hash = stateHash(m);
    m.hold([1]);
    m.run({ maxInstructions: 300n });
    assert.deepEqual([...m.held], [1]);
    store.restore(snap);
    assert.deepEqual([...m.held], [0], 'the holds in effect at the snapshot are back');
    assert.equal(stateHash(m), hash);
    const before = m.harts[1].retired;
    m.run({ maxInstructions: 300n });
    assert.equal(m.harts[0].retired, 0, 'hart 0 is still held after the restore');
    assert.equal(m.harts[1].retired, before + 300);
  });

  it('the same holds at the same points give the same state (and differ from a run without them)', function () {
    const script = (m: Machine, withHolds: boolean): string => {
      m.run({ maxInstructions: 777n });
      if (withHolds) m.hold([0]);
      m.run({ maxInstructions: 1234n });
      if (withHolds) m.hold([1]);
      m.run({ maxInstructions: 99n });
      if (withHolds) m.hold([]);
      m.run({ maxInstructions: 4321n });
      return archHash(m);
    };
    const a = script(machine(COUNTING), true);
    const b = script(machine(COUNTING), true);
    const c = script(machine(COUNTING), false);
    assert.equal(a, b);
    assert.notEqual(a, c, 'holds change what the machine computes');
    // Cut into other pieces, the same holds at the same positions still give the same state.
    const m = machine(COUNTING);
    for (const n of [700n, 77n]) m.run({ maxInstructions: n });
    m.hold([0]);
    for (const n of [1000n, 234n]) m.run({ maxInstructions: n });
    m.hold([1]);
    for (const n of [1n, 98n]) m.run({ maxInstructions: n });
    m.hold([]);
    m.run({ maxInstructions: 4321n });
    assert.equal(archHash(m), a);
  });

  it('free harts that all wait stop the run as \'held\' (not a hang, not a halt); stopping again changes nothing', function () {
    const m = machine(WAITING);
    m.run({ maxInstructions: 500n });
    m.hold([1]);
    const r = m.run({ maxInstructions: 1_000_000n });
    assert.equal(r.reason, 'held');
    assert.match(r.message, /hart 1 is held; hart 0 waits \(wfi\) at 0x[0-9a-f]+, and no event is queued to wake it/);
    const hash = stateHash(m);
    const again = m.run({ maxInstructions: 1_000_000n });
    assert.equal(again.reason, 'held');
    assert.equal(again.instret, 0n);
    assert.equal(stateHash(m), hash, 'a second held stop leaves the state as it was');
    m.hold([]);
    const go = m.run({ maxInstructions: 1000n });
    assert.equal(go.reason, 'limit');
    assert.ok(m.harts[1].retired > 0);
    // Hart 0 waiting and nobody held: as before, only a true halt ends the program (hart 1 spins here).
    m.hold([1]);
    assert.equal(m.run({ maxInstructions: 10n }).reason, 'held');
  });

  it('events that re-arm themselves for held harts do not move time forever', function () {
    const m = machine(WAITING);
    m.run({ maxInstructions: 500n });
    let fired = 0;
    const tick = (): void => { fired++; m.schedule(m.timeNow() + 100_000, tick, 'test.tick'); };
    m.schedule(m.timeNow() + 100_000, tick, 'test.tick');
    m.hold([1]);
    const t0 = m.cycles;
    const r = m.run({ maxInstructions: 1_000_000n });
    assert.equal(r.reason, 'held');
    assert.match(r.message, /no event wakes it within 1000000000 cycles of the wait \(the next is \d+ cycles after its start\)/);
    // (the wait begins at the end of the slice the run started in)
    assert.ok(m.cycles - t0 <= HELD_IDLE_HORIZON + m.quantum * m.cpi, `time moved ${m.cycles - t0} cycles`);
    assert.ok(fired >= HELD_IDLE_HORIZON / 100_000 - 2, `${fired} ticks fired`);
    const n = fired;
    assert.equal(m.run({ maxInstructions: 1_000_000n }).reason, 'held');
    assert.equal(fired, n, 'no further event fired: the horizon is counted from when the wait began');
  });

  it('a held hart keeps its pending interrupt pending and runs once released', function () {
    const m = machine(WAITING);
    m.run({ maxInstructions: 500n });
    assert.equal(m.harts[0].waiting, true);
    const retired = m.harts[0].retired;
    m.hold([0]);
    // hart 0 waits in wfi; enable and raise its machine software interrupt while it is held
    m.writeCsr(0x304, 1n << 3n, 0);
    m.setIrqLine(0, 3, true, 'test');
    m.run({ maxInstructions: 1000n });
    assert.equal(m.harts[0].retired, retired, 'the interrupt did not make the held hart run');
    assert.equal((m.readCsr(0x344, 0) ?? 0n) & (1n << 3n), 1n << 3n, 'still pending');
    m.hold([]);
    m.run({ maxInstructions: 1000n });
    // mstatus.MIE is off: the pending interrupt ends wfi without a trap, and hart 0 loops on.
    assert.ok(m.harts[0].retired > retired, 'woken once released');
  });

  it('rejects harts the machine does not have, and changes between runs only', function () {
    const m = machine(COUNTING);
    assert.throws(() => m.hold([2]), /cannot hold hart 2: the machine has harts 0\.\.1/);
    assert.throws(() => m.hold([-1]), RangeError);
    assert.equal(m.held.size, 0, 'a rejected call changes nothing');
  });
});
