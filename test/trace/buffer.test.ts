import { strict as assert } from 'node:assert';
import { TraceBuffer, TRACE_KINDS, type ConsoleEvent, type TraceEvent } from '../../simulator/trace';

function con(i: number): ConsoleEvent {
  return { kind: 'console', time: i, hart: 0, text: String(i) };
}

function texts(events: readonly TraceEvent[]): string[] {
  return events.map((e) => (e.kind === 'console' ? e.text : e.kind));
}

describe('trace buffer', () => {
  it('numbers events from 0 and reads them back in order', () => {
    const b = new TraceBuffer(8);
    assert.equal(b.emit(con(0)), 0);
    assert.equal(b.emit(con(1)), 1);
    const r = b.since(0);
    assert.deepEqual(texts(r.events), ['0', '1']);
    assert.deepEqual({ firstSeq: r.firstSeq, nextSeq: r.nextSeq, missed: r.missed }, { firstSeq: 0, nextSeq: 2, missed: 0 });
    assert.deepEqual(texts(b.since(1).events), ['1']);
    assert.deepEqual(b.since(2).events, []);
    assert.equal(b.size, 2);
  });

  it('overwrites the oldest events and tells a reader how many it missed', () => {
    const b = new TraceBuffer(4);
    for (let i = 0; i < 10; i++) b.emit(con(i));
    assert.equal(b.size, 4);
    assert.equal(b.oldestSeq, 6);
    assert.equal(b.nextSeq, 10);
    const r = b.since(3);
    assert.deepEqual(texts(r.events), ['6', '7', '8', '9']);
    assert.equal(r.firstSeq, 6);
    assert.equal(r.missed, 3);
    const s = b.since(7);
    assert.deepEqual(texts(s.events), ['7', '8', '9']);
    assert.equal(s.missed, 0);
    assert.deepEqual(texts(b.events()), ['6', '7', '8', '9']);
  });

  it('lets a reader follow the stream with nextSeq across many wraparounds', () => {
    const b = new TraceBuffer(5);
    let cursor = 0;
    let got = 0;
    let missed = 0;
    let emitted = 0;
    for (let round = 0; round < 50; round++) {
      const n = round % 9; // sometimes more than the capacity between reads
      for (let i = 0; i < n; i++) b.emit(con(emitted++));
      const r = b.since(cursor);
      for (let i = 0; i < r.events.length; i++) {
        const e = r.events[i];
        assert.equal(e.kind === 'console' ? Number(e.text) : -1, r.firstSeq + i, 'event i has seq firstSeq + i');
      }
      got += r.events.length;
      missed += r.missed;
      cursor = r.nextSeq;
    }
    assert.equal(got + missed, emitted);
    assert.ok(missed > 0);
  });

  it('clear drops events but keeps sequence numbers going', () => {
    const b = new TraceBuffer(4);
    b.emit(con(0));
    b.emit(con(1));
    b.clear();
    assert.equal(b.size, 0);
    const r = b.since(0);
    assert.deepEqual(r.events, []);
    assert.equal(r.missed, 2);
    assert.equal(b.emit(con(2)), 2);
    assert.deepEqual(texts(b.since(0).events), ['2']);
  });

  it('reading ahead of the stream gives nothing', () => {
    const b = new TraceBuffer(4);
    b.emit(con(0));
    const r = b.since(10);
    assert.deepEqual(r.events, []);
    assert.equal(r.nextSeq, 1);
    assert.equal(r.missed, 0);
  });

  it('is off for kinds nobody records or listens to', () => {
    const b = new TraceBuffer(16, { record: ['console'] });
    assert.equal(b.enabled('console'), true);
    assert.equal(b.enabled('walk'), false);
    assert.equal(b.emit({ kind: 'walk', time: 0, hart: 0, stage: 'single', va: 0n, access: 'r', references: 3 }), -1);
    assert.equal(b.nextSeq, 0);
    const none = new TraceBuffer(16, { record: 'none' });
    for (const k of TRACE_KINDS) assert.equal(none.enabled(k), false);
    const zero = new TraceBuffer(0);
    assert.equal(zero.enabled('trap'), false);
    b.setRecording('all');
    assert.equal(b.enabled('walk'), true);
  });

  it('delivers to listeners of the kinds they asked for, and turns kinds on while they listen', () => {
    const b = new TraceBuffer(0);
    const seen: string[] = [];
    const off = b.subscribe((e, seq) => seen.push(`${e.text}@${seq}`), ['console']);
    const all: TraceEvent[] = [];
    const offAll = b.subscribe((e) => all.push(e));
    assert.equal(b.enabled('console'), true);
    assert.equal(b.enabled('ipi'), true);
    b.emit(con(0));
    b.emit({ kind: 'ipi', time: 1, hart: 0, target: 1, via: 'clint' });
    assert.deepEqual(seen, ['0@0']);
    assert.equal(all.length, 2);
    offAll();
    assert.equal(b.enabled('ipi'), false);
    assert.equal(b.listenerCount('console'), 1);
    off();
    off(); // idempotent
    assert.equal(b.listenerCount('console'), 0);
    assert.equal(b.enabled('console'), false);
    // Nothing is stored by a zero-capacity buffer.
    assert.deepEqual(b.since(0).events, []);
    assert.equal(b.since(0).missed, 2);
  });

  it('allows unsubscribing from inside a listener', () => {
    const b = new TraceBuffer(4);
    const calls: string[] = [];
    const offA = b.subscribe(() => { calls.push('a'); offA(); });
    b.subscribe(() => calls.push('b'));
    b.emit(con(0));
    b.emit(con(1));
    assert.deepEqual(calls, ['a', 'b', 'b']);
  });

  it('rejects a bad capacity', () => {
    assert.throws(() => new TraceBuffer(-1), RangeError);
    assert.throws(() => new TraceBuffer(1.5), RangeError);
  });
});
