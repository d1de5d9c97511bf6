import assert from 'node:assert/strict';
import type { TraceRecord } from '../../protocol/hyperlab';
import { MIN_SPAN, fullWindow, pan, shortCycles, tickStep, ticks, timelineScene, zoom } from '../../client/model/timeline';
import type { SceneRect } from '../../client/model/scene';
import type { Requester } from '../../client/model/requester';
import { readTrace } from '../../client/model/traceFetch';

const events: TraceRecord[] = [
  { kind: 'trap', time: 100, hart: 0, cause: 8, interrupt: false, from: 'VS', to: 'HS', pc: '0x80000000' },
  { kind: 'ipi', time: 500, hart: 0, target: 1, via: 'sbi' },
  { kind: 'interrupt', time: 520, hart: 1, cause: 1, virtual: false },
  { kind: 'tlb-flush', time: 530, hart: 1, op: 'sfence.vma', entries: 12, initiator: 0 },
  { kind: 'vm-exit', time: 1100, hart: 1, vm: 'vm1', vcpu: 0, reason: 'ecall', pc: '0x80200000' },
  { kind: 'console', time: 600, hart: 0, text: 'not drawn' },
];

const markers = (items: ReturnType<typeof timelineScene>['items']) => items.filter((i): i is SceneRect => i.type === 'rect' && i.cls.startsWith('ev '));

describe('client/model/timeline', () => {
  it('fits all events with a small margin', () => {
    const w = fullWindow(events);
    assert.ok(w.start <= 100 && w.start >= 0);
    assert.ok(w.end >= 1100);
    assert.deepEqual(fullWindow([]), { start: 0, end: MIN_SPAN });
  });
  it('zooms around the anchor and never past the bounds or below the minimum span', () => {
    const bounds = { start: 0, end: 1000 };
    const z = zoom(bounds, 4, 0.5, bounds);
    assert.deepEqual(z, { start: 375, end: 625 }, 'the centre stays in place');
    const left = zoom(bounds, 2, 0, bounds);
    assert.deepEqual(left, { start: 0, end: 500 }, 'anchored at the left edge');
    const tiny = zoom(bounds, 1e9, 0.5, bounds);
    assert.equal(tiny.end - tiny.start, MIN_SPAN);
    assert.deepEqual(zoom(z, 0.01, 0.5, bounds), bounds, 'zooming out stops at everything');
    assert.throws(() => zoom(bounds, 0, 0.5, bounds), /positive/);
  });
  it('pans by a fraction of the window, clamped at both ends', () => {
    const bounds = { start: 0, end: 1000 };
    assert.deepEqual(pan({ start: 400, end: 600 }, 0.5, bounds), { start: 500, end: 700 });
    assert.deepEqual(pan({ start: 100, end: 300 }, -5, bounds), { start: 0, end: 200 });
    assert.deepEqual(pan({ start: 700, end: 900 }, 5, bounds), { start: 800, end: 1000 });
  });
  it('puts ticks at 1-2-5 steps and labels them short', () => {
    assert.equal(tickStep(1000), 200);
    assert.equal(tickStep(70), 10);
    assert.equal(tickStep(3), 1);
    assert.deepEqual(ticks({ start: 150, end: 1000 }), [200, 400, 600, 800, 1000]);
    assert.equal(shortCycles(1_234_567), '1.23M');
    assert.equal(shortCycles(2_000), '2k');
    assert.equal(shortCycles(12), '12');
  });
  it('draws one lane per hart and one marker per timeline event, with an IPI arrow between lanes', () => {
    const s = timelineScene(events, { start: 0, end: 1200 });
    const lanes = s.items.filter((i) => i.type === 'text' && i.cls === 'lane-label').map((i) => i.type === 'text' && i.text);
    assert.deepEqual(lanes, ['hart 0', 'hart 1']);
    const m = markers(s.items);
    assert.equal(m.length, 5, 'console events are not timeline events');
    assert.ok(m.every((r) => r.label), 'every marker has a text for screen readers');
    assert.ok(m.some((r) => r.label === 't=500 hart 0: IPI hart 0 → hart 1 via sbi'));
    const arrows = s.items.filter((i) => i.type === 'line' && i.cls === 'ipi-arrow');
    assert.equal(arrows.length, 1);
    // The IPI marker sits in hart 0's lane, later events further right.
    const x = (kind: string) => m.find((r) => r.cls.includes(kind))?.x ?? NaN;
    assert.ok(x('trap') < x('ipi') && x('ipi') < x('vm-exit'));
  });
  it('leaves out events outside the window and merges events closer than a bucket', () => {
    assert.equal(markers(timelineScene(events, { start: 450, end: 550 }).items).length, 3);
    const burst: TraceRecord[] = Array.from({ length: 10_000 }, (_, i) => ({ kind: 'trap', time: i, hart: 0, cause: 8, interrupt: false, from: 'VS', to: 'HS', pc: '0x0' }));
    const m = markers(timelineScene(burst, { start: 0, end: 10_000 }).items);
    assert.ok(m.length <= 250, `10,000 events drawn as ${m.length} shapes`);
    assert.ok(m.some((r) => r.cls.includes('many') && /^\d+ × trap/.test(r.label ?? '')));
  });
  it('says so when there is nothing to draw', () => {
    const s = timelineScene([], { start: 0, end: 10 });
    assert.ok(s.items.some((i) => i.type === 'text' && i.cls === 'empty'));
  });
});

describe('client/model/traceFetch', () => {
  /** A fake adapter with the real paging contract: at most `limit` events from `since`, `until` = next start. */
  function adapter(all: TraceRecord[]): { req: Requester; calls: number[] } {
    const calls: number[] = [];
    const req = (async (_command: string, args: { since?: number; limit?: number; kinds?: string[] }) => {
      const since = args.since ?? 0;
      const limit = args.limit ?? 1000;
      calls.push(since);
      const matching = all.filter((e) => e.time >= since && (!args.kinds || args.kinds.includes(e.kind)));
      if (matching.length > limit) return { events: matching.slice(0, limit), until: matching[limit].time, truncated: true };
      return { events: matching, until: 1e9, truncated: false };
    }) as Requester;
    return { req, calls };
  }
  const ev = (time: number): TraceRecord => ({ kind: 'trap', time, hart: 0 });

  it('reads every event across pages without duplicates at page boundaries', async () => {
    const all = [0, 1, 2, 2, 2, 3, 4, 5, 5, 6].map(ev);
    const { req, calls } = adapter(all);
    const r = await readTrace(req, ['trap'], 100, 3);
    assert.deepEqual(r.events.map((e) => e.time), [0, 1, 2, 2, 2, 3, 4, 5, 5, 6]);
    assert.equal(r.truncated, false);
    assert.ok(calls.length > 1);
  });
  it('stops at the maximum and says the result is truncated', async () => {
    const { req } = adapter(Array.from({ length: 50 }, (_, i) => ev(i)));
    const r = await readTrace(req, ['trap'], 20, 7);
    assert.equal(r.events.length, 20);
    assert.equal(r.truncated, true);
  });
  it('moves on when a whole page shares one instant', async () => {
    const { req } = adapter([5, 5, 5, 5, 6].map(ev));
    const r = await readTrace(req, ['trap'], 100, 2);
    assert.ok(r.events.some((e) => e.time === 6), 'the later event is reached');
  });
});
