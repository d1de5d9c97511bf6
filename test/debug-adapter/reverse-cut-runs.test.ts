/**
 * Protocol test: stepping back over the first steps after launch on two-vms (hypervisor, nested
 * paging, TLB costs). Each recorded stop cuts the run inside a hart's burst; stepping back
 * re-executes from a checkpoint with other cuts, so it gives the recorded state only if a cut run
 * does what an uninterrupted one does (Machine.runHart carries the rest of a cut burst). Checked
 * with and without singleThread.
 */
import { strict as assert } from 'node:assert';
import * as path from 'node:path';
import type { DebugClient } from '@vscode/debugadapter-testsupport';
import { EXAMPLES, archHash, launch, startClient, stopAfter } from './support';

const PROGRAM = path.join(EXAMPLES, 'two-vms/two-vms.hlab.json');
const STEPS = 20;

describe('debug adapter: stepping back right after launch on two-vms', function () {
  this.timeout(60_000);
  let dc: DebugClient;
  beforeEach(async () => { dc = await startClient(); });
  afterEach(async () => { await dc.stop(); });

  for (const singleThread of [false, true]) {
    {
      const how = singleThread ? 'singleThread' : 'all threads';
      it(`${STEPS} instruction steps, then ${STEPS} steps back reproduce each recorded state (${how})`, async () => {
        await launch(dc, { program: PROGRAM, stopOnEntry: true });
        const threadId = (await dc.threadsRequest()).body.threads[0].id;
        const recorded = [await archHash(dc)];
        for (let i = 0; i < STEPS; i++) {
          const stop = await stopAfter(dc, () => dc.nextRequest({ threadId, granularity: 'instruction', singleThread }));
          assert.equal(stop.body.reason, 'step', `step ${i + 1}: ${stop.body.description ?? ''}`);
          recorded.push(await archHash(dc));
        }
        assert.notDeepEqual(recorded[STEPS], recorded[0], 'the steps changed the state');
        for (let i = STEPS - 1; i >= 0; i--) {
          const stop = await stopAfter(dc, () => dc.stepBackRequest({ threadId, granularity: 'instruction' }));
          assert.equal(stop.body.reason, 'step', `back to ${i}: ${stop.body.description ?? ''}`);
          assert.deepEqual(await archHash(dc), recorded[i], `back to the state after step ${i}`);
        }
      });
    }
  }
});
