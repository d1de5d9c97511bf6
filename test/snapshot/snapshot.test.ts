/**
 * Snapshots: capture / run / restore / run again gives the same state hash, the same trace and the
 * same console output, on single- and multi-hart programs with timers and devices, on both
 * engines; copy-on-write costs; checkpoint chains with bounded memory; the state hash cache.
 */
import { strict as assert } from 'node:assert';
import { join } from 'node:path';
import { Machine, type Engine, type MachineConfig } from '../../simulator/machine';
import type { Image } from '../../simulator/riscv/image';
import { SnapshotStore, stateHash, type Snapshottable, registerSnapshotPart } from '../../simulator/snapshot';
import { TraceBuffer, type TraceEvent } from '../../simulator/trace';
import { buildProgram, PLATFORM_DIR } from '../platform/programs';
import { build } from '../platform/helpers';

const ENGINES: Engine[] = ['compiled', 'interpreter'];
const json = (e: TraceEvent): string => JSON.stringify(e, (_k, v: unknown) => (typeof v === 'bigint' ? v.toString() : v));

interface Rig { m: Machine; trace: TraceBuffer; out: number[]; store: SnapshotStore }

function rig(image: Image, config: MachineConfig): Rig {
  const out: number[] = [];
  const trace = new TraceBuffer(1 << 16);
  const m = new Machine({ ramSize: 1 << 20, ...config, trace, console: (b) => out.push(b) });
  m.load(image);
  return { m, trace, out, store: new SnapshotStore(m) };
}

/** Runs `n` instructions and returns what happened: hash, result, trace text, console. */
function leg(r: Rig, n: bigint): { hash: string; reason: string; instret: bigint; cycles: number; trace: string; console: string } {
  const seq = r.trace.nextSeq;
  const o = r.out.length;
  const res = r.m.run({ maxInstructions: n });
  const read = r.trace.since(seq);
  assert.equal(read.missed, 0);
  return { hash: stateHash(r.m), reason: res.reason, instret: res.instret, cycles: res.cycles, trace: read.events.map(json).join('\n'), console: String.fromCharCode(...r.out.slice(o)) };
}

/** Total instructions the program runs to its end (so the legs can stop in its middle). */
function total(image: Image, config: MachineConfig): bigint {
  const m = new Machine({ ramSize: 1 << 20, ...config });
  m.load(image);
  const r = m.run({ maxInstructions: 50_000_000n });
  assert.equal(r.reason, 'pass', r.message);
  return r.instret;
}

function roundTrip(image: Image, config: MachineConfig): void {
  const t = total(image, config);
  const n = t / 3n, mm = t / 3n + 7n;
  const r = rig(image, config);
  leg(r, n);
  const h0 = stateHash(r.m);
  const s = r.store.capture('mid');
  assert.equal(stateHash(r.m), h0, 'capturing changed the state');
  const a = leg(r, mm);
  assert.notEqual(a.hash, h0);
  r.store.restore(s);
  assert.equal(stateHash(r.m), h0, 'restore did not bring the state back');
  const b = leg(r, mm);
  assert.deepEqual(b, a);
  // Twice from the same snapshot, and on to the end.
  r.store.restore(s);
  assert.equal(stateHash(r.m), h0);
  const c = leg(r, mm);
  assert.deepEqual(c, a);
  const end = leg(r, 50_000_000n);
  assert.equal(end.reason, 'pass');
}

describe('snapshots: restore and run again', function () {
  this.timeout(60_000);
  const cases: { name: string; image: () => Image; config: MachineConfig }[] = [
    { name: 'clint-timer.S (timer events)', image: () => buildProgram('clint-timer.S'), config: {} },
    { name: 'clint-ipi.S (2 harts)', image: () => buildProgram('clint-ipi.S'), config: { harts: 2, quantum: 100 } },
    { name: 'plic-uart.S (UART input queue, PLIC)', image: () => buildProgram('plic-uart.S'), config: { input: 'abc' } },
    { name: 'smp-atomics.S (4 harts, LR/SC)', image: () => buildProgram('smp-atomics.S'), config: { harts: 4, quantum: 3 } },
    { name: 'sbi-ipi.S (SBI, 2 harts)', image: () => buildProgram('sbi-ipi.S', { smode: true }), config: { harts: 2, quantum: 500, firmware: 'sbi' } },
    { name: 'sbi-rfence-tlb.S (Sv39, TLB)', image: () => buildProgram('sbi-rfence-tlb.S', { smode: true }), config: { harts: 2, quantum: 200, firmware: 'sbi' } },
    { name: 'examples/smp-ipi (4 harts, HSM, IPIs, DBCN)', image: () => buildProgram('smp-ipi.S', { dir: join(PLATFORM_DIR, '../../examples/smp-ipi') }), config: { harts: 4, quantum: 1000, firmware: 'sbi' } },
  ];
  for (const engine of ENGINES) {
    for (const c of cases) {
      it(`${engine}: ${c.name}`, function () {
        roundTrip(c.image(), { ...c.config, engine });
      });
    }
  }

  it('a snapshot restored on the other engine runs on identically (same result, registers, RAM)', function () {
    const image = buildProgram('smp-atomics.S');
    const t = total(image, { harts: 4, quantum: 3 });
    const r = rig(image, { harts: 4, quantum: 3, engine: 'compiled' });
    leg(r, t / 2n);
    const s = r.store.capture();
    const a = r.m.run({ maxInstructions: 50_000_000n });
    const regsA = r.m.harts.map((h) => Array.from({ length: 32 }, (_, i) => h.getReg(i)));
    const ramA = r.m.readMemory(0x80000000n, 1 << 16);
    r.store.restore(s);
    for (const h of r.m.harts) h.engine = 'interpreter';
    const b = r.m.run({ maxInstructions: 50_000_000n });
    assert.equal(b.reason, a.reason);
    assert.equal(b.instret, a.instret);
    assert.deepEqual(r.m.harts.map((h) => Array.from({ length: 32 }, (_, i) => h.getReg(i))), regsA);
    assert.deepEqual(r.m.readMemory(0x80000000n, 1 << 16), ramA);
  });
});

