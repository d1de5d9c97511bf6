/**
 * Snapshots of a machine running VMs: the hypervisor is a registered Snapshottable part, so
 * capture / run / restore / run again gives the same machine state hash, hypervisor state, trace,
 * console output and metrics, and running on to the end gives the result of an uninterrupted run.
 * examples/hello-vm and examples/two-vms on both engines; stop points inside a guest (V=1), with a
 * preempted vCPU waiting in the run queue (two-vms: four vCPUs, two harts), and before demand maps
 * whose G-stage table writes must be rolled back.
 */
import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Machine, type Engine } from '../../simulator/machine';
import { HYPERVISOR_SNAPSHOT_REFS, HostMemory, Hypervisor, type HypervisorOptions } from '../../simulator/hypervisor';
import { GUEST_RAM_BASE } from '../../simulator/hypervisor/vm';
import { buildImage } from '../../simulator/runner/image';
import type { Image } from '../../simulator/riscv/image';
import { SnapshotStore, captureFields, stateHash } from '../../simulator/snapshot';
import { canonical } from '../../simulator/snapshot/fields';
import { TraceBuffer, type TraceEvent } from '../../simulator/trace';

const root = path.resolve(import.meta.dirname, '../..');
const read = (f: string): Uint8Array | undefined => (fs.existsSync(f) ? new Uint8Array(fs.readFileSync(f)) : undefined);
function example(file: string): Image {
  const b = buildImage([path.join(root, file)], read, {});
  if (!b.image) throw new Error(b.diagnostics.map((d) => d.message).join('\n'));
  return b.image;
}

const ENGINES: Engine[] = ['compiled', 'interpreter'];
/** Bound of every run "to the end" (the examples need well under 1M instructions). */
const END = 5_000_000n;
const PAGE = 4096;

/** A scenario: the machine and hypervisor configuration of an example (as its .hlab.json says). */
interface Setup { harts: number; ramSize: number; options: () => HypervisorOptions }

const images = new Map<string, Image>();
const cachedExample = (file: string): Image => {
  let i = images.get(file);
  if (i === undefined) { i = example(file); images.set(file, i); }
  return i;
};

const HELLO: Setup = {
  harts: 1, ramSize: 64 << 20,
  options: () => ({ vms: [{ name: 'hello', vcpus: 1, memory: 16 << 20, image: cachedExample('examples/hello-vm/hello-vm.S') }] }),
};
const TWO_VMS: Setup = {
  harts: 2, ramSize: 128 << 20,
  options: () => {
    const image = cachedExample('examples/two-vms/guest.S');
    return { timeslice: 20_000, vms: [{ name: 'a', vcpus: 2, memory: 16 << 20, image }, { name: 'b', vcpus: 2, memory: 32 << 20, image }] };
  },
};

interface Rig { m: Machine; hv: Hypervisor; trace: TraceBuffer; out: number[]; store: SnapshotStore }

function rig(setup: Setup, engine: Engine): Rig {
  const out: number[] = [];
  const trace = new TraceBuffer(1 << 20);
  const m = new Machine({ harts: setup.harts, ramSize: setup.ramSize, engine, trace, console: (b) => out.push(b) });
  const hv = new Hypervisor(m, setup.options());
  return { m, hv, trace, out, store: new SnapshotStore(m) };
}

const json = (e: TraceEvent): string => JSON.stringify(e, (_k, v: unknown) => (typeof v === 'bigint' ? v.toString() : v));

/**
 * Metrics as sorted entries without zeros: restoring a snapshot leaves metrics created since at 0
 * rather than removing them, and a metric at 0 reads the same as one never counted.
 */
function metricsOf(hv: Hypervisor): [string, number][] {
  return [...hv.metrics()].filter(([, v]) => v !== 0).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
}

interface Leg {
  hash: string; hv: string; reason: string; instret: bigint; cycles: number;
  trace: string; console: string; metrics: [string, number][]; vms: string[];
}

