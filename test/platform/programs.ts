/** Builds the self-checking platform programs of this folder with our assembler. */
import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { assemble } from '../../simulator/riscv/asm';
import type { Image } from '../../simulator/riscv/image';

export const PLATFORM_DIR = import.meta.dirname;

/** Assembles `file` (from this folder, or `dir`); `smode` defines SMODE (programs run under SBI), `qemu` defines QEMU. */
export function buildProgram(file: string, opts: { smode?: boolean; dir?: string; qemu?: boolean } = {}): Image {
  const dir = opts.dir ?? PLATFORM_DIR;
  const path = join(dir, file);
  const r = assemble([{ path, text: readFileSync(path, 'utf8') }], {
    readFile: (p: string) => {
      for (const d of [dir, PLATFORM_DIR]) {
        const full = resolve(d, p.replace(/^.*\//, ''));
        if (existsSync(full)) return readFileSync(full, 'utf8');
      }
      return undefined;
    },
    base: 0x80000000n,
    sectionOrder: ['.text.init', '.text', '.rodata', '.data', '.bss'],
    defines: { ...(opts.smode ? { SMODE: '1' } : {}), ...(opts.qemu ? { QEMU: '1' } : {}) },
  });
  const errors = r.diagnostics.filter((d) => d.severity === 'error');
  if (!r.image || errors.length > 0) throw new Error(`${file}: ${errors.slice(0, 5).map((d) => `${d.range.line}: ${d.message}`).join('; ')}`);
  return r.image;
}
