/** Benchmark entry point (bundled to dist/bench.js by scripts/build.mjs). */
import { benchEbpf } from './ebpf';
import { benchEbpfAsm } from './ebpf-asm';
import { benchRiscv } from './riscv';
import { benchSnapshot } from './snapshot';
import { benchVerifier } from './verifier';
import { benchDebug } from './debug';
import { benchLsp } from './lsp';
import { benchRiscvAsm } from './riscv-asm';

// --only riscv | snapshot | ebpf: run one of the benchmarks (default: both).
const argv = process.argv.slice(2);
const only = argv.includes('--only') ? argv[argv.indexOf('--only') + 1] : undefined;

(async (): Promise<void> => {
  if (only === undefined || only === 'riscv') await benchRiscv(argv);
  if (only === undefined || only === 'snapshot') benchSnapshot(argv);
  if (only === undefined || only === 'ebpf') benchEbpf(argv);
  if (only === undefined || only === 'verifier') benchVerifier(argv);
  if (only === undefined || only === 'ebpf-asm') await benchEbpfAsm(argv);
  if (only === undefined || only === 'debug') await benchDebug();
  if (only === undefined || only === 'lsp') await benchLsp(argv);
  if (only === undefined || only === 'riscv-asm') benchRiscvAsm();
})().catch((e: unknown) => {
  console.error(e instanceof Error ? e.message : e);
  process.exitCode = 1;
});
