import assert from 'node:assert/strict';
import type { PageTableArgs } from '../../protocol/hyperlab';
import { callbackNodes } from '../../client/model/callbacksView';
import { interruptNodes } from '../../client/model/interruptsView';
import { machineNodes } from '../../client/model/machineView';
import { pageTableNodes, pageTableRow } from '../../client/model/pageTablesView';
import { pageAddress, tlbEntryRow, tlbHartNode } from '../../client/model/tlbView';
import { integrityNodes, trampolineNodes } from '../../client/model/traceViews';
import { childrenOf, snapshotNodes } from '../../client/model/tree';
import type { Requester } from '../../client/model/requester';
import { fakePageTables, machine, tlb } from './fixtures';

describe('client/model views', () => {
  it('TLB rows: VPN → (GPN →) PPN, VMID, ASID or G, page size, permissions, recent fill', () => {
    const two = tlbEntryRow(tlb.entries[0], 'hex');
    assert.equal(two.label, '0x80200 → 0x80200 → 0x81200');
    assert.equal(two.description, 'VMID 1 · ASID 7 · 4 KiB · r-x- · ● filled');
    assert.match(two.tooltip, /slot 4 \(set 1, way 0\)/);
    const host = tlbEntryRow(tlb.entries[1], 'dec');
    assert.equal(host.label, '524288 → 524288');
    assert.equal(host.description, 'host · ASID G · 2 MiB · rwx-');
  });
  it('TLB hart node: counters, hit rate, entries, and a row for entries not listed', async () => {
    const n = tlbHartNode(tlb, 'hex');
    assert.equal(n.label, 'hart 0');
    assert.equal(n.description, '3/64 valid · hit rate 90.0%');
    const kids = await childrenOf(n);
    assert.equal(kids[0].label, 'Counters');
    assert.deepEqual((await childrenOf(kids[0])).map((k) => `${k.label}=${k.description}`), ['hits=90', 'misses=10', 'fills=10', 'evictions=1', 'flushes=2']);
    const entries = kids.filter((k) => k.contextValue === 'tlbEntry');
    assert.equal(entries.length, 2);
    assert.equal(entries[0].data?.address, '0x80200000', 'the translate action gets the page\'s address, not its number');
    assert.equal(pageAddress('0xffffffc000000'), '0xffffffc000000000');
    assert.equal(pageAddress('nope'), '');
    assert.equal(kids[kids.length - 1].label, '… 1 more valid entries');
  });
  it('Machine view: time, harts, VMs with vCPUs and their exits', async () => {
    const snap = await snapshotNodes(machineNodes(machine, 'hex'), 3);
    assert.equal(snap[0].description, '120,000 cycles · 98,765 instructions');
    assert.deepEqual(snap[1].children?.map((c) => c.description), ['VS (V=1) · pc 0x80200010 · vm1/0', 'HS · pc 0x80001000']);
    const vm = snap[2];
    assert.equal(vm.label, 'vm1');
    assert.equal(vm.description, 'running · nested · VMID 1 · 1 vCPU');
    const vcpu = vm.children?.[0];
    assert.equal(vcpu?.description, 'running · VS · pc 0x80200010 · hart 0');
    assert.deepEqual(vcpu?.children?.[0].children?.map((c) => `${c.label} ${c.description}`), ['ecall 3', 'timer 1']);
  });
  it('Machine view on the bare machine says there are no VMs', () => {
    const nodes = machineNodes({ ...machine, vms: [] }, 'hex');
    assert.equal(nodes[nodes.length - 1].label, 'No VMs');
  });
  it('Page tables expand lazily, one request per expanded level, with node paths', async () => {
    const calls: PageTableArgs[] = [];
    const nodes = pageTableNodes(machine, fakePageTables(calls), 'hex');
    assert.equal(calls.length, 0, 'nothing fetched before expansion');
    const tables = await childrenOf(nodes[0]);
    assert.deepEqual(tables.map((t) => t.label), ['Guest table (VS-stage) · vCPU 0', 'Nested table (G-stage)']);
    const root = await childrenOf(tables[0]);
    assert.deepEqual(calls, [{ vm: 'vm1', table: 'guest', vcpu: 0 }]);
    assert.equal(root[0].label, '[2] 0x80000000 → 0x80401000');
    assert.equal(root[0].description, 'L2 · 1 GiB table · v------');
    assert.equal(root[1].children, undefined, 'a leaf has no children');
    const level1 = await childrenOf(root[0]);
    assert.deepEqual(calls[1], { vm: 'vm1', table: 'guest', vcpu: 0, path: [2] });
    assert.equal(level1[0].description, 'L1 · 2 MiB page · vrwx-a-');
    assert.equal(level1[0].contextValue, 'pageTableLeaf');
    const nestedRoot = await childrenOf(tables[1]);
    assert.equal(nestedRoot[0].contextValue, 'nestedTableNode', 'no guest-virtual translate action on guest-physical rows');
    assert.equal(level1[0].data?.address, '0x80200000');
  });
  it('on the bare machine, page tables are listed per hart (satp)', async () => {
    const calls: PageTableArgs[] = [];
    const nodes = pageTableNodes({ ...machine, vms: [] }, fakePageTables(calls), 'hex');
    assert.deepEqual(nodes.map((n) => `${n.label} | ${n.description}`), ['Page table · hart 0 | satp · VS', 'Page table · hart 1 | satp · HS']);
    await childrenOf(nodes[1]);
    assert.deepEqual(calls, [{ vm: '', table: 'guest', vcpu: 1 }]);
  });
  it('a page-table level that cannot be read becomes a row saying why', async () => {
    const calls: PageTableArgs[] = [];
    const req = fakePageTables(calls);
    const nodes = pageTableNodes({ ...machine, vms: [{ ...machine.vms[0], paging: 'shadow' }] }, req, 'hex');
    const tables = await childrenOf(nodes[0]);
    assert.equal(tables.length, 3, 'shadow paging adds the shadow table');
    const failing: Requester = async () => { throw new Error('vm1 has no vCPU 0 yet'); };
    const rows = await childrenOf((await childrenOf(pageTableNodes(machine, failing, 'hex')[0]))[0]);
    assert.equal(rows.length, 1);
    assert.equal(rows[0].label, 'Could not read the table');
    assert.equal(rows[0].description, 'vm1 has no vCPU 0 yet');
    const row = pageTableRow({ path: [], level: 0, index: 5, va: '0x5000', pte: '0x1', pa: '0x0', leaf: true, flags: 'v', size: 4096 }, 'dec', 'nested');
    assert.match(row.tooltip, /GPA 0x5000/);
    assert.equal(row.label, '[5] 20480 → 0');
  });
  it('Hyper-callbacks: verdict, runs, cost, and a source to open', () => {
    const nodes = callbackNodes({ rejected: 1, callbacks: [{ id: 3, vm: 'vm1', file: '/ws/reclaim.hcb', event: 'page-reclaim', verdict: 'accepted', runs: 4, instructions: 92, cycles: 400, range: ['0x80000000', '0x80100000'] }] }, 'dec');
    assert.equal(nodes[0].label, 'reclaim.hcb');
    assert.equal(nodes[0].description, 'vm1 · page-reclaim · accepted · 4 runs · 400 cycles');
    assert.deepEqual(nodes[0].open, { file: '/ws/reclaim.hcb' });
    assert.match(nodes[0].tooltip ?? '', /≈100 per run/);
    assert.match(nodes[1].label, /1 registration rejected/);
    assert.equal(callbackNodes({ rejected: 0, callbacks: [] }, 'hex')[0].label, 'The running scenario has no hyper-callbacks');
  });
  it('Interrupts & I/O: pending interrupts per hart, CSRs, device state', async () => {
    const nodes = interruptNodes({ harts: [{ hart: 0, mip: '0x80', mie: '0x888', hvip: null, pending: ['MTIP'] }], devices: [{ name: 'uart0', state: { rx: 0, base: '0x10000000' } }] }, 'hex');
    const harts = await childrenOf(nodes[0]);
    assert.equal(harts[0].description, 'pending: MTIP');
    assert.deepEqual((await childrenOf(harts[0])).map((c) => c.label), ['mip', 'mie'], 'no hvip without the H extension');
    const uart = (await childrenOf(nodes[1]))[0];
    assert.deepEqual((await childrenOf(uart)).map((c) => `${c.label}=${c.description}`), ['rx=0', 'base=0x10000000']);
  });
  it('Trampolines and Integrity say when the scenario has none, and list what the trace reports', async () => {
    assert.equal(trampolineNodes([], 'hex')[0].label, 'The running scenario has no trampolines');
    assert.equal(integrityNodes([{ kind: 'ipi', time: 1, hart: 0 }], 'hex')[0].label, 'The running scenario has raised no integrity alerts');
    const t = trampolineNodes([
      { kind: 'trampoline-patch', time: 5, hart: 0, vm: 'vm1', site: '0x80001000', mode: 'learning', targets: [] },
      { kind: 'trampoline-patch', time: 9, hart: 0, vm: 'vm1', site: '0x80001000', mode: 'inline', targets: ['0x80002000', '0x80003000'] },
    ], 'hex');
    assert.equal(t.length, 1);
    assert.equal(t[0].description, 'vm1 · inline · 2 targets · 2 patches');
    assert.deepEqual((await childrenOf(t[0])).map((c) => c.description), ['likeliest', '#2']);
    const i = integrityNodes([{ kind: 'integrity-alert', time: 7, hart: 1, address: '0x80000000', what: 'write to kernel text', blocked: true }], 'hex');
    assert.equal(i[0].label, 'write to kernel text');
    assert.equal(i[0].description, '0x80000000 · blocked · hart 1 · t=7');
  });
  it('snapshots mark every row "ended" once the session is over', async () => {
    const snap = await snapshotNodes([tlbHartNode(tlb, 'hex')], 1, true);
    assert.equal(snap[0].description, '3/64 valid · hit rate 90.0% · ended');
    assert.equal(snap[0].children?.[0].description, 'hits 90 · misses 10 · ended');
    assert.deepEqual(snap[0].children?.[0].children, [], 'depth limit reached: expandable but not expanded');
  });
});
