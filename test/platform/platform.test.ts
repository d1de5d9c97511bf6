/**
 * Self-checking platform programs (this folder) on the machine: devices, interrupts, virtual
 * time, several harts, the native SBI firmware. Each runs on both engines.
 */
import { strict as assert } from 'node:assert';
import { Machine, type Engine, type MachineConfig, type RunResult } from '../../simulator/machine';
import { buildProgram } from './programs';

const ENGINES: Engine[] = ['compiled', 'interpreter'];

interface Case {
  file: string;
  config?: MachineConfig;
  smode?: boolean;
  console?: string;
  check?: (m: Machine, r: RunResult) => void;
}

const CASES: Case[] = [
  { file: 'clint-timer.S' },
  {
    file: 'wfi-timer.S',
    check: (m, r) => {
      assert.ok(r.instret < 40n, `instructions: ${r.instret}`);
      assert.ok(m.mtime() >= 100000n, `mtime ${m.mtime()}`);
    },
  },
  { file: 'clint-ipi.S', config: { harts: 2, quantum: 100 } },
  { file: 'plic-uart.S', config: { input: 'abc' }, console: 'abc' },
  { file: 'smp-atomics.S', config: { harts: 4, quantum: 3 } },
  { file: 'smp-atomics.S', config: { harts: 4, quantum: 1000 } },
  { file: 'sbi-base.S', smode: true, config: { harts: 2, input: 'xy' }, console: 'hello sbi!\n' },
  { file: 'sbi-timer.S', smode: true, check: (m) => assert.ok(m.mtime() >= 1000000n) },
  { file: 'sbi-hsm.S', smode: true, config: { harts: 4, quantum: 500 } },
  {
    file: 'sbi-ipi.S', smode: true, config: { harts: 2, quantum: 500 },
    check: (m) => {
      assert.equal(m.metrics.get('sbi.calls.ipi'), 4);
      assert.ok((m.metrics.get('hart1.ipis.received') ?? 0) >= 3);
    },
  },
  {
    file: 'sbi-rfence.S', smode: true, config: { harts: 2, quantum: 500 },
    check: (m) => {
      const f = m.harts[1].mmu.counters.flushes;
      assert.ok(f.sfence >= 3, `hart 1 sfence flushes: ${f.sfence}`); // 1 whole + 2 pages
      assert.equal(m.harts[0].mmu.counters.flushes.sfence, 0);
      assert.equal(m.metrics.get('sbi.calls.rfence'), 5);
    },
  },
  { file: 'sbi-suspend.S', smode: true, config: { harts: 2, quantum: 300 } },
  {
    file: 'sbi-rfence-tlb.S', smode: true, config: { harts: 2, quantum: 200 },
    check: (m) => assert.ok(m.harts[1].mmu.counters.flushes.sfence >= 1),
  },
];

describe('platform programs', function () {
  this.timeout(20_000);
  for (const c of CASES) {
    for (const engine of ENGINES) {
      const label = `${c.file}${c.config?.quantum ? ` (quantum ${c.config.quantum})` : ''} on the ${engine} engine`;
      it(label, function () {
        const out: number[] = [];
        const m = new Machine({ ramSize: 1 << 20, engine, firmware: c.smode ? 'sbi' : 'none', ...c.config, console: (b) => out.push(b) });
        m.load(buildProgram(c.file, { smode: c.smode }));
        const r = m.run({ maxInstructions: 20_000_000n });
        assert.equal(r.reason, 'pass', `${r.reason} ${r.failCode !== undefined ? `(test ${r.failCode}) ` : ''}${r.message}; pc ${m.harts.map((h) => h.getPc().toString(16)).join(',')} gp ${m.getReg(3)}`);
        if (c.console !== undefined) assert.equal(new TextDecoder().decode(Uint8Array.from(out)), c.console);
        c.check?.(m, r);
      });
    }
  }
});
