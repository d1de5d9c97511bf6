/**
 * RISC-V throughput benchmark: ../shared/bench/riscv/{loop,memloop}.S assembled with our
 * assembler and run on our machine; where QEMU is installed, the -DQEMU variant built with GNU
 * binutils is timed on qemu-system-riscv64 in the same run, and the ratio printed.
 *
 * MIPS = instructions of the big run / (time of big run - time of a 1000-iteration run), so that
 * start-up (machine creation, RAM allocation, loading, QEMU boot) cancels out.
 *
 *   npm run bench -- [--iters N] [--engine compiled|interpreter]   (or: npx tsx bench/main.ts)
 * Shared folder: $HYPERLAB_SHARED, else ../shared next to the repository root. The GNU builds
 * use the linker script that comes with the programs there.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { assemble } from '../simulator/riscv/asm';
import { Machine, type Engine } from '../simulator/machine';
import type { Image } from '../simulator/riscv/image';
import { gnuBuild, gnuToolsAvailable } from '../test/support/gnu';
import { QEMU, runQemu } from '../test/support/qemu';
import { repoPath } from '../test/support/repo';
import { hasTool } from '../test/support/tools';

const SMALL_ITERS = 1000;
const QEMU_SCALE = 10;

function sharedDir(): string {
  return process.env.HYPERLAB_SHARED ?? repoPath('..', 'shared');
}

function ourImage(path: string, iters: number): Image {
  const r = assemble([{ path, text: readFileSync(path, 'utf8') }], {
    defines: { ITERS: String(iters) },
    readFile: (p) => { try { return readFileSync(resolve(join(path, '..'), p), 'utf8'); } catch { return undefined; } },
  });
  if (!r.image) throw new Error(`assembling ${path} failed:\n${r.diagnostics.map((d) => d.message).join('\n')}`);
  return r.image;
}

interface Timed { seconds: number; instret: bigint; reason: string }

function timeOurs(image: Image, engine: Engine): Timed {
  const t0 = process.hrtime.bigint();
  const m = new Machine({ engine });
  m.load(image);
  const r = m.run({ maxInstructions: 100_000_000_000n });
  const t1 = process.hrtime.bigint();
  return { seconds: Number(t1 - t0) / 1e9, instret: r.instret, reason: r.reason };
}

/** Seconds QEMU takes to run the -DQEMU build of `source` with ITERS = iters. */
async function timeQemu(source: string, linkerScript: string, iters: number): Promise<number> {
  const b = gnuBuild(source, { defines: { ITERS: String(iters), QEMU: '1' }, linkerScript, relax: true });
  const r = await runQemu(b.elf, { timeoutMs: 600_000 });
  if (r.status !== 0) throw new Error(`qemu ${r.timedOut ? 'timed out' : `exited with ${r.status}`}: ${r.stderr}`);
  return r.seconds;
}

const fmt = (mips: number): string => `${mips.toFixed(0)} MIPS`;

export async function benchRiscv(argv: string[] = []): Promise<void> {
  const arg = (name: string): string | undefined => { const i = argv.indexOf(name); return i >= 0 ? argv[i + 1] : undefined; };
  const engine = (arg('--engine') ?? 'compiled') as Engine;
  const dir = join(sharedDir(), 'bench', 'riscv');
  if (!existsSync(join(dir, 'loop.S'))) throw new Error(`benchmark sources not found in ${dir} (set HYPERLAB_SHARED)`);
  const linkLd = join(dir, 'link.ld');
  const qemu = hasTool(QEMU) && hasTool('cpp') && gnuToolsAvailable();
  console.log(`RISC-V throughput (engine: ${engine}; shared: ${dir})`);

  const programs: { name: string; iters: number; perIter: number; needs?: string }[] = [
    { name: 'loop', iters: Number(arg('--iters') ?? 100_000_000), perIter: 3 },
    { name: 'memloop', iters: Number(arg('--iters') ?? 10_000_000), perIter: 8, needs: 'sv39' },
  ];
  for (const p of programs) {
    const path = join(dir, `${p.name}.S`);
    if (p.needs === 'sv39' && !Machine.capabilities.sv39) { console.log(`${p.name}: needs Sv39 (next issue)`); continue; }
    const small = timeOurs(ourImage(path, SMALL_ITERS), engine);
    const big = timeOurs(ourImage(path, p.iters), engine);
    if (big.reason !== 'pass' || small.reason !== 'pass') throw new Error(`${p.name}: run did not pass (${big.reason}/${small.reason})`);
    const ours = Number(big.instret) / (big.seconds - small.seconds) / 1e6;
    let line = `${p.name}: HyperLab ${fmt(ours)} (${big.instret} instructions, ${big.seconds.toFixed(3)} s - ${small.seconds.toFixed(3)} s)`;
    if (qemu) {
      const src = readFileSync(path, 'utf8');
      // QEMU is much faster: give it QEMU_SCALE times the iterations so its delta is not noise.
      // Its instruction count is ours plus the extra iterations (the -DQEMU exit adds one store).
      const qIters = p.iters * QEMU_SCALE;
      const qs = await timeQemu(src, linkLd, SMALL_ITERS);
      const qb = await timeQemu(src, linkLd, qIters);
      const qInstr = Number(big.instret) + (qIters - p.iters) * p.perIter + 1;
      const q = qInstr / (qb - qs) / 1e6;
      line += `; QEMU TCG ${fmt(q)} (${qInstr} instructions, ${qb.toFixed(3)} s - ${qs.toFixed(3)} s); HyperLab/QEMU = ${(ours / q).toFixed(3)}`;
    } else line += '; QEMU not installed (qemu-system-misc), no baseline';
    console.log(line);
  }
}
