import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { checkScenarioName, copyExample, listExamples, renameScenario } from '../../client/model/examples';
import { programKind, resolveLaunch, scenarioFor } from '../../client/model/launch';
import { parseFromWebview } from '../../client/webviews/messages';

const examplesRoot = new URL('../../examples', import.meta.url).pathname;

describe('client/model/launch', () => {
  it('knows which files F5 can debug', () => {
    assert.equal(programKind('/w/a.hlab.json', 'json'), 'scenario');
    assert.equal(programKind('/w/guest.S', 'riscv-guest'), 'assembly');
    assert.equal(programKind('/w/guest.s'), 'assembly');
    assert.equal(programKind('/w/cb.hcb', 'hcb'), 'callback');
    assert.equal(programKind('/w/README.md', 'markdown'), null);
  });
  it('F5 without launch.json debugs the active file, stopping on entry', () => {
    const r = resolveLaunch({}, { fileName: '/w/guest.S', languageId: 'riscv-guest' });
    assert.deepEqual(r, { ok: true, config: { type: 'hyperlab', request: 'launch', name: 'HyperLab: current file', program: '/w/guest.S', stopOnEntry: true } });
  });
  it('keeps a configured program and the user\'s choices', () => {
    const r = resolveLaunch({ type: 'hyperlab', request: 'launch', name: 'x', program: '/w/s.hlab.json', stopOnEntry: false, engine: 'interpreter' }, { fileName: '/w/README.md' });
    assert.equal(r.ok && r.config.program, '/w/s.hlab.json');
    assert.equal(r.ok && r.config.stopOnEntry, false);
  });
  it('explains what to open when the active file cannot be debugged', () => {
    const none = resolveLaunch({});
    assert.match(none.ok ? '' : none.error, /Open a scenario/);
    const md = resolveLaunch({}, { fileName: '/w/README.md', languageId: 'markdown' });
    assert.match(md.ok ? '' : md.error, /cannot debug README.md/);
    const attach = resolveLaunch({ type: 'hyperlab', request: 'attach', name: 'a' });
    assert.match(attach.ok ? '' : attach.error, /only launch/);
    const engine = resolveLaunch({ type: 'hyperlab', request: 'launch', name: 'a', program: 'p.S', engine: 'jit' as 'compiled' });
    assert.match(engine.ok ? '' : engine.error, /"engine"/);
  });
});

describe('client/model/launch scenarioFor', () => {
  it('debugs the one scenario that names the file, else the file itself', () => {
    const hello = { path: '/w/hello.hlab.json', text: '{ "program": { "code": { "sources": ["hello.S", "htif.S"] } } }' };
    const other = { path: '/w/other.hlab.json', text: '{ "vms": [{ "sources": ["sub/guest.S"] }] }' };
    assert.equal(scenarioFor('/w/htif.S', [hello, other]), '/w/hello.hlab.json');
    assert.equal(scenarioFor('/w/sub/guest.S', [hello, other]), '/w/other.hlab.json');
    assert.equal(scenarioFor('/w/ohtif.S', [hello]), null, 'a longer name that ends the same is not the file');
    assert.equal(scenarioFor('/w/x.S', [hello, { ...hello, path: '/w/copy.hlab.json' }]), null);
    assert.equal(scenarioFor('/w/hello.S', [hello, { ...hello, path: '/w/copy.hlab.json' }]), null, 'two scenarios name it: ambiguous');
  });
});

describe('client/model/examples', () => {
  it('lists the repository\'s examples with their scenario names', () => {
    const ex = listExamples(examplesRoot);
    const hello = ex.find((e) => e.id === 'hello');
    assert.ok(hello, `examples found: ${ex.map((e) => e.id).join(', ')}`);
    assert.equal(hello.title, 'Hello on the bare machine');
    assert.ok(hello.scenario.endsWith('hello.hlab.json'));
    assert.deepEqual(listExamples('/nonexistent/examples'), []);
  });
  it('creates a new scenario from an example, renamed, with its sources', () => {
    const hello = listExamples(examplesRoot).find((e) => e.id === 'hello');
    assert.ok(hello);
    const dir = mkdtempSync(join(tmpdir(), 'hyperlab-new-'));
    try {
      const scenario = copyExample(hello, join(dir, 'mine'), 'mine');
      assert.ok(scenario.endsWith('mine.hlab.json'));
      assert.equal((JSON.parse(readFileSync(scenario, 'utf8')) as { name: string }).name, 'mine');
      assert.deepEqual(readdirSync(join(dir, 'mine')).sort(), ['config.h', 'hello.S', 'htif.S', 'mine.hlab.json']);
      assert.throws(() => copyExample(hello, join(dir, 'mine'), 'mine'), /already exists/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
  it('renames keeping the rest of the text and checks names', () => {
    assert.equal(renameScenario('{\n  // c\n  "name": "a",\n  "x": 1\n}', 'b'), '{\n  // c\n  "name": "b",\n  "x": 1\n}');
    assert.equal(checkScenarioName('my-vm_2'), null);
    assert.match(checkScenarioName('../x') ?? '', /letters, digits/);
    assert.match(checkScenarioName(' ') ?? '', /name/);
  });
});

describe('client/webviews/messages', () => {
  it('accepts well-formed webview messages and drops the rest', () => {
    assert.deepEqual(parseFromWebview({ type: 'zoom', factor: 2, anchor: 0.5 }), { type: 'zoom', factor: 2, anchor: 0.5 });
    assert.deepEqual(parseFromWebview({ type: 'translate', address: '0x1000', threadId: 3, access: 'write' }), { type: 'translate', address: '0x1000', threadId: 3, access: 'write' });
    assert.equal(parseFromWebview({ type: 'zoom', factor: -1, anchor: 0 }), null);
    assert.deepEqual(parseFromWebview({ type: 'resize', width: 812 }), { type: 'resize', width: 812 });
    assert.equal(parseFromWebview({ type: 'resize', width: 0 }), null);
    assert.equal(parseFromWebview({ type: 'translate', address: '0x1', access: 'steal' }), null);
    assert.equal(parseFromWebview({ type: 'eval', code: 'x' }), null);
    assert.equal(parseFromWebview('ready'), null);
  });
});
