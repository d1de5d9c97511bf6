import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { runCli } from '../support/cli';

const root = path.resolve(import.meta.dirname, '../..');

const cli = runCli;

/** A scenario next to copies of the hello program, so relative paths resolve as in a real project. */
function scenarioDir(scenario: object | string): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'hyperlab-scenario-'));
  for (const f of ['hello.S', 'htif.S', 'config.h']) fs.copyFileSync(path.join(root, 'examples/hello', f), path.join(dir, f));
  const text = typeof scenario === 'string' ? scenario : JSON.stringify(scenario, null, 2);
  fs.writeFileSync(path.join(dir, 's.hlab.json'), text);
  return path.join(dir, 's.hlab.json');
}

const helloProgram = { code: { sources: ['hello.S', 'htif.S'] }, mode: 'M' };

describe('hyperlab run SCENARIO.hlab.json', () => {
  it('runs the bundled example scenario and passes its expectations', () => {
    const r = cli(['run', path.join(root, 'examples/hello/hello.hlab.json')]);
    assert.equal(r.code, 0, r.out + r.err);
    assert.match(r.out, /Hello from HyperLab/);
    assert.match(r.out, /^instructions\.total\s+\d+$/m);
    assert.match(r.out, /^ok {4}program\.passed = 1, expected == 1$/m);
    assert.match(r.out, /scenario pass/);
  });

  it('exits 1 and shows the failed expectation with both values', () => {
    const file = scenarioDir({ program: helloProgram, expect: [{ metric: 'instructions.total', op: '<', value: 100 }] });
    const r = cli(['run', file]);
    assert.equal(r.code, 1, r.out + r.err);
    assert.match(r.out, /^FAIL {2}instructions\.total = \d+, expected < 100$/m);
    assert.match(r.out, /scenario fail/);
  });

  it('fails an expectation on a metric the run did not produce instead of passing it silently', () => {
    const file = scenarioDir({ program: helloProgram, expect: [{ metric: 'tlb.misess', op: '==', value: 0 }] });
    const r = cli(['run', file]);
    assert.equal(r.code, 1);
    assert.match(r.out, /tlb\.misess is not a metric of this run/);
  });

  it('prints JSON with metrics, console and expectation results', () => {
    const r = cli(['run', '--json', path.join(root, 'examples/hello/hello.hlab.json')]);
    assert.equal(r.code, 0, r.err);
    const doc = JSON.parse(r.out) as { status: string; metrics: Record<string, number>; console: string; expectations: { pass: boolean }[] };
    assert.equal(doc.status, 'pass');
    assert.ok(doc.metrics['instructions.total'] > 1000);
    assert.match(doc.console, /Hello from HyperLab/);
    assert.ok(doc.expectations.every((e) => e.pass));
  });

  it('reports scenario errors at their line and column and exits 2 without running', () => {
    const file = scenarioDir('{\n  "program": { "code": { "sources": ["hello.S"] } },\n  "stpo": {}\n}\n');
    const r = cli(['run', file]);
    assert.equal(r.code, 2);
    assert.match(r.err, new RegExp(`${path.basename(file)}:3:3: error: unknown property 'stpo'.*stop`));
    assert.doesNotMatch(r.out, /Hello/);
  });

  it('locates a missing program file at the string that names it', () => {
    const file = scenarioDir('{\n  "program": {\n    "code": { "sources": ["hello.S", "nope.S"] }\n  }\n}\n');
    const r = cli(['run', file]);
    assert.equal(r.code, 2);
    assert.match(r.err, /s\.hlab\.json:3:\d+: error: .*nope\.S: no such file/);
  });

  it('reports assembly errors in the program at the source line', () => {
    const file = scenarioDir({ program: { code: { sources: ['bad.S'] } } });
    fs.writeFileSync(path.join(path.dirname(file), 'bad.S'), '_start:\n  addi a0, a0, 4096\n');
    const r = cli(['run', file]);
    assert.equal(r.code, 2);
    assert.match(r.err, /bad\.S:2:\d+: error: .*4096/);
  });

  it('runs VM scenarios under the hypervisor (a bare-metal program as a guest fails cleanly at the instruction limit)', () => {
    const file = scenarioDir({ vms: [{ name: 'guest', code: { sources: ['hello.S', 'htif.S'] } }], stop: { maxInstructions: 20000 }, expect: [{ metric: 'guest.passed', op: '==', value: 1 }] });
    const r = cli(['run', file]);
    assert.equal(r.code, 1, r.out + r.err);
    assert.match(r.out, /^FAIL {2}guest\.passed = 0, expected == 1$/m);
    assert.match(r.out, /^guest\.vm_exits\.total\s+\d+$/m);
  });

  it('boots an S-mode program under the native SBI (program.mode "S")', () => {
    const r = cli(['run', '--json', path.join(root, 'examples/smp-ipi/smp-ipi.hlab.json')]);
    assert.equal(r.code, 0, r.err);
    const doc = JSON.parse(r.out) as { status: string; metrics: Record<string, number> };
    assert.equal(doc.status, 'pass');
    assert.ok(doc.metrics['sbi.calls.total'] > 0);
    assert.ok(doc.metrics['ipis.total'] > 0);
  });

  it('reports the modelled TLBs per hart and in total, identically on both engines', () => {
    const metrics = (engine: string): Record<string, number> => {
      const r = cli(['run', '--json', '--engine', engine, path.join(root, 'examples/hello-vm/hello-vm.hlab.json')]);
      assert.equal(r.code, 0, r.err);
      return (JSON.parse(r.out) as { metrics: Record<string, number> }).metrics;
    };
    const compiled = metrics('compiled');
    assert.ok(compiled['tlb.misses'] > 0 && compiled['walks.references'] >= compiled['walks.total']);
    assert.equal(compiled['tlb.misses'], compiled['hart0.tlb.misses']);
    const interp = metrics('interpreter');
    for (const name of ['tlb.misses', 'tlb.hits', 'walks.total', 'walks.references', 'vm_exits.total', 'instructions.total']) {
      assert.equal(interp[name], compiled[name], name);
    }
  });

  it('gives each hart the TLB geometry the scenario sets', () => {
    const file = scenarioDir({
      machine: { harts: 2, tlb: { entries: 16, ways: 2, replacement: 'fifo' }, tlbPerHart: [{ hart: 1, entries: 8, ways: 8 }] },
      program: helloProgram,
    });
    assert.equal(cli(['run', file]).code, 0);
  });

  it('stops at stop.maxTime in virtual cycles', () => {
    const file = scenarioDir({ program: helloProgram, stop: { maxTime: 2000 } });
    const r = cli(['run', '--json', file]);
    const doc = JSON.parse(r.out) as { run: { reason: string; message: string }; metrics: Record<string, number> };
    assert.equal(doc.run.reason, 'limit');
    assert.match(doc.run.message, /stop\.maxTime \(2000 cycles\)/);
    assert.ok(doc.metrics['cycles.total'] >= 2000 && doc.metrics['cycles.total'] < 4000, String(doc.metrics['cycles.total']));
  });
});
