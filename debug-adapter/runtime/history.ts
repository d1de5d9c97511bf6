/**
 * Checkpoints of the execution history, for reverse execution: going back to a position means
 * restoring the newest checkpoint at or before it and re-executing forward (the machine is
 * deterministic, and stopping/resuming a run does not change what it computes).
 *
 * Position: instructions retired by the whole machine since launch (the sum of every run()
 * result). A stop can also fall between two retirements (a trap taken, a breakpoint on a trap
 * handler, a VM exit), so a stop is identified by its position plus every hart's pc and the count
 * of VM exits taken (runtime.ts, Place).
 *
 * Checkpoint policy (how memory stays bounded): a checkpoint is taken every `interval`
 * instructions while running forward, and every `fine` (= interval / 16) instructions while
 * re-executing to go backwards; older ones are thinned so that the spacing between kept
 * checkpoints grows with their age (a checkpoint `age` instructions older than the newest is
 * kept only if it lies at least max(fine, age / DENSITY) after the next older one kept). That
 * keeps O(DENSITY × log(history / fine)) checkpoints — a little over 100 after 10^9
 * instructions — and each holds only the RAM pages written after it (copy-on-write). A reverse
 * step replays at most `interval` instructions, and `fine` once it has been near there. The
 * snapshot store also caps the RAM copies (maxBytes) and drops the oldest beyond it.
 */
import type { Machine } from '../../simulator/machine';
import { SnapshotStore, type Snapshot } from '../../simulator/snapshot';

/** How many checkpoints per doubling of age survive thinning. */
const DENSITY = 8;

/**
 * `holdChanges`: how many entries of the runtime's hold log (runtime.ts, "Holds") had taken
 * effect when the checkpoint was taken; re-execution from it applies the later ones.
 */
export interface Checkpoint { position: bigint; snapshot: Snapshot; holdChanges: number }

export class History {
  private readonly store: SnapshotStore;
  private checkpoints: Checkpoint[] = [];

  /**
   * Spacing of the checkpoints re-execution leaves behind when going backwards (interval / 16),
   * so that the next reverse step near there replays little.
   */
  readonly fine: bigint;

  constructor(machine: Machine, readonly interval: bigint = 200_000n, maxBytes = 128 * 1024 * 1024) {
    this.fine = interval / 16n > 1000n ? interval / 16n : interval < 1000n ? interval : 1000n;
    this.store = new SnapshotStore(machine, { maxSnapshots: 10_000, maxBytes });
  }

  /** The newest checkpoint's position (the first is taken at launch). */
  get newest(): bigint { return this.checkpoints.length ? this.checkpoints[this.checkpoints.length - 1].position : -1n; }

  get count(): number { return this.held().length; }

  get bytesHeld(): number { return this.store.stats.bytesHeld; }

  /** Takes a checkpoint at `position` if the newest is `interval` or more behind (or none exists). */
  maybeCapture(position: bigint, holdChanges = 0): void {
    if (this.checkpoints.length && position - this.newest < this.interval) return;
    this.capture(position, holdChanges);
  }

  capture(position: bigint, holdChanges = 0): void {
    this.held();
    const last = this.checkpoints[this.checkpoints.length - 1];
    if (last !== undefined && last.position === position) return;
    this.checkpoints.push({ position, snapshot: this.store.capture(`@${position}`), holdChanges });
    this.thin(position);
  }

  /**
   * Restores the newest checkpoint at or before `position` and returns its position; checkpoints
   * after it are dropped (the snapshot store's rule: their RAM layers describe an abandoned future).
   */
  restoreBefore(position: bigint): bigint { return this.restoreCheckpointBefore(position).position; }

  /** As restoreBefore, returning the checkpoint restored. */
  restoreCheckpointBefore(position: bigint): Checkpoint {
    const held = this.held();
    let best: Checkpoint | undefined;
    for (const c of held) if (c.position <= position) best = c;
    if (best === undefined) throw new Error(`no checkpoint at or before position ${position}`);
    this.store.restore(best.snapshot);
    this.checkpoints = held.slice(0, held.indexOf(best) + 1);
    return best;
  }

  /** The checkpoint strictly before `position` (for walking history backwards), if any. */
  before(position: bigint): bigint | undefined {
    let best: bigint | undefined;
    for (const c of this.held()) if (c.position < position) best = c.position;
    return best;
  }

  /** Checkpoints still held by the store (it may have dropped the oldest for its byte cap). */
  private held(): Checkpoint[] {
    const live = new Set(this.store.list());
    if (this.checkpoints.some((c) => !live.has(c.snapshot))) this.checkpoints = this.checkpoints.filter((c) => live.has(c.snapshot));
    return this.checkpoints;
  }

  private thin(now: bigint): void {
    const cs = this.checkpoints;
    if (cs.length < 3) return;
    // Walk from the oldest, keeping the first (launch) and the newest; drop a checkpoint that is
    // closer to the previous kept one than its age allows.
    const keep: Checkpoint[] = [cs[0]];
    for (let i = 1; i < cs.length - 1; i++) {
      const c = cs[i];
      const age = now - c.position;
      const spacing = age / BigInt(DENSITY) > this.fine ? age / BigInt(DENSITY) : this.fine;
      if (c.position - keep[keep.length - 1].position >= spacing) keep.push(c);
      else this.store.drop(c.snapshot);
    }
    keep.push(cs[cs.length - 1]);
    this.checkpoints = keep;
  }
}
