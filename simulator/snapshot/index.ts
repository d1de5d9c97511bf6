/**
 * Machine snapshots (DESIGN §3 "Snapshots"): capture the whole machine between runs and put it
 * back later, cheaply, any number of times; several snapshots at once (a chain of checkpoints for
 * reverse debugging) with bounded memory; and `stateHash`, a digest of all architectural state.
 *
 * What a snapshot holds
 * - Harts: every data field of the hart (x registers, pc, privilege, V, every CSR including the H
 *   and vs* ones, counters and their offsets, wait state, pending exception out-values, trap
 *   accounting), of its MMU (translation context, counters), of its TLB (entries, LRU stamps,
 *   FIFO pointers, PRNG state, fill/eviction counts) and of its PMP. See ./fields.ts: fields are
 *   found by walking the objects, so a field added later is captured without being listed here.
 * - The bus: LR reservations. RAM: copy-on-write layers (./memory.ts) — capture only arms pages;
 *   the first write to a page after a capture copies that page; restore copies back only pages
 *   written since.
 * - Devices (CLINT, PLIC, UART with its receive queue; the finisher has no state), the event queue
 *   (its queued records, shared, and its sequence counter: event ids held by devices stay valid),
 *   the machine's own fields (virtual clocks and cost marks, HSM state, suspensions, SBI timers,
 *   tohost state, stop requests, slice bounds), the metrics, and any registered
 *   {@link Snapshottable} part (the hypervisor: see below).
 * - Not held: the trace buffer (an observer, not state), the console and other host callbacks,
 *   and the code caches: decoded instructions and compiled blocks are dropped on restore (with the
 *   PF_CODE marks), as are the MMU's host-side translation caches (they must stay a subset of the
 *   TLB, which has just changed). They refill on demand; results cannot differ.
 *
 * Capture and restore happen between runs (not from inside a device callback during a run).
 * Restoring snapshot k drops the snapshots taken after it (their RAM layers describe a future that
 * was abandoned); snapshot k itself and the older ones stay valid. Loading an image voids all.
 */
import { createHash, type Hash } from 'node:crypto';
import type { Machine } from '../machine';
import type { Hart } from '../riscv/hart/hart';
import { PAGE_SHIFT, PF_CODE, PF_RESV } from '../machine/bus';
import type { EventQueueState } from '../machine/events';
import { PageTracker, type Layer } from './memory';
import { canonical, captureFields, restoreFields, type FieldState } from './fields';

export { PageTracker } from './memory';
export { captureFields, restoreFields, type FieldState } from './fields';

/**
 * A component whose state snapshots must include beyond what the machine itself holds. The
 * hypervisor implements it (register it with {@link registerSnapshotPart} when it attaches to a
 * machine): its state is the vCPU contexts (saved guest registers and CSRs of every vCPU that is
 * not on a hart, which vCPU runs on which hart), the scheduler (run queues, timeslice accounting,
 * pending preemption events it keeps ids of), the VMs' G-stage allocator positions and any
 * emulated device state. Guest RAM and the G-stage tables themselves live in machine RAM and are
 * covered by the copy-on-write layers, provided the hypervisor writes RAM through `Bus.write`
 * or calls `ram.prepareWrite` first (HostMemory.write64/zero do).
 *
 * `captureState` must return a value that later mutations do not change (a deep copy, or
 * `captureFields(this)` from ./fields); `restoreState` may be called several times with the same
 * value and must not keep references into it that it later mutates. Closures the part puts on
 * the machine's event queue are restored as they were queued, so they must read mutable state
 * only through objects whose state is restored (never through their own mutable locals).
 */
export interface Snapshottable<S = unknown> {
  captureState(): S;
  restoreState(state: S): void;
}

const parts = new WeakMap<Machine, Map<string, Snapshottable>>();

