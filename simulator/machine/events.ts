/**
 * The machine's event queue: things that happen at a virtual time (in cycles) rather than as the
 * direct effect of an instruction — timer compares, interrupt and IPI latencies, device
 * completions, HSM start requests.
 *
 * Order is total and deterministic: by time, then by scheduling order (a sequence number), so two
 * events at the same cycle always fire in the order they were scheduled.
 */

export type EventId = number;

/** A queued event. Records are never mutated once queued (a snapshot may share them). */
export interface QueuedEvent { readonly time: number; readonly seq: number; readonly fn: () => void; readonly label: string }

/**
 * What a snapshot keeps of the queue: the queued records themselves and the sequence counter.
 * Restoring puts back exactly these records (same closures, same ids), so an event's closure must
 * reach mutable state only through objects whose state the snapshot restores (devices, the machine),
 * never through a mutable local variable of its own.
 */
export interface EventQueueState { readonly items: readonly QueuedEvent[]; readonly seq: number }

export class EventQueue {
  /** Sorted by (time, seq); the earliest event is at the end (cheap pop). */
  private readonly items: QueuedEvent[] = [];
  private seq = 0;

  get size(): number { return this.items.length; }

  /** Time of the earliest event, or +Infinity when none is queued. */
  nextTime(): number {
    const n = this.items.length;
    return n === 0 ? Number.POSITIVE_INFINITY : this.items[n - 1].time;
  }

  /** Queues `fn` to run at `time` (cycles); returns an id for {@link cancel}. */
  schedule(time: number, fn: () => void, label = ''): EventId {
    if (!Number.isFinite(time)) throw new RangeError('event time must be finite');
    const e: QueuedEvent = { time, seq: this.seq++, fn, label };
    // Binary search for the insertion point in the descending order (later events first).
    let lo = 0, hi = this.items.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      const m = this.items[mid];
      if (m.time > time || (m.time === time && m.seq > e.seq)) lo = mid + 1; else hi = mid;
    }
    this.items.splice(lo, 0, e);
    return e.seq;
  }

  /** Removes a queued event; does nothing if it already fired or was cancelled. */
  cancel(id: EventId): void {
    const i = this.items.findIndex((e) => e.seq === id);
    if (i >= 0) this.items.splice(i, 1);
  }

  /** Removes and returns the earliest event if its time is <= `time`. */
  popDue(time: number): { time: number; fn: () => void; label: string } | undefined {
    const n = this.items.length;
    if (n === 0 || this.items[n - 1].time > time) return undefined;
    return this.items.pop();
  }

  /** Labels and times of queued events, earliest first (debugging, views). */
  pending(): { time: number; label: string }[] {
    return [...this.items].reverse().map((e) => ({ time: e.time, label: e.label }));
  }

  clear(): void { this.items.length = 0; }

  captureState(): EventQueueState { return { items: this.items.slice(), seq: this.seq }; }

  restoreState(s: EventQueueState): void {
    this.items.length = 0;
    this.items.push(...s.items);
    this.seq = s.seq;
  }
}
