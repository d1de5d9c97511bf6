/**
 * Metrics: numeric counters keyed by dotted names, the figures `hyperlab run` prints and scenario
 * `expect` assertions check.
 *
 * Two sources feed them:
 * - {@link MetricsCollector} derives counters from the trace stream (VM exits, TLB misses,
 *   flushes, IPIs...). The names it produces are listed in {@link MetricsCollector.observe}.
 * - Hot-path figures too frequent to be events (instructions, TLB hits, cycles) are direct
 *   counters: the machine takes a {@link Counter} once and bumps `counter.value` in its loop.
 *
 * Names: dot-separated segments of letters, digits, `_` and `-`. Whole-machine metrics start with
 * one of {@link METRIC_ROOTS}; per-hart ones with `hart<N>.`; per-VM ones with `<vm name>.`
 * (the scenario loader refuses VM names that would clash with these prefixes).
 */
import type { TraceBuffer, Unsubscribe } from './buffer';
import { causeName, type TraceEvent } from './events';

/** First segments of whole-machine metrics (VM names may not be one of these). */
export const METRIC_ROOTS: readonly string[] = [
  'traps', 'vm_exits', 'vm_entries', 'tlb', 'walks', 'ipis', 'interrupts', 'console', 'callbacks',
  'trampolines', 'integrity', 'devices', 'instructions', 'cycles', 'time', 'sbi',
];

const METRIC_NAME = /^[A-Za-z0-9_-]+(\.[A-Za-z0-9_-]+)*$/;

/** Whether a first segment belongs to the machine (a root or `hart<N>`). */
export function isReservedMetricRoot(name: string): boolean {
  return METRIC_ROOTS.includes(name) || /^hart[0-9]+$/.test(name);
}

/** Turns free text (a reason, a device operation) into one metric segment: `guest-page-fault` → `guest_page_fault`. */
export function metricSegment(text: string): string {
  const s = text.replace(/[^A-Za-z0-9_]+/g, '_').replace(/^_+|_+$/g, '');
  return s === '' ? '_' : s;
}

/** A direct counter: read and bump `value` without any lookup. */
export interface Counter {
  value: number;
}

export class Metrics {
  private readonly counters = new Map<string, Counter>();

  /** The counter of a name, created at 0 if new. Throws on a malformed name (a programming error). */
  counter(name: string): Counter {
    let c = this.counters.get(name);
    if (c === undefined) {
      if (!METRIC_NAME.test(name)) throw new Error(`invalid metric name '${name}'`);
      c = { value: 0 };
      this.counters.set(name, c);
    }
    return c;
  }

  add(name: string, delta = 1): void {
    this.counter(name).value += delta;
  }

  set(name: string, value: number): void {
    this.counter(name).value = value;
  }

  get(name: string): number | undefined {
    return this.counters.get(name)?.value;
  }

  has(name: string): boolean {
    return this.counters.has(name);
  }

  /** Sets every counter back to 0 (counters handed out stay valid). */
  reset(): void {
    for (const c of this.counters.values()) c.value = 0;
  }

  /** Every metric, sorted by name: what `evaluateExpectations` and the formatters take. */
  snapshot(): Map<string, number> {
    const names = [...this.counters.keys()].sort();
    return new Map(names.map((n) => [n, this.counters.get(n)?.value ?? 0]));
  }
}

/**
 * Derives metrics from trace events. Per event (h = hart, vm = the event's VM when set):
 *
 * | event | metrics |
 * |---|---|
 * | trap | `traps.total`, `traps.by_cause.<cause>`, `hart<h>.traps`, `<vm>.traps` |
 * | vm-exit | `vm_exits.total`, `vm_exits.by_reason.<reason>`, `hart<h>.vm_exits`, `<vm>.vm_exits.total`, `<vm>.vm_exits.by_reason.<reason>`, `<vm>.vcpu<n>.vm_exits.total`, `<vm>.vcpu<n>.vm_exits.by_reason.<reason>` |
 * | vm-entry | `vm_entries.total`, `<vm>.vm_entries.total` |
 * | walk | `tlb.misses`, `hart<h>.tlb.misses`, `<vm>.tlb.misses`, `walks.references` (also per hart/vm), `walks.by_stage.<stage>`, `walks.faults` |
 * | tlb-fill | `tlb.fills`, `hart<h>.tlb.fills`, `<vm>.tlb.fills`, `tlb.evictions` |
 * | tlb-flush | `tlb.flushes.total`, `tlb.flushes.by_op.<op>`, `tlb.flushes.entries`, `hart<h>.tlb.flushes`, `<vm>.tlb.flushes` |
 * | ipi | `ipis.total`, `hart<h>.ipis.sent`, `hart<target>.ipis.received` |
 * | interrupt | `interrupts.total`, `interrupts.by_cause.<cause>`, `interrupts.virtual`, `hart<h>.interrupts`, `<vm>.interrupts` |
 * | console | `console.writes`, `console.chars` |
 * | callback-run | `callbacks.runs`, `callbacks.instructions`, `callbacks.cycles`, `callbacks.by_event.<event>`, `<vm>.callbacks.runs` |
 * | callback-rejected | `callbacks.rejected`, `<vm>.callbacks.rejected` |
 * | trampoline-patch | `trampolines.patches`, `trampolines.by_mode.<mode>` |
 * | integrity-alert | `integrity.alerts`, `integrity.blocked`, `<vm>.integrity.alerts` |
 * | device | `devices.<device>.<what>` (+1 each), `devices.<device>.<what>.value` (sum of `value`) |
 *
 * Reason, cause, op and mode segments go through {@link metricSegment} (`sfence.vma` → `sfence_vma`).
 */
