import { strict as assert } from 'node:assert';
import fc from 'fast-check';
import { caseArb, checkProgram, type FuzzStats } from './fuzz';

describe('verifier: soundness against the interpreter (property)', function () {
  this.timeout(120_000);
  it('no accepted program trips a runtime check; compiled with the verifier facts = checked interpreter (2,000 random programs over every event, 3 inputs each)', () => {
    const stats: FuzzStats = { programs: 0, accepted: 0, runs: 0 };
    const events = new Map<string, number>();
    fc.assert(
      fc.property(caseArb(3), ({ event, insns, ctxs }) => {
        events.set(event, (events.get(event) ?? 0) + 1);
        checkProgram(insns, ctxs, stats, event, true);
      }),
      { numRuns: 2000, seed: 4 },
    );
    assert.equal(stats.programs, 2000);
    assert.equal(events.size, 4, 'every event is exercised');
    // the generator must exercise the accepting side, or the property says nothing
    assert.ok(stats.accepted >= 200, `only ${stats.accepted} of 2000 programs accepted`);
    assert.ok((stats.loops ?? 0) >= 20, `only ${stats.loops} accepted programs with loops`);
    assert.ok((stats.calls ?? 0) >= 20, `only ${stats.calls} accepted programs with bpf-to-bpf calls`);
    assert.ok((stats.factAccesses ?? 0) >= 500, `facts claimed only ${stats.factAccesses} accesses in bounds`);
    assert.equal(stats.factRuns, stats.runs);
  });
});
