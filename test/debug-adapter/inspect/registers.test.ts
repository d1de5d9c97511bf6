/** Register groups and setRegister against the harts and vCPU contexts of real example runs. */
import { strict as assert } from 'node:assert';
import { CSR } from '../../../simulator/riscv/hart/csr';
import { ABI_NAMES } from '../../../simulator/riscv/isa/registers';
import { InspectError, registerGroups, setRegister, type RegisterGroup } from '../../../debug-adapter/inspect';
import { build } from './helpers';

const group = (gs: RegisterGroup[], name: string): Map<string, bigint> => {
  const g = gs.find((x) => x.name === name);
  assert.ok(g, `group ${name}`);
  return new Map(g.entries.map((e) => [e.name, e.value]));
};

describe('inspect: registers', () => {
  it('bare metal: general registers by ABI name, pc, M and S CSRs and the TLB summary equal the hart', () => {
    const b = build('hello/hello.hlab.json');
    b.run(40);
    const h = b.target.machine.harts[0];
    const gs = registerGroups(b.target, { hart: 0 });
    assert.deepEqual(gs.map((g) => g.name), ['General', 'CSRs (M)', 'CSRs (S/HS)', 'CSRs (VS)', 'Hypervisor', 'TLB']);
    const gen = gs[0].entries;
    assert.equal(gen[0].name, 'pc');
    assert.equal(gen[0].value, h.getPc());
    for (let i = 0; i < 32; i++) {
      assert.equal(gen[i + 1].name, ABI_NAMES[i]);
      assert.equal(gen[i + 1].detail, `x${i}`);
      assert.equal(gen[i + 1].value, h.getReg(i), ABI_NAMES[i]);
    }
    assert.ok(h.getReg(2) !== 0n, 'sp was set by the program');
    const m = group(gs, 'CSRs (M)');
    assert.equal(m.get('mstatus'), h.csrRead(CSR.mstatus));
    assert.equal(m.get('mhartid'), 0n);
    assert.equal(m.get('misa'), h.csrRead(CSR.misa));
    assert.equal(group(gs, 'Hypervisor').get('V'), 0n);
    assert.equal(group(gs, 'TLB').get('valid'), BigInt(h.mmu.tlb.entries().length));
    assert.equal(gen.find((e) => e.name === 'zero')?.editable, false);
  });

  it('a running vCPU: VS CSRs, mode and V, its own exits', () => {
    const b = build('hello-vm/hello-vm.hlab.json');
    b.run(300);
    const h = b.target.machine.harts[0];
    const gs = registerGroups(b.target, { hart: 0, vm: 'hello', vcpu: 0 });
    const vs = group(gs, 'CSRs (VS)');
    assert.equal(vs.get('vsatp'), h.vsatp);
    assert.ok(h.vsatp >> 60n === 8n, 'the guest turned Sv39 on');
    assert.equal(vs.get('vstvec'), h.vstvec);
    const hv = gs.find((g) => g.name === 'Hypervisor');
    assert.equal(hv?.entries.find((e) => e.name === 'mode')?.detail, 'VS');
    const hvm = group(gs, 'Hypervisor');
    assert.equal(hvm.get('V'), 1n);
    assert.equal(hvm.get('exits'), BigInt(b.target.machine.metrics.get('hello.vcpu0.vm_exits.total') ?? -1));
    assert.equal(hvm.get('exits'), BigInt(b.target.machine.metrics.get('hello.vm_exits.total') ?? -1), 'hello-vm has one vCPU');
    assert.ok((hvm.get('exits.ecall') ?? 0n) > 0n);
    assert.equal(group(gs, 'CSRs (S/HS)').get('hgatp'), b.target.hypervisor?.vms[0].hgatpFor());
    const counted = hvm.get('instructions');
    assert.equal(counted, BigInt(b.target.hypervisor?.metrics().get('hello.vcpu0.instructions') ?? -1), 'instructions retired so far, without waiting for an exit');
  });

  it('a descheduled vCPU: registers from its saved context, writes go there', () => {
    const b = build('two-vms/two-vms.hlab.json');
    b.run(150_000);
    const hv = b.target.hypervisor;
    assert.ok(hv);
    const waiting = hv.vms.flatMap((vm) => vm.vcpus.map((v) => ({ vm, v }))).find(({ v }) => v.hart < 0 && v.lastHart >= 0);
    assert.ok(waiting, 'some vCPU is off its hart');
    const ctx = { hart: 0, vm: waiting.vm.name, vcpu: waiting.v.index };
    const gs = registerGroups(b.target, ctx);
    assert.deepEqual(gs.map((g) => g.name), ['General', 'CSRs (VS)', 'Hypervisor', 'TLB']);
    const gen = group(gs, 'General');
    const c = waiting.v.ctx;
    for (let i = 1; i < 32; i++) assert.equal(gen.get(ABI_NAMES[i]), (BigInt(c.xh[i] >>> 0) << 32n) | BigInt(c.xl[i] >>> 0));
    assert.equal(gen.get('pc'), BigInt.asUintN(64, BigInt(c.pc)));
    assert.equal(group(gs, 'CSRs (VS)').get('vsatp'), c.vsatp);
    setRegister(b.target, ctx, 'a0', 0xfedcba9876543210n);
    assert.equal(c.xl[10] >>> 0, 0x76543210);
    assert.equal(c.xh[10] >>> 0, 0xfedcba98);
    setRegister(b.target, ctx, 'sscratch', 0x1234n); // the guest's name: vsscratch
    assert.equal(c.vsscratch, 0x1234n);
    setRegister(b.target, ctx, 'pc', 0x80000100n);
    assert.equal(c.pc, 0x80000100);
    assert.throws(() => setRegister(b.target, ctx, 'mstatus', 0n), InspectError);
    assert.throws(() => setRegister(b.target, ctx, 'vsatp', 7n << 60n), /not supported/);
  });

  it('setRegister on a live hart goes through the hart (WARL) and refuses what cannot be written', () => {
    const b = build('hello/hello.hlab.json');
    b.run(10);
    const t = b.target;
    const h = t.machine.harts[0];
    setRegister(t, { hart: 0 }, 't0', 42n);
    assert.equal(h.getReg(5), 42n);
    setRegister(t, { hart: 0 }, '$x6', -1n);
    assert.equal(h.getReg(6), (1n << 64n) - 1n);
    setRegister(t, { hart: 0 }, 'mscratch', 0xabcn);
    assert.equal(h.csrRead(CSR.mscratch), 0xabcn);
    setRegister(t, { hart: 0 }, 'mepc', 0x80000003n);
    assert.equal(h.csrRead(CSR.mepc), 0x80000000n, 'mepc drops its low bits (WARL)');
    setRegister(t, { hart: 0 }, 'pc', 0x80000010n);
    assert.equal(h.getPc(), 0x80000010n);
    assert.throws(() => setRegister(t, { hart: 0 }, 'zero', 1n), /hard-wired/);
    assert.throws(() => setRegister(t, { hart: 0 }, 'cycle', 1n), /read-only/);
    assert.throws(() => setRegister(t, { hart: 0 }, 'mhartid', 1n), /read-only/);
    assert.throws(() => setRegister(t, { hart: 0 }, 'bogus', 1n), /unknown register/);
    assert.throws(() => setRegister(t, { hart: 0 }, 'valid', 1n, 'TLB'), /read-only/);
    assert.throws(() => setRegister(t, { hart: 3 }, 't0', 1n), /no hart 3/);
    assert.throws(() => registerGroups(t, { hart: 0, vm: 'nope' }), /no hypervisor/);
  });

  it('on a vCPU thread, a name from the S/HS group means the hart\'s CSR, a bare name the guest\'s', () => {
    const b = build('hello-vm/hello-vm.hlab.json');
    b.run(300);
    const h = b.target.machine.harts[0];
    const ctx = { hart: 0, vm: 'hello', vcpu: 0 };
    setRegister(b.target, ctx, 'sscratch', 0x11n);
    assert.equal(h.vsscratch, 0x11n);
    setRegister(b.target, ctx, 'sscratch', 0x22n, 'CSRs (S/HS)');
    assert.equal(h.sscratch, 0x22n);
    assert.equal(h.vsscratch, 0x11n);
  });
});
