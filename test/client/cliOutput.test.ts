import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { DIAGNOSTIC_LINE, describeRun, locateExpectation, parseDiagnosticLines, parseRunJson } from '../../client/model/cliOutput';
import { checkTaskDefinition, taskArgs } from '../../client/model/taskArgs';
import { formatDiagnostic } from '../../simulator/diagnostics';

describe('client/model/cliOutput', () => {
  it('the $hyperlab problem matcher in package.json uses the same expression as the client', () => {
    const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { contributes: { problemMatchers: { name: string; pattern: { regexp: string; file: number; line: number; column: number; severity: number; message: number } }[] } };
    const m = pkg.contributes.problemMatchers.find((p) => p.name === 'hyperlab');
    assert.ok(m, 'package.json declares the hyperlab problem matcher');
    assert.equal(m.pattern.regexp, DIAGNOSTIC_LINE);
    assert.deepEqual([m.pattern.file, m.pattern.line, m.pattern.column, m.pattern.severity, m.pattern.message], [1, 2, 3, 4, 5]);
  });
  it('reads the lines the CLI prints through formatDiagnostic, and nothing else', () => {
    const printed = [
      formatDiagnostic({ severity: 'error', message: 'R1 invalid mem access: scalar', range: { file: 'cb/reclaim.hcb', line: 12, column: 5, endLine: 12, endColumn: 9 } }),
      '    cb/reclaim.hcb:10:1: r1 set here',
      formatDiagnostic({ severity: 'warning', message: 'unused label: x', range: { file: 'C:\\w\\g.S', line: 3, column: 1, endLine: 3, endColumn: 2 } }),
      'examples/hello/hello.hcb: rejected',
    ].join('\n');
    assert.deepEqual(parseDiagnosticLines(printed), [
      { file: 'cb/reclaim.hcb', line: 12, column: 5, severity: 'error', message: 'R1 invalid mem access: scalar' },
      { file: 'C:\\w\\g.S', line: 3, column: 1, severity: 'warning', message: 'unused label: x' },
    ]);
  });
  it('parses run --json output and reports it', () => {
    const r = parseRunJson(JSON.stringify({
      scenario: 'Hello', status: 'fail', console: 'hi\n',
      run: { reason: 'pass', message: 'pass after 10 instructions', instret: '10', pc: '0x80000000', hostSeconds: 0.5 },
      metrics: { 'tlb.hits': 3, 'cycles.total': 10 },
      expectations: [{ pass: true, line: 'program.passed = 1, expected == 1' }, { pass: false, line: 'tlb.hits = 3, expected > 5' }],
    }));
    const lines = describeRun(r);
    assert.equal(lines[0], 'scenario: Hello — FAIL');
    assert.ok(lines.includes('  hi'));
    assert.ok(lines.includes('  cycles.total  10'));
    assert.ok(lines.includes('  FAIL  tlb.hits = 3, expected > 5'));
  });
  it('says what is wrong with output that is not a run result', () => {
    assert.throws(() => parseRunJson('scenario: x'), /not JSON/);
    assert.throws(() => parseRunJson('{"status":"pass"}'), /no "run" result/);
    assert.throws(() => parseRunJson('[]'), /no "status"/);
  });
  it('locates a failed expectation at its metric in the scenario', () => {
    const text = '{\n  "expect": [\n    { "metric": "program.passed", "op": "==", "value": 1 },\n    { "metric": "tlb.hits", "op": ">", "value": 5 }\n  ]\n}';
    assert.deepEqual(locateExpectation(text, 'tlb.hits = 3, expected > 5'), { line: 4, column: 7, endColumn: 27 });
    assert.deepEqual(locateExpectation(text, 'walks.total = 0, expected > 1'), { line: 1, column: 1, endColumn: 2 });
  });
});

describe('client/model/taskArgs', () => {
  it('builds the CLI arguments of verify and run tasks', () => {
    assert.deepEqual(taskArgs({ type: 'hyperlab', command: 'verify', file: 'a.hcb' }), ['verify', 'a.hcb']);
    assert.deepEqual(taskArgs({ type: 'hyperlab', command: 'run', file: 's.hlab.json', engine: 'interpreter' }), ['run', 's.hlab.json', '--engine', 'interpreter']);
  });
  it('rejects unusable task definitions with the reason', () => {
    assert.equal(checkTaskDefinition({ command: 'run', file: 's.hlab.json' }), null);
    assert.match(checkTaskDefinition({ command: 'build', file: 'x' }) ?? '', /"verify" or "run"/);
    assert.match(checkTaskDefinition({ command: 'verify', file: 'x.S' }) ?? '', /takes a .hcb/);
    assert.match(checkTaskDefinition({ command: 'run' }) ?? '', /"file"/);
    assert.match(checkTaskDefinition({ command: 'run', file: 'a', engine: 'jit' }) ?? '', /"engine"/);
  });
});
