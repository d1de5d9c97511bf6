/**
 * Protocol test: reverse execution across stops made by exception filters at VM exits. An ecall
 * or a guest-page-fault exit retires nothing, and a guest-page fault the hypervisor maps resumes
 * the vCPU at the same pc: the stop right after such an exit has the position and the pcs of the
 * boundary before the trapping instruction. Stepping back and reverse continue must still come
 * back to the state recorded at the exception stop (same architectural hash), not to the one
 * before the exit. Checked on hello-vm (one hart, one vCPU) and two-vms (two harts, four vCPUs)
 * with the vm-exit, ecall and guest-page-fault filters.
 */
import { strict as assert } from 'node:assert';
import * as path from 'node:path';
import type { DebugClient } from '@vscode/debugadapter-testsupport';
import { EXAMPLES, archHash, launch, startClient, stopAfter } from './support';

interface Recorded { hash: string; position: bigint; threadId: number; what: string }

interface Case { scenario: string; filter: string; condition?: string; exits: number }

const CASES: Case[] = [
  { scenario: 'hello-vm/hello-vm.hlab.json', filter: 'vm-exit', exits: 8 },
  { scenario: 'hello-vm/hello-vm.hlab.json', filter: 'ecall', exits: 3 },
  { scenario: 'hello-vm/hello-vm.hlab.json', filter: 'guest-page-fault', exits: 3 },
  { scenario: 'two-vms/two-vms.hlab.json', filter: 'vm-exit', exits: 8 },
  { scenario: 'two-vms/two-vms.hlab.json', filter: 'ecall', exits: 4 },
  { scenario: 'two-vms/two-vms.hlab.json', filter: 'guest-page-fault', exits: 4 },
  { scenario: 'two-vms/two-vms.hlab.json', filter: 'vm-exit', condition: 'ecall, guest-page-fault', exits: 6 },
];

/** Instruction steps recorded after each exception stop when stepping back. */
const STEPS_AFTER = 2;

async function record(dc: DebugClient): Promise<Recorded> {
  const h = await archHash(dc);
  return { hash: h.hash, position: BigInt(h.position), threadId: 0, what: '' };
}

/**
 * Launches stopped on entry with the filter set, then `c.exits` times: continue to the next
 * exception stop and take `steps` instruction steps of its thread; every stop is recorded.
 */
async function recordForward(dc: DebugClient, c: Case, steps: number): Promise<Recorded[]> {
  await launch(dc, {
    program: path.join(EXAMPLES, c.scenario), stopOnEntry: true,
    configure: (d) => d.setExceptionBreakpointsRequest({ filters: [], filterOptions: [{ filterId: c.filter, ...(c.condition === undefined ? {} : { condition: c.condition }) }] }),
  });
  const first = (await dc.threadsRequest()).body.threads[0].id;
  const stops: Recorded[] = [{ ...(await record(dc)), threadId: first, what: 'entry' }];
  for (let k = 0; k < c.exits; k++) {
    const s = await stopAfter(dc, () => dc.continueRequest({ threadId: stops[stops.length - 1].threadId }));
    assert.equal(s.body.reason, 'exception', `exception stop ${k + 1}: ${s.body.reason} ${s.body.description ?? ''}`);
    const threadId = s.body.threadId ?? first;
    stops.push({ ...(await record(dc)), threadId, what: `exception ${k + 1}: ${s.body.description ?? ''}` });
    for (let j = 0; j < steps; j++) {
      const n = await stopAfter(dc, () => dc.nextRequest({ threadId, granularity: 'instruction' }));
      assert.equal(n.body.reason, 'step', `step ${j + 1} after exception ${k + 1}: ${n.body.description ?? ''}`);
      stops.push({ ...(await record(dc)), threadId, what: `step ${j + 1} after exception ${k + 1}` });
    }
  }
  return stops;
}

describe('debug adapter: reverse execution across exception stops at VM exits', function () {
  this.timeout(60_000);
  let dc: DebugClient;
  beforeEach(async () => { dc = await startClient(); });
  afterEach(async () => { await dc.stop(); });

  for (const c of CASES) {
    const name = `${path.basename(c.scenario, '.hlab.json')}, ${c.filter} filter${c.condition === undefined ? '' : ` (${c.condition})`}`;

    it(`${name}: stepping back by instruction comes back to every recorded stop with its recorded state`, async () => {
      const stops = await recordForward(dc, c, STEPS_AFTER);
      // Step back (with the thread of the stop looked for) from the last stop to the entry. Every
      // recorded stop must be met: a place at its position with its hash. Other places are passed
      // (instructions the forward continue ran, boundaries of other harts, the boundary before a
      // trapping instruction), but going below a recorded stop's position without meeting it fails.
      let target = stops.length - 2;
      let visits = 0;
      while (target >= 0) {
        const want = stops[target];
        const s = await stopAfter(dc, () => dc.stepBackRequest({ threadId: want.threadId, granularity: 'instruction' }));
        assert.notEqual(s.body.description?.startsWith('error'), true, s.body.description);
        const now = await record(dc);
        visits++;
        assert.ok(now.position >= want.position, `stepped back to position ${now.position} without meeting ${want.what} at ${want.position} (hash ${want.hash.slice(0, 12)}; the last step back came from above it)`);
        if (now.position === want.position && now.hash === want.hash) target--;
        else if (s.body.reason === 'entry') assert.fail(`reached the start of the history without meeting ${want.what} at ${want.position}`);
        assert.ok(visits < 5000, 'too many steps back');
      }
    });

    it(`${name}: reverse continue stops at each earlier exception stop with its recorded state`, async () => {
      // Without steps between them: on two harts, a step of one thread lets the other run, and its
      // exits are stops of the filter too when going back.
      const stops = await recordForward(dc, c, 0);
      const exceptions = stops.slice(0, -1).filter((s) => s.what.startsWith('exception'));
      const threadId = stops[stops.length - 1].threadId;
      for (let k = exceptions.length - 1; k >= 0; k--) {
        const want = exceptions[k];
        const s = await stopAfter(dc, () => dc.reverseContinueRequest({ threadId }));
        assert.equal(s.body.reason, 'exception', `reverse continue to ${want.what}: ${s.body.reason} ${s.body.description ?? ''}`);
        const now = await record(dc);
        assert.deepEqual({ position: now.position, hash: now.hash }, { position: want.position, hash: want.hash }, `reverse continue to ${want.what}`);
      }
      const s = await stopAfter(dc, () => dc.reverseContinueRequest({ threadId }));
      assert.equal(s.body.reason, 'entry', 'no exception stop before the first');
      assert.equal((await record(dc)).hash, stops[0].hash, 'back at the launch state');
    });
  }
});
