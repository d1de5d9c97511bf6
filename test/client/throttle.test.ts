import assert from 'node:assert/strict';
import { createThrottle, intervalForRate, type Clock } from '../../client/model/throttle';

/** A manual clock: time moves only when the test says so. */
function fakeClock() {
  let now = 0;
  let timers: { at: number; fn: () => void; id: number }[] = [];
  let next = 1;
  const clock: Clock = {
    now: () => now,
    setTimeout: (fn, ms) => { const id = next++; timers.push({ at: now + ms, fn, id }); return id; },
    clearTimeout: (h) => { timers = timers.filter((t) => t.id !== h); },
  };
  const advance = (ms: number) => {
    now += ms;
    const due = timers.filter((t) => t.at <= now);
    timers = timers.filter((t) => t.at > now);
    for (const t of due) t.fn();
  };
  return { clock, advance, pending: () => timers.length };
}

describe('client/model/throttle', () => {
  it('runs at most once per interval and keeps the last request of a burst', () => {
    const c = fakeClock();
    let runs = 0;
    const t = createThrottle(() => runs++, 250, c.clock);
    t.trigger();
    assert.equal(runs, 1, 'the first request runs at once');
    for (let i = 0; i < 10; i++) t.trigger();
    assert.equal(runs, 1);
    assert.equal(c.pending(), 1, 'one trailing run scheduled, not ten');
    c.advance(249);
    assert.equal(runs, 1);
    c.advance(1);
    assert.equal(runs, 2, 'trailing run at the end of the interval');
    c.advance(1000);
    assert.equal(runs, 2, 'nothing more without requests');
  });
  it('an immediate trigger (a stop) runs now and cancels the trailing run', () => {
    const c = fakeClock();
    let runs = 0;
    const t = createThrottle(() => runs++, 250, c.clock);
    t.trigger();
    t.trigger();
    t.trigger(true);
    assert.equal(runs, 2);
    assert.equal(c.pending(), 0);
  });
  it('does nothing after dispose', () => {
    const c = fakeClock();
    let runs = 0;
    const t = createThrottle(() => runs++, 100, c.clock);
    t.trigger();
    t.trigger();
    t.dispose();
    c.advance(500);
    t.trigger(true);
    assert.equal(runs, 1);
  });
  it('turns the refresh-rate setting into an interval, clamped', () => {
    assert.equal(intervalForRate(4), 250);
    assert.equal(intervalForRate(1000), 33);
    assert.equal(intervalForRate(0), 250, 'nonsense falls back to the default 4 Hz');
    assert.equal(intervalForRate(0.1), 5000);
  });
});
