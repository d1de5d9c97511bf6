import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { runCli } from '../support/cli';

const root = path.resolve(import.meta.dirname, '../..');

const cli = runCli;

const metric = (out: string, name: string): number => {
  const m = new RegExp(`^${name.replace(/\./g, '\\.')}\\s+(\\d+)$`, 'm').exec(out);
  if (!m) throw new Error(`no metric ${name} in\n${out}`);
  return Number(m[1]);
};

describe('hyperlab run with VMs', () => {
  it('examples/hello-vm passes its expectations (exits by reason, console, SBI calls)', () => {
    const r = cli(['run', path.join(root, 'examples/hello-vm/hello-vm.hlab.json')]);
    assert.equal(r.code, 0, r.out + r.err);
    assert.match(r.out, /hello-vm: Sv39 on \(vsatp\), running in the high half/);
    assert.match(r.out, /stopped: pass — every VM shut down \(hello: shutdown\)/);
    assert.doesNotMatch(r.out, /^FAIL/m);
    assert.equal(metric(r.out, 'hello.vm_exits.by_reason.ecall'), metric(r.out, 'hello.calls.total'));
    assert.equal(metric(r.out, 'hello.vm_exits.total'), metric(r.out, 'hello.vm_exits.by_reason.ecall') + metric(r.out, 'hello.vm_exits.by_reason.guest_page_fault') + metric(r.out, 'hello.vm_exits.by_reason.mmio'));
    assert.match(r.out, /scenario pass/);
  });

  it('examples/two-vms passes its expectations (both VMs, preemption, wfi)', () => {
    const r = cli(['run', '--json', path.join(root, 'examples/two-vms/two-vms.hlab.json')]);
    assert.equal(r.code, 0, r.out + r.err);
    const doc = JSON.parse(r.out) as { status: string; metrics: Record<string, number>; console: string; expectations: { pass: boolean; line: string }[] };
    assert.equal(doc.status, 'pass');
    assert.ok(doc.expectations.every((e) => e.pass), doc.expectations.map((e) => e.line).join('\n'));
    assert.match(doc.console, /vm1: vcpu0 up, 16 MiB of guest RAM\n/);
    assert.match(doc.console, /vm2: vcpu0 up, 32 MiB of guest RAM\n/);
    assert.match(doc.console, /vm2: marker and vcpu1 result ok, shutting down\n/);
    assert.ok(doc.metrics['vm_exits.by_reason.preemption'] > 0);
  });

  it('reports a VM layout that does not fit in host memory as a scenario error', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'hyperlab-vm-'));
    try {
      fs.copyFileSync(path.join(root, 'examples/hello-vm/hello-vm.S'), path.join(dir, 'hello-vm.S'));
      fs.copyFileSync(path.join(root, 'examples/hello-vm/sbi.h'), path.join(dir, 'sbi.h'));
      fs.writeFileSync(path.join(dir, 's.hlab.json'), JSON.stringify({ machine: { memory: '4MiB' }, vms: [{ name: 'big', memory: '8MiB', code: { sources: ['hello-vm.S'] } }] }));
      const r = cli(['run', path.join(dir, 's.hlab.json')]);
      assert.equal(r.code, 2, r.out + r.err);
      assert.match(r.err, /error: the VMs need \d+ bytes of host memory/);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
