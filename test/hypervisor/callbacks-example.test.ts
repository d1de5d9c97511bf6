/** examples/page-reclaim through the CLI (`hyperlab run`), on both engines; scenario callbacks rejected with located diagnostics. */
import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { runCli } from '../support/cli';

const root = path.resolve(import.meta.dirname, '../..');
const example = path.join(root, 'examples/page-reclaim/page-reclaim.hlab.json');

const cli = runCli;

describe('examples/page-reclaim', () => {
  for (const engine of ['compiled', 'interpreter']) {
    it(`passes its expectations (${engine}): the callback swaps no free page and needs no exit, blind swaps free pages`, function () {
      this.timeout(120_000);
      const r = cli(['run', '--engine', engine, example]);
      assert.equal(r.code, 0, r.out + r.err);
      assert.match(r.out, /callback\.reclaim\.free_swapped\s+0\b/);
      assert.match(r.out, /callback\.reclaim\.exits\s+0\b/);
      assert.match(r.out, /balloon\.reclaim\.exits\s+[1-9]/);
      assert.match(r.out, /callbacks\.runs\s+[1-9]/);
      assert.match(r.out, /scenario pass/);
    });
  }

  it('the direct-load version (reclaim-window.hcb, through the guest window) reclaims exactly as the guest_read one', function () {
    this.timeout(120_000);
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'hlab-window-'));
    for (const f of ['guest.S', 'sbi.h']) fs.copyFileSync(path.join(root, 'examples/page-reclaim', f), path.join(dir, f));
    fs.copyFileSync(path.join(root, 'examples/page-reclaim/reclaim-window.hcb'), path.join(dir, 'reclaim.hcb'));
    fs.copyFileSync(example, path.join(dir, 's.hlab.json'));
    const metric = (out: string, name: string): string | undefined => new RegExp(`^\\s*${name.replace(/\./g, '\\.')}\\s+(\\S+)`, 'm').exec(out)?.[1];
    const window = cli(['run', path.join(dir, 's.hlab.json')]);
    const copy = cli(['run', example]);
    assert.equal(window.code, 0, window.out + window.err);
    for (const m of ['callback.reclaim.pages', 'callback.reclaim.swapped', 'callback.reclaim.free_swapped', 'callback.reclaim.exits', 'callbacks.runs']) {
      assert.notEqual(metric(window.out, m), undefined, `${m} missing`);
      assert.equal(metric(window.out, m), metric(copy.out, m), m);
    }
    assert.match(window.out, /scenario pass/);
  });

  it('a scenario callback the verifier rejects stops the run with diagnostics in the .hcb and at the entry', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'hlab-cb-'));
    for (const f of ['guest.S', 'sbi.h']) fs.copyFileSync(path.join(root, 'examples/page-reclaim', f), path.join(dir, f));
    fs.writeFileSync(path.join(dir, 'reclaim.hcb'), '.event page-reclaim\n  r0 = r3\n  exit\n');
    fs.copyFileSync(example, path.join(dir, 's.hlab.json'));
    const r = cli(['run', path.join(dir, 's.hlab.json')]);
    assert.notEqual(r.code, 0);
    const text = r.out + r.err;
    assert.match(text, /reclaim\.hcb:2:\d+: error/);
    assert.match(text, /s\.hlab\.json:\d+:\d+: error: VM 'callback': the verifier rejected the hyper-callback 'reclaim\.hcb'/);
  });
});
