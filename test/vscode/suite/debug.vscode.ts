/**
 * A debug session on examples/hello-vm: stops at a breakpoint in the guest kernel once Sv39 is on
 * (still in its identity megapage, just before the jump to the high half), steps over a line,
 * steps back to the breakpoint, and reads the TLB, Page Tables and Machine views through the
 * extension's API while stopped and after the session ended.
 */
import * as assert from 'node:assert/strict';
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { HyperlabApi } from '../../../client/api';
import { DapWatcher, examplesDir, flatten, hyperlab, positionOf, within } from './support';

const scenario = path.join(examplesDir, 'hello-vm', 'hello-vm.hlab.json');
const source = path.join(examplesDir, 'hello-vm', 'hello-vm.S');

interface Frame {
  line: number;
  source?: { path?: string };
  instructionPointerReference?: string;
}

async function topFrame(session: vscode.DebugSession, threadId: number): Promise<Frame> {
  const r = (await session.customRequest('stackTrace', { threadId, startFrame: 0, levels: 1 })) as { stackFrames: Frame[] };
  assert.ok(r.stackFrames.length > 0, 'no stack frame');
  return r.stackFrames[0];
}

describe('debugging hello-vm', function () {
  this.timeout(120_000);
  let api: HyperlabApi;
  let watcher: DapWatcher;
  let session: vscode.DebugSession | undefined;
  let threadId = 0;
  let bpLine = 0; // 0-based line of the breakpoint
  let bpFrame: Frame;
  let breakpoint: vscode.SourceBreakpoint;

  before(async () => {
    api = await hyperlab();
    watcher = new DapWatcher();
    const doc = await vscode.workspace.openTextDocument(source);
    bpLine = positionOf(doc, '  add t0, t0, t1').line;
    breakpoint = new vscode.SourceBreakpoint(new vscode.Location(doc.uri, new vscode.Position(bpLine, 0)));
    vscode.debug.addBreakpoints([breakpoint]);
  });

  after(async () => {
    if (session && vscode.debug.activeDebugSession?.id === session.id) await vscode.debug.stopDebugging(session);
    vscode.debug.removeBreakpoints([breakpoint]);
    watcher.dispose();
  });

  it('starts and stops at the breakpoint', async () => {
    const started = new Promise<vscode.DebugSession>((resolve) => {
      const sub = vscode.debug.onDidStartDebugSession((s) => {
        if (s.type === 'hyperlab') {
          sub.dispose();
          resolve(s);
        }
      });
    });
    const ok = await vscode.debug.startDebugging(undefined, { type: 'hyperlab', request: 'launch', name: 'hello-vm (extension-host test)', program: scenario, stopOnEntry: false });
    assert.equal(ok, true, 'startDebugging returned false');
    session = await within(started, 20_000, 'the hyperlab session to start');
    const stop = await watcher.nextStop('the breakpoint stop', 60_000, 0);
    const setBreakpoints = watcher.messages.filter((m) => m.command === 'setBreakpoints').map((m) => JSON.stringify(m.body));
    assert.equal(stop.body?.reason, 'breakpoint', `stopped for ${JSON.stringify(stop.body)}; setBreakpoints answered ${setBreakpoints.join(' ')}`);
    threadId = stop.body?.threadId as number;
    bpFrame = await topFrame(session, threadId);
    assert.equal(bpFrame.line, bpLine + 1, 'stopped on the breakpoint line');
    assert.equal(path.basename(bpFrame.source?.path ?? ''), 'hello-vm.S');
  });

  it('the TLB view shows two-stage guest entries (VMID, VPN → GPN → PPN)', async () => {
    assert.ok(session, 'no session');
    const rows = flatten(await api.viewItems('hyperlab.tlb'));
    const hart = rows.find((r) => /^hart 0/.test(r.label));
    assert.ok(hart, `no hart row in ${JSON.stringify(rows.map((r) => r.label))}`);
    const entries = rows.filter((r) => /→.*→/.test(r.label));
    assert.ok(entries.length > 0, `no two-stage entries among ${JSON.stringify(rows.map((r) => `${r.label} | ${r.description ?? ''}`))}`);
    assert.ok(entries.every((e) => /VMID \d+/.test(e.description ?? '')), 'entries name their VMID');
  });

  it('the Page Tables view shows the guest\'s Sv39 table as hello-vm.S builds it, and the nested table', async () => {
    const vms = await api.viewItems('hyperlab.pageTables');
    const vm = vms.find((r) => r.label === 'hello');
    assert.ok(vm, `page tables: ${vms.map((r) => r.label).join('; ')}`);
    const guest = vm.children?.find((r) => /VS-stage/.test(r.label));
    const nested = vm.children?.find((r) => /G-stage/.test(r.label));
    assert.ok(guest && nested, `tables: ${vm.children?.map((r) => r.label).join('; ')}`);
    // root[0] device gigapage, root[2] → L1 whose [0] is the RAM megapage, root[256] the
    // high-half RAM gigapage (the comment in hello-vm.S).
    const root = guest.children ?? [];
    const row = (rows: typeof root, index: number) => rows.find((r) => r.label.startsWith(`[${index}] `));
    const show = (rows: typeof root) => rows.map((r) => `${r.label} | ${r.description ?? ''}`).join('; ');
    assert.match(row(root, 0)?.description ?? '', /L2 · 1 GiB page/, show(root));
    assert.match(row(root, 2)?.description ?? '', /L2 · .*table/, show(root));
    assert.match(row(root, 256)?.description ?? '', /L2 · 1 GiB page/, show(root));
    assert.match(row(root, 256)?.label ?? '', /→ 0x8000_?0000$/, show(root));
    const l1 = row(root, 2)?.children ?? [];
    assert.match(row(l1, 0)?.description ?? '', /L1 · 2 MiB page/, show(l1));
    assert.ok((nested.children ?? []).some((r) => /^\[\d+\] 0x/.test(r.label)), `nested table rows: ${show(nested.children ?? [])}`);
  });

  it('the Machine view shows the VM', async () => {
    const machine = flatten(await api.viewItems('hyperlab.machine'));
    assert.ok(machine.some((r) => /hello/.test(r.label)), `machine: ${machine.map((r) => r.label).join('; ')}`);
  });

  it('steps over one line', async () => {
    assert.ok(session, 'no session');
    const since = watcher.messages.length;
    await session.customRequest('next', { threadId });
    const stop = await watcher.nextStop('the step stop', 30_000, since);
    assert.equal(stop.body?.reason, 'step');
    const f = await topFrame(session, threadId);
    assert.equal(f.line, bpLine + 2, 'on the next line (add sp, sp, t1)');
    assert.notEqual(f.instructionPointerReference, bpFrame.instructionPointerReference);
  });

  it('steps back to the breakpoint', async () => {
    assert.ok(session, 'no session');
    const since = watcher.messages.length;
    await session.customRequest('stepBack', { threadId });
    const stop = await watcher.nextStop('the step-back stop', 30_000, since);
    assert.ok(['step', 'breakpoint'].includes(stop.body?.reason as string), `reason ${stop.body?.reason}`);
    const f = await topFrame(session, threadId);
    assert.equal(f.line, bpLine + 1);
    assert.equal(f.instructionPointerReference, bpFrame.instructionPointerReference, 'the pc is the breakpoint\'s again');
  });

  it('the views keep the last state after the session ends', async () => {
    assert.ok(session, 'no session');
    const ended = new Promise<void>((resolve) => {
      const sub = vscode.debug.onDidTerminateDebugSession((s) => {
        if (s.id === session?.id) {
          sub.dispose();
          resolve();
        }
      });
    });
    await vscode.debug.stopDebugging(session);
    await within(ended, 20_000, 'the session to end');
    const rows = flatten(await api.viewItems('hyperlab.tlb'));
    assert.ok(rows.some((r) => /→.*→/.test(r.label)), 'TLB entries are still listed');
  });
});
