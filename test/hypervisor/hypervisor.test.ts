import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Machine } from '../../simulator/machine';
import { GStage, HostMemory, PagePool, GSTAGE_ROOT_BYTES, Hypervisor, HypervisorConfigError, emptyContext, restoreContext, saveContext } from '../../simulator/hypervisor';
import { Acc } from '../../simulator/riscv/mmu/mmu';
import { CSR } from '../../simulator/riscv/hart/csr';
import { buildImage } from '../../simulator/runner/image';
import type { Image } from '../../simulator/riscv/image';
import { check, failcode, guest, runVms } from './helpers';

const root = path.resolve(import.meta.dirname, '../..');
const read = (f: string): Uint8Array | undefined => (fs.existsSync(f) ? new Uint8Array(fs.readFileSync(f)) : undefined);
function example(file: string): Image {
  const b = buildImage([path.join(root, file)], read, {});
  if (!b.image) throw new Error(b.diagnostics.map((d) => d.message).join('\n'));
  return b.image;
}

describe('hypervisor: G-stage tables', () => {
  it('builds Sv39x4 tables that the MMU walks (GPA -> HPA, VMID, faults on holes and permissions)', () => {
    const m = new Machine({ ramSize: 16 << 20 });
    const mem = new HostMemory(m.bus.ram);
    const pool = new PagePool(mem, 0x80000000 + GSTAGE_ROOT_BYTES / 2, 1 << 20); // deliberately misaligned start
    const g = new GStage(mem, pool);
    assert.equal(g.root % GSTAGE_ROOT_BYTES, 0, '16 KiB-aligned root');
    g.map(0x80000000, 0x80200000);
    g.map(0x80001000, 0x80203000);
    g.map(0x1234000, 0x80300000, 2 /* R only */);
    assert.equal(g.mappedPages, 3);
    assert.deepEqual(g.lookup(0x80001abc), { hpa: 0x80203abc, flags: 0xdf, pteAddress: g.lookup(0x80001000)?.pteAddress });
    const h = m.hart;
    h.csrWrite(0x3b0, (1n << 54n) - 1n); h.csrWrite(0x3a0, 0x1fn); // PMP: everything
    h.csrWrite(CSR.hgatp, g.hgatp(5));
    assert.equal((h.csrRead(CSR.hgatp) ?? 0n) >> 44n & 0x3fffn, 5n);
    h.priv = 1; h.virt = 1; h.ctxChanged();
    const t = (gpa: number, acc: Acc): number => h.mmu.translate(gpa | 0, Math.floor(gpa / 2 ** 32), acc, 1, true, false, false, 1);
    assert.equal(t(0x80000123, Acc.Load), 0x80200123);
    assert.equal(t(0x80001ff8, Acc.Store), 0x80203ff8);
    assert.equal(t(0x80001000, Acc.Fetch), 0x80203000);
    assert.equal(t(0x1234008, Acc.Load), 0x80300008);
    assert.equal(t(0x80002000, Acc.Load), -1, 'unmapped page');
    assert.equal(h.mmu.fCause, 21);
    assert.equal(h.mmu.fTval2, 0x80002000n >> 2n);
    assert.equal(t(0x1234008, Acc.Store), -1, 'read-only page');
    assert.equal(h.mmu.fCause, 23);
    assert.equal(t(0x1234008, Acc.Fetch), -1, 'no execute');
    assert.equal(h.mmu.fCause, 20);
    assert.ok(h.mmu.counters.walkRefs >= 3);
    assert.equal(g.unmap(0x80000000), true);
    assert.equal(g.unmap(0x80000000), false);
    h.mmu.flush('hfence.gvma', { vmid: 5 });
    assert.equal(t(0x80000123, Acc.Load), -1, 'unmapped after the fence');
  });
});

