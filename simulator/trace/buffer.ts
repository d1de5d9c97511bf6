/**
 * A bounded ring of recent trace events plus live listeners.
 *
 * - Hot paths ask {@link TraceBuffer.enabled} before building an event, so a kind nobody records
 *   or listens to costs one property read.
 * - Every accepted event gets the next sequence number (0, 1, 2, ...; never reused, even after
 *   {@link TraceBuffer.clear}). A reader keeps the sequence number it wants next and calls
 *   {@link TraceBuffer.since}; if the ring has overwritten some of those events in the meantime,
 *   it is told how many it missed.
 * - Listeners are called synchronously, in subscription order, inside `emit`. An exception thrown
 *   by a listener propagates to the emitter (the run is deterministic; a broken listener is a bug
 *   to see, not to hide). Listeners may unsubscribe (or subscribe others) while being called;
 *   the change applies from the next event.
 */
import { TRACE_KINDS, type TraceEvent, type TraceEventOf, type TraceKind } from './events';

export type TraceListener = (event: TraceEvent, seq: number) => void;

/** Removes a listener; calling it again does nothing. */
export type Unsubscribe = () => void;

export interface TraceRead {
  /** The events, oldest first; the i-th has sequence number `firstSeq + i`. */
  events: TraceEvent[];
  firstSeq: number;
  /** What to pass to the next `since` call. */
  nextSeq: number;
  /** Events after the requested sequence number that were overwritten before this read. */
  missed: number;
}

export interface TraceBufferOptions {
  /**
   * Kinds recorded in the ring even without listeners: 'all' (default), 'none', or a list.
   * Kinds that have listeners are always enabled and, being emitted, are recorded too.
   */
  record?: 'all' | 'none' | readonly TraceKind[];
}

type PerKind<T> = { [K in TraceKind]: T };

function perKind<T>(value: () => T): PerKind<T> {
  const out = {} as PerKind<T>;
  for (const k of TRACE_KINDS) out[k] = value();
  return out;
}

export class TraceBuffer {
  readonly capacity: number;
  private readonly ring: (TraceEvent | undefined)[];
  private next = 0;
  /** Index of the oldest stored sequence number (stored events are [oldest, next)). */
  private oldest = 0;
  private readonly recording: PerKind<boolean>;
  /** Listener arrays are replaced, never mutated, so `emit` can iterate without copying. */
  private readonly listeners: PerKind<readonly TraceListener[]>;
  /** `recording[k] || listeners[k].length > 0`, kept up to date for `enabled`. */
  private readonly on: PerKind<boolean>;

  constructor(capacity: number, options: TraceBufferOptions = {}) {
    if (!Number.isInteger(capacity) || capacity < 0) throw new RangeError(`trace capacity must be a non-negative integer, got ${capacity}`);
    this.capacity = capacity;
    this.ring = new Array<TraceEvent | undefined>(capacity).fill(undefined);
    this.recording = perKind(() => false);
    this.listeners = perKind((): readonly TraceListener[] => []);
    this.on = perKind(() => false);
    this.setRecording(options.record ?? 'all');
  }

  /** Chooses the kinds recorded without listeners. A zero-capacity buffer records nothing. */
  setRecording(kinds: 'all' | 'none' | readonly TraceKind[]): void {
    const set = new Set<TraceKind>(kinds === 'all' ? TRACE_KINDS : kinds === 'none' ? [] : kinds);
    for (const k of TRACE_KINDS) {
      this.recording[k] = this.capacity > 0 && set.has(k);
      this.refresh(k);
    }
  }

  /** Whether an event of this kind would be kept or delivered; check before building one. */
  enabled(kind: TraceKind): boolean {
    return this.on[kind];
  }

  /** Records and delivers an event; returns its sequence number, or -1 if its kind is off. */
  emit(event: TraceEvent): number {
    const kind = event.kind;
    if (!this.on[kind]) return -1;
    const seq = this.next++;
    if (this.capacity > 0) {
      this.ring[seq % this.capacity] = event;
      if (seq - this.oldest >= this.capacity) this.oldest = seq - this.capacity + 1;
    } else {
      this.oldest = this.next;
    }
    const ls = this.listeners[kind];
    for (let i = 0; i < ls.length; i++) ls[i](event, seq);
    return seq;
  }

  /**
   * Events with sequence numbers >= `seq` still in the ring. `missed` counts the ones from `seq`
   * on that were overwritten (or cleared). A `seq` beyond the newest gives an empty read.
   */
  since(seq: number): TraceRead {
    const from = Math.max(0, Math.floor(seq));
    const missed = from < this.oldest ? this.oldest - from : 0;
    const start = Math.min(Math.max(from, this.oldest), this.next);
    const events: TraceEvent[] = [];
    for (let s = start; s < this.next; s++) {
      const e = this.ring[s % this.capacity];
      if (e !== undefined) events.push(e);
    }
    return { events, firstSeq: start, nextSeq: this.next, missed };
  }

  /** Events still stored, oldest first. */
  events(): TraceEvent[] {
    return this.since(this.oldest).events;
  }

  /** Sequence number the next event will get (= events accepted so far). */
  get nextSeq(): number {
    return this.next;
  }

  /** Sequence number of the oldest stored event (= `nextSeq` when empty). */
  get oldestSeq(): number {
    return this.oldest;
  }

  /** Number of events stored. */
  get size(): number {
    return this.next - this.oldest;
  }

  /** Drops the stored events; sequence numbers go on, so readers see what they missed. */
  clear(): void {
    this.ring.fill(undefined);
    this.oldest = this.next;
  }

  /**
   * Calls `listener` for each event of the given kinds (default: all) from now on.
   * A listener subscribed to one kind gets that kind's event type.
   */
  subscribe<K extends TraceKind>(listener: (event: TraceEventOf<K>, seq: number) => void, kinds: readonly K[]): Unsubscribe;
  subscribe(listener: TraceListener, kinds?: readonly TraceKind[]): Unsubscribe;
  subscribe(listener: (event: never, seq: number) => void, kinds: readonly TraceKind[] = TRACE_KINDS): Unsubscribe {
    const l = listener as TraceListener;
    const ks = [...new Set(kinds)];
    for (const k of ks) {
      this.listeners[k] = [...this.listeners[k], l];
      this.refresh(k);
    }
    let active = true;
    return () => {
      if (!active) return;
      active = false;
      for (const k of ks) {
        const i = this.listeners[k].indexOf(l);
        if (i >= 0) this.listeners[k] = [...this.listeners[k].slice(0, i), ...this.listeners[k].slice(i + 1)];
        this.refresh(k);
      }
    };
  }

  /** Number of listeners of a kind. */
  listenerCount(kind: TraceKind): number {
    return this.listeners[kind].length;
  }

  private refresh(kind: TraceKind): void {
    this.on[kind] = this.recording[kind] || this.listeners[kind].length > 0;
  }
}