/** Writes `pages` distinct pages of a 64 KiB buffer over and over (a few pages dirty, a big RAM). */
const WRITER = `
  la s0, buf
  li s1, 0            # iteration
1:
  li t0, 0
  mv t1, s0
2:
  sd s1, 0(t1)
  sd s1, 8(t1)
  li t2, 4096
  add t1, t1, t2
  addi t0, t0, 1
  li t2, 16
  blt t0, t2, 2b
  addi s1, s1, 1
  j 1b
  .section .data
  .align 12
buf: .zero 65536
`;

describe('snapshots: copy-on-write costs', function () {
  this.timeout(60_000);
  for (const engine of ENGINES) {
    it(`${engine}: with 64 MiB of RAM, capture copies nothing and the first writes copy only the pages written`, function () {
      const m = new Machine({ engine, ramSize: 64 << 20 });
      m.load(build(WRITER));
      const store = new SnapshotStore(m);
      m.run({ maxInstructions: 10_000n });
      const s = store.capture();
      assert.equal(store.stats.bytesCopied, 0);
      m.run({ maxInstructions: 100_000n });
      // 16 buffer pages (+ at most the tohost page): nowhere near 64 MiB.
      const copied = store.stats.bytesCopied;
      assert.ok(copied >= 16 * 4096 && copied <= 17 * 4096, `copied ${copied} bytes`);
      const before = stateHash(m);
      store.restore(s);
      assert.equal(store.stats.bytesRestored, copied);
      m.run({ maxInstructions: 100_000n });
      assert.equal(stateHash(m), before);
      assert.equal(store.stats.bytesCopied, 2 * copied);
    });
  }

  it('checkpoint chain: bounded count and memory, any checkpoint replays to the same end state', function () {
    const m = new Machine({ ramSize: 4 << 20 });
    m.load(build(WRITER));
    const store = new SnapshotStore(m, { maxSnapshots: 4, maxBytes: 40 * 4096 });
    const r = store.runWithCheckpoints(200_000n, 20_000n);
    assert.equal(r.reason, 'limit');
    assert.equal(r.instret, 200_000n);
    const list = store.list();
    assert.ok(list.length <= 4 && list.length >= 2, `${list.length} snapshots`);
    assert.ok(store.stats.bytesHeld <= 40 * 4096 + 17 * 4096);
    const end = stateHash(m);
    const endInstret = m.harts[0].retired;
    // Replay from the oldest held checkpoint, chunk by chunk as the chain did.
    const oldest = list[0];
    store.restore(oldest);
    assert.equal(store.list().length, 1);
    let left = BigInt(endInstret) - oldest.instret;
    while (left > 0n) {
      const n = left < 20_000n ? left : 20_000n;
      left -= m.run({ maxInstructions: n }).instret;
    }
    assert.equal(stateHash(m), end);
    assert.equal(store.before(oldest.instret + 1n), oldest);
  });

  it('dropping a middle snapshot keeps the older one restorable', function () {
    const m = new Machine({ ramSize: 1 << 20 });
    m.load(build(WRITER));
    const store = new SnapshotStore(m);
    m.run({ maxInstructions: 5_000n });
    const h1 = stateHash(m);
    const s1 = store.capture();
    m.run({ maxInstructions: 5_000n });
    const s2 = store.capture();
    m.run({ maxInstructions: 5_000n });
    store.capture();
    m.run({ maxInstructions: 5_000n });
    store.drop(s2);
    store.restore(s1);
    assert.equal(stateHash(m), h1);
  });

  it('loading an image voids the snapshots', function () {
    const m = new Machine({ ramSize: 1 << 20 });
    const img = build(WRITER);
    m.load(img);
    const store = new SnapshotStore(m);
    const s = store.capture();
    m.load(img);
    assert.equal(store.list().length, 0);
    assert.throws(() => store.restore(s), /not held/);
  });
});

describe('stateHash', function () {
  it('is stable, sees a one-byte change anywhere in RAM, and rehashes only written pages', function () {
    const m = new Machine({ ramSize: 16 << 20 });
    m.load(build(WRITER));
    m.run({ maxInstructions: 1000n });
    const a = stateHash(m);
    assert.equal(stateHash(m), a);
    m.writeMemory(0x80000000n + BigInt(15 << 20), Uint8Array.of(1));
    const b = stateHash(m);
    assert.notEqual(b, a);
    m.writeMemory(0x80000000n + BigInt(15 << 20), Uint8Array.of(0));
    assert.equal(stateHash(m), a);
    // Cached: hashing again after a short run is much cheaper than the first full hash.
    const t0 = process.hrtime.bigint();
    for (let i = 0; i < 5; i++) stateHash(m);
    const warm = Number(process.hrtime.bigint() - t0) / 5;
    assert.ok(warm < 50e6, `warm hash took ${warm / 1e6} ms`);
  });

  it('covers registered parts (the hypervisor\'s interface)', function () {
    const m = new Machine({ ramSize: 1 << 20 });
    m.load(build(WRITER));
    const part = { value: 1 };
    const snap: Snapshottable<number> = { captureState: () => part.value, restoreState: (v) => { part.value = v; } };
    registerSnapshotPart(m, 'test', snap);
    const store = new SnapshotStore(m);
    const s = store.capture();
    part.value = 42;
    store.restore(s);
    assert.equal(part.value, 1);
  });
});
