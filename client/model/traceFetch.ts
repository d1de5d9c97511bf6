/**
 * Reads the trace in pages: the adapter answers at most a page of events per `hyperlab/trace`
 * request and says where to continue (`until`). Events at the page's boundary time are left for
 * the next page, so none is counted twice.
 */
import type { TraceRecord } from '../../protocol/hyperlab';
import type { Requester } from './requester';

/** The adapter's largest page (debug-adapter/inspect: MAX_TRACE). */
export const TRACE_PAGE = 10_000;

export interface TraceRead { events: TraceRecord[]; truncated: boolean }

export async function readTrace(req: Requester, kinds: string[], maxEvents: number, page = TRACE_PAGE): Promise<TraceRead> {
  const events: TraceRecord[] = [];
  let since = 0;
  while (events.length < maxEvents) {
    const limit = Math.min(page, maxEvents - events.length);
    const r = await req('hyperlab/trace', { since, kinds, limit });
    if (!r.truncated || r.events.length === 0) {
      events.push(...r.events);
      return { events, truncated: r.truncated };
    }
    const before = r.events.filter((e) => e.time < r.until);
    if (before.length > 0 && r.until > since) {
      events.push(...before);
      since = r.until;
    } else {
      // A whole page at one instant: take it and move past that instant (the rest of that
      // instant's events are skipped — a page is 10,000 events, so this needs a pathological trace).
      events.push(...r.events);
      since = Math.max(since, r.until) + 1;
    }
  }
  return { events, truncated: true };
}
