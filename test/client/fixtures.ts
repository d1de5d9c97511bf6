/** Protocol-shaped data for the view-model tests, as the debug adapter would send it. */
import type { MachineSummary, PageTable, PageTableArgs, TlbEntries } from '../../protocol/hyperlab';
import type { ArgsOf, DapCommand, Requester, ResultOf } from '../../client/model/requester';

export const machine: MachineSummary = {
  time: 120_000,
  instructions: 98_765,
  ended: false,
  harts: [
    { id: 0, mode: 'VS', pc: '0x80200010', virt: true, running: 'vm1/0' },
    { id: 1, mode: 'HS', pc: '0x80001000', virt: false, running: null },
  ],
  vms: [{
    name: 'vm1', paging: 'nested', vmid: 1, state: 'running',
    vcpus: [{ threadId: 1, vm: 'vm1', vcpu: 0, hart: 0, state: 'running', mode: 'VS', pc: '0x80200010', exits: { ecall: 3, timer: 1, mmio: 0 } }],
  }],
};

export const tlb: TlbEntries = {
  hart: 0,
  geometry: { entries: 64, ways: 4, replacement: 'lru' },
  totalValid: 3,
  counters: { hits: 90, misses: 10, fills: 10, evictions: 1, flushes: 2 },
  entries: [
    { slot: 4, set: 1, way: 0, virt: true, vmid: 1, asid: 7, global: false, vpn: '0x80200', ppn: '0x81200', gpn: '0x80200', pageSize: 4096, perms: 'r-x-', recent: 'filled' },
    { slot: 9, set: 2, way: 1, virt: false, vmid: 0, asid: 0, global: true, vpn: '0x80000', ppn: '0x80000', gpn: null, pageSize: 2 * 1024 * 1024, perms: 'rwx-', recent: null },
  ],
};

/** A two-level table: root entry 2 is a table with two leaves; entry 3 is a 1 GiB leaf. */
export function fakePageTables(calls: PageTableArgs[]): Requester {
  const tables: Record<string, PageTable> = {
    '': {
      mode: 'Sv39', root: '0x80400000',
      children: [
        { path: [2], level: 2, index: 2, va: '0x80000000', pte: '0x20100401', pa: '0x80401000', leaf: false, flags: 'v------', size: 2 ** 30 },
        { path: [3], level: 2, index: 3, va: '0xc0000000', pte: '0x300000cf', pa: '0xc0000000', leaf: true, flags: 'vrwx-ad', size: 2 ** 30 },
      ],
    },
    '2': {
      mode: 'Sv39', root: '0x80400000',
      children: [
        { path: [2, 1], level: 1, index: 1, va: '0x80200000', pte: '0x2008004f', pa: '0x80200000', leaf: true, flags: 'vrwx-a-', size: 2 ** 21 },
      ],
    },
  };
  const req = async <C extends DapCommand>(command: C, args: ArgsOf<C>): Promise<ResultOf<C>> => {
    if (command !== 'hyperlab/pageTable') throw new Error(`unexpected ${command}`);
    const a = args as PageTableArgs;
    calls.push(a);
    const t = tables[(a.path ?? []).join('.')];
    if (!t) throw new Error(`no table at path ${(a.path ?? []).join('/')}`);
    return t as ResultOf<C>;
  };
  return req;
}
