/** readMemory / writeMemory: translation, round trips, partial reads, devices, code-cache coherence. */
import { strict as assert } from 'node:assert';
import { Machine } from '../../../simulator/machine';
import { assemble } from '../../../simulator/riscv/asm';
import { TraceBuffer } from '../../../simulator/trace';
import { InspectError, readMemory, translate, writeMemory, type InspectTarget } from '../../../debug-adapter/inspect';
import { build } from './helpers';

describe('inspect: memory', () => {
  it('virtual reads go through the guest\'s two stages; physical and guest-physical reads agree', () => {
    const b = build('hello-vm/hello-vm.hlab.json');
    b.run(300);
    const t = b.target;
    const ctx = { hart: 0, vm: 'hello', vcpu: 0 };
    const pc = t.machine.harts[0].getPc();
    const tr = translate(t, ctx, { address: `0x${pc.toString(16)}`, access: 'execute' });
    assert.ok(tr.hpa !== null && tr.gpa !== null);
    const virt = readMemory(t, ctx, pc, 64, 'virtual');
    assert.equal(virt.unreadable, 0);
    assert.deepEqual(readMemory(t, ctx, BigInt(tr.hpa), 64, 'physical').data, virt.data);
    assert.deepEqual(readMemory(t, ctx, BigInt(tr.gpa), 64, 'guest-physical').data, virt.data);
    assert.deepEqual(t.machine.readMemory(BigInt(tr.hpa), 64), virt.data);
    // The same bytes under both of the guest's mappings of its RAM (identity megapage and high half).
    const vm = t.hypervisor?.vms[0];
    assert.ok(vm);
    assert.deepEqual(readMemory(t, ctx, 0x80000000n, 32, 'virtual').data, readMemory(t, ctx, 0xffffffc000000000n, 32, 'virtual').data);
    assert.deepEqual(readMemory(t, ctx, 0x80000000n, 32, 'virtual').data, t.hypervisor?.readGuest(vm, 0x80000000n, 32));
  });

  it('write then read round trips, virtual and physical, seen by the guest\'s own view of memory', () => {
    const b = build('hello-vm/hello-vm.hlab.json');
    b.run(300);
    const t = b.target;
    const ctx = { hart: 0, vm: 'hello', vcpu: 0 };
    const hv = t.hypervisor;
    assert.ok(hv);
    const data = Uint8Array.from({ length: 300 }, (_, i) => (i * 7 + 3) & 0xff);
    const va = 0xffffffc000006f80n; // crosses a page boundary, in a page the guest has not touched yet
    assert.equal(writeMemory(t, ctx, va, data, 'virtual'), 300);
    assert.deepEqual(readMemory(t, ctx, va, 300, 'virtual').data, data);
    assert.deepEqual(hv.readGuest(hv.vms[0], 0x80006f80n, 300), data, 'the bytes are where the guest will find them');
    const hpa = BigInt(hv.vms[0].hostBase) + 0x6f80n;
    assert.deepEqual(readMemory(t, ctx, hpa, 300, 'physical').data, data);
    const phys = Uint8Array.from([9, 8, 7, 6]);
    assert.equal(writeMemory(t, ctx, hpa + 4n, phys, 'physical'), 4);
    assert.deepEqual(readMemory(t, ctx, va + 4n, 4, 'virtual').data, phys);
    assert.equal(writeMemory(t, ctx, 0x80006000n, Uint8Array.of(0x5a), 'guest-physical'), 1);
    assert.equal(readMemory(t, ctx, 0xffffffc000006000n, 1, 'virtual').data[0], 0x5a);
  });

  it('partial and failed accesses: unreadable counts, device registers refused, clear errors', () => {
    const b = build('hello-vm/hello-vm.hlab.json');
    b.run(300);
    const t = b.target;
    const ctx = { hart: 0, vm: 'hello', vcpu: 0 };
    const end = t.machine.ramBase + BigInt(t.machine.ramSize);
    const r = readMemory(t, ctx, end - 8n, 24, 'physical');
    assert.equal(r.data.length, 8);
    assert.equal(r.unreadable, 16);
    // The guest maps GPA 0..1 GiB (devices) at VA 0, where only the emulated UART exists and nothing is RAM.
    const unmapped = readMemory(t, ctx, 0x5000n, 16, 'virtual');
    assert.equal(unmapped.data.length, 0);
    assert.equal(unmapped.unreadable, 16);
    assert.match(unmapped.reason ?? '', /guest-page fault/);
    // The end of the guest's RAM: readable up to it, not after.
    const vmEnd = 0xffffffc000000000n + BigInt(t.hypervisor?.vms[0].memory ?? 0);
    const tail = readMemory(t, ctx, vmEnd - 4n, 8, 'virtual');
    assert.equal(tail.data.length, 4);
    assert.equal(tail.unreadable, 4);
    const uart = readMemory(t, ctx, 0x10000000n, 8, 'physical');
    assert.equal(uart.data.length, 0, 'device registers are not read (a read has side effects)');
    assert.throws(() => writeMemory(t, ctx, 0x5000n, Uint8Array.of(1), 'virtual'), (e: unknown) => e instanceof InspectError && /cannot write 0x5000/.test(e.message));
    assert.equal(writeMemory(t, ctx, end - 2n, Uint8Array.of(1, 2, 3, 4), 'physical'), 2);
    assert.throws(() => readMemory(t, ctx, 0n, -1, 'physical'), /bad length/);
    assert.throws(() => readMemory(t, ctx, 0n, 1 << 30, 'physical'), /too much/);
    assert.throws(() => readMemory(t, { hart: 0 }, 0x80000000n, 4, 'guest-physical'), /VM thread/);
  });

  it('writing code through the debugger reaches already-compiled blocks (the bus keeps caches coherent)', () => {
    const src = `
      .section .text.init, "ax", @progbits
      .globl _start
    _start:
      li a0, 0
    loop:
      addi a0, a0, 1
      j loop
    `;
    const asm = assemble([{ path: 'loop.S', text: src }]);
    assert.ok(asm.image, asm.diagnostics.map((d) => d.message).join('\n'));
    for (const engine of ['compiled', 'interpreter'] as const) {
      const machine = new Machine({ engine, ramSize: 1 << 20 });
      machine.load(asm.image);
      const t: InspectTarget = { machine, hypervisor: undefined, images: [asm.image], trace: new TraceBuffer(0) };
      machine.run({ maxInstructions: 201n }); // li + 100 iterations
      const h = machine.harts[0];
      assert.equal(h.getReg(10), 100n);
      // addi a0, a0, 2 = imm 2, rs1 10, funct3 0, rd 10, opcode 0x13
      const addi2 = (2 << 20) | (10 << 15) | (10 << 7) | 0x13;
      const at = 0x80000004n;
      assert.equal(writeMemory(t, { hart: 0 }, at, Uint8Array.of(addi2 & 0xff, (addi2 >> 8) & 0xff, (addi2 >> 16) & 0xff, addi2 >>> 24), 'virtual'), 4);
      machine.run({ maxInstructions: 20n });
      assert.equal(h.getReg(10), 120n, `${engine}: ten more iterations add 2 each`);
    }
  });
});
