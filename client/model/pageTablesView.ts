/**
 * Page Tables view: per VM, the guest (VS-stage, per vCPU), nested (G-stage) and — with shadow
 * paging — shadow tables. Each level is fetched only when the user expands it, through
 * `hyperlab/pageTable` with the node's path.
 */
import type { MachineSummary, PageTable, PageTableArgs, PageTableNode } from '../../protocol/hyperlab';
import { formatSize, formatValue, type Radix } from './format';
import type { Requester } from './requester';
import { errorText, leaf, type ViewNode } from './tree';

const TABLE_TITLES: Record<PageTableArgs['table'], string> = {
  guest: 'Guest table (VS-stage)',
  nested: 'Nested table (G-stage)',
  shadow: 'Shadow table',
};

/** Label of one PTE: `[index] VA → PA`, then size, leaf/table and flags. */
export function pageTableRow(n: PageTableNode, radix: Radix, table: PageTableArgs['table']): { label: string; description: string; tooltip: string } {
  const space = table === 'nested' ? 'GPA' : 'VA';
  const label = `[${n.index}] ${formatValue(n.va, radix)} → ${formatValue(n.pa, radix)}`;
  const description = `L${n.level} · ${formatSize(n.size)} ${n.leaf ? 'page' : 'table'} · ${n.flags}`;
  const tooltip = [
    `level ${n.level}, index ${n.index} (path ${n.path.join('/') || 'root'})`,
    `${space} ${n.va} covers ${formatSize(n.size)}`,
    `PTE ${n.pte}`,
    n.leaf ? `maps to page ${n.pa}` : `points to next-level table at ${n.pa}`,
    `flags ${n.flags}`,
  ].join('\n');
  return { label, description, tooltip };
}

function tableChildren(req: Requester, args: PageTableArgs, radix: Radix): () => Promise<ViewNode[]> {
  return async () => {
    let t: PageTable;
    try {
      t = await req('hyperlab/pageTable', args);
    } catch (e) {
      return [leaf(`${idOf(args)}/error`, 'Could not read the table', errorText(e), { icon: 'error' })];
    }
    if (t.root === null) return [leaf(`${idOf(args)}/bare`, `No table: translation is ${t.mode}`, undefined, { icon: 'info' })];
    if (t.children.length === 0) return [leaf(`${idOf(args)}/empty`, 'No valid entries', `${t.mode} table at ${formatValue(t.root, radix)}`)];
    return t.children.map((n) => {
      const row = pageTableRow(n, radix, args.table);
      const childArgs: PageTableArgs = { ...args, path: n.path };
      return {
        id: idOf(childArgs),
        ...row,
        // Nested-table rows cover guest-physical addresses, which "translate address" (a guest
        // virtual address) cannot start from: they get their own context value, without the action.
        contextValue: `${args.table === 'nested' ? 'nestedTable' : 'pageTable'}${n.leaf ? 'Leaf' : 'Node'}`,
        icon: n.leaf ? 'file' : 'folder',
        data: { address: n.va, vm: args.vm, table: args.table, vcpu: args.vcpu ?? null },
        ...(n.leaf ? {} : { children: tableChildren(req, childArgs, radix) }),
      } satisfies ViewNode;
    });
  };
}

function idOf(a: PageTableArgs): string {
  return `pt/${a.vm}/${a.table}/${a.vcpu ?? '-'}/${(a.path ?? []).join('.')}`;
}

export function pageTableNodes(m: MachineSummary, req: Requester, radix: Radix): ViewNode[] {
  if (m.vms.length === 0) {
    // The bare machine: each hart's own satp table (the adapter takes `vcpu` as the hart then).
    return m.harts.map((h) => {
      const args: PageTableArgs = { vm: '', table: 'guest', vcpu: h.id };
      return { id: idOf(args), label: `Page table · hart ${h.id}`, description: `satp · ${h.mode}`, icon: 'list-tree', contextValue: 'pageTableRoot', data: { address: h.pc, vm: '', table: 'guest', vcpu: null, hart: h.id }, children: tableChildren(req, args, radix) };
    });
  }
  return m.vms.map((vm) => {
    const tables: ViewNode[] = vm.vcpus.map((v) => {
      const args: PageTableArgs = { vm: vm.name, table: 'guest', vcpu: v.vcpu };
      return { id: idOf(args), label: `${TABLE_TITLES.guest} · vCPU ${v.vcpu}`, description: 'vsatp', icon: 'list-tree', contextValue: 'pageTableRoot', data: { address: v.pc, vm: vm.name, table: 'guest', vcpu: v.vcpu }, children: tableChildren(req, args, radix) };
    });
    const nested: PageTableArgs = { vm: vm.name, table: 'nested' };
    tables.push({ id: idOf(nested), label: TABLE_TITLES.nested, description: 'hgatp', icon: 'list-tree', contextValue: 'nestedTableRoot', data: { address: '0x0', vm: vm.name, table: 'nested', vcpu: null }, children: tableChildren(req, nested, radix) });
    if (/shadow/i.test(vm.paging)) {
      for (const v of vm.vcpus) {
        const args: PageTableArgs = { vm: vm.name, table: 'shadow', vcpu: v.vcpu };
        tables.push({ id: idOf(args), label: `${TABLE_TITLES.shadow} · vCPU ${v.vcpu}`, description: 'built by the hypervisor', icon: 'list-tree', children: tableChildren(req, args, radix) });
      }
    }
    return { id: `pt/${vm.name}`, label: vm.name, description: `${vm.paging} · VMID ${vm.vmid}`, icon: 'vm', expanded: true, children: tables };
  });
}
