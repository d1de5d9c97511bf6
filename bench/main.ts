/** Benchmark entry point (bundled to dist/bench.js by scripts/build.mjs). */
import { benchRiscv } from './riscv';

benchRiscv(process.argv.slice(2));
