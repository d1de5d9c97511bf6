import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { formatDiagnostic, hasErrors, type Diagnostic } from '../../simulator/diagnostics';
import { DEFAULT_COSTS } from '../../simulator/cost/model';
import { parseScenario, parseSize, type Scenario } from '../../simulator/scenario';

const fixtures = path.join(import.meta.dirname, 'fixtures');
const MiB = 1024 * 1024;

function load(text: string): { scenario: Scenario; diagnostics: Diagnostic[] } {
  return parseScenario(text, 'test.hlab.json');
}

/** 1-based line/column of the n-th occurrence of `needle` in `text`. */
function pos(text: string, needle: string, nth = 0): { line: number; column: number } {
  let at = -1;
  for (let i = 0; i <= nth; i++) {
    at = text.indexOf(needle, at + 1);
    assert.ok(at >= 0, `'${needle}' #${nth} not in text`);
  }
  const before = text.slice(0, at).split('\n');
  return { line: before.length, column: before[before.length - 1].length + 1 };
}

/** Asserts exactly one error, with this message, starting where `needle` starts. */
function expectError(text: string, message: string, needle: string, nth = 0, code?: string): Diagnostic {
  const { diagnostics } = load(text);
  const errors = diagnostics.filter((d) => d.severity === 'error');
  assert.equal(errors.length, 1, `expected one error, got:\n${diagnostics.map(formatDiagnostic).join('\n')}`);
  const d = errors[0];
  assert.equal(d.message, message);
  const p = pos(text, needle, nth);
  assert.deepEqual({ line: d.range.line, column: d.range.column }, p, `position of: ${d.message}`);
  if (code !== undefined) assert.equal(d.code, code);
  return d;
}

const VM = '{ "name": "a", "code": { "sources": ["a.S"] } }';

