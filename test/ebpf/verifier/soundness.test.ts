import { strict as assert } from 'node:assert';
import fc from 'fast-check';
import { checkProgram, ctxArb, programArb, type FuzzStats } from './fuzz';

describe('verifier: soundness against the interpreter (property)', function () {
  this.timeout(60_000);
  it('no accepted program trips a runtime check (2,000 random programs, 3 inputs each)', () => {
    const stats: FuzzStats = { programs: 0, accepted: 0, runs: 0 };
    fc.assert(
      fc.property(programArb, fc.array(ctxArb, { minLength: 3, maxLength: 3 }), (insns, inputs) => {
        checkProgram(insns, inputs, stats);
      }),
      { numRuns: 2000, seed: 4 },
    );
    assert.equal(stats.programs, 2000);
    // the generator must exercise the accepting side, or the property says nothing
    assert.ok(stats.accepted >= 200, `only ${stats.accepted} of 2000 programs accepted`);
  });
});
