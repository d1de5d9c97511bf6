/** Debug-console commands: output against the model, what is not a command, located errors. */
import { strict as assert } from 'node:assert';
import { InspectError, consoleCommand, disassemble, readMemory, tlbEntries, walk, resolveThread } from '../../../debug-adapter/inspect';
import type { InspectTarget } from '../../../debug-adapter/inspect';
import { build } from './helpers';

describe('inspect: console commands', () => {
  let t: InspectTarget;
  const ctx = { hart: 0, vm: 'hello', vcpu: 0 };
  before(() => {
    const b = build('hello-vm/hello-vm.hlab.json');
    b.run(300);
    t = b.target;
  });
  const run = (line: string): string => {
    const out = consoleCommand(t, ctx, line);
    assert.ok(out !== undefined, `${line} is a command`);
    return out;
  };

  it('x/8gx sp: eight giant words in hex, two per line, as memory holds them', () => {
    const sp = t.machine.harts[0].getReg(2);
    const bytes = Uint8Array.from({ length: 64 }, (_, i) => i * 3);
    t.machine.writeMemory(BigInt(t.hypervisor?.vms[0].hostBase ?? 0) + (sp - 0xffffffc000000000n), bytes);
    const out = run('x/8gx sp').split('\n');
    assert.equal(out.length, 4);
    const mem = readMemory(t, ctx, sp, 64, 'virtual').data;
    const view = new DataView(mem.buffer);
    out.forEach((line, k) => {
      const [addr, a, c] = line.split('\t');
      assert.equal(addr, `0x${(sp + BigInt(16 * k)).toString(16)}:`);
      assert.equal(a, `0x${view.getBigUint64(16 * k, true).toString(16).padStart(16, '0')}`);
      assert.equal(c, `0x${view.getBigUint64(16 * k + 8, true).toString(16).padStart(16, '0')}`);
    });
  });

  it('x with other formats and sizes', () => {
    assert.equal(run('x/4xb _start'), `0x80000000 <_start>:\t${[...readMemory(t, ctx, 0x80000000n, 4, 'virtual').data].map((x) => `0x${x.toString(16).padStart(2, '0')}`).join('\t')}`);
    assert.match(run('x/2s msg_boot'), /^0x80001000 <msg_boot>:\t"hello-vm: booting in VS mode, paging off\\n"\n0x[0-9a-f]+ <msg_paging>:\t"hello-vm: Sv39/);
    assert.equal(run('x/3c msg_boot'), "0x80001000 <msg_boot>:\t104 'h'\t101 'e'\t108 'l'");
    const w = new DataView(readMemory(t, ctx, 0x80000000n, 8, 'virtual').data.buffer);
    assert.equal(run('x/2dw 0x80000000'), `0x80000000 <_start>:\t${w.getInt32(0, true)}\t${w.getInt32(4, true)}`);
    assert.equal(run('x/1uh 0x80000002'), `0x80000002 <_start+0x2>:\t${w.getUint16(2, true)}`);
    const pc = t.machine.harts[0].getPc();
    const lines = disassemble(t, ctx, pc, 0, 3);
    assert.deepEqual(run('x/3i pc').split('\n').map((l) => l.split('\t').slice(1).join('\t')), lines.map((l) => `${l.bytes}\t${l.text}`));
    assert.match(run('x 0x80000000'), /^0x80000000 <_start>:\t0x[0-9a-f]{8}$/, 'default: one hex word');
    assert.match(run('x/2gx 0x5000'), /^cannot read 0x5000: guest-page fault/);
  });

  it('pt: each walk step, the result, the references and the TLB', () => {
    const pc = t.machine.harts[0].getPc();
    const out = run('pt/x pc');
    const w = walk(t.machine, resolveThread(t, ctx).regs, pc, 'execute');
    assert.equal(w.steps.length, 7);
    for (const st of w.steps) assert.ok(out.includes(`PTE @ 0x${st.pteAddress.toString(16)} = 0x${st.pte.toString(16)}`), `step at ${st.pteAddress}`);
    assert.ok(out.includes(`GPA 0x${w.gpa?.toString(16)}`));
    assert.ok(out.includes(`PA 0x${w.pa?.toString(16)}`));
    assert.ok(out.includes('7 memory references'));
    assert.match(out, /TLB hit on hart 0, slot \d+/);
    assert.match(run('pt 0x5000'), /fault: guest-page fault: GPA 0x5000 is not mapped/);
  });

  it('tlb, info vm, info registers, trace, help', () => {
    const tlb = run('tlb').split('\n');
    assert.equal(tlb.length, 1 + tlbEntries(t, { hart: 0 }).totalValid);
    assert.match(tlb[0], /^hart 0 TLB: \d+ of 64 entries valid \(4-way, lru\)/);
    assert.equal(run('tlb 0'), run('tlb'));
    const vm = run('info vm');
    assert.match(vm, /^VM hello: VMID 1, running, nested paging, 16 MiB/);
    assert.match(vm, /VM exits: \d+ \(ecall \d+/);
    assert.match(vm, /vCPU 0: running, hart 0, VS, pc 0xffffffc0[0-9a-f]+, \d+ exits \(ecall \d+/);
    const regs = run('info registers').split('\n');
    assert.equal(regs.length, 34);
    assert.match(regs[1], /^pc\s+0xffffffc0[0-9a-f]+\s+<puts/);
    assert.ok(regs.some((l) => l.startsWith(`sp    0x${t.machine.harts[0].getReg(2).toString(16)}`)));
    const tr = run('trace 4').split('\n');
    assert.equal(tr.length, 4);
    const last = t.trace.events().at(-1);
    assert.ok(last && tr[3].includes(last.kind));
    assert.match(run('help'), /x\/<n><fmt><size>/);
  });

  it('what is not a command is left to evaluate; bad commands are located errors', () => {
    for (const line of ['x', 'x + 1', 'sp', 'a0 + 4', '*(u64 *)sp', 'info_table', 'tlbx']) assert.equal(consoleCommand(t, ctx, line), undefined, line);
    const cases: [string, number, RegExp][] = [
      ['x/zz sp', 2, /bad format/], ['x/0x sp', 3, /count 0/], ['pt sp +', 8, /ends where an operand/], ['pt/q sp', 3, /unknown access/],
      ['info frobs', 6, /not known/], ['tlb 9', 5, /no hart 9/], ['trace lots', 7, /not a number/], ['pt', 3, /an address is needed/], ['  x/4xw nothere', 9, /nothere/],
      ['help/x', 5, /no \/format/],
    ];
    for (const [line, col, msg] of cases) {
      assert.throws(() => consoleCommand(t, ctx, line), (e: unknown) => {
        assert.ok(e instanceof InspectError, `${line}: ${String(e)}`);
        assert.match(e.message, msg, line);
        assert.equal(e.column, col, `${line}: column of "${e.message}"`);
        return true;
      });
    }
  });
});
