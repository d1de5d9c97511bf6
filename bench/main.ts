/** Benchmark entry point (bundled to dist/bench.js by scripts/build.mjs). */
import { benchRiscv } from './riscv';

benchRiscv(process.argv.slice(2)).catch((e: unknown) => {
  console.error(e instanceof Error ? e.message : e);
  process.exitCode = 1;
});