describe('hypervisor: vCPU context', () => {
  it('saves and restores registers, pc, privilege and the VS/hypervisor CSRs of a vCPU', () => {
    const m = new Machine({ ramSize: 1 << 20 });
    const h = m.hart;
    for (let r = 1; r < 32; r++) h.setReg(r, BigInt(r) * 0x0101010101n);
    h.pc = 0x80001234;
    h.priv = 0; h.virt = 1;
    const csrs: [number, bigint][] = [
      [CSR.vsstatus, (2n << 32n) | 0x122n], [CSR.vstvec, 0x80000101n], [CSR.vsscratch, 0xabcdn], [CSR.vsepc, 0x80000040n],
      [CSR.vscause, 13n], [CSR.vstval, 0xdeadn], [CSR.vsatp, (8n << 60n) | (7n << 44n) | 0x80123n], [CSR.hvip, 0x44n], [CSR.htimedelta, 12345n],
    ];
    for (const [c, v] of csrs) h.csrWrite(c, v);
    h.mie = 0x444;
    h.csrWrite(CSR.hstatus, (1n << 21n) | (1n << 9n));
    const ctx = emptyContext();
    saveContext(h, ctx);
    h.reset(0x80000000);
    restoreContext(h, ctx, (8n << 60n) | (3n << 44n) | 0x80010n);
    for (let r = 1; r < 32; r++) assert.equal(h.getReg(r), BigInt(r) * 0x0101010101n, `x${r}`);
    assert.equal(h.pc, 0x80001234);
    assert.equal(h.priv, 0); assert.equal(h.virt, 1);
    for (const [c, v] of csrs) assert.equal(h.csrRead(c), v, `CSR 0x${c.toString(16)}`);
    assert.equal(h.mie & 0x444, 0x444);
    assert.equal(((h.csrRead(CSR.hstatus) ?? 0n) >> 21n) & 1n, 1n, 'VTW');
    assert.equal(((h.csrRead(CSR.hstatus) ?? 0n) >> 9n) & 1n, 1n, 'HU');
    assert.equal(h.csrRead(CSR.hgatp), (8n << 60n) | (3n << 44n) | 0x80010n);
  });
});

describe('hypervisor: layout', () => {
  it('refuses VMs that do not fit in host memory, and images outside guest RAM', () => {
    const img = guest('  j pass\n');
    assert.throws(() => new Hypervisor(new Machine({ ramSize: 8 << 20 }), { vms: [{ name: 'a', vcpus: 1, memory: 8 << 20, image: img }] }), HypervisorConfigError);
    const far = { ...img, sections: img.sections.map((s) => ({ ...s, address: s.address + 0x10000000n })) };
    assert.throws(() => new Hypervisor(new Machine({ ramSize: 16 << 20 }), { vms: [{ name: 'a', vcpus: 1, memory: 4 << 20, image: far }] }), /outside its guest RAM/);
  });
});

