/**
 * eBPF assembler speed: the language server re-assembles a callback on every keystroke, so one
 * `assemble()` of a 1,000-instruction callback must stay well under ~5 ms.
 *
 * Prints the median time of the current assembler (chevrotain statement parser) and, as the
 * baseline measured in the same run, of the hand-written recursive-descent parser it replaced.
 * That baseline is not kept in the tree: it is read from git (`BASELINE_REV`, the last commit
 * with the hand-written parser) and bundled on the fly with esbuild, against today's lexer, ISA
 * and helper tables, so both figures measure only the parsers' difference. Without git or the
 * revision the baseline line says why and the current figure is still printed.
 *
 *   npx tsx bench/main.ts --only ebpf-asm [--asm-baseline REV]   (or: npx tsx bench/ebpf-asm.ts)
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { assemble } from '../simulator/ebpf/asm/assembler';

/** The last commit whose assembler parsed statements by hand (before the chevrotain port). */
const BASELINE_REV = 'a9f5dd6';
const INSTRUCTIONS = 1000;
const RUNS = 60;
const BLOCK = 10;

type AssembleFn = (source: string, options?: { file?: string }) => { diagnostics: unknown[]; program: { insns: unknown[] } };

/**
 * A deterministic callback of `n` instructions in the shape real callbacks have: context and
 * stack loads/stores, ALU in both widths, bounds checks jumping to labels, helper calls, map
 * loads, atomics, byte swaps, and a ubpf-syntax stretch every so often.
 */
export function callbackSource(n: number): string {
  const lines = ['.event page-reclaim', '.map counts, array, 4, 8, 64', '.range 0x1000, 0x200000'];
  let seed = 0x2545f491;
  const rnd = (k: number): number => {
    seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
    return (seed >>> 8) % k;
  };
  const forms: ((i: number) => string[])[] = [
    () => [`r${2 + rnd(4)} = *(u64 *)(r1 + ${8 * rnd(4)})`],
    () => [`*(u64 *)(r10 - ${8 * (1 + rnd(8))}) = r${2 + rnd(4)}`],
    () => [`*(u32 *)(r10 - ${4 * (1 + rnd(16))}) = ${rnd(1000)}`],
    () => [`w${2 + rnd(4)} += ${rnd(100)}`],
    () => [`r${2 + rnd(4)} s>>= ${rnd(63)}`],
    () => [`r${2 + rnd(4)} = r${2 + rnd(4)}`],
    (i) => [`if r${2 + rnd(4)} s> r${2 + rnd(4)} goto L${i + 1 + rnd(8)}`],
    (i) => [`if w${2 + rnd(4)} == ${rnd(16)} goto L${i + 1 + rnd(8)}`],
    () => ['call ktime_get_ns'],
    () => ['r1 = counts ll'],
    () => ['lock *(u64 *)(r10 - 8) += r2'],
    () => {
      const r = 2 + rnd(4);
      return [`r${r} = be32 r${r}`];
    },
    () => [`r${2 + rnd(4)} = 0x${(rnd(0xffffff) * 0x1000 + 0x123).toString(16)} ll`],
    () => [`ldxw %r${2 + rnd(4)}, [%r1+${4 * rnd(8)}]`],
    (i) => [`jgt %r${2 + rnd(4)}, ${rnd(100)}, L${i + 1 + rnd(8)}`],
  ];
  let count = 0;
  let label = 0;
  while (count < n - 2) {
    if (count >= label * 16) lines.push(`L${label++}:`);
    const form = forms[rnd(forms.length)](label);
    for (const l of form) {
      lines.push(`  ${l}`);
      // a 64-bit load takes two slots but is one instruction
      count++;
    }
  }
  // every label a jump may name exists: L0..L(label+8)
  for (let k = label; k <= label + 8; k++) lines.push(`L${k}:`);
  lines.push('  r0 = 0', '  exit');
  return `${lines.join('\n')}\n`;
}

/**
 * Run k's source with every line's text new (a comment naming the run appended), so that no line
 * is in the assembler's line cache: the cost of a file seen for the first time.
 */
function coldSource(source: string, run: number): string {
  return source.split('\n').map((l) => `${l} ;${run}`).join('\n');
}

/** Run k's source with one instruction line edited, as on a keystroke (the others unchanged). */
function editedSource(lines: readonly string[], run: number): string {
  const edited = [...lines];
  const at = 40 + ((run * 37) % (lines.length - 80));
  edited[at] = lines[at].startsWith('L') ? lines[at] : `  r${run % 10} = ${run}`;
  return edited.join('\n');
}

interface Timing {
  /** Median CPU time (user + system) of one assemble, ms: what it costs, whatever else the machine runs. */
  cpu: number;
  /** Median wall-clock time, ms: what a user waits on this machine as loaded now. */
  wall: number;
}

/**
 * Times the assemblers on `sourceOf(k)` for run k, alternating in blocks of `BLOCK` runs so that
 * both see the same machine load (the bench machine is shared) while each mostly pays for its
 * own garbage collection; the first block of each warms V8 up and is not counted.
 */
