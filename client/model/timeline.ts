/**
 * The timeline panel's maths: which trace events it shows, the visible time window with zoom and
 * pan, per-hart lanes, tick marks at round intervals, and markers merged per pixel bucket so that
 * a million events still draw as a few hundred shapes.
 */
import type { TraceRecord } from '../../protocol/hyperlab';
import type { Scene, SceneItem } from './scene';

export const TIMELINE_KINDS = ['ipi', 'trap', 'vm-exit', 'interrupt', 'tlb-flush'] as const;
export type TimelineKind = (typeof TIMELINE_KINDS)[number];

export interface Window { start: number; end: number }

/** Smallest window width in cycles: zooming further in would show nothing new. */
export const MIN_SPAN = 10;

/** The window covering all events (with a cycle of margin so single events are visible). */
export function fullWindow(events: readonly TraceRecord[]): Window {
  if (events.length === 0) return { start: 0, end: MIN_SPAN };
  let lo = Infinity;
  let hi = -Infinity;
  for (const e of events) {
    if (e.time < lo) lo = e.time;
    if (e.time > hi) hi = e.time;
  }
  const span = Math.max(MIN_SPAN, hi - lo);
  return { start: Math.max(0, lo - span * 0.02), end: lo + span * 1.02 };
}

function clampWindow(w: Window, bounds: Window): Window {
  const boundSpan = bounds.end - bounds.start;
  let span = Math.min(Math.max(w.end - w.start, MIN_SPAN), Math.max(boundSpan, MIN_SPAN));
  if (!Number.isFinite(span)) span = boundSpan;
  let start = Math.min(Math.max(w.start, bounds.start), bounds.start + Math.max(0, boundSpan - span));
  if (!Number.isFinite(start)) start = bounds.start;
  return { start, end: start + span };
}

/**
 * Zooms by `factor` (> 1 zooms in) keeping the time under `anchor` (0 = left edge, 1 = right
 * edge) in place, within `bounds`.
 */
export function zoom(w: Window, factor: number, anchor: number, bounds: Window): Window {
  if (!(factor > 0)) throw new Error(`zoom factor must be positive, got ${factor}`);
  const a = Math.min(1, Math.max(0, anchor));
  const span = w.end - w.start;
  const at = w.start + span * a;
  const newSpan = span / factor;
  return clampWindow({ start: at - newSpan * a, end: at + newSpan * (1 - a) }, bounds);
}

/** Moves the window by `fraction` of its width (negative = earlier), within `bounds`. */
export function pan(w: Window, fraction: number, bounds: Window): Window {
  const d = (w.end - w.start) * fraction;
  return clampWindow({ start: w.start + d, end: w.end + d }, bounds);
}

/** Tick spacing: the 1-2-5 step that gives about `target` ticks over `span`. */
export function tickStep(span: number, target = 8): number {
  const raw = span / Math.max(1, target);
  const p = 10 ** Math.floor(Math.log10(Math.max(raw, 1e-9)));
  for (const m of [1, 2, 5, 10]) if (m * p >= raw) return Math.max(1, m * p);
  return Math.max(1, 10 * p);
}

export function ticks(w: Window, target = 8): number[] {
  const step = tickStep(w.end - w.start, target);
  const out: number[] = [];
  for (let t = Math.ceil(w.start / step) * step; t <= w.end; t += step) out.push(t);
  return out;
}

/** 1234567 → "1.23M"; cycles read better short on an axis. */
export function shortCycles(t: number): string {
  const a = Math.abs(t);
  if (a >= 1e9) return `${+(t / 1e9).toFixed(2)}G`;
  if (a >= 1e6) return `${+(t / 1e6).toFixed(2)}M`;
  if (a >= 1e3) return `${+(t / 1e3).toFixed(2)}k`;
  return `${+t.toFixed(0)}`;
}

export interface TimelineOptions {
  width: number;
  laneHeight: number;
  /** Markers closer than this many pixels (same lane and kind) merge into one. */
  bucketPx: number;
}

export const DEFAULT_TIMELINE: TimelineOptions = { width: 960, laneHeight: 56, bucketPx: 4 };

const LEFT = 70;
const TOP = 28;
/** Vertical offset of each kind inside a lane, so kinds do not hide each other. */
const KIND_ROW: Record<TimelineKind, number> = { 'trap': 0, 'vm-exit': 1, 'interrupt': 2, 'ipi': 3, 'tlb-flush': 4 };

