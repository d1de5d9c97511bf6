/**
 * The self-checking ISA programs in this folder (every `*.S` but env.S, which they all
 * `.include`), shared by the runner on our machine (isa.test.ts) and the QEMU check (qemu.test.ts).
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gnuBuild, type GnuBuild } from '../../support/gnu';

export const ISA_DIR = import.meta.dirname;

export const PROGRAMS: readonly string[] = readdirSync(ISA_DIR)
  .filter((f) => f.endsWith('.S') && f !== 'env.S')
  .sort();

export function programSource(file: string): string {
  return readFileSync(join(ISA_DIR, file), 'utf8');
}

/** GNU cpp + as + ld of a program (its text given, or the file's), with env.S beside it. */
export function gnuProgram(file: string, options: { text?: string; relax?: boolean; defines?: Record<string, string> } = {}): GnuBuild {
  return gnuBuild(options.text ?? programSource(file), {
    name: file,
    cpp: true,
    defines: options.defines,
    relax: options.relax,
    includes: { 'env.S': programSource('env.S') },
  });
}

/**
 * A copy of rv64ui-alu.S with a wrong expected value in test 5: every engine and QEMU must report
 * that test as failed, so that a runner that always says "pass" cannot go unnoticed.
 */
export const BROKEN = {
  file: 'broken.S',
  failingTest: 5,
  text(): string {
    const from = 'TEST_RR 5, add, 0x7fffffffffffffff,';
    const text = programSource('rv64ui-alu.S');
    if (!text.includes(from)) throw new Error(`rv64ui-alu.S no longer contains "${from}"`);
    return text.replace(from, 'TEST_RR 5, add, 0x7ffffffffffffffe,');
  },
};

/** The source line that starts test number n in a program, for failure messages. */
export function testLine(file: string, n: number | undefined): string {
  if (n === undefined) return '';
  const lines = (file === BROKEN.file ? BROKEN.text() : programSource(file)).split('\n');
  const re = new RegExp(`^\\s*(TEST\\w*)\\s+${n}\\b`);
  const i = lines.findIndex((l) => re.test(l));
  return i < 0 ? ` (test ${n})` : ` (test ${n}, ${file}:${i + 1}: ${lines[i].trim()})`;
}
