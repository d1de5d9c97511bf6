/**
 * Snapshot benchmark: after 10M instructions of a memory-heavy program (it sweeps a 16 MiB buffer,
 * one store per 4 KiB page, over and over) on a machine with 128 MiB of RAM, times a capture, a
 * further 1M instructions (which dirty pages: copy-on-write), a restore, and the state hash
 * (cold, then warm). Prints the bytes copied by copy-on-write and by the restore.
 *
 *   npx tsx bench/main.ts --only snapshot [--engine compiled|interpreter]
 */
import { assemble } from '../simulator/riscv/asm';
import { Machine, type Engine } from '../simulator/machine';
import { SnapshotStore, stateHash } from '../simulator/snapshot';

const PROGRAM = `
  .section .text.init, "ax", @progbits
  .globl _start
_start:
  li s0, 0x81000000      # 16 MiB buffer above the code
  li s2, 0x1000000
  li s3, 0
1:
  li t0, 0
2:
  add t1, s0, t0
  sd s3, 0(t1)
  sd t0, 8(t1)
  li t2, 4096
  add t0, t0, t2
  blt t0, s2, 2b
  addi s3, s3, 1
  j 1b
`;

const ms = (t0: bigint): number => Number(process.hrtime.bigint() - t0) / 1e6;

export function benchSnapshot(argv: string[] = []): void {
  const i = argv.indexOf('--engine');
  const engine = (i >= 0 ? argv[i + 1] : 'compiled') as Engine;
  const r = assemble([{ path: 'snapbench.S', text: PROGRAM }], { base: 0x80000000n });
  if (!r.image) throw new Error('snapshot bench: assembling failed');
  const m = new Machine({ engine, ramSize: 128 << 20 });
  m.load(r.image);
  const store = new SnapshotStore(m);
  let t = process.hrtime.bigint();
  m.run({ maxInstructions: 10_000_000n });
  const runMs = ms(t);
  t = process.hrtime.bigint();
  const s = store.capture();
  const captureMs = ms(t);
  t = process.hrtime.bigint();
  m.run({ maxInstructions: 1_000_000n });
  const dirtyRunMs = ms(t);
  const copied = store.stats.bytesCopied;
  t = process.hrtime.bigint();
  store.restore(s);
  const restoreMs = ms(t);
  t = process.hrtime.bigint();
  stateHash(m);
  const coldHashMs = ms(t);
  m.run({ maxInstructions: 100_000n });
  t = process.hrtime.bigint();
  stateHash(m);
  const warmHashMs = ms(t);
  const MiB = (b: number): string => `${(b / 1048576).toFixed(2)} MiB`;
  console.log(`snapshot (engine ${engine}, 128 MiB RAM, 16 MiB swept): 10M instructions ${runMs.toFixed(0)} ms; ` +
    `capture ${captureMs.toFixed(2)} ms; next 1M instructions ${dirtyRunMs.toFixed(0)} ms with ${MiB(copied)} copied on write; ` +
    `restore ${restoreMs.toFixed(2)} ms (${MiB(store.stats.bytesRestored)} copied back); stateHash cold ${coldHashMs.toFixed(0)} ms, warm ${warmHashMs.toFixed(1)} ms`);
}
