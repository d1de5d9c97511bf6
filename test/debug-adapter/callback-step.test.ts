/**
 * Protocol test: step in enters a hyper-callback that an event runs on behalf of the stepped vCPU,
 * even when the callback's file has no breakpoints (page-reclaim: the host's reclaim event runs
 * reclaim.hcb for the 'callback' VM). A plain next does not.
 */
import { strict as assert } from 'node:assert';
import * as path from 'node:path';
import type { DebugClient } from '@vscode/debugadapter-testsupport';
import { EXAMPLES, archHash, launch, lineOf, startClient, stopAfter, topFrame } from './support';

const RECLAIM = path.join(EXAMPLES, 'page-reclaim/reclaim.hcb');
const SCENARIO = path.join(EXAMPLES, 'page-reclaim/page-reclaim.hlab.json');
const FIRST = lineOf(RECLAIM, 'r6 = *(u64 *)(r1 + 8)');

/**
 * Stops right after the reclaim event (a breakpoint in the callback), then steps back out of the
 * callback and one instruction of the machine: the thread is just before the event. The
 * callback breakpoint is gone by then. Returns the thread and the position after the event.
 */
async function beforeTheEvent(dc: DebugClient): Promise<{ threadId: number; after: { hash: string; position: string } }> {
  const stop = await launch(dc, { program: SCENARIO, checkpointInterval: 100_000, configure: (c) => c.setBreakpointsRequest({ source: { path: RECLAIM }, breakpoints: [{ line: FIRST }] }) });
  assert.equal(stop.body.reason, 'breakpoint');
  const threadId = stop.body.threadId as number;
  assert.equal((await topFrame(dc, threadId)).line, FIRST);
  const after = await archHash(dc);
  await dc.setBreakpointsRequest({ source: { path: RECLAIM }, breakpoints: [] });
  // at the callback's first instruction: a step back leaves it, the machine goes back
  await stopAfter(dc, () => dc.stepBackRequest({ threadId, granularity: 'instruction' }));
  assert.notEqual((await topFrame(dc, threadId)).source?.path, RECLAIM);
  assert.ok(BigInt((await archHash(dc)).position) < BigInt(after.position), 'before the event');
  return { threadId, after };
}

describe('debug adapter: step in enters a callback run by an event', function () {
  this.timeout(60_000);
  let dc: DebugClient;
  beforeEach(async () => { dc = await startClient(); });
  afterEach(async () => { await dc.stop(); });

  for (const granularity of ['instruction', 'line'] as const) {
    it(`stepIn by ${granularity} over the event stops at the callback's first instruction (no breakpoint in it)`, async () => {
      const { threadId, after } = await beforeTheEvent(dc);
      const s = await stopAfter(dc, () => dc.stepInRequest({ threadId, granularity }));
      assert.equal(s.body.reason, 'step');
      assert.match(s.body.description ?? '', /stepped into callback reclaim\.hcb \(page-reclaim\): replayed/);
      const frames = (await dc.stackTraceRequest({ threadId })).body.stackFrames;
      assert.equal(frames[0].source?.path, RECLAIM);
      assert.equal(frames[0].line, FIRST);
      assert.notEqual(frames[1].source?.path, RECLAIM, 'the vCPU frames follow');
      assert.deepEqual(await archHash(dc), after, 'the machine stands right after the event, as at the breakpoint');
      // inside the recorded run: step, then on to its end and back to the machine
      await stopAfter(dc, () => dc.nextRequest({ threadId }));
      assert.equal((await topFrame(dc, threadId)).line, lineOf(RECLAIM, 'r3 = 0x80000000 ll'));
      const out = await stopAfter(dc, () => dc.stepOutRequest({ threadId }));
      assert.match(out.body.description ?? '', /returned r0/);
      const back = await stopAfter(dc, () => dc.nextRequest({ threadId }));
      assert.match(back.body.description ?? '', /callback reclaim\.hcb finished; the machine is stopped right after its event/);
      assert.notEqual((await topFrame(dc, threadId)).source?.path, RECLAIM);
    });
  }

  it('next over the event does not enter the callback', async () => {
    const { threadId } = await beforeTheEvent(dc);
    const s = await stopAfter(dc, () => dc.nextRequest({ threadId, granularity: 'instruction' }));
    assert.equal(s.body.reason, 'step');
    assert.notEqual((await topFrame(dc, threadId)).source?.path, RECLAIM);
  });
});