describe('hypervisor: guests', () => {
  it('hello-vm: Sv39 in the guest, DBCN, UART MMIO, SRST; exits by reason on both engines', () => {
    const img = example('examples/hello-vm/hello-vm.S');
    const runs = (['compiled', 'interpreter'] as const).map((engine) => runVms([{ name: 'hello', memory: 16 << 20, image: img }], { engine, maxInstructions: 100_000n }));
    const [c, i] = runs;
    assert.equal(c.result.reason, 'pass', c.result.message);
    assert.match(c.console, /Sv39 on \(vsatp\), running in the high half\nhello-vm: UART\nhello-vm: bye\n$/);
    const mm = c.metrics;
    assert.equal(mm.get('hello.vm_exits.by_reason.ecall'), mm.get('hello.calls.total'));
    assert.equal(mm.get('hello.vm_exits.by_reason.mmio'), 2 * 'hello-vm: UART\n'.length);
    assert.equal(mm.get('hello.vm_exits.by_reason.guest_page_fault'), mm.get('hello.gstage.demand_maps'));
    assert.deepEqual([...i.metrics], [...mm], 'engines agree on every metric');
    assert.equal(i.console, c.console);
  });

  it('eager mapping: no guest-page-fault exits', () => {
    const r = runVms([{ name: 'hello', memory: 4 << 20, image: example('examples/hello-vm/hello-vm.S') }], { mapping: 'eager', maxInstructions: 100_000n });
    assert.equal(r.result.reason, 'pass');
    assert.equal(r.metrics.get('hello.vm_exits.by_reason.guest_page_fault'), undefined);
    assert.equal(r.metrics.get('hello.gstage.mapped_pages'), 1024);
  });

  it('serves every SBI extension to a guest (BASE, TIME, IPI, RFENCE, HSM, DBCN, SRST)', () => {
    const img = guest(`
  li a7, SBI_EXT_BASE
  li a6, 3
  li a0, SBI_EXT_DBCN
  ecall
${check(1, 'a0', 0)}${check(2, 'a1', 1)}
  li a7, SBI_EXT_BASE
  li a6, 0
  ecall
  srli a1, a1, 24
${check(3, 'a1', 2)}
  csrr s0, time
  addi s1, s0, 100
  mv a0, s1
  li a7, SBI_EXT_TIME
  li a6, 0
  ecall
${check(4, 'a0', 0)}
  li t0, 0x20
  csrs sie, t0
1:wfi
  csrr t0, sip
  andi t0, t0, 0x20
  beqz t0, 1b
  csrr t0, time
  li gp, 5
  bltu t0, s1, fail
  li a0, -1
  li a7, SBI_EXT_TIME
  li a6, 0
  ecall
  csrr t0, sip
  andi t0, t0, 0x20
${check(6, 't0', 0)}
  li a0, 1
  li a1, 0
  li a7, SBI_EXT_IPI
  li a6, 0
  ecall
${check(7, 'a0', 0)}
  csrr t0, sip
  andi t0, t0, 2
${check(8, 't0', 2)}
  csrc sip, t0
  csrr t0, sip
  andi t0, t0, 2
${check(9, 't0', 0)}
  li a0, 1
  li a1, 5
  li a7, SBI_EXT_IPI
  li a6, 0
  ecall
${check(10, 'a0', -3)}
  li a7, SBI_EXT_HSM
  li a6, 2
  li a0, 1
  ecall
${check(11, 'a0', 0)}${check(12, 'a1', 1)}
  li a7, SBI_EXT_HSM
  li a6, 0
  li a0, 1
  la a1, secondary
  li a2, 0x77
  ecall
${check(13, 'a0', 0)}
  li a7, SBI_EXT_HSM
  li a6, 0
  li a0, 1
  la a1, secondary
  li a2, 0x77
  ecall
${check(14, 'a0', -6)}
2:li a7, HC_EID
  li a6, 3
  ecall
  la t0, flag
  ld t1, 0(t0)
  beqz t1, 2b
${check(15, 't1', 0x77)}
3:li a7, HC_EID
  li a6, 3
  ecall
  li a7, SBI_EXT_HSM
  li a6, 2
  li a0, 1
  ecall
  li t0, 1
  bne a1, t0, 3b
  li a7, 0x52464E43
  li a6, 1
  li a0, 3
  li a1, 0
  li a2, 0
  li a3, 0
  ecall
${check(16, 'a0', 0)}
  li a7, 0x52464E43
  li a6, 3
  li a0, 3
  li a1, 0
  ecall
${check(17, 'a0', -2)}
  la a1, msg
  li a0, 7
  li a2, 0
  li a7, SBI_EXT_DBCN
  li a6, 0
  ecall
${check(18, 'a0', 0)}${check(19, 'a1', 7)}
  li a0, 0x21
  li a7, SBI_EXT_DBCN
  li a6, 2
  ecall
  li a0, 1
  li a1, 0
  li a2, 0x100
  li a7, SBI_EXT_DBCN
  li a6, 0
  ecall
${check(20, 'a0', -3)}
  j pass
secondary:
  la t0, flag
  sd a1, 0(t0)
  li a7, SBI_EXT_HSM
  li a6, 1
  ecall
  li gp, 99
  j fail
`, `
  .section .rodata
msg: .ascii "sbi ok\\n"
  .section .data
  .align 3
flag: .dword 0
`);
    const r = runVms([{ name: 'g', vcpus: 2, image: img }], { maxInstructions: 500_000n });
    const vm = r.hv.vms[0];
    assert.equal(failcode(r.hv, vm, img), 0n, `failed check ${failcode(r.hv, vm, img)}`);
    assert.equal(r.result.reason, 'pass', r.result.message);
    assert.equal(vm.console, 'sbi ok\n!');
    const m = r.metrics;
    for (const ext of ['base', 'time', 'ipi', 'hsm', 'rfence', 'dbcn', 'srst']) assert.ok((m.get(`g.sbi_calls.${ext}`) ?? 0) > 0, ext);
    assert.ok((m.get('vm_exits.by_reason.wfi') ?? 0) >= 1, 'the timer wait left the hart');
    assert.ok((m.get('interrupts.virtual') ?? 0) >= 2, 'VSTIP and VSSIP injected');
    assert.equal(m.get('g.vcpu1.instructions') !== undefined && (m.get('g.vcpu1.instructions') ?? 0) > 0, true);
  });

  it('answers hypercalls (version, vm_info, vcpu_id; callback registration with bad arguments is refused)', () => {
    const hc = (fid: number, a0 = 0): string => `  li a7, HC_EID\n  li a6, ${fid}\n  li a0, ${a0}\n  ecall\n`;
    const img = guest(`
${hc(0)}${check(1, 'a0', 0)}${check(2, 'a1', 0x10000)}
${hc(1, 0)}${check(3, 'a1', 2)}
${hc(1, 1)}${check(4, 'a1', 1)}
${hc(1, 2)}${check(5, 'a1', 0x80000000)}
${hc(1, 3)}${check(6, 'a1', 8 << 20)}
${hc(1, 4)}${check(7, 'a1', 1)}
${hc(1, 9)}${check(8, 'a0', -3)}
${hc(2)}${check(9, 'a0', 0)}${check(10, 'a1', 0)}
${hc(16)}${check(11, 'a0', -3)}
${hc(17)}${check(12, 'a0', -3)}
${hc(99)}${check(13, 'a0', -2)}
${hc(3)}${check(14, 'a0', 0)}
  j pass
`);
    const other = guest('  j pass\n');
    const r = runVms([{ name: 'first', image: other }, { name: 'second', memory: 8 << 20, image: img }]);
    assert.equal(failcode(r.hv, r.hv.vms[1], img), 0n, `failed check ${failcode(r.hv, r.hv.vms[1], img)}`);
    assert.equal(r.result.reason, 'pass', r.result.message);
    assert.equal(r.metrics.get('second.hypercalls'), 12);
    assert.equal(r.metrics.get('second.vm_exits.by_reason.ecall'), 13);
  });

  it('emulates the UART by trap-and-emulate (loads with sign/zero extension, stores, LSR)', () => {
    const img = guest(`
  li s0, 0x10000000
  li t0, 0x80
  sb t0, 7(s0)
  lb t1, 7(s0)
${check(1, 't1', -128)}
  lbu t1, 7(s0)
${check(2, 't1', 128)}
  lbu t1, 5(s0)
  andi t1, t1, 0x60
${check(3, 't1', 0x60)}
  li t0, 0x55
  sb t0, 0(s0)
  li t0, 10
  sb t0, 0(s0)
  j pass
`);
    const r = runVms([{ name: 'io', image: img }]);
    assert.equal(failcode(r.hv, r.hv.vms[0], img), 0n);
    assert.equal(r.result.reason, 'pass', r.result.message);
    assert.equal(r.hv.vms[0].console, 'U\n');
    assert.equal(r.metrics.get('io.vm_exits.by_reason.mmio'), 6);
    const exits = r.trace.events().filter((e) => e.kind === 'vm-exit' && e.reason === 'mmio');
    assert.equal(exits.length, 6);
    assert.ok(exits.every((e) => e.vm === 'io' && e.vcpu === 0));
  });

  it('keeps VMs apart: a guest reaching beyond its RAM is stopped with the reason, the other VM runs on', () => {
    const good = guest(`
  li t0, 0
  li t1, 20000
1:addi t0, t0, 1
  blt t0, t1, 1b
  la a1, msg
  li a0, 3
  li a2, 0
  li a7, SBI_EXT_DBCN
  li a6, 0
  ecall
  j pass
`, '  .section .rodata\nmsg: .ascii "ok\\n"\n');
    const probes: [string, string][] = [
      ['the next VM\'s host memory', '  li t0, 0x80400000\n  ld t1, 0(t0)\n  j pass\n'],
      ['below guest RAM (the hypervisor\'s host region)', '  li t0, 0x7ffff000\n  sd t0, 0(t0)\n  j pass\n'],
      ['an address with no device', '  li t0, 0x2000000\n  lw t1, 0(t0)\n  j pass\n'],
    ];
    for (const [what, code] of probes) {
      const evil = guest(code);
      const r = runVms([{ name: 'evil', memory: 4 << 20, image: evil }, { name: 'good', memory: 4 << 20, image: good }], { harts: 2 });
      const [e, g] = r.hv.vms;
      assert.equal(e.state, 'crashed', what);
      assert.match(e.stopReason ?? '', /guest-page fault at GPA 0x[0-9a-f]+.*outside the VM's memory/, what);
      assert.equal(g.state, 'shutdown', what);
      assert.equal(g.console, 'ok\n');
      assert.equal(r.result.reason, 'fail');
      assert.match(r.result.message, /evil: crashed/);
      assert.equal(r.metrics.get('evil.crashed'), 1);
      assert.equal(r.metrics.get('good.passed'), 1);
    }
  });

  it('runs more vCPUs than harts (6 vCPUs in 2 VMs on 2 harts, 4 on 1 hart) and every one finishes', () => {
    const img = guest(`
  bnez a0, secondary
  li a7, HC_EID
  li a6, 1
  li a0, 1
  ecall
  mv s0, a1                 /* vCPU count */
  li s1, 1
1:bge s1, s0, 2f
  li a7, SBI_EXT_HSM
  li a6, 0
  mv a0, s1
  la a1, _start
  li a2, 0
  ecall
${check(1, 'a0', 0)}
  addi s1, s1, 1
  j 1b
2:li t0, 2
  csrs sie, t0
3:wfi
  csrr t0, sip
  andi t0, t0, 2
  csrc sip, t0
  la t0, count
  ld t1, 0(t0)
  addi t2, s0, -1
  bne t1, t2, 3b
  j pass
secondary:
  li t0, 0
  li t1, 30000
4:addi t0, t0, 1
  blt t0, t1, 4b
  la t0, count
  li t1, 1
  amoadd.d zero, t1, (t0)
  li a7, SBI_EXT_IPI
  li a6, 0
  li a0, 1
  li a1, 0
  ecall
  li a7, SBI_EXT_HSM
  li a6, 1
  ecall
`, '  .section .data\n  .align 3\ncount: .dword 0\n');
    const two = runVms([{ name: 'x', vcpus: 3, image: img }, { name: 'y', vcpus: 3, image: img }], { harts: 2, timeslice: 10_000 });
    assert.equal(two.result.reason, 'pass', two.result.message);
    for (const vm of ['x', 'y']) for (const v of [1, 2]) assert.ok((two.metrics.get(`${vm}.vcpu${v}.instructions`) ?? 0) > 60_000, `${vm}/${v}`);
    assert.ok((two.metrics.get('vm_exits.by_reason.preemption') ?? 0) > 0);
    const one = runVms([{ name: 'z', vcpus: 4, image: img }], { harts: 1, timeslice: 10_000 });
    assert.equal(one.result.reason, 'pass', one.result.message);
    for (const v of [1, 2, 3]) assert.ok((one.metrics.get(`z.vcpu${v}.instructions`) ?? 0) > 60_000);
  });

  it('is deterministic: the same VMs twice give the same instructions, exits, metrics and trace', () => {
    const img = example('examples/two-vms/guest.S');
    const run = (): ReturnType<typeof runVms> => runVms([{ name: 'a', vcpus: 2, memory: 16 << 20, image: img }, { name: 'b', vcpus: 2, memory: 32 << 20, image: img }], { harts: 2, timeslice: 20_000, ramSize: 128 << 20 });
    const r1 = run(), r2 = run();
    assert.equal(r1.result.reason, 'pass', r1.result.message);
    assert.deepEqual(r2.result, r1.result);
    assert.deepEqual([...r2.metrics], [...r1.metrics]);
    const t1 = r1.trace.events(), t2 = r2.trace.events();
    assert.ok(t1.length > 50);
    assert.deepEqual(t2, t1);
    assert.ok(t1.some((e) => e.kind === 'vm-exit' && e.reason === 'preemption'));
    assert.equal(r1.console, r2.console);
  });
});
