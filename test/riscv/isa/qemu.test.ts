/**
 * QEMU as an independent oracle for the ISA programs themselves: each one, built with GNU and
 * -DQEMU, must pass on qemu-system-riscv64 -machine virt (exit status 0 through the SiFive test
 * device), and the broken copy must fail its test (exit status = test number). The runs go in
 * parallel, a few at a time; each is killed after RUN_TIMEOUT_MS.
 */
import { strict as assert } from 'node:assert';
import { availableParallelism } from 'node:os';
import { requireGnu } from '../../support/gnu';
import { QEMU, runQemu, type QemuRun } from '../../support/qemu';
import { requireTool } from '../../support/tools';
import { BROKEN, gnuProgram, PROGRAMS, testLine } from './programs';

const RUN_TIMEOUT_MS = 10_000;
const POOL = Math.max(2, Math.min(4, availableParallelism()));

/** Starts `work` on every item, at most `size` at a time; one promise per item, in order. */
function pooled<T, R>(items: readonly T[], size: number, work: (item: T) => Promise<R>): Promise<R>[] {
  const waiting: (() => void)[] = [];
  let running = 0;
  const release = (): void => {
    running--;
    waiting.shift()?.();
  };
  return items.map(async (item) => {
    if (running >= size) await new Promise<void>((go) => waiting.push(go));
    running++;
    try {
      return await work(item);
    } finally {
      release();
    }
  });
}

function verdict(file: string, run: QemuRun): string {
  if (run.timedOut) return `${file}: QEMU did not stop within ${RUN_TIMEOUT_MS} ms`;
  if (run.status === 0) return 'pass';
  return `${file}: QEMU exited with ${run.status}${testLine(file, run.status ?? undefined)}${run.stderr ? `\n${run.stderr}` : ''}`;
}

describe('ISA self-checking programs on QEMU (independent oracle)', function () {
  this.timeout(30000);
  const runs = new Map<string, Promise<QemuRun>>();

  before(function () {
    requireGnu(this, { cpp: true });
    requireTool(this, QEMU);
    const files = [...PROGRAMS, BROKEN.file];
    const elves = files.map((file) => gnuProgram(file, { text: file === BROKEN.file ? BROKEN.text() : undefined, relax: true, defines: { QEMU: '1' } }).elf);
    const started = pooled(elves, POOL, (elf) => runQemu(elf, { timeoutMs: RUN_TIMEOUT_MS }));
    // Each test awaits its own run; keep a rejection from being reported as unhandled meanwhile.
    for (const p of started) p.catch(() => undefined);
    files.forEach((file, i) => runs.set(file, started[i]));
  });

  for (const file of PROGRAMS) {
    it(`${file} passes`, async function () {
      const run = await runs.get(file);
      assert.ok(run);
      assert.equal(verdict(file, run), 'pass');
    });
  }

  it(`a copy with a wrong expected value fails test ${BROKEN.failingTest}`, async function () {
    const run = await runs.get(BROKEN.file);
    assert.ok(run);
    assert.equal(run.timedOut, false, verdict(BROKEN.file, run));
    assert.equal(run.status, BROKEN.failingTest, verdict(BROKEN.file, run));
  });
});
