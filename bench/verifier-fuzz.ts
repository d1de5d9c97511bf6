/**
 * Long soundness run: `npx tsx bench/verifier-fuzz.ts [N]` (default 100,000 programs). Every
 * program the verifier accepts runs in the interpreter with every runtime check on, over random
 * contexts; a runtime check that fires is a verifier soundness bug and stops the run with the
 * program (fast-check shrinks it first).
 */
import fc from 'fast-check';
import { checkProgram, ctxArb, programArb, type FuzzStats } from '../test/ebpf/verifier/fuzz';

const n = Number(process.argv[2] ?? 100_000);
const stats: FuzzStats = { programs: 0, accepted: 0, runs: 0 };
const t0 = performance.now();
fc.assert(
  fc.property(programArb, fc.array(ctxArb, { minLength: 4, maxLength: 4 }), (insns, inputs) => {
    checkProgram(insns, inputs, stats);
  }),
  { numRuns: n },
);
console.log(`${stats.programs} programs, ${stats.accepted} accepted, ${stats.runs} interpreter runs, no runtime check fired (${((performance.now() - t0) / 1000).toFixed(1)} s)`);