/** Adds a component to every snapshot of `machine` (e.g. 'hypervisor'). */
export function registerSnapshotPart(machine: Machine, name: string, part: Snapshottable): void {
  let m = parts.get(machine);
  if (m === undefined) { m = new Map(); parts.set(machine, m); }
  m.set(name, part);
}

/** Hart fields that are configuration or statistics, not state. */
const HART_SKIP = ['id', 'engine', 'cpi', 'compiledBlocks'];
/** MMU fields: the host-side caches (cleared on restore instead) and configuration. */
const MMU_SKIP = ['rt', 'ra', 'rs', 'wt', 'wa', 'ws', 'ft', 'fa', 'fs', 'geometry', 'traceHart'];
const MACHINE_SKIP = ['costs', 'ramBase', 'ramSize', 'cpi', 'cyclesPerTick', 'quantum', 'firmware'];

interface HartState { hart: FieldState; mmu: FieldState; tlb: FieldState; pmp: FieldState }

/** Everything but RAM. */
interface MachineState {
  machine: FieldState;
  bus: FieldState;
  harts: HartState[];
  devices: Record<string, FieldState>;
  events: EventQueueState;
  metrics: Map<string, number>;
  parts: Map<string, unknown>;
}

function captureHart(h: Hart): HartState {
  return { hart: captureFields(h, HART_SKIP), mmu: captureFields(h.mmu, MMU_SKIP), tlb: captureFields(h.mmu.tlb), pmp: captureFields(h.mmu.pmp) };
}

function deviceObjects(m: Machine): Record<string, object> {
  const d: Record<string, object> = {};
  if (m.clint) d.clint = m.clint;
  if (m.plic) d.plic = m.plic;
  if (m.uart) d.uart = m.uart;
  if (m.finisher) d.finisher = m.finisher;
  return d;
}

function captureMachine(m: Machine): MachineState {
  const devices: Record<string, FieldState> = {};
  for (const [k, d] of Object.entries(deviceObjects(m))) devices[k] = captureFields(d);
  const ps = new Map<string, unknown>();
  for (const [k, p] of parts.get(m) ?? []) ps.set(k, p.captureState());
  return {
    machine: captureFields(m, MACHINE_SKIP),
    bus: captureFields(m.bus),
    harts: m.harts.map(captureHart),
    devices,
    events: m.events.captureState(),
    metrics: m.metrics.snapshot(),
    parts: ps,
  };
}

function restoreMachine(m: Machine, s: MachineState): void {
  restoreFields(m, s.machine);
  restoreFields(m.bus, s.bus);
  m.harts.forEach((h, i) => {
    const hs = s.harts[i];
    restoreFields(h, hs.hart);
    restoreFields(h.mmu, hs.mmu);
    restoreFields(h.mmu.tlb, hs.tlb);
    restoreFields(h.mmu.pmp, hs.pmp);
    h.mmu.clearHost();
    h.flushCodeCache();
  });
  const devs = deviceObjects(m);
  for (const [k, st] of Object.entries(s.devices)) { const d = devs[k]; if (d !== undefined) restoreFields(d, st); }
  m.events.restoreState(s.events);
  for (const name of m.metrics.snapshot().keys()) m.metrics.set(name, 0);
  for (const [name, v] of s.metrics) m.metrics.set(name, v);
  const ps = parts.get(m);
  for (const [k, st] of s.parts) ps?.get(k)?.restoreState(st);
  // Page flags derived from what was just restored: no decoded code anywhere; reservations as saved.
  const r = m.bus.ram;
  m.bus.clearCode();
  for (let p = 0; p < r.pageFlags.length; p++) r.pageFlags[p] &= ~(PF_CODE | PF_RESV);
  for (const g of m.bus.reservations) {
    const o = g - r.base;
    if (g >= 0 && o >= 0 && o < r.size) r.pageFlags[o >>> PAGE_SHIFT] |= PF_RESV;
  }
}

