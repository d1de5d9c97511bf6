/** Hyper-callbacks: registration by hypercall, verification, guest-window helpers, events, costs. */
import { strict as assert } from 'node:assert';
import { assembleOrThrow } from '../../simulator/ebpf/asm/assembler';
import { Machine, type Engine } from '../../simulator/machine';
import { Hypervisor, eventContext } from '../../simulator/hypervisor';
import type { Image } from '../../simulator/riscv/image';
import { TraceBuffer, type TraceEvent } from '../../simulator/trace';
import { check, failcode, guest } from './helpers';

const ENGINES: Engine[] = ['compiled', 'interpreter'];

/** `.byte` lines of an assembled callback, under `label` (8-byte aligned, in .data). */
function bytecode(label: string, src: string): { data: string; length: number } {
  const b = assembleOrThrow(src).bytes;
  const lines: string[] = [];
  for (let i = 0; i < b.length; i += 16) lines.push(`  .byte ${[...b.subarray(i, i + 16)].join(', ')}`);
  return { data: `  .section .data\n  .align 3\n${label}:\n${lines.join('\n')}\n`, length: b.length };
}

const hc = (fid: number, args: Record<string, string | number | bigint>): string =>
  `${Object.entries(args).map(([r, v]) => (typeof v === 'string' ? `  la ${r}, ${v}\n` : `  li ${r}, ${v}\n`)).join('')}  li a7, HC_EID\n  li a6, ${fid}\n  ecall\n`;

interface Run { hv: Hypervisor; machine: Machine; metrics: Map<string, number>; events: TraceEvent[] }

function run(vms: { name: string; image: Image }[], engine: Engine, opts: { harts?: number; timeslice?: number; max?: bigint } = {}): Run {
  const trace = new TraceBuffer(1 << 14, { record: ['callback-run', 'callback-rejected'] });
  const machine = new Machine({ harts: opts.harts ?? 1, ramSize: 64 << 20, engine, trace });
  const hv = new Hypervisor(machine, { timeslice: opts.timeslice, vms: vms.map((v) => ({ name: v.name, vcpus: 1, memory: 4 << 20, image: v.image })), callbackEngine: engine === 'compiled' ? 'jit' : 'interp' });
  hv.run({ maxInstructions: opts.max ?? 2_000_000n });
  return { hv, machine, metrics: hv.metrics(), events: trace.events() };
}

/** Sv39 for the test guest: identity gigapage at 0x80000000 (VPN2 2) and an alias gigapage 0xC0000000 → 0x80000000 (VPN2 3); VPN2 1 (0x40000000) unmapped. */
const SV39 = `
  la t0, ptroot
  li t1, 0x80000000
  srli t1, t1, 2
  ori t1, t1, 0xcf          /* V R W X A D */
  sd t1, 16(t0)
  sd t1, 24(t0)
  srli t0, t0, 12
  li t1, 8
  slli t1, t1, 60
  or t0, t0, t1
  csrw satp, t0
  sfence.vma
`;
const PTROOT = `  .section .data\n  .align 12\nptroot: .zero 4096\n  .align 3\nmagic: .dword 0x1234567890abcdef\n`;

/** Tracing callback: r0 = the u64 at arg0 (guest_read), or guest_read's error code. */
const READER = `
.event tracing
  r3 = *(u64 *)(r1 + 16)
  r1 = r10
  r1 += -8
  r2 = 8
  call guest_read
  if r0 != 0 goto out
  r0 = *(u64 *)(r10 - 8)
out:
  exit`;