describe('scenario loader: valid documents', () => {
  it('loads the two-VM fixture with every value typed and defaults applied', () => {
    const text = fs.readFileSync(path.join(fixtures, 'shootdown-two-vms.hlab.json'), 'utf8');
    const { scenario, diagnostics } = load(text);
    assert.deepEqual(diagnostics, []);
    assert.equal(scenario.kind, 'hypervisor');
    if (scenario.kind !== 'hypervisor') return;
    const m = scenario.machine;
    assert.equal(m.harts, 4);
    assert.equal(m.memory, 512 * MiB);
    assert.equal(m.tlb.length, 4);
    assert.deepEqual(m.tlb[0], { entries: 64, ways: 4, replacement: 'lru', seed: 42 });
    assert.deepEqual(m.tlb[2], { entries: 64, ways: 4, replacement: 'lru', seed: 44 });
    assert.deepEqual(m.tlb[3], { entries: 32, ways: 32, replacement: 'random', seed: 7 });
    assert.equal(m.quantum, 50);
    assert.equal(m.costs.ipiLatency, 800);
    assert.equal(m.costs.vmExit, 600);
    assert.equal(m.costs.load, DEFAULT_COSTS.load);
    assert.deepEqual(m.costOverrides, { ipiLatency: 800, vmExit: 600 });
    assert.deepEqual(scenario.hypervisor, {
      paging: 'nested', timeslice: 2_000_000,
      mechanisms: { shootdowns: { concurrent: true, earlyAck: false }, 'hyper-callbacks': {} },
    });
    const [a, b] = scenario.vms;
    assert.equal(a.name, 'a');
    assert.equal(a.vcpus, 4);
    assert.equal(a.memory, 128 * MiB);
    assert.equal(a.paging, 'nested');
    assert.deepEqual(a.code, { format: 'assembly', sources: ['guest/boot.S', 'guest/shootdown.S'], entry: 'kmain', base: 0x80200000n });
    assert.equal(a.callbacks.length, 2);
    assert.deepEqual(a.callbacks[0], { file: 'callbacks/reclaim.hcb', event: 'page-reclaim', range: { start: 0xffffffc000000000n, end: 0xffffffc000100000n } });
    assert.deepEqual(a.devices, [
      { type: 'uart', name: 'uart', params: {} },
      { type: 'block', name: 'disk0', params: { policy: 'calibrated', thr: 8 } },
    ]);
    assert.deepEqual(b, { name: 'b', vcpus: 2, memory: 64 * MiB, paging: 'nested', code: { format: 'elf', elf: 'build/guest-b.elf' }, callbacks: [], devices: [] });
    assert.deepEqual(scenario.workload, { pages: [1, 10], threads: 2 });
    assert.deepEqual(scenario.stop, { maxInstructions: 50_000_000, maxTime: 200_000_000, onTohost: true });
    assert.equal(scenario.expect.length, 3);
    const [e0, e1] = scenario.expect;
    assert.equal(e0.metric, 'vm_exits.total');
    assert.equal(e0.value, 100000);
    assert.equal(e1.metricOther, 'b.tlb.misses');
    assert.equal(e1.metricOther !== undefined ? e1.factor : undefined, 0.5);
    assert.equal(e1.source?.line, pos(text, '{ "metric": "a.tlb.misses"').line);
  });

  it('loads the bare-metal fixture', () => {
    const text = fs.readFileSync(path.join(fixtures, 'bare-metal-hello.hlab.json'), 'utf8');
    const { scenario, diagnostics } = load(text);
    assert.deepEqual(diagnostics, []);
    assert.equal(scenario.kind, 'bare-metal');
    if (scenario.kind !== 'bare-metal') return;
    assert.deepEqual(scenario.program, { code: { format: 'assembly', sources: ['hello.S', 'htif.S'], entry: '_start', base: 0x80000000n }, mode: 'M' });
    assert.deepEqual(scenario.stop, { maxInstructions: 100000, onTohost: true });
  });

  it('applies every default to a minimal document', () => {
    const { scenario, diagnostics } = load(`{ "vms": [${VM}] }`);
    assert.deepEqual(diagnostics, []);
    assert.equal(scenario.kind, 'hypervisor');
    if (scenario.kind !== 'hypervisor') return;
    assert.equal(scenario.machine.harts, 1);
    assert.equal(scenario.machine.memory, 256 * MiB);
    assert.deepEqual(scenario.machine.tlb, [{ entries: 64, ways: 4, replacement: 'lru', seed: 0 }]);
    assert.equal(scenario.machine.quantum, 100);
    assert.equal(scenario.machine.seed, 0);
    assert.deepEqual(scenario.machine.costs, DEFAULT_COSTS);
    assert.deepEqual(scenario.machine.costOverrides, {});
    assert.deepEqual(scenario.hypervisor, { paging: 'nested', timeslice: 1_000_000, mechanisms: {} });
    assert.deepEqual(scenario.stop, { maxInstructions: 10_000_000, onTohost: true });
    assert.deepEqual(scenario.expect, []);
    assert.deepEqual(scenario.workload, {});
    assert.equal(scenario.name, undefined);
  });

  it('accepts sizes as numbers and as strings with binary units', () => {
    for (const [text, bytes] of [['65536', 65536], ['"64MiB"', 64 * MiB], ['"2G"', 2 * 1024 * MiB], ['"512 KiB"', 512 * 1024], ['"1M"', MiB]] as const) {
      const { scenario, diagnostics } = load(`{ "vms": [{ "name": "a", "memory": ${text}, "code": { "elf": "k" } }] }`);
      assert.deepEqual(diagnostics, [], text);
      assert.equal(scenario.kind === 'hypervisor' ? scenario.vms[0].memory : -1, bytes, text);
    }
    assert.equal(parseSize('3 GiB'), 3 * 1024 * MiB);
    assert.equal(parseSize('3 gb'), undefined);
  });

  it('accepts addresses as hex with separators, decimal strings and numbers', () => {
    const { scenario, diagnostics } = load(`{ "program": { "code": { "sources": ["a.S"], "base": "0x8000_1000" } } }`);
    assert.deepEqual(diagnostics, []);
    assert.equal(scenario.kind === 'bare-metal' && scenario.program.code.format === 'assembly' ? scenario.program.code.base : 0n, 0x80001000n);
    const r = load(`{ "program": { "code": { "sources": ["a.S"], "base": 4096 } } }`);
    assert.equal(r.scenario.kind === 'bare-metal' && r.scenario.program.code.format === 'assembly' ? r.scenario.program.code.base : 0n, 4096n);
  });

  it('gives each VM the hypervisor paging mode unless it sets its own', () => {
    const { scenario } = load(`{ "hypervisor": { "paging": "nested" }, "vms": [{ "name": "a", "paging": "nested", "code": { "elf": "k" } }] }`);
    assert.equal(scenario.kind === 'hypervisor' ? scenario.vms[0].paging : '', 'nested');
  });

  it('records the source range of every value', () => {
    const text = `{ "vms": [${VM}] }`;
    const r = parseScenario(text, 'f');
    const src = r.ranges.get('/vms/0/code/sources/0');
    assert.deepEqual(src && { line: src.line, column: src.column }, pos(text, '"a.S"'));
  });

  it('warns when a TLB seed has no effect', () => {
    const text = `{ "machine": { "tlb": { "replacement": "lru", "seed": 3 } }, "vms": [${VM}] }`;
    const { diagnostics } = load(text);
    assert.equal(diagnostics.length, 1);
    assert.equal(diagnostics[0].severity, 'warning');
    assert.equal(diagnostics[0].message, "machine.tlb.seed has no effect with replacement 'lru'");
    assert.equal(hasErrors(diagnostics), false);
  });
});

