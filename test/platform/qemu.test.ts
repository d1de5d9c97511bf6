/**
 * QEMU as an oracle for the M-mode platform programs: they use QEMU virt's devices at its
 * addresses (CLINT, PLIC, 16550 UART, SiFive test finisher), so each must pass on
 * qemu-system-riscv64 -machine virt -bios none as it does on HyperLab. Built with QEMU defined,
 * they leave out the checks that only hold in virtual time (exact timer latency, minstret across
 * wfi, the whole UART input arriving at once). Our assembler builds the
 * ELF (the bytes are GNU-identical, see the ISA tests).
 */
import { strict as assert } from 'node:assert';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { writeElf } from '../../simulator/elf/writer';
import { QEMU, runQemu } from '../support/qemu';
import { requireTool } from '../support/tools';
import { buildProgram } from './programs';

const CASES: { file: string; smp: number; input?: string; out?: string }[] = [
  { file: 'clint-timer.S', smp: 1 },
  { file: 'wfi-timer.S', smp: 1 },
  { file: 'clint-ipi.S', smp: 2 },
  { file: 'plic-uart.S', smp: 1, input: 'abc', out: 'abc' },
  { file: 'smp-atomics.S', smp: 4 },
];

describe('platform programs on QEMU virt', function () {
  this.timeout(30_000);
  let dir = '';
  before(function () {
    requireTool(this, QEMU);
    dir = mkdtempSync(join(tmpdir(), 'hyperlab-platform-'));
  });
  after(function () { if (dir) rmSync(dir, { recursive: true, force: true }); });

  for (const c of CASES) {
    it(`${c.file} passes on QEMU (-smp ${c.smp})`, async function () {
      const elf = join(dir, c.file.replace(/\.S$/, '.elf'));
      writeFileSync(elf, writeElf(buildProgram(c.file, { qemu: true })));
      const r = await runQemu(elf, { smp: c.smp, console: true, input: c.input ?? '' });
      assert.equal(r.timedOut, false, `${c.file}: QEMU timed out`);
      assert.equal(r.status, 0, `${c.file}: QEMU exit status ${r.status} (failed test number)`);
      if (c.out !== undefined) assert.equal(r.out, c.out);
    });
  }
});