describe('hyper-callbacks', () => {
  for (const engine of ENGINES) {
    describe(engine, () => {
      it('registers a verified callback by hypercall (id in a1), runs it at tracepoints; helpers read only inside the range, through the guest page tables', () => {
        const prog = bytecode('prog', READER);
        const img = guest(`${SV39}
${hc(16, { a0: 'prog', a1: prog.length, a2: 3, a3: 0x40000000, a4: 0xc0100000 })}${check(1, 'a0', 0)}${check(2, 'a1', 1)}
  la s1, magic
  li t0, 0x40000000
  add s1, s1, t0             /* alias of magic at 0xC0000000 + offset */
  ld t1, 0(s1)               /* touch it: the G-stage maps guest pages on first access */
${hc(18, { a0: 7, a1: 0 })}
  mv a1, s1
  li a0, 7
  li a7, HC_EID
  li a6, 18
  ecall
${hc(18, { a0: 7, a1: 0x40000100 })}
${hc(18, { a0: 7, a1: 0xd0000000 })}
${hc(17, { a0: 1 })}${check(3, 'a0', 0)}
${hc(17, { a0: 1 })}${check(4, 'a0', -3)}
${hc(18, { a0: 7, a1: 0 })}
  j pass
`, `${prog.data}${PTROOT}`);
        const r = run([{ name: 'g', image: img }], engine);
        assert.equal(failcode(r.hv, r.hv.vms[0], img), 0n);
        assert.equal(r.hv.vms[0].state, 'shutdown', r.hv.vms[0].stopReason);
        const runs = r.events.filter((e) => e.kind === 'callback-run');
        // tracepoint(0): 0 is outside the range (-EACCES); the alias of magic; 0x40000100 inside the range but unmapped in the guest's tables (-EFAULT); 0xd0000000 outside (-EACCES);
        // then the unregister hypercall site (arg0 = id 1, outside the range). Nothing after unregistering.
        assert.deepEqual(runs.map((e) => (e.kind === 'callback-run' ? BigInt.asIntN(64, e.result) : 0n)), [-13n, 0x1234567890abcdefn, -14n, -13n, -13n]);
        assert.equal(r.metrics.get('callbacks.runs'), 5);
        assert.equal(r.metrics.get('g.callbacks.1.runs'), 5);
        const instructions = r.metrics.get('callbacks.instructions') ?? 0;
        assert.ok(instructions >= 5 * 7, `${instructions}`);
        const k = r.machine.costs;
        assert.equal(r.metrics.get('callbacks.cycles'), 5 * k.callbackInvoke + instructions * k.callbackInstruction);
        assert.equal(r.metrics.get('g.callbacks.cycles'), r.metrics.get('callbacks.cycles'));
        assert.equal(r.metrics.get('g.vm_exits.by_reason.ecall'), r.metrics.get('g.calls.total'), 'callbacks add no VM exit');
      });

      it('refuses a program the verifier rejects: SBI_ERR_DENIED in a0, the diagnostics in the trace; bad arguments: INVALID_PARAM / INVALID_ADDRESS', () => {
        const bad = bytecode('bad', '.event page-reclaim\n  r0 = r2\n  exit'); // r2 is not initialised
        const img = guest(`
${hc(16, { a0: 'bad', a1: bad.length, a2: 0, a3: 0x1000, a4: 0x2000 })}${check(1, 'a0', -4)}
${hc(16, { a0: 'bad', a1: bad.length, a2: 9, a3: 0x1000, a4: 0x2000 })}${check(2, 'a0', -3)}
${hc(16, { a0: 'bad', a1: 12, a2: 0, a3: 0x1000, a4: 0x2000 })}${check(3, 'a0', -3)}
${hc(16, { a0: 0x1000, a1: 16, a2: 0, a3: 0x1000, a4: 0x2000 })}${check(4, 'a0', -5)}
${hc(16, { a0: 'bad', a1: bad.length, a2: 0, a3: 0x2000, a4: 0x1000 })}${check(5, 'a0', -3)}
  j pass
`, bad.data);
        const r = run([{ name: 'g', image: img }], engine);
        assert.equal(failcode(r.hv, r.hv.vms[0], img), 0n);
        const rejected = r.events.filter((e) => e.kind === 'callback-rejected');
        assert.equal(rejected.length, 5);
        const first = rejected[0];
        assert.ok(first.kind === 'callback-rejected' && first.diagnostics.some((d) => d.severity === 'error' && d.code?.startsWith('verifier/')), JSON.stringify(first));
        assert.equal(r.metrics.get('callbacks.rejected'), 5);
        assert.equal(r.hv.callbacks.all.length, 0);
      });

      it('a vcpu-preemption callback defers a preemption once per slice', () => {
        const yes = bytecode('yes', '.event vcpu-preemption\n  r0 = 1\n  exit');
        const spin = (n: number): string => `  li t0, ${n}\n1:addi t0, t0, -1\n  bnez t0, 1b\n`;
        const a = guest(`${hc(16, { a0: 'yes', a1: yes.length, a2: 1, a3: 0x1000, a4: 0x2000 })}${check(1, 'a0', 0)}${spin(60000)}  j pass\n`, yes.data);
        const b = guest(`${spin(60000)}  j pass\n`);
        const r = run([{ name: 'a', image: a }, { name: 'b', image: b }], engine, { timeslice: 20000 });
        assert.equal(failcode(r.hv, r.hv.vms[0], a), 0n);
        assert.equal(r.hv.vms[0].state, 'shutdown');
        assert.equal(r.hv.vms[1].state, 'shutdown');
        const deferred = r.metrics.get('a.preemptions.deferred') ?? 0;
        assert.ok(deferred >= 1, 'deferred at least once');
        assert.ok((r.metrics.get('a.vm_exits.by_reason.preemption') ?? 0) >= 1, 'but preempted in the end (once only)');
        assert.equal(r.metrics.get('b.preemptions.deferred') ?? 0, 0);
        assert.ok((r.metrics.get('a.callbacks.runs') ?? 0) >= deferred);
      });

      it('a callback that fails a run-time check or runs out of budget returns 0, the host goes on', () => {
        // A loop the verifier can bound (r2 <= 0x3ffff) yet longer than the 100k-instruction run budget.
        const loop = bytecode('loop', '.event tracing\n  r0 = 0\n  r2 = *(u64 *)(r1 + 16)\n  r2 &= 0x3ffff\nl:\n  r0 += 1\n  if r0 < r2 goto l\n  r0 = 5\n  exit');
        const img = guest(`
${hc(16, { a0: 'loop', a1: loop.length, a2: 3, a3: 0x1000, a4: 0x2000 })}${check(1, 'a0', 0)}
${hc(18, { a0: 1, a1: 10 })}
${hc(18, { a0: 1, a1: 0x3ffff })}
  j pass
`, loop.data);
        const r = run([{ name: 'g', image: img }], engine);
        assert.equal(r.hv.callbacks.all.length, 1, 'the bounded loop must be accepted');
        assert.equal(r.hv.vms[0].state, 'shutdown');
        const results = r.events.filter((e) => e.kind === 'callback-run').map((e) => (e.kind === 'callback-run' ? e.result : -1n));
        assert.deepEqual(results, [5n, 0n]);
        assert.equal(r.metrics.get('callbacks.errors'), 1);
      });
    });
  }

  it('callbacks read the machine\'s virtual time and their trace_printk lines reach the trace stream', () => {
    const img = guest('1:j 1b\n');
    const trace = new TraceBuffer(64, { record: ['callback-run'] });
    const machine = new Machine({ harts: 1, ramSize: 64 << 20, trace });
    const hv = new Hypervisor(machine, { vms: [{ name: 'g', vcpus: 1, memory: 4 << 20, image: img }] });
    hv.run({ maxInstructions: 5000n });
    const now = machine.timeNow();
    assert.ok(now > 5000, `virtual time has advanced (${now})`);
    // "t=%d" on the stack, then trace_printk(fmt, 5, r0 = ktime_get_ns()); return the time.
    const asm = assembleOrThrow(`.event io-submission
  r1 = 0x00000064253d74 ll
  *(u64 *)(r10 - 8) = r1
  call ktime_get_ns
  r6 = r0
  r1 = r10
  r1 += -8
  r2 = 5
  r3 = r6
  r4 = 0
  r5 = 0
  call trace_printk
  r0 = r6
  exit`);
    const out = hv.callbacks.registerProgram(hv.vms[0], 'time.hcb', asm, 'io-submission', { start: 0n, end: 0x1000n });
    assert.ok(out.ok, JSON.stringify(out));
    assert.equal(hv.ioSubmission(hv.vms[0], 0, { op: 1, sector: 0n, length: 512, flags: 0 }).priority, BigInt(now));
    const run = trace.since(0).events.find((e) => e.kind === 'callback-run');
    assert.ok(run && run.kind === 'callback-run');
    assert.deepEqual(run.output, [`t=${now}`]);
    assert.equal(hv.metrics().get('callbacks.trace_lines'), 1);
  });

  it('io-submission: the callback sets the priority and the urgent flag', () => {
    const img = guest('1:j 1b\n');
    const trace = new TraceBuffer(64, { record: ['callback-run'] });
    const machine = new Machine({ harts: 1, ramSize: 64 << 20, trace });
    const hv = new Hypervisor(machine, { vms: [{ name: 'g', vcpus: 1, memory: 4 << 20, image: img }] });
    const asm = assembleOrThrow('.event io-submission\n  r2 = *(u32 *)(r1 + 12)\n  if r2 != 1 goto low\n  r0 = 7\n  *(u32 *)(r1 + 28) = 1\n  exit\nlow:\n  r0 = 1\n  exit');
    const out = hv.callbacks.registerProgram(hv.vms[0], 'io.hcb', asm, 'io-submission', { start: 0n, end: 0x1000n });
    assert.ok(out.ok, JSON.stringify(out));
    // The verifier's proof reaches the compiler: the context load at slot 0 needs no run-time check.
    assert.equal(hv.callbacks.all[0].facts?.accessInBounds?.(0), true);
    assert.equal(hv.callbacks.all[0].facts?.accessInBounds?.(3), true);
    assert.deepEqual(hv.ioSubmission(hv.vms[0], 0, { op: 1, sector: 8n, length: 4096, flags: 0 }), { priority: 7n, flags: 1 });
    assert.deepEqual(hv.ioSubmission(hv.vms[0], 0, { op: 0, sector: 8n, length: 4096, flags: 0 }), { priority: 1n, flags: 0 });
    assert.equal(hv.metrics().get('callbacks.by_event.io_submission'), 2);
    assert.equal(eventContext('tracing', { event_id: 3 })[12], 3);
  });

  it('a snapshot restores the registrations', () => {
    const img = guest('1:j 1b\n');
    const machine = new Machine({ harts: 1, ramSize: 64 << 20 });
    const hv = new Hypervisor(machine, { vms: [{ name: 'g', vcpus: 1, memory: 4 << 20, image: img }] });
    const asm = assembleOrThrow('.event tracing\n.map counts, array, 4, 8, 1\n  r0 = 0\n  exit');
    assert.ok(hv.callbacks.registerProgram(hv.vms[0], 't.hcb', asm, 'tracing', { start: 0n, end: 0x1000n }).ok);
    const s = hv.captureState();
    assert.ok(hv.callbacks.unregister(hv.vms[0], 1));
    hv.restoreState(s);
    assert.equal(hv.callbacks.all.length, 1);
    assert.equal(hv.callbacks.all[0].name, 't.hcb');
    assert.equal(hv.runCallbacks(hv.vms[0], 'tracing', {}, 0, 0n)[0], 0n);
  });
});
