/**
 * Refreshes are expensive (a DAP round trip per view), while `hyperlab/stateChanged` can arrive
 * many times a second. This coalesces them: at most one run per interval, the last request of a
 * burst is never lost (trailing run), and a stop can force an immediate run.
 */

export interface Clock {
  now(): number;
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

export const realClock: Clock = {
  now: () => Date.now(),
  setTimeout: (fn, ms) => setTimeout(fn, ms),
  clearTimeout: (h) => clearTimeout(h as ReturnType<typeof setTimeout>),
};

export interface Throttle {
  /** Ask for a run; `immediate` skips the wait (e.g. on a stop, so views match the stopped state). */
  trigger(immediate?: boolean): void;
  /** Changes the interval (the refresh-rate setting changed). */
  setInterval(ms: number): void;
  dispose(): void;
}

/** Interval in ms for a rate in Hz, clamped to the setting's documented range (0.2 … 30 Hz). */
export function intervalForRate(hz: number): number {
  const rate = Number.isFinite(hz) && hz > 0 ? Math.min(30, Math.max(0.2, hz)) : 4;
  return Math.round(1000 / rate);
}

export function createThrottle(run: () => void, intervalMs: number, clock: Clock = realClock): Throttle {
  let interval = intervalMs;
  let lastRun = -Infinity;
  let pending: unknown = undefined;
  let disposed = false;

  const fire = () => {
    pending = undefined;
    lastRun = clock.now();
    run();
  };

  return {
    trigger(immediate = false) {
      if (disposed) return;
      if (immediate) {
        if (pending !== undefined) clock.clearTimeout(pending);
        fire();
        return;
      }
      if (pending !== undefined) return; // a trailing run is already scheduled
      const wait = lastRun + interval - clock.now();
      if (wait <= 0) fire();
      else pending = clock.setTimeout(fire, wait);
    },
    setInterval(ms) {
      interval = ms;
    },
    dispose() {
      disposed = true;
      if (pending !== undefined) clock.clearTimeout(pending);
      pending = undefined;
    },
  };
}