/** Runs up to `n` instructions and returns everything observable about it. */
function leg(r: Rig, n: bigint): Leg {
  const seq = r.trace.nextSeq;
  const o = r.out.length;
  const res = r.hv.run({ maxInstructions: n });
  const t = r.trace.since(seq);
  assert.equal(t.missed, 0, 'trace ring too small');
  return {
    hash: stateHash(r.m), hv: canonical(r.hv.captureState()), reason: res.reason, instret: res.instret, cycles: res.cycles,
    trace: t.events.map(json).join('\n'), console: String.fromCharCode(...r.out.slice(o)), metrics: metricsOf(r.hv),
    vms: r.hv.vms.map((vm) => `${vm.name}: ${vm.state} (${vm.stopReason ?? ''}) ${JSON.stringify(vm.console)}`),
  };
}

/** The end of one run without snapshots: the reference. */
interface Outcome { reason: string; instret: bigint; cycles: number; console: string; metrics: [string, number][]; vms: string[] }

/**
 * A run without snapshots, stopped after each of `splits` instructions, then to the end. (Stopping
 * itself is visible in the state hash: the machine's leftover instruction budget, and on the
 * compiled engine the TLB LRU stamps and fetch hits, which depend on where blocks are cut.)
 */
function uninterrupted(setup: Setup, engine: Engine, splits: bigint[] = []): Outcome & { hash: string } {
  const r = rig(setup, engine);
  let instret = 0n;
  for (const n of splits) instret += r.hv.run({ maxInstructions: n }).instret;
  const res = r.hv.run({ maxInstructions: END });
  return {
    reason: res.reason, instret: instret + res.instret, cycles: res.cycles, console: String.fromCharCode(...r.out), metrics: metricsOf(r.hv),
    vms: r.hv.vms.map((vm) => `${vm.name}: ${vm.state} (${vm.stopReason ?? ''}) ${JSON.stringify(vm.console)}`), hash: stateHash(r.m),
  };
}

/** Guest pages of every VM that its G-stage maps now (software walk of the tables in RAM). */
function mappedPages(hv: Hypervisor): Set<string> {
  const s = new Set<string>();
  for (const vm of hv.vms) for (let p = 0; p < vm.memory; p += PAGE) if (vm.gstage.lookup(GUEST_RAM_BASE + p) !== undefined) s.add(`${vm.name}:${(GUEST_RAM_BASE + p).toString(16)}`);
  return s;
}

interface Point {
  what: string;
  setup: Setup;
  /** Instructions before the capture. */
  n: bigint;
  /** Instructions run after it (twice). */
  m: bigint;
  /** What must hold at the capture point (it is what the case is about). */
  atCapture: (r: Rig) => void;
  /** Demand maps must happen in the leg after the capture. */
  demandMapsAfter?: boolean;
}

const inGuest = (r: Rig): void => {
  r.m.harts.forEach((h, i) => {
    assert.equal(h.virt, 1, `hart ${i} is not in a guest (V=0)`);
    assert.ok(r.hv.vcpuOn(i) !== undefined, `hart ${i} has no vCPU`);
  });
};

const POINTS: Point[] = [
  {
    what: 'hello-vm, inside the guest (V=1, Sv39 on in the guest)', setup: HELLO, n: 300n, m: 200n,
    atCapture: (r) => { inGuest(r); assert.notEqual(r.m.harts[0].vsatp, 0n, 'the guest has not turned paging on yet'); },
  },
  {
    what: 'hello-vm, before demand-mapped pages (G-stage table writes rolled back)', setup: HELLO, n: 17n, m: 400n,
    atCapture: inGuest, demandMapsAfter: true,
  },
  {
    what: 'two-vms, a preempted vCPU waits in the run queue with a saved context', setup: TWO_VMS, n: 120_000n, m: 60_000n,
    atCapture: (r) => {
      inGuest(r);
      const waiting = r.hv.queued.filter((v) => v.state === 'runnable' && v.hart < 0 && v.instructions > 0);
      assert.ok(waiting.length > 0, `no descheduled vCPU that has run (queued: ${r.hv.queued.map((v) => `${v.name}:${v.instructions}`).join(', ')})`);
    },
  },
  {
    what: 'two-vms, early: vCPUs starting (HSM, IPIs) and demand maps after the capture', setup: TWO_VMS, n: 50n, m: 30_000n,
    atCapture: inGuest, demandMapsAfter: true,
  },
];

