/** TLB view: per hart, geometry, counters and every valid entry (VMID, ASID, VPN → PPN, …). */
import type { TlbEntries, TlbEntryView } from '../../protocol/hyperlab';
import { formatCount, formatRate, formatSize, formatValue, parseHex, toHex, type Radix } from './format';
import { leaf, type ViewNode } from './tree';

/** The one-line rendering of an entry: `VPN → PPN` as label, the attributes as description. */
export function tlbEntryRow(e: TlbEntryView, radix: Radix): { label: string; description: string; tooltip: string } {
  const mapping = e.gpn
    ? `${formatValue(e.vpn, radix)} → ${formatValue(e.gpn, radix)} → ${formatValue(e.ppn, radix)}`
    : `${formatValue(e.vpn, radix)} → ${formatValue(e.ppn, radix)}`;
  const attrs = [
    e.virt ? `VMID ${e.vmid}` : 'host',
    `ASID ${e.global ? 'G' : e.asid}`,
    formatSize(e.pageSize),
    e.perms,
  ];
  if (e.recent) attrs.push(`● ${e.recent}`);
  const tooltip = [
    `slot ${e.slot} (set ${e.set}, way ${e.way})`,
    `VPN ${e.vpn}${e.gpn ? `  GPN ${e.gpn}` : ''}  PPN ${e.ppn}`,
    `${e.virt ? `guest entry, VMID ${e.vmid}` : 'host entry'}, ASID ${e.asid}${e.global ? ' (global)' : ''}`,
    `page ${formatSize(e.pageSize)}, permissions ${e.perms}`,
    e.recent ? `${e.recent} since the previous stop` : '',
  ].filter(Boolean).join('\n');
  return { label: mapping, description: attrs.join(' · '), tooltip };
}

/** The virtual address of a page number (`0x80200` → `0x80200000`); '' when it is not hex. */
export function pageAddress(vpn: string): string {
  try {
    return toHex(parseHex(vpn) << 12n);
  } catch {
    return '';
  }
}

export function tlbHartNode(t: TlbEntries, radix: Radix): ViewNode {
  const c = t.counters;
  const base = `tlb/hart/${t.hart}`;
  const entries: ViewNode[] = t.entries.map((e) => ({
    id: `${base}/slot/${e.slot}`,
    ...tlbEntryRow(e, radix),
    contextValue: 'tlbEntry',
    icon: e.recent ? 'sparkle' : 'circle-small-filled',
    // Page base address of the entry, for "open translation diagram" on the row.
    data: { address: pageAddress(e.vpn), pageSize: e.pageSize, hart: t.hart },
  } satisfies ViewNode));
  if (t.totalValid > t.entries.length) {
    entries.push({ id: `${base}/more`, label: `… ${t.totalValid - t.entries.length} more valid entries`, description: 'not listed', contextValue: 'tlbMore', icon: 'ellipsis', data: { address: '', pageSize: 0, hart: t.hart } });
  }
  return {
    id: base,
    label: `hart ${t.hart}`,
    description: `${t.totalValid}/${t.geometry.entries} valid · hit rate ${formatRate(c.hits, c.misses)}`,
    tooltip: `${t.geometry.entries} entries, ${t.geometry.ways}-way, ${t.geometry.replacement} replacement`,
    icon: 'table',
    expanded: true,
    children: [
      leaf(`${base}/counters`, 'Counters', `hits ${formatCount(c.hits)} · misses ${formatCount(c.misses)}`, {
        icon: 'pulse',
        children: [
          leaf(`${base}/counters/hits`, 'hits', formatCount(c.hits)),
          leaf(`${base}/counters/misses`, 'misses', formatCount(c.misses)),
          leaf(`${base}/counters/fills`, 'fills', formatCount(c.fills)),
          leaf(`${base}/counters/evictions`, 'evictions', formatCount(c.evictions)),
          leaf(`${base}/counters/flushes`, 'flushes', formatCount(c.flushes)),
        ],
      }),
      ...(entries.length ? entries : [leaf(`${base}/empty`, 'No valid entries', 'the TLB is empty (bare mode or just flushed)')]),
    ],
  };
}
