/**
 * Inspection does not disturb the model: after every read function of the layer (registers,
 * expressions with dereferences, memory, disassembly, every console command, every view) the
 * machine's state hash (simulator/snapshot: registers, CSRs, TLBs with their LRU stamps and
 * counters, devices, the event queue, RAM), its metrics and its trace are what they were.
 */
import { strict as assert } from 'node:assert';
import { stateHash } from '../../../simulator/snapshot';
import {
  callbacks, consoleCommand, disassemble, evaluate, interrupts, machineSummary, pageTable, readMemory, registerGroups, tlbEntries, trace, translate,
  type InspectTarget, type ThreadContext,
} from '../../../debug-adapter/inspect';
import { build } from './helpers';

function inspectEverything(t: InspectTarget, ctx: ThreadContext): void {
  registerGroups(t, ctx);
  const pc = evaluate(t, ctx, 'pc').value;
  for (const e of ['sp', '*(u64 *)(sp + 16)', 'pc + 4', 'satp', 'mstatus', '_start', '*(u32 *)_start']) {
    try { evaluate(t, ctx, e); } catch { /* an unreadable address is an answer too */ }
  }
  readMemory(t, ctx, pc, 256, 'virtual');
  readMemory(t, ctx, t.machine.ramBase, 4096, 'physical');
  readMemory(t, ctx, 0x10000000n, 8, 'physical'); // the UART: must not be read (a read pops its receive queue)
  disassemble(t, ctx, pc, -8, 32);
  for (const access of ['read', 'write', 'execute'] as const) translate(t, ctx, { address: `0x${pc.toString(16)}`, access });
  for (const line of ['tlb', 'pt pc', 'pt/w sp', 'x/8gx sp', 'x/4i pc', 'x/2s _start', 'info vm', 'info registers', 'trace 50', 'help']) {
    try { consoleCommand(t, ctx, line); } catch { /* located errors are answers */ }
  }
  machineSummary(t, [{ threadId: 1, ctx }], false);
  for (let h = 0; h < t.machine.harts.length; h++) tlbEntries(t, { hart: h }, 0);
  for (const vm of t.hypervisor?.vms ?? []) {
    pageTable(t, { vm: vm.name, table: 'nested' });
    pageTable(t, { vm: vm.name, table: 'nested', path: [2] });
    pageTable(t, { vm: vm.name, table: 'guest' });
  }
  callbacks(t);
  interrupts(t);
  trace(t, { limit: 100 });
}

describe('inspect: the model is not disturbed', () => {
  for (const [example, n, threads, twin] of [
    ['hello/hello.hlab.json', 50, [{ hart: 0 }], false],
    ['hello-vm/hello-vm.hlab.json', 300, [{ hart: 0, vm: 'hello', vcpu: 0 }, { hart: 0 }], true],
    ['two-vms/two-vms.hlab.json', 150_000, [{ hart: 0, vm: 'a', vcpu: 0 }, { hart: 0, vm: 'a', vcpu: 1 }, { hart: 1, vm: 'b', vcpu: 0 }, { hart: 1, vm: 'b', vcpu: 1 }], true],
    ['page-reclaim/page-reclaim.hlab.json', 50_000, [{ hart: 0, vm: 'callback', vcpu: 0 }], false],
  ] as const) {
    it(`${example}: state hash, metrics and trace unchanged by every inspection`, () => {
      const b = build(example);
      b.run(n);
      const t = b.target;
      const hash = stateHash(t.machine);
      const metrics = JSON.stringify([...t.machine.metrics.snapshot()]);
      const seq = t.trace.nextSeq;
      const counters = JSON.stringify(t.machine.harts.map((h) => h.mmu.counters));
      for (const ctx of threads) inspectEverything(t, ctx);
      assert.equal(stateHash(t.machine), hash);
      assert.equal(JSON.stringify([...t.machine.metrics.snapshot()]), metrics);
      assert.equal(t.trace.nextSeq, seq, 'no trace event emitted');
      assert.equal(JSON.stringify(t.machine.harts.map((h) => h.mmu.counters)), counters);
      if (!twin) return;
      // And the run goes on exactly as an uninspected one does.
      const other = build(example);
      other.run(n);
      assert.equal(stateHash(other.target.machine), hash, 'same state as a run that was never inspected');
      b.run(1000);
      other.run(1000);
      assert.equal(stateHash(t.machine), stateHash(other.target.machine));
    });
  }
});