describe('hypervisor snapshots: capture, run, restore, run again', function () {
  this.timeout(120_000);

  it('every field of the hypervisor, its VMs, vCPUs, G-stage and page pool is captured or handled by name', () => {
    const r = rig(TWO_VMS, 'compiled');
    r.hv.run({ maxInstructions: 1000n });
    const uncaptured = (obj: object, handled: readonly string[]): string[] => {
      const got = captureFields(obj);
      return Object.keys(obj).filter((k) => !got.has(k) && !handled.includes(k));
    };
    assert.deepEqual(uncaptured(r.hv, HYPERVISOR_SNAPSHOT_REFS), []);
    const vm = r.hv.vms[0];
    // Vm: vCPUs, UART and G-stage are captured one by one; hgatpFor is a function.
    assert.deepEqual(uncaptured(vm, ['vcpus', 'uart', 'gstage', 'hgatpFor']), []);
    for (const v of vm.vcpus) assert.deepEqual(uncaptured(v, []), []);
    // G-stage and pool: the HostMemory/pool references are shared objects without state.
    assert.deepEqual(uncaptured(vm.gstage, ['mem', 'pool']), []);
    assert.deepEqual(uncaptured(r.hv.pool, ['mem']), []);
    // The UART's host callbacks are not state.
    assert.deepEqual(uncaptured(vm.uart, ['host']), []);
  });

  for (const engine of ENGINES) {
    for (const p of POINTS) {
      it(`${engine}: ${p.what}`, function () {
        const r = rig(p.setup, engine);
        assert.equal(r.hv.run({ maxInstructions: p.n }).reason, 'limit');
        p.atCapture(r);
        const h0 = stateHash(r.m);
        const hv0 = canonical(r.hv.captureState());
        const mapped0 = mappedPages(r.hv);
        const pool0 = r.hv.pool.used;
        const gs0 = r.hv.vms.map((vm) => vm.gstage.mappedPages);
        const s = r.store.capture(p.what);
        const out0 = r.out.length;
        assert.equal(stateHash(r.m), h0, 'capturing changed the machine');
        assert.equal(canonical(r.hv.captureState()), hv0, 'capturing changed the hypervisor');

        const a = leg(r, p.m);
        assert.equal(a.reason, 'limit');
        assert.notEqual(a.hash, h0);
        assert.notEqual(a.hv, hv0);
        const mappedA = mappedPages(r.hv);
        const added = [...mappedA].filter((x) => !mapped0.has(x));
        if (p.demandMapsAfter) {
          assert.ok(added.length > 0, 'no page was demand-mapped after the capture');
          assert.ok(r.store.stats.bytesCopied > 0);
        }

        r.store.restore(s);
        assert.equal(stateHash(r.m), h0, 'restore did not bring the machine back');
        assert.equal(canonical(r.hv.captureState()), hv0, 'restore did not bring the hypervisor back');
        // The G-stage tables are in RAM: pages mapped after the capture are unmapped again (the
        // leaf PTEs, and any table page allocated since, rolled back by copy-on-write).
        assert.deepEqual(mappedPages(r.hv), mapped0);
        assert.equal(r.hv.pool.used, pool0);
        assert.deepEqual(r.hv.vms.map((vm) => vm.gstage.mappedPages), gs0);

        const b = leg(r, p.m);
        assert.deepEqual(b, a, 'the run after a restore differs');
        assert.deepEqual(mappedPages(r.hv), mappedA);

        // Again from the same snapshot, then on to the end.
        r.store.restore(s);
        assert.equal(stateHash(r.m), h0);
        const c = leg(r, p.m);
        assert.deepEqual(c, a);
        const end = leg(r, END);
        assert.equal(end.reason, 'pass', `${end.vms.join('; ')}`);
        for (const vm of r.hv.vms) assert.equal(vm.state, 'shutdown', `${vm.name}: ${vm.stopReason ?? ''}`);

        const console = String.fromCharCode(...r.out.slice(0, out0)) + c.console + end.console;

        // The same run without any snapshot, stopped at the same points: identical to the end.
        const ref = uninterrupted(p.setup, engine, [p.n, p.m]);
        assert.equal(end.hash, ref.hash, 'final state differs from the run without snapshots');
        assert.equal(console, ref.console);
        assert.deepEqual(end.metrics, ref.metrics);
        assert.deepEqual(end.vms, ref.vms);
        // And the result of one uninterrupted run: same end, console, VM states and exit counts.
        const u = uninterrupted(p.setup, engine);
        assert.equal(end.reason, u.reason);
        assert.equal(console, u.console);
        assert.equal(end.cycles, u.cycles);
        assert.equal(p.n + c.instret + end.instret, u.instret, 'instructions: before the capture + the last restored leg + the rest');
        assert.deepEqual(end.vms, u.vms);
        assert.deepEqual(end.metrics, u.metrics);
      });
    }
  }

  it('restoring after every VM shut down brings the VMs back to running; a checkpoint chain replays identically', function () {
    const r = rig(TWO_VMS, 'compiled');
    r.hv.run({ maxInstructions: 50_000n });
    const s = r.store.capture('mid');
    const h0 = stateHash(r.m);
    const first = leg(r, END);
    assert.equal(first.reason, 'pass');
    assert.ok(r.hv.vms.every((vm) => vm.state === 'shutdown'));
    r.store.restore(s);
    assert.equal(stateHash(r.m), h0);
    assert.ok(r.hv.vms.every((vm) => vm.state === 'running' && vm.stopReason === undefined));
    assert.deepEqual(leg(r, END), first);

    // Checkpoints every 40k instructions; restore the third and replay to the end the same way.
    const chain = rig(TWO_VMS, 'compiled');
    const store = chain.store;
    const res = store.runWithCheckpoints(END, 40_000n);
    assert.equal(res.reason, 'pass');
    const endHash = stateHash(chain.m);
    const endMetrics = metricsOf(chain.hv);
    const endConsole = chain.hv.vms.map((vm) => vm.console);
    const snaps = store.list();
    assert.ok(snaps.length >= 4, `${snaps.length} checkpoints`);
    store.restore(snaps[2]);
    assert.equal(store.list().length, 3, 'newer checkpoints dropped');
    assert.ok(chain.hv.vms.every((vm) => vm.state === 'running'));
    const replay = store.runWithCheckpoints(END, 40_000n);
    assert.equal(replay.reason, 'pass');
    assert.equal(stateHash(chain.m), endHash);
    assert.deepEqual(metricsOf(chain.hv), endMetrics);
    assert.deepEqual(chain.hv.vms.map((vm) => vm.console), endConsole);
  });

  it('HostMemory writes (image loading, G-stage tables, pool zeroing) go through copy-on-write', () => {
    const m = new Machine({ ramSize: 1 << 20 });
    const store = new SnapshotStore(m);
    const mem = new HostMemory(m.bus.ram);
    const s = store.capture();
    const h0 = stateHash(m);
    mem.write(0x80003ffe, Uint8Array.from([1, 2, 3, 4])); // crosses a page boundary
    mem.write64(0x80010000, 0x1122334455667788n);
    mem.zero(0x80020000, 8);
    assert.deepEqual([...mem.bytes(0x80003ffe, 4)], [1, 2, 3, 4]);
    assert.equal(store.stats.bytesCopied, 4 * PAGE);
    store.restore(s);
    assert.equal(stateHash(m), h0);
    assert.deepEqual([...mem.bytes(0x80003ffe, 4)], [0, 0, 0, 0]);
    assert.equal(mem.read64(0x80010000), 0n);
  });

  it('a snapshot of one hypervisor cannot be restored into a different VM configuration', () => {
    const two = rig(TWO_VMS, 'compiled');
    const hello = rig(HELLO, 'compiled');
    assert.throws(() => hello.hv.restoreState(two.hv.captureState()), /different configuration/);
  });
});
