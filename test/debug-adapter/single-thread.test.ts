/**
 * Protocol tests: single-thread execution (`supportsSingleThreadExecutionRequests`) with
 * DebugClient against the standalone adapter — a singleThread step or continue runs only the
 * named thread, `allThreadsContinued` says so, a thread left waiting alone stops as 'held' without
 * ending the session, and reverse execution across single-thread requests gives the recorded
 * states (architectural hashes), as the reverse tests of session.test.ts check for normal runs.
 */
import { strict as assert } from 'node:assert';
import * as path from 'node:path';
import type { DebugClient } from '@vscode/debugadapter-testsupport';
import type { DebugProtocol } from '@vscode/debugprotocol';
import { EXAMPLES, FIXTURES, archHash, failure, launch, lineOf, startClient, stopAfter, topFrame } from './support';

const PROGRAM = path.join(FIXTURES, 'two-harts.hlab.json');
const SOURCE = path.join(FIXTURES, 'two-harts.S');
const MARK0 = lineOf(SOURCE, 'li      t2, 4096');

/** Every general register of a thread (its top frame's first scope), by name. */
async function registers(dc: DebugClient, threadId: number): Promise<Record<string, string>> {
  const f = await topFrame(dc, threadId);
  const scopes = await dc.scopesRequest({ frameId: f.id });
  const vars = await dc.variablesRequest({ variablesReference: scopes.body.scopes[0].variablesReference });
  const out: Record<string, string> = {};
  for (const v of vars.body.variables) out[v.name] = v.value;
  assert.ok(Object.keys(out).length >= 32, `registers of thread ${threadId}: ${Object.keys(out).join(', ')}`);
  return out;
}

async function value(dc: DebugClient, threadId: number, expression: string): Promise<bigint> {
  const f = await topFrame(dc, threadId);
  const r = await dc.evaluateRequest({ expression, frameId: f.id, context: 'watch' });
  return BigInt(r.body.result.split(/\s/)[0]);
}

/** A continue request and the stop it leads to, with the response. */
async function continueTo(dc: DebugClient, args: DebugProtocol.ContinueArguments): Promise<{ response: DebugProtocol.ContinueResponse; stop: DebugProtocol.StoppedEvent }> {
  const stopped = dc.waitForEvent('stopped');
  const response = await dc.continueRequest(args);
  return { response, stop: (await stopped) as DebugProtocol.StoppedEvent };
}