function describe(e: TraceRecord): string {
  const who = e.vm !== undefined ? ` ${e.vm}${e.vcpu !== undefined ? `/vCPU ${e.vcpu}` : ''}` : '';
  switch (e.kind) {
    case 'ipi': return `IPI hart ${e.hart} → hart ${e.target} via ${e.via}`;
    case 'trap': return `trap cause ${e.cause}${e.interrupt ? ' (interrupt)' : ''} ${e.from} → ${e.to} at ${e.pc}`;
    case 'vm-exit': return `VM exit (${e.reason})${who} at ${e.pc}${e.detail ? `: ${e.detail}` : ''}`;
    case 'interrupt': return `interrupt ${e.cause}${e.virtual ? ' (virtual)' : ''}${e.source ? ` from ${e.source}` : ''}`;
    case 'tlb-flush': return `TLB flush ${e.op}, ${e.entries} entries${e.initiator !== undefined ? ` for hart ${e.initiator}` : ''}`;
    default: return e.kind;
  }
}

export function isTimelineKind(k: string): k is TimelineKind {
  return (TIMELINE_KINDS as readonly string[]).includes(k);
}

/** The SVG scene of the events inside `w`, one lane per hart present in `events`. */
export function timelineScene(events: readonly TraceRecord[], w: Window, opt: TimelineOptions = DEFAULT_TIMELINE): Scene {
  const shown = events.filter((e) => isTimelineKind(e.kind));
  const harts = [...new Set(shown.map((e) => e.hart))].sort((a, b) => a - b);
  const laneOf = new Map(harts.map((h, i) => [h, i]));
  const plotW = opt.width - LEFT - 10;
  const height = TOP + Math.max(1, harts.length) * opt.laneHeight + 8;
  const span = w.end - w.start;
  const xOf = (t: number) => LEFT + ((t - w.start) / span) * plotW;
  const items: SceneItem[] = [];

  for (const t of ticks(w)) {
    const x = xOf(t);
    items.push({ type: 'line', x1: x, y1: TOP - 6, x2: x, y2: height - 8, cls: 'grid' });
    items.push({ type: 'text', x, y: TOP - 10, text: shortCycles(t), cls: 'tick', anchor: 'middle' });
  }
  harts.forEach((h, i) => {
    const y = TOP + i * opt.laneHeight;
    items.push({ type: 'rect', x: LEFT, y, w: plotW, h: opt.laneHeight - 4, cls: 'lane' });
    items.push({ type: 'text', x: LEFT - 8, y: y + opt.laneHeight / 2, text: `hart ${h}`, cls: 'lane-label', anchor: 'end' });
  });
  if (harts.length === 0) {
    items.push({ type: 'text', x: opt.width / 2, y: TOP + opt.laneHeight / 2, text: 'No IPIs, traps, VM exits, interrupts or TLB flushes recorded yet', cls: 'empty', anchor: 'middle' });
  }

  // Merge events of one lane and kind falling into the same bucket of `bucketPx` pixels.
  const buckets = new Map<string, { e: TraceRecord; n: number; x: number }>();
  for (const e of shown) {
    if (e.time < w.start || e.time > w.end) continue;
    const x = xOf(e.time);
    const key = `${e.hart}|${e.kind}|${Math.floor((x - LEFT) / opt.bucketPx)}`;
    const b = buckets.get(key);
    if (b) b.n++;
    else buckets.set(key, { e, n: 1, x });
  }
  const rowH = (opt.laneHeight - 4) / 5;
  for (const { e, n, x } of buckets.values()) {
    const lane = laneOf.get(e.hart) ?? 0;
    const kind = e.kind as TimelineKind;
    const y = TOP + lane * opt.laneHeight + KIND_ROW[kind] * rowH;
    const label = n > 1 ? `${n} × ${kind} on hart ${e.hart} from t=${e.time}` : `t=${e.time} hart ${e.hart}: ${describe(e)}`;
    items.push({ type: 'rect', x: x - 1.5, y: y + 1, w: 3, h: rowH - 2, cls: `ev ${kind}${n > 1 ? ' many' : ''}`, label });
    if (kind === 'ipi' && typeof e.target === 'number' && laneOf.has(e.target)) {
      const ty = TOP + (laneOf.get(e.target) ?? 0) * opt.laneHeight + KIND_ROW.ipi * rowH + rowH / 2;
      items.push({ type: 'line', x1: x, y1: y + rowH / 2, x2: x, y2: ty, cls: 'ipi-arrow', arrow: true });
    }
  }
  return { width: opt.width, height, title: `Timeline from ${shortCycles(w.start)} to ${shortCycles(w.end)} cycles`, items };
}

/** The legend: kind → CSS class, in lane-row order. */
export const TIMELINE_LEGEND: { kind: TimelineKind; text: string }[] = [
  { kind: 'trap', text: 'traps' },
  { kind: 'vm-exit', text: 'VM exits' },
  { kind: 'interrupt', text: 'interrupts' },
  { kind: 'ipi', text: 'IPIs' },
  { kind: 'tlb-flush', text: 'TLB flushes' },
];