function assertIdle(m: Machine, what: string): void {
  const cur = captureFields(m).get('current');
  if (cur !== undefined && cur !== -1) throw new Error(`${what} is only possible between runs`);
}

export interface SnapshotOptions {
  /** Snapshots kept at most; taking one more drops the oldest (default 32). */
  maxSnapshots?: number;
  /** RAM copies kept at most (bytes, all snapshots); beyond it the oldest snapshots are dropped (default 256 MiB). */
  maxBytes?: number;
}

/** One captured machine state. Restore it with {@link SnapshotStore.restore}. */
export class Snapshot {
  /** Instructions retired (all harts) and machine clock when taken. */
  readonly instret: bigint;
  readonly cycles: number;
  /** @internal */
  constructor(readonly id: number, readonly label: string, /** @internal */ readonly state: MachineState, /** @internal */ readonly layer: Layer, readonly epoch: number, m: Machine) {
    this.instret = m.harts.reduce((a, h) => a + BigInt(h.retired), 0n);
    this.cycles = m.cycles;
  }

  /** Bytes of RAM this snapshot holds (pages first written after it, before the next one). */
  get bytes(): number { return this.layer.size << PAGE_SHIFT; }
}

export interface SnapshotStats {
  captures: number;
  restores: number;
  /** Bytes copied by first writes after captures (copy-on-write), in total. */
  bytesCopied: number;
  /** Bytes copied back into RAM by restores, in total. */
  bytesRestored: number;
  /** Bytes of RAM copies held now. */
  bytesHeld: number;
  snapshots: number;
}

/**
 * The snapshots of one machine (one store per machine). Snapshots are ordered by capture time;
 * `list()` is oldest first.
 */
export class SnapshotStore {
  private readonly tracker: PageTracker;
  private readonly snaps: Snapshot[] = [];
  private nextId = 1;
  private captures = 0;
  private restores = 0;
  readonly maxSnapshots: number;
  readonly maxBytes: number;

  constructor(readonly machine: Machine, options: SnapshotOptions = {}) {
    this.tracker = PageTracker.of(machine.bus.ram);
    if (this.tracker.layers.length > 0) throw new Error('this machine already has a snapshot store');
    this.maxSnapshots = Math.max(1, options.maxSnapshots ?? 32);
    this.maxBytes = options.maxBytes ?? 256 * 1024 * 1024;
  }

  /** Captures the machine (cost: the non-RAM state plus one flag byte per RAM page). */
  capture(label = ''): Snapshot {
    this.sync();
    assertIdle(this.machine, 'capturing a snapshot');
    const state = captureMachine(this.machine);
    const layer = this.tracker.pushLayer();
    const s = new Snapshot(this.nextId++, label, state, layer, this.tracker.epoch, this.machine);
    this.snaps.push(s);
    this.captures++;
    while (this.snaps.length > this.maxSnapshots) this.drop(this.snaps[0]);
    this.trim();
    return s;
  }

  /**
   * Puts the machine back exactly as it was when `s` was taken; the snapshots taken after `s` are
   * dropped, `s` stays usable. Cost: the non-RAM state plus the RAM pages written since `s`.
   */
  restore(s: Snapshot): void {
    this.sync();
    assertIdle(this.machine, 'restoring a snapshot');
    const i = this.snaps.indexOf(s);
    if (i < 0) throw new Error(`snapshot ${s.id} is not held (dropped, or taken before the machine was reloaded)`);
    this.tracker.rewindTo(i);
    this.snaps.length = i + 1;
    restoreMachine(this.machine, s.state);
    this.restores++;
  }

  /** Forgets a snapshot (its RAM pages move to the previous snapshot where they still describe it). */
  drop(s: Snapshot): void {
    const i = this.snaps.indexOf(s);
    if (i < 0) return;
    this.tracker.dropLayer(i);
    this.snaps.splice(i, 1);
  }

  /** Held snapshots, oldest first. */
  list(): readonly Snapshot[] { this.sync(); return this.snaps; }