describe('debug adapter: single-thread execution', function () {
  this.timeout(60_000);
  let dc: DebugClient;
  beforeEach(async () => { dc = await startClient(); });
  afterEach(async () => { await dc.stop(); });

  it('next with singleThread on hart 0 leaves hart 1\'s pc and registers unchanged', async () => {
    await launch(dc, { program: PROGRAM, stopOnEntry: true });
    // Let both harts get going first, so hart 1 has state worth keeping.
    await stopAfter(dc, () => dc.nextRequest({ threadId: 1, granularity: 'instruction' }));
    for (let i = 0; i < 300; i++) await stopAfter(dc, () => dc.nextRequest({ threadId: 2, granularity: 'instruction' }));
    const hart1 = await registers(dc, 2);
    const pc1 = (await topFrame(dc, 2)).instructionPointerReference;
    const pc0 = (await topFrame(dc, 1)).instructionPointerReference;
    for (let i = 0; i < 41; i++) {
      const stop = await stopAfter(dc, () => dc.nextRequest({ threadId: 1, granularity: 'instruction', singleThread: true }));
      assert.equal(stop.body.reason, 'step');
      assert.equal(stop.body.threadId, 1);
    }
    assert.notEqual((await topFrame(dc, 1)).instructionPointerReference, pc0, 'hart 0 moved');
    assert.equal((await topFrame(dc, 2)).instructionPointerReference, pc1, 'hart 1\'s pc is unchanged');
    assert.deepEqual(await registers(dc, 2), hart1, 'hart 1\'s registers are unchanged');
    // By line, too.
    await stopAfter(dc, () => dc.nextRequest({ threadId: 1, singleThread: true }));
    assert.deepEqual(await registers(dc, 2), hart1);
  });

  it('continue with singleThread to a breakpoint runs only that thread; without it both move', async () => {
    await launch(dc, { program: PROGRAM, stopOnEntry: true, configure: (c) => c.setBreakpointsRequest({ source: { path: SOURCE }, breakpoints: [{ line: MARK0 }] }) });
    await stopAfter(dc, () => dc.nextRequest({ threadId: 2, granularity: 'instruction' }));
    const first = await continueTo(dc, { threadId: 1, singleThread: true });
    assert.equal(first.response.body.allThreadsContinued, false);
    assert.equal(first.stop.body.reason, 'breakpoint');
    assert.equal(first.stop.body.threadId, 1);
    assert.equal((await topFrame(dc, 1)).line, MARK0);
    assert.equal(await value(dc, 1, 's1'), 256n);
    const hart1 = await registers(dc, 2);
    const count1 = await value(dc, 2, 's1');
    assert.ok(count1 < 2n, `hart 1 only did its first instructions (s1 = ${count1})`);

    const second = await continueTo(dc, { threadId: 1, singleThread: true });
    assert.equal(second.stop.body.reason, 'breakpoint');
    assert.equal(await value(dc, 1, 's1'), 512n);
    assert.deepEqual(await registers(dc, 2), hart1, 'hart 1 still held');

    const all = await continueTo(dc, { threadId: 1 });
    assert.equal(all.response.body.allThreadsContinued, true);
    assert.equal(all.stop.body.reason, 'breakpoint');
    assert.equal(await value(dc, 1, 's1'), 768n);
    assert.ok(await value(dc, 2, 's1') > count1 + 10n, 'hart 1 ran along');
  });

  it('stepBack and reverseContinue across single-thread requests give the recorded states', async () => {
    await launch(dc, {
      program: PROGRAM, stopOnEntry: true, checkpointInterval: 1000,
      configure: (c) => c.setBreakpointsRequest({ source: { path: SOURCE }, breakpoints: [{ line: MARK0 }] }),
    });
    const all = await continueTo(dc, { threadId: 1 });
    assert.equal(all.stop.body.reason, 'breakpoint');
    const atFirstHit = await archHash(dc);
    const steps = [atFirstHit];
    for (let i = 0; i < 5; i++) {
      await stopAfter(dc, () => dc.nextRequest({ threadId: 1, granularity: 'instruction', singleThread: true }));
      steps.push(await archHash(dc));
    }
    // hart 1 held for a whole round of hart 0's loop (checkpoints are taken meanwhile)
    const single = await continueTo(dc, { threadId: 1, singleThread: true });
    assert.equal(single.stop.body.reason, 'breakpoint');
    const atSecondHit = await archHash(dc);
    // then both harts again, over several checkpoints
    const again = await continueTo(dc, { threadId: 1 });
    assert.equal(again.stop.body.reason, 'breakpoint');
    const atThirdHit = await archHash(dc);

    const back = await stopAfter(dc, () => dc.reverseContinueRequest({ threadId: 1 }));
    assert.equal(back.body.reason, 'breakpoint');
    assert.deepEqual(await archHash(dc), atSecondHit, 'reverseContinue to the hit reached with hart 1 held');
    await stopAfter(dc, () => dc.reverseContinueRequest({ threadId: 1 }));
    assert.deepEqual(await archHash(dc), atFirstHit, 'reverseContinue across the single-thread continue and steps');

    // forward again over the same single-thread steps: the same states (the log is replayed)
    await stopAfter(dc, () => dc.continueRequest({ threadId: 1, singleThread: true }));
    assert.deepEqual(await archHash(dc), atSecondHit, 're-executed with hart 1 held from the first hit on');
    await stopAfter(dc, () => dc.continueRequest({ threadId: 1 }));
    assert.deepEqual(await archHash(dc), atThirdHit);

    // back to the single-thread steps, one by one
    await stopAfter(dc, () => dc.reverseContinueRequest({ threadId: 1 }));
    await stopAfter(dc, () => dc.reverseContinueRequest({ threadId: 1 }));
    assert.deepEqual(await archHash(dc), atFirstHit);
    for (let i = 1; i < steps.length; i++) {
      await stopAfter(dc, () => dc.nextRequest({ threadId: 1, granularity: 'instruction', singleThread: true }));
      assert.deepEqual(await archHash(dc), steps[i], `single-thread step ${i} again`);
    }
    for (let i = steps.length - 2; i >= 0; i--) {
      const s = await stopAfter(dc, () => dc.stepBackRequest({ threadId: 1, granularity: 'instruction' }));
      assert.equal(s.body.threadId, 1);
      assert.deepEqual(await archHash(dc), steps[i], `stepped back to single-thread step ${i}`);
    }
  });

  it('single-thread steps of either hart, stepped back one by one, give each recorded state', async () => {
    await launch(dc, {
      program: PROGRAM, stopOnEntry: true, checkpointInterval: 1000,
      configure: (c) => c.setBreakpointsRequest({ source: { path: SOURCE }, breakpoints: [{ line: MARK0 }] }),
    });
    await continueTo(dc, { threadId: 1 });
    await dc.setBreakpointsRequest({ source: { path: SOURCE }, breakpoints: [] });
    const plan = [1, 1, 2, 2, 2, 1, 2, 1, 1];
    const recorded = [await archHash(dc)];
    for (const threadId of plan) {
      await stopAfter(dc, () => dc.stepInRequest({ threadId, granularity: 'instruction', singleThread: true }));
      recorded.push(await archHash(dc));
    }
    for (let i = plan.length - 1; i >= 0; i--) {
      const s = await stopAfter(dc, () => dc.stepBackRequest({ threadId: plan[i], granularity: 'instruction' }));
      assert.equal(s.body.reason, 'step');
      assert.deepEqual(await archHash(dc), recorded[i], `back before step ${i} (thread ${plan[i]})`);
    }
  });

  it('a thread left alone in wfi stops as held, the session goes on', async () => {
    await launch(dc, { program: PROGRAM, stopOnEntry: true });
    const r = await continueTo(dc, { threadId: 1, singleThread: true });
    assert.equal(r.stop.body.reason, 'pause');
    assert.equal(r.stop.body.threadId, 1);
    assert.match(r.stop.body.description ?? '', /all other threads are held \(singleThread\) and hart 0 \(M\) waits with nothing to wake it: hart 1 is held; hart 0 waits \(wfi\)/);
    assert.equal(await value(dc, 1, 's1'), 4096n);
    const hash = await archHash(dc);
    // Again: the same stop at once, nothing changed.
    const again = await continueTo(dc, { threadId: 1, singleThread: true });
    assert.equal(again.stop.body.reason, 'pause');
    assert.deepEqual(await archHash(dc), hash);
    // Still debuggable: back, forward with both harts.
    await stopAfter(dc, () => dc.stepBackRequest({ threadId: 1, granularity: 'instruction' }));
    assert.notDeepEqual(await archHash(dc), hash);
    await stopAfter(dc, () => dc.nextRequest({ threadId: 1, granularity: 'instruction', singleThread: true }));
    assert.deepEqual(await archHash(dc), hash, 'forward again to the held stop');
    const count1 = await value(dc, 2, 's1');
    await stopAfter(dc, () => dc.nextRequest({ threadId: 2, granularity: 'instruction' }));
    assert.equal(await value(dc, 2, 's1') >= count1, true);
  });

  it('with a hypervisor a thread is a vCPU: the other hart is held; a vCPU off any hart cannot run alone', async () => {
    await launch(dc, { program: path.join(EXAMPLES, 'two-vms/two-vms.hlab.json'), stopOnEntry: true, checkpointInterval: 1000 });
    const threads = (await dc.threadsRequest()).body.threads;
    const onHart = (h: number): DebugProtocol.Thread | undefined => threads.find((t) => t.name.endsWith(`hart ${h})`));
    const t0 = onHart(0), t1 = onHart(1);
    assert.ok(t0 !== undefined && t1 !== undefined, threads.map((t) => t.name).join('; '));
    const other = await registers(dc, t1.id);
    const at = await archHash(dc);
    const recorded = [at];
    for (let i = 0; i < 20; i++) {
      await stopAfter(dc, () => dc.nextRequest({ threadId: t0.id, granularity: 'instruction', singleThread: true }));
      recorded.push(await archHash(dc));
    }
    assert.deepEqual(await registers(dc, t1.id), other, `${t1.name} did not move`);
    for (let i = recorded.length - 2; i >= recorded.length - 4; i--) {
      await stopAfter(dc, () => dc.stepBackRequest({ threadId: t0.id, granularity: 'instruction' }));
      assert.deepEqual(await archHash(dc), recorded[i], `vCPU step ${i}`);
    }
    const off = threads.find((t) => /not on a hart/.test(t.name));
    if (off !== undefined) {
      const msg = await failure(dc.nextRequest({ threadId: off.id, singleThread: true }));
      assert.match(msg, /is not on a hart now, so it cannot run alone/);
    }
  });

  it('with a hypervisor, a vCPU run alone that leaves its hart (its VM shuts down) ends as held; all threads then run to the end', async () => {
    await launch(dc, { program: path.join(EXAMPLES, 'two-vms/two-vms.hlab.json'), stopOnEntry: true });
    const r = await continueTo(dc, { threadId: 1, singleThread: true });
    assert.equal(r.response.body.allThreadsContinued, false);
    assert.equal(r.stop.body.reason, 'pause');
    assert.match(r.stop.body.description ?? '', /all other threads are held \(singleThread\) and a\/vCPU 0 \(stopped, not on a hart\) waits with nothing to wake it: hart 1 is held; hart 0 is stopped/);
    // b's vCPU 1, started meanwhile, was placed on the held hart and has not run
    const threads = (await dc.threadsRequest()).body.threads.map((t) => t.name);
    assert.ok(threads.some((n) => /^b\/vCPU 1 \(VS, hart 1\)/.test(n)), threads.join('; '));
    const end = await continueTo(dc, { threadId: 1 });
    assert.equal(end.response.body.allThreadsContinued, true);
    assert.equal(end.stop.body.reason, 'end');
    assert.match(end.stop.body.description ?? '', /every VM shut down \(a: shutdown, b: shutdown\)/);
  });
});
