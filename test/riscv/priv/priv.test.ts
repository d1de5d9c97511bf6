/** Runs the self-checking privileged-architecture programs on both engines (our assembler). */
import { strict as assert } from 'node:assert';
import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { assemble } from '../../../simulator/riscv/asm';
import type { Image } from '../../../simulator/riscv/image';
import { Machine, type Engine } from '../../../simulator/machine';

const DIR = import.meta.dirname;
const ENGINES: Engine[] = ['compiled', 'interpreter'];
export const PROGRAMS = ['smode.S', 'hyp.S', 'pmp.S', 'irq.S'];

export function buildPriv(file: string): Image {
  const text = readFileSync(join(DIR, file), 'utf8');
  const r = assemble([{ path: join(DIR, file), text }], {
    readFile: (p: string) => { const f = resolve(DIR, p); return existsSync(f) ? readFileSync(f, 'utf8') : undefined; },
    base: 0x80000000n,
    sectionOrder: ['.text.init', '.tohost', '.text', '.rodata', '.data', '.bss'],
  });
  const errors = r.diagnostics.filter((d) => d.severity === 'error');
  assert.ok(r.image && errors.length === 0, `${file}: ${errors.slice(0, 5).map((d) => `${d.range.line}: ${d.message}`).join('\n')}`);
  return r.image;
}

export function runPriv(file: string, engine: Engine, tlb?: { entries: number; ways: number; replacement: 'lru' | 'fifo' | 'random' }): Machine {
  const m = new Machine({ engine, ramSize: 4 << 20, tlb });
  m.load(buildPriv(file));
  const r = m.run({ maxInstructions: 2_000_000n });
  assert.equal(r.reason, 'pass', `${file} on ${engine}: ${r.message} (gp ${m.getReg(3)}, s8 ${m.getReg(24).toString(16)} s9 ${m.getReg(25).toString(16)})`);
  return m;
}

describe('privileged self-checking programs', () => {
  for (const file of PROGRAMS) {
    if (!existsSync(join(DIR, file))) continue;
    for (const engine of ENGINES) it(`${file} passes on the ${engine} engine`, () => { runPriv(file, engine); });
  }
  it('smode.S: TLB counters agree between engines for data accesses and FIFO/random geometries pass', () => {
    const a = runPriv('smode.S', 'compiled').hart.mmu.counters;
    const b = runPriv('smode.S', 'interpreter').hart.mmu.counters;
    assert.ok(a.walks > 0 && a.fills > 0 && a.flushes.sfence >= 3);
    assert.equal(a.flushes.sfence, b.flushes.sfence);
    runPriv('smode.S', 'compiled', { entries: 64, ways: 4, replacement: 'fifo' });
    runPriv('smode.S', 'interpreter', { entries: 32, ways: 2, replacement: 'random' });
  });
});
