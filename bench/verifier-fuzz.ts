/**
 * Long soundness run: `npx tsx bench/verifier-fuzz.ts [N]` (default 100,000 programs) over every
 * event. Every program the verifier accepts runs in the interpreter with every runtime check on,
 * over random contexts, and compiled with the verifier's facts (same r0, context and map bytes);
 * a runtime check that fires or a difference is a soundness bug and stops the run with the
 * program (fast-check shrinks it first).
 */
import fc from 'fast-check';
import { caseArb, checkProgram, type FuzzStats } from '../test/ebpf/verifier/fuzz';

const n = Number(process.argv[2] ?? 100_000);
const stats: FuzzStats = { programs: 0, accepted: 0, runs: 0 };
const t0 = performance.now();
fc.assert(
  fc.property(caseArb(4), ({ event, insns, ctxs }) => {
    checkProgram(insns, ctxs, stats, event, true);
  }),
  { numRuns: n },
);
console.log(
  `${stats.programs} programs over every event, ${stats.accepted} accepted (${stats.loops ?? 0} with loops, ${stats.calls ?? 0} with bpf-to-bpf calls), ` +
    `${stats.runs} interpreter runs, no runtime check fired; ${stats.factRuns ?? 0} compiled runs with facts (${stats.factAccesses ?? 0} accesses claimed in bounds) equal to the interpreter ` +
    `(${((performance.now() - t0) / 1000).toFixed(1)} s)`,
);
