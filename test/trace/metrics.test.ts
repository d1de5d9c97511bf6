import { strict as assert } from 'node:assert';
import {
  Metrics, MetricsCollector, TraceBuffer, causeName, formatMetricsTable, isReservedMetricRoot, metricSegment, metricsToJson,
} from '../../simulator/trace';
import { evaluateExpectations } from '../../simulator/scenario';

describe('metrics', () => {
  it('keeps direct counters that hot paths bump without lookups', () => {
    const m = new Metrics();
    const c = m.counter('hart0.instructions');
    for (let i = 0; i < 1000; i++) c.value++;
    assert.equal(m.get('hart0.instructions'), 1000);
    assert.equal(m.counter('hart0.instructions'), c);
    m.add('cycles', 5);
    m.set('time', 9);
    assert.equal(m.has('cycles'), true);
    assert.deepEqual([...m.snapshot()], [['cycles', 5], ['hart0.instructions', 1000], ['time', 9]]);
    m.reset();
    assert.equal(c.value, 0);
    assert.throws(() => m.counter('bad name'), /invalid metric name/);
    assert.throws(() => m.counter('a..b'), /invalid metric name/);
  });

  it('derives counters from the event stream', () => {
    const trace = new TraceBuffer(64);
    const metrics = new Metrics();
    new MetricsCollector(metrics).attach(trace);
    trace.emit({ kind: 'vm-exit', time: 10, hart: 0, vm: 'a', vcpu: 0, reason: 'ecall', pc: 0x1000n });
    trace.emit({ kind: 'vm-exit', time: 20, hart: 1, vm: 'b', vcpu: 0, reason: 'guest-page-fault', pc: 0x2000n });
    trace.emit({ kind: 'vm-exit', time: 30, hart: 1, vm: 'a', vcpu: 1, reason: 'ecall', pc: 0x1004n });
    trace.emit({ kind: 'vm-entry', time: 31, hart: 1, vm: 'a', pc: 0x1008n });
    trace.emit({ kind: 'walk', time: 40, hart: 0, vm: 'a', stage: 'vs', va: 0x5000n, access: 'r', references: 15 });
    trace.emit({ kind: 'walk', time: 41, hart: 1, vm: 'b', stage: 'vs', va: 0x5000n, access: 'w', references: 24, fault: 'guest-page-fault' });
    trace.emit({ kind: 'walk', time: 42, hart: 0, stage: 'single', va: 0x9000n, access: 'x', references: 3 });
    trace.emit({ kind: 'tlb-fill', time: 43, hart: 0, vm: 'a', stage: 'vs', va: 0x5000n, pa: 0x8000_5000n, pageSize: 4096, asid: 1, vmid: 1, perm: 'rw--u', evicted: true });
    trace.emit({ kind: 'tlb-flush', time: 50, hart: 2, vm: 'a', op: 'sfence.vma', address: 0x5000n, asid: 1, entries: 1, initiator: 0 });
    trace.emit({ kind: 'tlb-flush', time: 51, hart: 0, op: 'hfence.gvma', vmid: 1, entries: 7 });
    trace.emit({ kind: 'ipi', time: 60, hart: 0, target: 2, via: 'sbi' });
    trace.emit({ kind: 'interrupt', time: 61, hart: 2, cause: 1, virtual: false });
    trace.emit({ kind: 'interrupt', time: 62, hart: 2, vm: 'a', cause: 10, virtual: true, source: 'disk0' });
    trace.emit({ kind: 'trap', time: 63, hart: 2, vm: 'a', cause: 13, interrupt: false, from: 'VU', to: 'VS', pc: 0n, tval: 0x10n });
    trace.emit({ kind: 'console', time: 70, hart: 0, text: 'hello' });
    trace.emit({ kind: 'callback-run', time: 80, hart: 0, vm: 'a', callback: 'r.hcb', event: 'page-reclaim', instructions: 40, cycles: 90, result: 0n });
    trace.emit({ kind: 'callback-rejected', time: 81, hart: 0, vm: 'a', callback: 'bad.hcb', diagnostics: [] });
    trace.emit({ kind: 'trampoline-patch', time: 82, hart: 0, site: 0x100n, mode: 'inline', targets: [0x200n] });
    trace.emit({ kind: 'integrity-alert', time: 83, hart: 0, vm: 'a', address: 0x300n, what: 'write to kernel text', blocked: true });
    trace.emit({ kind: 'device', time: 84, hart: 0, device: 'disk0', what: 'complete', value: 3 });
    trace.emit({ kind: 'device', time: 85, hart: 0, device: 'disk0', what: 'complete', value: 2 });
    const s = metrics.snapshot();
    const expected: [string, number][] = [
      ['vm_exits.total', 3], ['vm_exits.by_reason.ecall', 2], ['vm_exits.by_reason.guest_page_fault', 1],
      ['a.vm_exits.total', 2], ['a.vm_exits.by_reason.ecall', 2], ['b.vm_exits.total', 1], ['hart1.vm_exits', 2],
      ['vm_entries.total', 1], ['a.vm_entries.total', 1],
      ['tlb.misses', 3], ['hart0.tlb.misses', 2], ['a.tlb.misses', 1], ['b.tlb.misses', 1],
      ['walks.references', 42], ['a.walks.references', 15], ['walks.by_stage.vs', 2], ['walks.by_stage.single', 1], ['walks.faults', 1],
      ['tlb.fills', 1], ['tlb.evictions', 1], ['a.tlb.fills', 1],
      ['tlb.flushes.total', 2], ['tlb.flushes.by_op.sfence_vma', 1], ['tlb.flushes.by_op.hfence_gvma', 1], ['tlb.flushes.entries', 8],
      ['hart2.tlb.flushes', 1], ['a.tlb.flushes', 1],
      ['ipis.total', 1], ['hart0.ipis.sent', 1], ['hart2.ipis.received', 1],
      ['interrupts.total', 2], ['interrupts.by_cause.supervisor_software', 1], ['interrupts.by_cause.virtual_supervisor_external', 1],
      ['interrupts.virtual', 1], ['hart2.interrupts', 2], ['a.interrupts', 1],
      ['traps.total', 1], ['traps.by_cause.load_page_fault', 1], ['hart2.traps', 1], ['a.traps', 1],
      ['console.writes', 1], ['console.chars', 5],
      ['callbacks.runs', 1], ['callbacks.instructions', 40], ['callbacks.cycles', 90], ['callbacks.by_event.page_reclaim', 1], ['callbacks.rejected', 1],
      ['trampolines.patches', 1], ['trampolines.by_mode.inline', 1],
      ['integrity.alerts', 1], ['integrity.blocked', 1], ['a.integrity.alerts', 1],
      ['devices.disk0.complete', 2], ['devices.disk0.complete.value', 5],
    ];
    for (const [name, value] of expected) assert.equal(s.get(name), value, name);
    // The snapshot feeds scenario assertions directly.
    const [r] = evaluateExpectations([{ metric: 'a.tlb.misses', op: '<=', metricOther: 'b.tlb.misses', factor: 1 }], s);
    assert.equal(r.pass, true);
  });

  it('stops counting once detached', () => {
    const trace = new TraceBuffer(4);
    const metrics = new Metrics();
    const off = new MetricsCollector(metrics).attach(trace);
    trace.emit({ kind: 'console', time: 0, hart: 0, text: 'a' });
    off();
    trace.emit({ kind: 'console', time: 1, hart: 0, text: 'b' });
    assert.equal(metrics.get('console.writes'), 1);
  });

  it('names segments and causes', () => {
    assert.equal(metricSegment('sfence.vma'), 'sfence_vma');
    assert.equal(metricSegment('guest-page-fault'), 'guest_page_fault');
    assert.equal(metricSegment('--'), '_');
    assert.equal(causeName(false, 10), 'ecall_from_vs');
    assert.equal(causeName(false, 22), 'virtual_instruction');
    assert.equal(causeName(true, 7), 'machine_timer');
    assert.equal(causeName(false, 99), 'cause_99');
    assert.equal(causeName(true, 40), 'interrupt_40');
    assert.equal(isReservedMetricRoot('hart12'), true);
    assert.equal(isReservedMetricRoot('vm_exits'), true);
    assert.equal(isReservedMetricRoot('guest'), false);
  });

  it('formats an aligned table and JSON', () => {
    const s = new Map([['vm_exits.total', 120], ['a.tlb.misses', 7], ['ratio', 0.125]]);
    assert.equal(formatMetricsTable(s), [
      'metric          value',
      '--------------  -----',
      'a.tlb.misses        7',
      'ratio           0.125',
      'vm_exits.total    120',
    ].join('\n'));
    assert.equal(formatMetricsTable(new Map()), 'metric  value\n------  -----');
    assert.equal(JSON.stringify(metricsToJson(s)), '{"a.tlb.misses":7,"ratio":0.125,"vm_exits.total":120}');
  });
});
