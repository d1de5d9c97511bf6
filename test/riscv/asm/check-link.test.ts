/**
 * checkLink (what the language server runs on every keystroke) reports exactly what link()
 * reports, for files with and without link-time errors, over the examples and a seeded corpus.
 */
import { strict as assert } from 'node:assert';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { DEFAULT_BASE, DEFAULT_SECTION_ORDER } from '../../../simulator/riscv/asm';
import { checkLink, link } from '../../../simulator/riscv/asm/link';
import { Pass1 } from '../../../simulator/riscv/asm/pass1';
import { generateCorpus } from '../oracle/corpus';

const EXAMPLES = join(dirname(fileURLToPath(import.meta.url)), '../../../examples');
const OPTIONS = { base: DEFAULT_BASE, sectionOrder: DEFAULT_SECTION_ORDER, sectionAddresses: {} };

function same(files: { path: string; text: string }[], expectProblems: boolean): void {
  const units = files.map((f) => new Pass1(f.path, f.text, {}).run());
  const full = link(units, OPTIONS).diagnostics;
  // twice: the second check runs with every position-free encoding remembered
  assert.deepStrictEqual(checkLink(units, OPTIONS), full, files[0].path);
  assert.deepStrictEqual(checkLink(units, OPTIONS), full, `${files[0].path} (again)`);
  if (expectProblems) assert.ok(full.length > 0, `${files[0].path} should have link problems`);
}

describe('RV64 checkLink', () => {
  it('reports what link reports on link-time errors and warnings', () => {
    const broken = [
      '  .globl _start', '_start:', '  call missing', '  beq a0, a1, far', '  addi a0, a0, K', '  .equ K, 4096',
      '  .rept 1100', '  nop', '  .endr', 'far:', '  ret', '  .data', '  .byte 300', '  .word undefined_too', '  .bss', '  .dword 5',
    ].join('\n');
    const other = ['  .globl _start', '_start:', '  ret'].join('\n');
    same([{ path: '/t/a.S', text: broken }, { path: '/t/b.S', text: other }], true);
  });

  it('reports what link reports on every example', () => {
    for (const dir of readdirSync(EXAMPLES)) {
      const folder = join(EXAMPLES, dir);
      if (!statSync(folder).isDirectory()) continue;
      const files = readdirSync(folder).filter((f) => /\.S$/.test(f)).map((f) => ({ path: join(folder, f), text: readFileSync(join(folder, f), 'utf8') }));
      if (files.length) same(files, false);
    }
  });

  it('reports what link reports on a seeded corpus', () => {
    for (const seed of [1n, 2n, 3n]) same([{ path: `/corpus/${seed}.S`, text: generateCorpus(seed) }], false);
  });
});
