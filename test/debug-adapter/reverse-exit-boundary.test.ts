/**
 * Protocol test: reverse continue from the boundary right after an exception stop made inside a
 * VM exit. A guest-page fault on the very first fetch (pc 0x80000000, nothing retired) is an exit
 * that retires nothing and resumes the vCPU at the same pc once the hypervisor has mapped the page:
 * the boundary after it has the position, the pcs and the VM-exit count of the stop inside it. A
 * source breakpoint on the first instruction stops at that boundary (its physical check runs only
 * after the fetch translation, which succeeds only after the exit). With the vm-exit filter set
 * there, reverse continue must stop inside the exit (the state recorded at the exception stop a
 * run with the filter makes), not take it for the current place and go to the one before (or to
 * the start). Checked on
 * hello-vm (one hart) and two-vms (two harts, four vCPUs).
 */
import { strict as assert } from 'node:assert';
import * as path from 'node:path';
import type { DebugClient } from '@vscode/debugadapter-testsupport';
import { EXAMPLES, archHash, launch, lineOf, startClient, stopAfter } from './support';

interface Case { scenario: string; source: string; firstInstruction: string }

const CASES: Case[] = [
  { scenario: 'hello-vm/hello-vm.hlab.json', source: 'hello-vm/hello-vm.S', firstInstruction: 'la sp, stack_top' },
  { scenario: 'two-vms/two-vms.hlab.json', source: 'two-vms/guest.S', firstInstruction: 'bnez a0, secondary' },
];

const VM_EXIT = { filters: [], filterOptions: [{ filterId: 'vm-exit' }] };

interface Seen { hash: string; position: string }

interface ExitStop extends Seen { description: string }

/**
 * The exception stops a run with the vm-exit filter makes before the first instruction retires
 * (fresh adapter): on two-vms both harts take the fetch fault of their first instruction.
 */
async function exitStopsAtStart(c: Case): Promise<ExitStop[]> {
  const dc = await startClient();
  try {
    let s = await launch(dc, { program: path.join(EXAMPLES, c.scenario), configure: (d) => d.setExceptionBreakpointsRequest(VM_EXIT) });
    const found: ExitStop[] = [];
    for (;;) {
      const h = await archHash(dc);
      if (h.position !== '0') break;
      assert.equal(s.body.reason, 'exception', `stop with the vm-exit filter: ${s.body.reason} ${s.body.description ?? ''}`);
      found.push({ ...h, description: s.body.description ?? '' });
      const threadId = s.body.threadId ?? 1;
      s = await stopAfter(dc, () => dc.continueRequest({ threadId }));
    }
    return found;
  } finally {
    await dc.stop();
  }
}

describe('debug adapter: reverse continue from the boundary right after an exception stop inside a VM exit', function () {
  this.timeout(60_000);
  let dc: DebugClient;
  beforeEach(async () => { dc = await startClient(); });
  afterEach(async () => { await dc.stop(); });

  for (const c of CASES) {
    it(`${path.basename(c.scenario, '.hlab.json')}: reverse continue stops inside the exit, with the state recorded there; stepping back comes back to it`, async () => {
      const exits = await exitStopsAtStart(c);
      assert.ok(exits.length > 0, 'an exception stop before the first instruction retires');
      for (const e of exits) assert.match(e.description, /guest-page-fault\) at 0x80000000/, 'the fetch fault of the first instruction');

      const file = path.join(EXAMPLES, c.source);
      const b = await launch(dc, { program: path.join(EXAMPLES, c.scenario), configure: (d) => d.setBreakpointsRequest({ source: { path: file }, breakpoints: [{ line: lineOf(file, c.firstInstruction) }] }) });
      assert.equal(b.body.reason, 'breakpoint', `${b.body.reason} ${b.body.description ?? ''}`);
      const threadId = b.body.threadId ?? 1;
      const after = await archHash(dc);
      assert.equal(after.position, '0', 'the breakpoint stop lies at the position of the exit stops');
      assert.ok(exits.every((e) => e.hash !== after.hash), 'the breakpoint stop lies after the exits (the pages are mapped)');

      await dc.setExceptionBreakpointsRequest(VM_EXIT);
      for (let k = exits.length - 1; k >= 0; k--) {
        const back = await stopAfter(dc, () => dc.reverseContinueRequest({ threadId }));
        assert.equal(back.body.reason, 'exception', `reverse continue to exit stop ${k + 1}: ${back.body.reason} ${back.body.description ?? ''}`);
        const want = { hash: exits[k].hash, position: exits[k].position };
        assert.deepEqual(await archHash(dc), want, `reverse continue gives the state recorded inside exit ${k + 1}`);

        // One instruction step of the stopped thread, then a step back: that exception stop again, exactly.
        const t = back.body.threadId ?? threadId;
        await stopAfter(dc, () => dc.nextRequest({ threadId: t, granularity: 'instruction' }));
        assert.notEqual((await archHash(dc)).hash, want.hash, 'the step moved');
        const sb = await stopAfter(dc, () => dc.stepBackRequest({ threadId: t, granularity: 'instruction' }));
        assert.equal(sb.body.reason, 'step', `step back: ${sb.body.reason} ${sb.body.description ?? ''}`);
        assert.deepEqual(await archHash(dc), want, `stepping back gives the state recorded inside exit ${k + 1}`);
      }
      // No exception stop comes before the first: reverse continue reaches the start.
      const start = await stopAfter(dc, () => dc.reverseContinueRequest({ threadId }));
      assert.equal(start.body.reason, 'entry', `${start.body.reason} ${start.body.description ?? ''}`);
    });
  }
});