  /** The newest snapshot taken at or before `instret` retired instructions, if any (reverse debugging). */
  before(instret: bigint): Snapshot | undefined {
    let best: Snapshot | undefined;
    for (const s of this.list()) if (s.instret <= instret) best = s;
    return best;
  }

  get stats(): SnapshotStats {
    const t = this.tracker;
    return { captures: this.captures, restores: this.restores, bytesCopied: t.bytesCopied, bytesRestored: t.bytesRestored, bytesHeld: t.bytesHeld, snapshots: this.snaps.length };
  }

  /**
   * Runs the machine for up to `maxInstructions`, capturing a checkpoint every `interval`
   * instructions (before each chunk), oldest ones dropped per the store's bounds. Returns the last
   * run result. Note that stopping a multi-hart machine every `interval` instructions is itself
   * deterministic but may interleave harts differently from one uninterrupted run.
   */
  runWithCheckpoints(maxInstructions: bigint, interval: bigint): ReturnType<Machine['run']> {
    let left = maxInstructions;
    let total = 0n;
    for (;;) {
      this.capture(`checkpoint@${this.machine.harts.reduce((a, h) => a + BigInt(h.retired), 0n)}`);
      const step = left < interval ? left : interval;
      const r = this.machine.run({ maxInstructions: step });
      total += r.instret;
      left -= r.instret;
      if (r.reason !== 'limit' || left <= 0n) return { ...r, instret: total };
    }
  }

  /** Drops the oldest snapshots while the RAM copies exceed maxBytes (the newest is always kept). */
  private trim(): void {
    while (this.snaps.length > 1 && this.tracker.bytesHeld > this.maxBytes) this.drop(this.snaps[0]);
  }

  /** An image load voids every snapshot. */
  private sync(): void {
    const e = this.tracker.epoch;
    if (this.snaps.length > 0 && this.snaps[0].epoch !== e) this.snaps.length = 0;
  }
}

/**
 * A digest (hex) of all architectural state of the machine: the same fields a snapshot holds
 * (except statistics such as the compiled-block count), the queued events (time, id, label), and
 * RAM through per-page hashes that stay cached until the page is written — hashing a large RAM
 * again costs only the pages written since. Comparable between runs of the same engine (the
 * engines count instruction-fetch TLB lookups differently, see TlbCounters).
 */
export function stateHash(m: Machine): string {
  const st = captureMachine(m);
  const h = createHash('sha256');
  // TLB hits are split between the MMU (`hits`) and the compiled fast path (`tlb.clock[1]`)
  // depending on what the host caches held: hash their sum (`counters.hits`), which is what counts.
  const harts = st.harts.map((hs, i) => ({
    hart: hs.hart, pmp: hs.pmp, counters: m.harts[i].mmu.counters,
    mmu: new Map([...hs.mmu].filter(([k]) => k !== 'hits')),
    tlb: new Map([...hs.tlb].map(([k, v]) => [k, k === 'clock' ? m.harts[i].mmu.tlb.clock[0] : v])),
  }));
  h.update(canonical({
    machine: st.machine, bus: st.bus, harts, devices: st.devices,
    events: { seq: st.events.seq, items: st.events.items.map((e) => [e.time, e.seq, e.label]) },
  }));
  hashRam(h, m);
  return h.digest('hex');
}

/** Feeds every RAM page's content hash (kept up to date by the page tracker) into `h`. */
export function hashRam(h: Hash, m: Machine): void {
  const t = PageTracker.of(m.bus.ram);
  const buf = new Uint32Array(2 * 1024);
  let k = 0;
  for (let p = 0; p < t.pages; p++) {
    const [a, b] = t.pageHash(p);
    buf[k++] = a; buf[k++] = b;
    if (k === buf.length) { h.update(buf); k = 0; }
  }
  if (k > 0) h.update(buf.subarray(0, k));
}
