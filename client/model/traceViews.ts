/**
 * Trampolines and Integrity views. No dedicated request exists for them: both are read from the
 * trace (`hyperlab/trace`, kinds `trampoline-patch` and `integrity-alert`), so they fill in as
 * soon as the hypervisor's mechanisms report, and say so plainly when the scenario has none.
 */
import type { TraceRecord } from '../../protocol/hyperlab';
import { formatCount, formatValue, type Radix } from './format';
import { leaf, type ViewNode } from './tree';

export const TRAMPOLINE_KIND = 'trampoline-patch';
export const INTEGRITY_KIND = 'integrity-alert';

function str(v: TraceRecord[string]): string {
  return v === undefined ? '' : Array.isArray(v) ? v.join(', ') : String(v);
}

export function trampolineNodes(events: readonly TraceRecord[], radix: Radix): ViewNode[] {
  // The latest patch of each call site is its current state; earlier ones are its history.
  const bySite = new Map<string, TraceRecord[]>();
  for (const e of events) {
    if (e.kind !== TRAMPOLINE_KIND) continue;
    const site = str(e.site);
    bySite.set(site, [...(bySite.get(site) ?? []), e]);
  }
  if (bySite.size === 0) return [leaf('tramp/none', 'The running scenario has no trampolines', 'no call site patched', { icon: 'info' })];
  return [...bySite.entries()].map(([site, patches]) => {
    const last = patches[patches.length - 1];
    const targets = Array.isArray(last.targets) ? last.targets : [];
    const where = last.vm !== undefined ? `${last.vm} · ` : '';
    return {
      id: `tramp/${site}`,
      label: `call site ${formatValue(site, radix)}`,
      description: `${where}${str(last.mode)} · ${targets.length} target${targets.length === 1 ? '' : 's'} · ${patches.length} patch${patches.length === 1 ? '' : 'es'}`,
      icon: 'debug-step-into',
      children: targets.length
        ? targets.map((t, i) => leaf(`tramp/${site}/t/${i}`, formatValue(t, radix), i === 0 ? 'likeliest' : `#${i + 1}`))
        : [leaf(`tramp/${site}/none`, 'no promoted targets')],
    };
  });
}

export function integrityNodes(events: readonly TraceRecord[], radix: Radix): ViewNode[] {
  const alerts = events.filter((e) => e.kind === INTEGRITY_KIND);
  if (alerts.length === 0) return [leaf('integrity/none', 'The running scenario has raised no integrity alerts', 'nothing attempted', { icon: 'shield' })];
  return alerts.map((e, i) => leaf(
    `integrity/${i}`,
    str(e.what) || 'integrity alert',
    `${formatValue(str(e.address), radix)} · ${e.blocked ? 'blocked' : 'reported'} · hart ${e.hart}${e.vm !== undefined ? ` · ${e.vm}` : ''} · t=${formatCount(e.time)}`,
    { icon: e.blocked ? 'shield' : 'warning', tooltip: `${str(e.what)} at ${str(e.address)} (${e.blocked ? 'prevented' : 'only reported'}), hart ${e.hart}, time ${e.time}` },
  ));
}
