/**
 * The figures a scenario run reports: the machine's own counters (interrupts, IPIs, SBI calls,
 * VM exits…) plus the per-hart translation counters of the modelled TLBs, summed over harts.
 * Fetch hits are left out on purpose: the compiled engine looks up once per basic block and the
 * interpreter once per instruction, and metrics must not depend on the engine.
 */
import type { Machine } from '../machine';

export function collectMetrics(machine: Machine, base: ReadonlyMap<string, number> = machine.metrics.snapshot()): Map<string, number> {
  const m = new Map(base);
  const add = (name: string, v: number): void => { m.set(name, (m.get(name) ?? 0) + v); };
  machine.harts.forEach((h, i) => {
    const c = h.mmu.counters;
    const figures: [string, number][] = [
      ['tlb.hits', c.hits], ['tlb.misses', c.misses], ['tlb.fetch_misses', c.fetchMisses],
      ['tlb.fills', c.fills], ['tlb.evictions', c.evictions],
      ['tlb.flushes.sfence_vma', c.flushes.sfence], ['tlb.flushes.hfence_vvma', c.flushes.hfenceVvma],
      ['tlb.flushes.hfence_gvma', c.flushes.hfenceGvma], ['tlb.flushes.all', c.flushes.all],
      ['walks.total', c.walks], ['walks.references', c.walkRefs],
    ];
    for (const [name, v] of figures) {
      m.set(`hart${i}.${name}`, v);
      add(name, v);
    }
    m.set(`hart${i}.instructions`, h.retired);
  });
  return new Map([...m.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}