export class MetricsCollector {
  constructor(readonly metrics: Metrics) {}

  /** Subscribes to every kind of the buffer; returns the unsubscribe function. */
  attach(buffer: TraceBuffer): Unsubscribe {
    return buffer.subscribe((e) => this.observe(e));
  }

  observe(e: TraceEvent): void {
    const m = this.metrics;
    const hart = `hart${e.hart}`;
    const vm = e.vm;
    switch (e.kind) {
      case 'trap': {
        m.add('traps.total');
        m.add(`traps.by_cause.${causeName(e.interrupt, e.cause)}`);
        m.add(`${hart}.traps`);
        if (vm !== undefined) m.add(`${vm}.traps`);
        break;
      }
      case 'vm-exit': {
        const reason = metricSegment(e.reason);
        m.add('vm_exits.total');
        m.add(`vm_exits.by_reason.${reason}`);
        m.add(`${hart}.vm_exits`);
        if (vm !== undefined) {
          m.add(`${vm}.vm_exits.total`);
          m.add(`${vm}.vm_exits.by_reason.${reason}`);
          if (e.vcpu !== undefined) {
            m.add(`${vm}.vcpu${e.vcpu}.vm_exits.total`);
            m.add(`${vm}.vcpu${e.vcpu}.vm_exits.by_reason.${reason}`);
          }
        }
        break;
      }
      case 'vm-entry':
        m.add('vm_entries.total');
        if (vm !== undefined) m.add(`${vm}.vm_entries.total`);
        break;
      case 'walk':
        m.add('tlb.misses');
        m.add(`${hart}.tlb.misses`);
        m.add('walks.references', e.references);
        m.add(`${hart}.walks.references`, e.references);
        m.add(`walks.by_stage.${e.stage}`);
        if (e.fault !== undefined) m.add('walks.faults');
        if (vm !== undefined) {
          m.add(`${vm}.tlb.misses`);
          m.add(`${vm}.walks.references`, e.references);
        }
        break;
      case 'tlb-fill':
        m.add('tlb.fills');
        m.add(`${hart}.tlb.fills`);
        if (e.evicted) m.add('tlb.evictions');
        if (vm !== undefined) m.add(`${vm}.tlb.fills`);
        break;
      case 'tlb-flush':
        m.add('tlb.flushes.total');
        m.add(`tlb.flushes.by_op.${metricSegment(e.op)}`);
        m.add('tlb.flushes.entries', e.entries);
        m.add(`${hart}.tlb.flushes`);
        if (vm !== undefined) m.add(`${vm}.tlb.flushes`);
        break;
      case 'ipi':
        m.add('ipis.total');
        m.add(`${hart}.ipis.sent`);
        m.add(`hart${e.target}.ipis.received`);
        break;
      case 'interrupt':
        m.add('interrupts.total');
        m.add(`interrupts.by_cause.${causeName(true, e.cause)}`);
        if (e.virtual) m.add('interrupts.virtual');
        m.add(`${hart}.interrupts`);
        if (vm !== undefined) m.add(`${vm}.interrupts`);
        break;
      case 'console':
        m.add('console.writes');
        m.add('console.chars', e.text.length);
        break;
      case 'callback-run':
        m.add('callbacks.runs');
        m.add('callbacks.instructions', e.instructions);
        m.add('callbacks.cycles', e.cycles);
        m.add(`callbacks.by_event.${metricSegment(e.event)}`);
        if (vm !== undefined) m.add(`${vm}.callbacks.runs`);
        break;
      case 'callback-rejected':
        m.add('callbacks.rejected');
        if (vm !== undefined) m.add(`${vm}.callbacks.rejected`);
        break;
      case 'trampoline-patch':
        m.add('trampolines.patches');
        m.add(`trampolines.by_mode.${metricSegment(e.mode)}`);
        break;
      case 'integrity-alert':
        m.add('integrity.alerts');
        if (e.blocked) m.add('integrity.blocked');
        if (vm !== undefined) m.add(`${vm}.integrity.alerts`);
        break;
      case 'device': {
        const name = `devices.${metricSegment(e.device)}.${metricSegment(e.what)}`;
        m.add(name);
        if (e.value !== undefined) m.add(`${name}.value`, e.value);
        break;
      }
    }
  }
}

function formatNumber(v: number): string {
  if (Number.isInteger(v)) return String(v);
  return v.toFixed(3).replace(/0+$/, '').replace(/\.$/, '');
}

/**
 * An aligned two-column table for the terminal: names left-aligned, values right-aligned,
 * sorted by name, with a header line.
 */
export function formatMetricsTable(snapshot: ReadonlyMap<string, number>): string {
  const rows = [...snapshot.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([n, v]) => [n, formatNumber(v)] as const);
  const nameWidth = Math.max('metric'.length, ...rows.map(([n]) => n.length));
  const valueWidth = Math.max('value'.length, ...rows.map(([, v]) => v.length));
  const lines = [`${'metric'.padEnd(nameWidth)}  ${'value'.padStart(valueWidth)}`, `${'-'.repeat(nameWidth)}  ${'-'.repeat(valueWidth)}`];
  for (const [n, v] of rows) lines.push(`${n.padEnd(nameWidth)}  ${v.padStart(valueWidth)}`);
  return lines.join('\n');
}

/** A plain object with sorted keys, for `--json` output. */
export function metricsToJson(snapshot: ReadonlyMap<string, number>): Record<string, number> {
  const out: Record<string, number> = {};
  for (const n of [...snapshot.keys()].sort()) out[n] = snapshot.get(n) ?? 0;
  return out;
}
