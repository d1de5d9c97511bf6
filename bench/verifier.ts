/**
 * Verifier speed: median time per PREVAIL case, a 4,096-instruction program, and a program with
 * 10 nested bounded loops. Targets: < 5 ms, < 50 ms, < 200 ms.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as I from '../simulator/ebpf/isa';
import type { Insn } from '../simulator/ebpf/isa';
import { verify } from '../simulator/ebpf/verifier/index';
import { eventPlatform } from '../simulator/ebpf/verifier/platform';
import { parsePrevailFile, runCase } from '../simulator/ebpf/verifier/prevail';
import { repoPath } from '../test/support/repo';

const mk = (opcode: number, dst = 0, src = 0, off = 0, imm = 0): Insn => ({ opcode, dst, src, off, imm });

/** Straight-line code with forward branches, stack traffic and context loads: `n` instructions. */
export function bigProgram(n: number): Insn[] {
  const out: Insn[] = [mk(I.BPF_ALU64 | I.BPF_MOV | I.BPF_X, 6, 1)];
  for (let r = 0; r <= 9; r++) if (r !== 1 && r !== 6) out.push(mk(I.BPF_ALU64 | I.BPF_MOV, r, 0, 0, r));
  let k = 0;
  while (out.length < n - 2) {
    const r = 2 + (k % 4);
    switch (k % 8) {
      case 0: out.push(mk(I.BPF_LDX | I.BPF_MEM | I.BPF_DW, r, 6, 16)); break;
      case 1: out.push(mk(I.BPF_ALU64 | I.BPF_AND, r, 0, 0, 0xff)); break;
      case 2: out.push(mk(I.BPF_ALU64 | I.BPF_ADD | I.BPF_X, 7, r)); break;
      case 3: out.push(mk(I.BPF_STX | I.BPF_MEM | I.BPF_DW, 10, 7, -8 * (1 + (k % 32)))); break;
      case 4: out.push(mk(I.BPF_JMP | I.BPF_JGT, r, 0, 1, 100)); break;
      case 5: out.push(mk(I.BPF_ALU64 | I.BPF_RSH, 7, 0, 0, 1)); break;
      case 6: out.push(mk(I.BPF_LDX | I.BPF_MEM | I.BPF_DW, 8, 10, -8 * (1 + ((k - 3) % 32)))); break;
      default: out.push(mk(I.BPF_ALU64 | I.BPF_XOR | I.BPF_X, 9, 8)); break;
    }
    k++;
  }
  out.push(mk(I.BPF_ALU64 | I.BPF_MOV, 0, 0, 0, 0), mk(I.OPCODE_EXIT));
  return out;
}

/** `depth` nested loops, each running `trips` times, counters in r0..r9. */
export function nestedLoops(depth: number, trips: number): Insn[] {
  const out: Insn[] = [];
  const heads: number[] = [];
  for (let d = 0; d < depth; d++) {
    out.push(mk(I.BPF_ALU64 | I.BPF_MOV, d, 0, 0, 0));
    heads.push(out.length);
  }
  for (let d = depth - 1; d >= 0; d--) {
    out.push(mk(I.BPF_ALU64 | I.BPF_ADD, d, 0, 0, 1));
    const here = out.length;
    out.push(mk(I.BPF_JMP | I.BPF_JLT, d, 0, heads[d] - here - 1, trips));
  }
  out.push(mk(I.BPF_ALU64 | I.BPF_MOV, 0, 0, 0, 0), mk(I.OPCODE_EXIT));
  return out;
}

function time(f: () => void, reps: number): number {
  const t: number[] = [];
  for (let i = 0; i < reps; i++) {
    const t0 = performance.now();
    f();
    t.push(performance.now() - t0);
  }
  t.sort((a, b) => a - b);
  return t[t.length >> 1];
}

export function benchVerifier(_argv: string[] = []): void {
  const dir = join(process.env.HYPERLAB_SHARED ?? repoPath('..', 'shared'), 'conformance', 'prevail');
  const cases = readdirSync(dir)
    .filter((f) => f.endsWith('.yaml') && f !== 'test-schema.yaml')
    .flatMap((f) => parsePrevailFile(readFileSync(join(dir, f), 'utf8'), f));
  for (const c of cases) runCase(c); // warm up
  const per = cases.map((c) => time(() => runCase(c), 3)).sort((a, b) => a - b);
  const platform = eventPlatform('tracing', []);
  const big = bigProgram(4096);
  const loops = nestedLoops(10, 3);
  const bigMs = time(() => {
    const r = verify({ insns: big, platform });
    if (!r.ok) throw new Error(`4096-instruction program rejected: ${r.diagnostics[0]?.message}`);
  }, 5);
  const loopMs = time(() => {
    const r = verify({ insns: loops, platform });
    if (!r.ok) throw new Error(`nested loops rejected: ${r.diagnostics[0]?.message}`);
  }, 5);
  console.log('Verifier');
  console.log(`  PREVAIL cases: ${cases.length}, median ${per[per.length >> 1].toFixed(3)} ms, p90 ${per[Math.floor(per.length * 0.9)].toFixed(3)} ms, max ${per[per.length - 1].toFixed(2)} ms (target median < 5 ms)`);
  console.log(`  4096 instructions: ${bigMs.toFixed(1)} ms (target < 50 ms)`);
  console.log(`  10 nested bounded loops: ${loopMs.toFixed(1)} ms (target < 200 ms)`);
}
