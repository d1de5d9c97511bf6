import { strict as assert } from 'node:assert';
import { compare, evaluateExpectations, parseScenario, type Expectation } from '../../simulator/scenario';

const metrics = new Map<string, number>([
  ['vm_exits.total', 120],
  ['a.tlb.misses', 40],
  ['b.tlb.misses', 100],
  ['ratio', 0.3333333333],
]);

describe('scenario expectations', () => {
  it('compares with every operator', () => {
    const cases: [number, Expectation['op'], number, boolean][] = [
      [1, '<', 2, true], [2, '<', 2, false], [2, '<=', 2, true], [3, '<=', 2, false], [2, '==', 2, true], [2, '==', 3, false],
      [2, '>=', 2, true], [1, '>=', 2, false], [3, '>', 2, true], [2, '>', 2, false], [1, '!=', 2, true], [2, '!=', 2, false],
    ];
    for (const [a, op, b, want] of cases) assert.equal(compare(a, op, b), want, `${a} ${op} ${b}`);
  });

  it('checks a metric against a value, with a readable line', () => {
    const [r] = evaluateExpectations([{ metric: 'vm_exits.total', op: '<=', value: 100 }], metrics);
    assert.equal(r.pass, false);
    assert.equal(r.actual, 120);
    assert.equal(r.expected, 100);
    assert.equal(r.line, 'vm_exits.total = 120, expected <= 100');
    const [ok] = evaluateExpectations([{ metric: 'vm_exits.total', op: '>', value: 100 }], metrics);
    assert.equal(ok.pass, true);
    assert.equal(ok.line, 'vm_exits.total = 120, expected > 100');
  });

  it('checks a metric against a multiple of another metric', () => {
    const [r] = evaluateExpectations([{ metric: 'a.tlb.misses', op: '<', metricOther: 'b.tlb.misses', factor: 0.5 }], metrics);
    assert.equal(r.pass, true);
    assert.equal(r.expected, 50);
    assert.equal(r.line, 'a.tlb.misses = 40, expected < 0.5 × b.tlb.misses = 0.5 × 100 = 50');
    const [s] = evaluateExpectations([{ metric: 'b.tlb.misses', op: '<=', metricOther: 'a.tlb.misses', factor: 1 }], metrics);
    assert.equal(s.pass, false);
    assert.equal(s.line, 'b.tlb.misses = 100, expected <= a.tlb.misses = 40');
  });

  it('fails, and says so, when a metric does not exist', () => {
    const [r] = evaluateExpectations([{ metric: 'vm_exit.total', op: '>=', value: 0 }], metrics);
    assert.equal(r.pass, false);
    assert.equal(r.actual, undefined);
    assert.equal(r.line, 'vm_exit.total is not a metric of this run, expected >= 0');
    const [s] = evaluateExpectations([{ metric: 'x', op: '<', metricOther: 'y', factor: 2 }], metrics);
    assert.equal(s.line, 'x and y are not metrics of this run, expected x < 2 × y');
    const [t] = evaluateExpectations([{ metric: 'a.tlb.misses', op: '<', metricOther: 'y', factor: 1 }], metrics);
    assert.equal(t.line, 'y is not a metric of this run, expected a.tlb.misses < y');
  });

  it('prints fractional values briefly', () => {
    const [r] = evaluateExpectations([{ metric: 'ratio', op: '<', value: 0.25 }], metrics);
    assert.equal(r.line, 'ratio = 0.333333, expected < 0.25');
  });

  it('evaluates what the loader produced, keeping the source position', () => {
    const text = '{ "vms": [{ "name": "a", "code": { "elf": "k" } }],\n  "expect": [{ "metric": "vm_exits.total", "op": "<=", "value": 100 },\n    { "metric": "a.tlb.misses", "op": "<", "metricOther": "b.tlb.misses", "factor": 0.5 }] }';
    const { scenario, diagnostics } = parseScenario(text, 's.hlab.json');
    assert.deepEqual(diagnostics, []);
    const results = evaluateExpectations(scenario.expect, metrics);
    assert.deepEqual(results.map((r) => r.pass), [false, true]);
    assert.deepEqual(results.map((r) => r.expectation.source?.line), [2, 3]);
  });
});