function timeInterleaved(fns: AssembleFn[], sourceOf: (run: number) => string): Timing[] {
  const cpu: number[][] = fns.map(() => []);
  const wall: number[][] = fns.map(() => []);
  for (let block = 0; block <= RUNS / BLOCK; block++) {
    fns.forEach((fn, i) => {
      for (let k = block * BLOCK; k < (block + 1) * BLOCK; k++) {
        const source = sourceOf(k);
        const c0 = process.cpuUsage();
        const t0 = process.hrtime.bigint();
        fn(source, { file: 'bench.hcb' });
        const t = Number(process.hrtime.bigint() - t0) / 1e6;
        const c = process.cpuUsage(c0);
        if (block > 0) {
          wall[i].push(t);
          cpu[i].push((c.user + c.system) / 1000);
        }
      }
    });
  }
  const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[xs.length >> 1];
  return fns.map((_, i) => ({ cpu: median(cpu[i]), wall: median(wall[i]) }));
}

/** The git work tree the bench runs in (`npm run bench` runs from the repository root). */
function repositoryRoot(): string | undefined {
  try {
    return execFileSync('git', ['rev-parse', '--show-toplevel'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
  } catch {
    return undefined;
  }
}

/** The hand-written assembler of `rev` (with that revision's lexer), bundled from git against today's other modules; or why not. */
async function loadBaseline(rev: string): Promise<AssembleFn | string> {
  const repo = repositoryRoot();
  if (repo === undefined) return 'not inside a git work tree';
  const show = (path: string): string | undefined => {
    try {
      return execFileSync('git', ['show', `${rev}:${path}`], { cwd: repo, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
    } catch {
      return undefined;
    }
  };
  const assembler = show('simulator/ebpf/asm/assembler.ts');
  const lexer = show('simulator/ebpf/asm/lexer.ts');
  if (assembler === undefined || lexer === undefined) return `git cannot show ${rev}:simulator/ebpf/asm/ in ${repo}`;
  const asmDir = join(repo, 'simulator/ebpf/asm');
  // A computed specifier keeps esbuild from bundling itself into dist/bench.js.
  const esbuildName = 'esbuild';
  const esbuild = (await import(esbuildName)) as typeof import('esbuild');
  const built = await esbuild.build({
    stdin: { contents: assembler, resolveDir: asmDir, loader: 'ts', sourcefile: `${rev}:assembler.ts` },
    bundle: true,
    format: 'esm',
    platform: 'node',
    write: false,
    logLevel: 'silent',
    plugins: [
      {
        name: 'baseline-lexer',
        setup(b) {
          b.onResolve({ filter: /^\.\/lexer$/ }, () => ({ path: 'lexer.ts', namespace: 'baseline' }));
          b.onLoad({ filter: /.*/, namespace: 'baseline' }, () => ({ contents: lexer, loader: 'ts', resolveDir: asmDir }));
        },
      },
    ],
  });
  const dir = mkdtempSync(join(tmpdir(), 'hyperlab-asm-baseline-'));
  try {
    const file = join(dir, 'assembler.mjs');
    writeFileSync(file, built.outputFiles[0].text);
    const mod = (await import(pathToFileURL(file).href)) as { assemble: AssembleFn };
    return mod.assemble;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

export async function benchEbpfAsm(argv: string[] = []): Promise<void> {
  const revArg = argv.indexOf('--asm-baseline');
  const rev = revArg >= 0 ? argv[revArg + 1] : BASELINE_REV;
  const source = callbackSource(INSTRUCTIONS);
  const current = assemble(source, { file: 'bench.hcb' });
  if (current.diagnostics.length > 0) throw new Error(`bench callback does not assemble: ${JSON.stringify(current.diagnostics[0])}`);
  const insns = current.program.insns.length;
  const lineCount = source.split('\n').length;
  console.log(`eBPF assembler: one assemble() of a ${insns}-instruction callback (${lineCount} lines), median of ${RUNS}; target < 5 ms`);
  const row = (name: string, t: Timing, extra = ''): void =>
    console.log(`  ${name.padEnd(40)} ${t.cpu.toFixed(2).padStart(6)} ms CPU  ${t.wall.toFixed(2).padStart(6)} ms wall${extra}`);
  const cold = (run: number): string => coldSource(source, run);
  const lines = source.split('\n');
  const edited = (run: number): string => editedSource(lines, run);
  const baseline = await loadBaseline(rev);
  if (typeof baseline === 'string') {
    row('chevrotain, every line new', timeInterleaved([assemble], cold)[0]);
    row('chevrotain, one line edited (keystroke)', timeInterleaved([assemble], edited)[0]);
    console.log(`  hand-written parser      not measured: ${baseline}`);
    return;
  }
  const old = baseline(source, { file: 'bench.hcb' });
  if (old.diagnostics.length > 0 || old.program.insns.length !== insns) throw new Error(`baseline ${rev} reads the bench callback differently`);
  const [now, before] = timeInterleaved([assemble, baseline], cold);
  row('chevrotain parser, every line new', now, `   ${(now.cpu / before.cpu).toFixed(2)}x the hand-written parser's CPU time`);
  row(`hand-written parser (${rev})`, before);
  const [keystroke, beforeKeystroke] = timeInterleaved([assemble, baseline], edited);
  row('chevrotain, one line edited (keystroke)', keystroke, '   (the other lines come from the line cache)');
  row(`hand-written (${rev}), one line edited`, beforeKeystroke);
}

if (process.argv[1] && /ebpf-asm\.(ts|mjs)$/.test(process.argv[1])) {
  benchEbpfAsm(process.argv.slice(2)).catch((e: unknown) => {
    console.error(e instanceof Error ? e.message : e);
    process.exitCode = 1;
  });
}
