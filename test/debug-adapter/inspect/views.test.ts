/** The views' data against the model: TLB arrays, G-stage and guest tables, scheduler, callbacks, trace. */
import { strict as assert } from 'node:assert';
import * as path from 'node:path';
import { eventContext, type Vcpu } from '../../../simulator/hypervisor';
import { CSR } from '../../../simulator/riscv/hart/csr';
import { E_S1BARE } from '../../../simulator/riscv/mmu/tlb';
import { InspectError, callbacks, interrupts, machineSummary, pageTable, tlbEntries, trace, traceRecord, translate } from '../../../debug-adapter/inspect';
import { resolveThread } from '../../../debug-adapter/inspect/thread';
import { walk } from '../../../debug-adapter/inspect/walk';
import { EXAMPLES, build } from './helpers';

describe('inspect: views', () => {
  it('tlbEntries lists exactly the valid slots of the Tlb arrays, paged', () => {
    const b = build('two-vms/two-vms.hlab.json');
    b.run(100_000);
    for (const h of b.target.machine.harts) {
      const tlb = h.mmu.tlb;
      const v = tlbEntries(b.target, { hart: h.id });
      const raw = tlb.entries();
      assert.ok(raw.length >= 4, `hart ${h.id} has entries`);
      assert.equal(v.totalValid, raw.length);
      assert.deepEqual(v.geometry, { entries: tlb.size, ways: tlb.ways, replacement: tlb.replacement });
      assert.equal(v.entries.length, raw.length);
      v.entries.forEach((e, i) => {
        const r = raw[i];
        assert.equal(e.slot, r.slot);
        assert.equal(e.set * tlb.ways + e.way, r.slot);
        assert.equal(BigInt(e.vpn), BigInt.asUintN(52, BigInt(r.vpn)));
        assert.equal(BigInt(e.ppn), BigInt(r.ppn));
        assert.equal(e.vmid, r.vmid);
        assert.equal(e.asid, r.asid);
        assert.equal(e.virt, r.virt);
        assert.equal(e.global, r.global && (tlb.flags[r.slot] & E_S1BARE) === 0, 'the G bit of a first stage that was not Bare');
        assert.equal(e.gpn === null ? null : BigInt(e.gpn), r.virt ? BigInt(r.gpn) : null);
        assert.match(e.perms, /^[r-][w-][x-][u-]$/);
      });
      assert.deepEqual(tlbEntries(b.target, { hart: h.id, start: 2, count: 3 }).entries, v.entries.slice(2, 5));
      assert.equal(v.counters.fills, h.mmu.counters.fills);
    }
    assert.throws(() => tlbEntries(b.target, { hart: 2 }), /no hart 2/);
    assert.throws(() => tlbEntries(b.target, { hart: 0, count: -1 }), InspectError);
  });

  it('every TLB entry of the current context agrees with the software walk of its page (what the MMU filled)', () => {
    for (const [example, n] of [['hello-vm/hello-vm.hlab.json', 300], ['two-vms/two-vms.hlab.json', 120_000], ['page-reclaim/page-reclaim.hlab.json', 100_000]] as const) {
      const b = build(example);
      b.run(n);
      let compared = 0;
      for (const h of b.target.machine.harts) {
        if (h.virt !== 1) continue;
        const s = resolveThread(b.target, { hart: h.id });
        const vmid = Number((h.hgatp >> 44n) & 0x3fffn), asid = Number((h.vsatp >> 44n) & 0xffffn);
        for (const e of h.mmu.tlb.entries()) {
          // Entries of this context only: same VMID, ASID (or global), and made with the first stage as it is now (Bare or not).
          const s1bare = (h.mmu.tlb.flags[e.slot] & E_S1BARE) !== 0;
          if (!e.virt || e.vmid !== vmid || s1bare !== (h.vsatp >> 60n === 0n) || (!e.global && e.asid !== asid)) continue;
          const va = BigInt.asUintN(64, BigInt(e.vpn) * 4096n);
          const w = walk(b.target.machine, s.regs, va, 'debug');
          assert.equal(w.pa, BigInt(e.ppn) * 4096n, `${example} hart ${h.id}: page 0x${va.toString(16)}: ${w.fault ?? ''}`);
          assert.equal(w.gpa, BigInt(e.gpn) * 4096n);
          assert.equal(translate(b.target, { hart: h.id }, { address: `0x${va.toString(16)}` }).tlb, 'hit');
          compared++;
        }
      }
      assert.ok(compared > 2, `${example}: compared ${compared} entries`);
    }
  });

  it('tlbEntries marks the entries filled since a given time, from the trace', () => {
    const b = build('hello-vm/hello-vm.hlab.json');
    b.run(200);
    const before = b.target.machine.timeNow();
    b.run(100);
    const v = tlbEntries(b.target, { hart: 0 }, before);
    const fills = b.target.trace.events().filter((e) => e.kind === 'tlb-fill' && e.time >= before);
    assert.ok(fills.length > 0);
    assert.equal(v.entries.filter((e) => e.recent === 'filled').length > 0, true);
    assert.ok(v.entries.some((e) => e.recent === null));
    assert.ok(tlbEntries(b.target, { hart: 0 }).entries.every((e) => e.recent === null));
  });

  it('page tables of hello-vm: the guest\'s Sv39 tree and the VM\'s Sv39x4 nested tree, expanded by path', () => {
    const b = build('hello-vm/hello-vm.hlab.json');
    b.run(300);
    const t = b.target;
    const vm = t.hypervisor?.vms[0];
    assert.ok(vm);
    const g = pageTable(t, { vm: 'hello', table: 'guest' });
    assert.equal(g.mode, 'Sv39');
    assert.equal(g.root, `0x${((t.machine.harts[0].vsatp & ((1n << 44n) - 1n)) << 12n).toString(16)}`);
    assert.deepEqual(g.children.map((c) => c.index), [0, 2, 256], 'device gigapage, pointer to L1, high-half gigapage');
    const [dev, l1, high] = g.children;
    assert.deepEqual([dev.leaf, dev.flags, dev.size, dev.va], [true, 'rw---ad', 1 << 30, '0x0']);
    assert.deepEqual([l1.leaf, l1.va], [false, '0x80000000']);
    assert.deepEqual([high.leaf, high.va, high.pa, high.flags], [true, '0xffffffc000000000', '0x80000000', 'rwx--ad']);
    const l1kids = pageTable(t, { vm: 'hello', table: 'guest', path: [2] }).children;
    assert.deepEqual(l1kids.map((c) => [c.path, c.level, c.va, c.pa, c.leaf, c.size]), [[[2, 0], 1, '0x80000000', '0x80000000', true, 2 << 20]]);
    assert.throws(() => pageTable(t, { vm: 'hello', table: 'guest', path: [256] }), /not a pointer/);
    assert.throws(() => pageTable(t, { vm: 'hello', table: 'guest', path: [512] }), /bad index/);

    const n = pageTable(t, { vm: 'hello', table: 'nested' });
    assert.equal(n.mode, 'Sv39x4');
    assert.equal(n.root, `0x${vm.gstage.root.toString(16)}`);
    assert.deepEqual(n.children.map((c) => c.index), [2]);
    const n1 = pageTable(t, { vm: 'hello', table: 'nested', path: [2] }).children;
    assert.deepEqual(n1.map((c) => c.index), [0]);
    const leaves = pageTable(t, { vm: 'hello', table: 'nested', path: [2, 0] }).children;
    assert.equal(leaves.length, vm.gstage.mappedPages, 'one leaf per page the hypervisor mapped');
    for (const c of leaves) {
      const look = vm.gstage.lookup(Number(BigInt(c.va)));
      assert.ok(look, c.va);
      assert.equal(BigInt(c.pa), BigInt(look.hpa));
      assert.equal(c.flags, 'rwxu-ad');
      assert.equal(c.size, 4096);
    }
    assert.throws(() => pageTable(t, { vm: 'hello', table: 'shadow' }), /shadow/);
    assert.throws(() => pageTable(t, { vm: 'nope', table: 'nested' }), /no VM named 'nope'/);
  });

  it('machineSummary: harts, VMs and vCPUs as the scheduler has them', () => {
    const b = build('two-vms/two-vms.hlab.json');
    b.run(150_000);
    const t = b.target;
    const hv = t.hypervisor;
    assert.ok(hv);
    const threads = hv.vms.flatMap((vm, i) => vm.vcpus.map((v) => ({ threadId: 10 * i + v.index + 1, ctx: { hart: 0, vm: vm.name, vcpu: v.index } })));
    const s = machineSummary(t, threads, false);
    assert.equal(s.harts.length, 2);
    s.harts.forEach((h, i) => {
      assert.equal(h.running, hv.vcpuOn(i)?.name ?? null);
      assert.equal(h.pc, `0x${t.machine.harts[i].getPc().toString(16)}`);
    });
    assert.deepEqual(s.vms.map((v) => [v.name, v.vmid, v.vcpus.length]), [['a', 1, 2], ['b', 2, 2]]);
    for (const [i, vm] of s.vms.entries()) {
      for (const v of vm.vcpus) {
        const real: Vcpu = hv.vms[i].vcpus[v.vcpu];
        assert.equal(v.threadId, 10 * i + v.vcpu + 1);
        assert.equal(v.state, real.state);
        assert.equal(v.hart, real.hart >= 0 ? real.hart : null);
        if (real.hart < 0) assert.equal(v.pc, `0x${BigInt.asUintN(64, BigInt(real.ctx.pc)).toString(16)}`);
      }
      // per vCPU: each its own, together the VM's
      const perVcpu = vm.vcpus.map((v) => Object.values(v.exits).reduce((a, x) => a + x, 0));
      assert.equal(perVcpu.reduce((a, x) => a + x, 0), t.machine.metrics.get(`${vm.name}.vm_exits.total`));
      vm.vcpus.forEach((v, k) => assert.equal(perVcpu[k], t.machine.metrics.get(`${vm.name}.vcpu${v.vcpu}.vm_exits.total`) ?? 0));
    }
    assert.equal(s.instructions, t.machine.harts.reduce((a, h) => a + h.retired, 0));
    assert.ok(s.time >= t.machine.cycles);
  });

  it('callbacks: the registered program with its event, range, file and run counters', () => {
    const b = build('page-reclaim/page-reclaim.hlab.json');
    b.run(20_000);
    const hv = b.target.hypervisor;
    assert.ok(hv);
    const cb = hv.callbacks.all[0];
    hv.callbacks.run(cb, eventContext('page-reclaim', { vm_id: 3, gpa: 0x80010000, pages_wanted: 1 }), 0n, 0);
    const v = callbacks(b.target, path.join(EXAMPLES, 'page-reclaim'));
    assert.equal(v.callbacks.length, 1);
    const c = v.callbacks[0];
    assert.deepEqual([c.vm, c.event, c.verdict, c.range], ['callback', 'page-reclaim', 'accepted', ['0xffffffc08000f000', '0xffffffc08000f040']]);
    assert.equal(c.file, path.join(EXAMPLES, 'page-reclaim', 'reclaim.hcb'));
    assert.deepEqual([c.runs, c.instructions, c.cycles], [cb.stats.runs, cb.stats.instructions, cb.stats.cycles]);
    assert.equal(c.runs, 1);
    assert.ok(c.instructions > 0);
    assert.equal(callbacks(b.target).callbacks[0].file, null, 'without the scenario directory a relative name cannot be resolved');
    assert.equal(v.rejected, 0);
  });

  it('interrupts: mip/mie/hvip per hart and device state', () => {
    const b = build('two-vms/two-vms.hlab.json');
    b.run(150_000);
    const s = interrupts(b.target);
    s.harts.forEach((h, i) => {
      const real = b.target.machine.harts[i];
      assert.equal(h.mip, `0x${(real.csrRead(CSR.mip) ?? 0n).toString(16)}`);
      assert.equal(h.mie, `0x${(real.csrRead(CSR.mie) ?? 0n).toString(16)}`);
      assert.equal(h.pending.length, [...(real.csrRead(CSR.mip) ?? 0n).toString(2)].filter((x) => x === '1').length);
    });
    assert.deepEqual(s.devices.map((d) => d.name), ['clint', 'plic', 'uart0', 'a/uart', 'b/uart']);
    assert.equal(s.devices[0].state.mtime, `0x${b.target.machine.mtime().toString(16)}`);
  });

  it('trace: bigint fields as Hex, filtered by kind and time, limited', () => {
    const b = build('hello-vm/hello-vm.hlab.json');
    b.run(2000);
    const t = b.target;
    const all = t.trace.events();
    const r = trace(t, {});
    assert.equal(r.events.length, all.length);
    assert.equal(r.truncated, false);
    const exit = r.events.find((e) => e.kind === 'vm-exit');
    assert.ok(exit);
    assert.match(String(exit.pc), /^0x[0-9a-f]+$/);
    assert.equal(exit.vm, 'hello');
    const walks = trace(t, { kinds: ['walk'] });
    assert.ok(walks.events.length > 0 && walks.events.every((e) => e.kind === 'walk' && /^0x/.test(String(e.va))));
    const mid = all[Math.floor(all.length / 2)].time;
    const later = trace(t, { since: mid });
    assert.ok(later.events.length < all.length && later.events.every((e) => e.time >= mid));
    const few = trace(t, { limit: 3 });
    assert.equal(few.events.length, 3);
    assert.equal(few.truncated, true);
    assert.equal(few.until, all[3].time);
    assert.throws(() => trace(t, { kinds: ['nonsense'] }), /unknown trace kind/);
    assert.throws(() => trace(t, { limit: -2 }), /bad limit/);
  });

  it('traceRecord: every bigint becomes Hex, lists of addresses and diagnostics become strings', () => {
    assert.deepEqual(traceRecord({ kind: 'trampoline-patch', time: 5, hart: 1, site: 0xffffffc000001000n, mode: 'inline', targets: [0x80000000n, 0x10n] }),
      { kind: 'trampoline-patch', time: 5, hart: 1, site: '0xffffffc000001000', mode: 'inline', targets: ['0x80000000', '0x10'] });
    assert.deepEqual(traceRecord({
      kind: 'callback-rejected', time: 7, hart: 0, vm: 'v', callback: 'x.hcb',
      diagnostics: [{ severity: 'error', message: 'r1 may be null', code: 'null', range: { file: 'x.hcb', line: 3, column: 5, endLine: 3, endColumn: 9 } }],
    }), { kind: 'callback-rejected', time: 7, hart: 0, vm: 'v', callback: 'x.hcb', diagnostics: ['x.hcb:3:5: error: r1 may be null'] });
    assert.deepEqual(traceRecord({ kind: 'callback-run', time: 1, hart: 0, callback: 'c', event: 'page-reclaim', instructions: 3, cycles: 9, result: (1n << 64n) - 1n }).result, '0xffffffffffffffff');
  });
});