describe('scenario loader: errors are located', () => {
  it('JSON syntax errors', () => {
    const text = '{\n  "vms": [\n    { "name": "a", }\n  ]\n}';
    expectError(text, 'JSON syntax error: expected a property name in double quotes', '}', 0, 'json-syntax');
    const d = expectError('{ "vms": [] // no\n}', 'JSON syntax error: comments are not allowed in JSON', '// no');
    assert.equal(d.range.line, 1);
    const e = load('');
    assert.equal(e.diagnostics[0].message, 'JSON syntax error: expected a value');
    assert.equal(e.diagnostics[0].range.line, 1);
    assert.equal(e.diagnostics[0].range.column, 1);
    expectError('{ "vms": [1 2] }', "JSON syntax error: expected ','", '2');
  });

  it('gives exact line and column across lines', () => {
    const text = [
      '{',
      '  "machine": {',
      '    "harts": 100',
      '  },',
      `  "vms": [${VM}]`,
      '}',
    ].join('\n');
    const d = expectError(text, 'machine.harts must be between 1 and 64, got 100', '100', 0, 'range');
    assert.deepEqual(d.range, { file: 'test.hlab.json', line: 3, column: 14, endLine: 3, endColumn: 17 });
  });

  it('handles CRLF line ends', () => {
    const text = `{\r\n  "machine": { "harts": 0 },\r\n  "vms": [${VM}]\r\n}`;
    const d = expectError(text, 'machine.harts must be between 1 and 64, got 0', '0 }');
    assert.equal(d.range.line, 2);
    assert.equal(d.range.column, 25);
  });

  it('unknown properties, with a suggestion for near misses', () => {
    expectError(`{ "machine": { "hart": 2 }, "vms": [${VM}] }`,
      "unknown property 'hart' in machine; did you mean 'harts'?", '"hart"', 0, 'unknown-property');
    expectError(`{ "vms": [{ "name": "a", "vcpu": 2, "code": { "elf": "k" } }] }`,
      "unknown property 'vcpu' in vms[0]; did you mean 'vcpus'?", '"vcpu"');
    expectError(`{ "vms": [${VM}], "expectations": [] }`, "unknown property 'expectations' in (document)", '"expectations"');
    expectError(`{ "machine": { "costs": { "vmexit": 3 } }, "vms": [${VM}] }`,
      "unknown property 'vmexit' in machine.costs; did you mean 'vmExit'?", '"vmexit"');
    expectError(`{ "hypervisor": { "mechanisms": { "shootdown": {} } }, "vms": [${VM}] }`,
      "unknown property 'shootdown' in hypervisor.mechanisms; did you mean 'shootdowns'?", '"shootdown"');
  });

  it('duplicate properties', () => {
    expectError(`{ "machine": { "harts": 2, "harts": 3 }, "vms": [${VM}] }`, "duplicate property 'harts' in machine", '"harts"', 1, 'duplicate-property');
  });

  it('wrong types', () => {
    expectError(`{ "machine": { "harts": "2" }, "vms": [${VM}] }`, 'machine.harts must be an integer, got the string "2"', '"2"', 0, 'type');
    expectError(`{ "machine": { "harts": 1.5 }, "vms": [${VM}] }`, 'machine.harts must be an integer, got the number 1.5', '1.5');
    expectError(`{ "vms": {} }`, 'vms must be an array, got an object', '{}');
    expectError(`{ "vms": [${VM}], "stop": { "onTohost": 1 } }`, 'stop.onTohost must be true or false, got the number 1', '1 }');
    expectError(`{ "vms": [{ "name": "a", "code": { "sources": "a.S" } }] }`, 'vms[0].code.sources must be an array, got the string "a.S"', '"a.S"');
    expectError(`{ "vms": [${VM}], "hypervisor": { "mechanisms": { "shootdowns": { "k": [1] } } } }`,
      'hypervisor.mechanisms.shootdowns.k must be a number, string or boolean, got an array', '[1]');
    expectError('[]', '(document) must be an object, got an array', '[]');
  });

  it('enumerations', () => {
    expectError(`{ "machine": { "tlb": { "replacement": "lfu" } }, "vms": [${VM}] }`,
      "machine.tlb.replacement must be one of 'lru', 'fifo', 'random', got 'lfu'; did you mean 'lru'?", '"lfu"', 0, 'enum');
    expectError(`{ "vms": [{ "name": "a", "code": { "elf": "k" }, "callbacks": [{ "file": "c.hcb", "event": "reclaim", "range": { "start": 0, "end": 1 } }] }] }`,
      "vms[0].callbacks[0].event must be one of 'page-reclaim', 'vcpu-preemption', 'io-submission', 'tracing', got 'reclaim'", '"reclaim"');
  });

  it('out-of-range values', () => {
    expectError(`{ "machine": { "harts": 65 }, "vms": [${VM}] }`, 'machine.harts must be between 1 and 64, got 65', '65');
    expectError(`{ "machine": { "tlb": { "entries": 64, "ways": 6 } }, "vms": [${VM}] }`,
      'machine.tlb: ways (6) must divide entries (64)', '6 }', 0, 'tlb-geometry');
    expectError(`{ "machine": { "tlb": { "ways": 8, "entries": 12 } }, "vms": [${VM}] }`,
      'machine.tlb: ways (8) must divide entries (12)', '8,');
    expectError(`{ "machine": { "memory": "100K" }, "vms": [${VM}] }`, 'machine.memory must be between 1MiB and 64GiB, got 100KiB', '"100K"');
    expectError(`{ "machine": { "memory": 1048577 }, "vms": [${VM}] }`, 'machine.memory must be a multiple of 4KiB, got 1048577 bytes', '1048577');
    expectError(`{ "machine": { "memory": "64MB" }, "vms": [${VM}] }`,
      'machine.memory must be a size such as 4096, "64MiB" or "2GiB" (units B, K/KiB, M/MiB, G/GiB), got \'64MB\'', '"64MB"', 0, 'format');
    expectError(`{ "machine": { "costs": { "load": -1 } }, "vms": [${VM}] }`, 'machine.costs.load must be between 0 and 1000000000, got -1', '-1');
    expectError(`{ "vms": [] }`, 'vms must not be empty', '[]');
    expectError(`{ "vms": [${VM}], "expect": [{ "metric": "x", "op": "<", "metricOther": "y", "factor": 0 }] }`,
      'expect[0].factor must be greater than 0, got 0', '0 }');
    expectError(`{ "program": { "code": { "sources": ["a.S"], "base": "0x1_0000_0000_0000_0000" } } }`,
      'program.code.base does not fit in 64 bits', '"0x1_');
    expectError(`{ "program": { "code": { "sources": ["a.S"], "base": "0xZZ" } } }`,
      'program.code.base must be an address such as "0x80000000", got \'0xZZ\'', '"0xZZ"');
  });

  it('per-hart TLB settings', () => {
    expectError(`{ "machine": { "harts": 2, "tlbPerHart": [{ "hart": 2 }] }, "vms": [${VM}] }`,
      'machine.tlbPerHart: hart 2 does not exist (machine.harts is 2)', '2 }');
    expectError(`{ "machine": { "harts": 2, "tlbPerHart": [{ "hart": 1 }, { "hart": 1 }] }, "vms": [${VM}] }`,
      'machine.tlbPerHart: hart 1 is configured twice', '1 }', 1);
    expectError(`{ "machine": { "harts": 2, "tlb": { "entries": 64 }, "tlbPerHart": [{ "hart": 1, "ways": 5 }] }, "vms": [${VM}] }`,
      'machine.tlbPerHart (hart 1): ways (5) must divide entries (64)', '5 }');
  });

  it('missing and conflicting properties', () => {
    expectError('{ "machine": {} }', "(document) needs one of 'vms', 'program'", '{', 0, 'missing-property');
    expectError(`{ "vms": [${VM}], "program": { "code": { "elf": "k" } } }`, "(document) may have only one of 'vms', 'program'", '"program"');
    expectError('{ "hypervisor": {}, "program": { "code": { "elf": "k" } } }',
      "'hypervisor' cannot be used with 'program' in (document): a bare-metal program runs without the hypervisor", '"hypervisor"', 0, 'conflicting-properties');
    expectError('{ "vms": [{ "code": { "elf": "k" } }] }', "vms[0] is missing required property 'name'", '{ "code"');
    expectError('{ "vms": [{ "name": "a" }] }', "vms[0] is missing required property 'code'", '{ "name"');
    expectError('{ "vms": [{ "name": "a", "code": {} }] }', "vms[0].code needs one of 'sources', 'elf'", '"code"');
    expectError('{ "vms": [{ "name": "a", "code": { "elf": "k", "sources": ["a.S"] } }] }', "vms[0].code may have only one of 'sources', 'elf'", '"sources"');
    expectError('{ "vms": [{ "name": "a", "code": { "elf": "k", "base": 0 } }] }',
      "'base' cannot be used with 'elf' in vms[0].code: an ELF is loaded at the addresses of its program headers", '"base"');
    expectError(`{ "vms": [${VM}], "expect": [{ "metric": "x", "op": "<" }] }`, "expect[0] needs one of 'value', 'metricOther'", '{ "metric"');
    expectError(`{ "vms": [${VM}], "expect": [{ "metric": "x", "op": "<", "value": 1, "factor": 2 }] }`, "'factor' in expect[0] needs 'metricOther'", '"factor"');
  });

  it('file-name and name formats', () => {
    expectError('{ "vms": [{ "name": "a", "code": { "sources": ["a.c"] } }] }',
      "vms[0].code.sources[0] must be an assembly file name ending in .S or .s, got 'a.c'", '"a.c"', 0, 'format');
    expectError('{ "vms": [{ "name": "a b", "code": { "elf": "k" } }] }',
      "vms[0].name must be a VM name (letters, digits, _ and -, not starting with a digit), got 'a b'", '"a b"');
    expectError('{ "vms": [{ "name": "hart0", "code": { "elf": "k" } }] }',
      "vms[0].name 'hart0' is reserved (it would clash with the metric names of the whole machine)", '"hart0"', 0, 'reserved-name');
    expectError(`{ "vms": [${VM}], "expect": [{ "metric": "vm exits", "op": "<", "value": 1 }] }`,
      'expect[0].metric must be a dotted metric name such as "vm_exits.total", got \'vm exits\'', '"vm exits"');
  });

  it('duplicate VM and device names, with the first one as related information', () => {
    const text = `{ "vms": [${VM}, { "name": "a", "code": { "elf": "k" } }] }`;
    const d = expectError(text, "duplicate VM name 'a'", '"a"', 1, 'duplicate-name');
    assert.equal(d.related?.[0].message, "first VM named 'a'");
    assert.equal(d.related?.[0].range.column, pos(text, '"a"', 0).column);
    expectError('{ "vms": [{ "name": "a", "code": { "elf": "k" }, "devices": [{ "type": "uart" }, { "type": "uart" }] }] }',
      "duplicate device name 'uart'", '"uart"', 1);
  });

  it('overlapping callback ranges in one VM', () => {
    const text = [
      '{ "vms": [{ "name": "a", "code": { "elf": "k" }, "callbacks": [',
      '  { "file": "x.hcb", "event": "page-reclaim", "range": { "start": "0x1000", "end": "0x3000" } },',
      '  { "file": "y.hcb", "event": "tracing", "range": { "start": "0x2fff", "end": "0x4000" } }',
      '] }] }',
    ].join('\n');
    const d = expectError(text, "callback range [0x2fff, 0x4000) overlaps the range of 'x.hcb' [0x1000, 0x3000)", '{ "start": "0x2fff"', 0, 'overlapping-ranges');
    assert.equal(d.range.line, 3);
    assert.equal(d.related?.[0].range.line, 2);
    // Touching ranges do not overlap; the same range in another VM is fine.
    const ok = load(text.replace('0x2fff', '0x3000'));
    assert.deepEqual(ok.diagnostics, []);
    expectError('{ "vms": [{ "name": "a", "code": { "elf": "k" }, "callbacks": [{ "file": "x.hcb", "event": "tracing", "range": { "start": 16, "end": 16 } }] }] }',
      'vms[0].callbacks[0].range: end must be greater than start', '16 }');
  });

  it('paging modes that are not implemented yet are located errors', () => {
    expectError(`{ "hypervisor": { "paging": "shadow" }, "vms": [${VM}] }`,
      "paging mode 'shadow' is not implemented yet (planned: trap-based shadow paging)", '"shadow"', 0, 'not-implemented');
    expectError('{ "vms": [{ "name": "a", "paging": "shadow-accelerated", "code": { "elf": "k" } }] }',
      "paging mode 'shadow-accelerated' is not implemented yet (planned: trapless shadow page tables through the shadow-page-table accelerator)", '"shadow-accelerated"');
  });

  it('reports every error of a document in order, and never throws', () => {
    const text = `{
  "machine": { "hart": 2, "harts": 100, "memory": "64MB", "tlb": { "entries": 64, "ways": 3 } },
  "hypervisor": { "paging": "shadow" },
  "vms": [${VM}, ${VM}],
  "expect": [{ "metric": "m", "op": "=<", "value": 3 }]
}`;
    const { diagnostics, scenario } = load(text);
    assert.deepEqual(diagnostics.map((d) => `${d.range.line}:${d.range.column} ${d.code ?? ''}`), [
      '2:16 unknown-property', '2:36 range', '2:51 format', '2:91 tlb-geometry', '3:29 not-implemented', `4:${pos(text, '"a"', 1).column} duplicate-name`, `5:${pos(text, '"=<"').column} enum`,
    ]);
    assert.ok(scenario.machine.harts >= 1);
    for (const junk of ['{', '}', 'null', '"x"', '{"vms": [null]}', '{"machine": null, "vms": 3}', '\u0000']) {
      assert.ok(hasErrors(load(junk).diagnostics), junk);
    }
  });
});
