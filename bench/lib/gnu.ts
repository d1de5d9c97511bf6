/**
 * Builds an Image with the GNU toolchain (Debian binutils-riscv64-linux-gnu): cpp -P, as, ld,
 * objcopy -O binary and nm. Used by the benchmark (QEMU variant, and as a fallback) and by hart
 * tests until the project's own assembler is available. Not part of the simulator.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Image } from '../../simulator/riscv/image';

const PREFIX = 'riscv64-linux-gnu-';

export function haveGnuToolchain(): boolean {
  try {
    execFileSync(`${PREFIX}as`, ['--version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

export const DEFAULT_LINKER_SCRIPT = `OUTPUT_ARCH("riscv")
ENTRY(_start)
SECTIONS
{
  . = 0x80000000;
  .text.init : { *(.text.init) }
  .text : { *(.text) }
  . = ALIGN(0x1000);
  .tohost : { *(.tohost) }
  . = ALIGN(0x1000);
  .data : { *(.data) }
  .bss : { *(.bss) }
  _end = .;
}
`;

export interface GnuBuild { elf: string; image: Image; dir: string }

/**
 * Preprocesses (when `defines` is given or the source uses #), assembles and links `source`.
 * Returns the ELF path (in a temporary directory the caller may delete with `cleanup`) and an
 * Image made of the flat binary placed at the lowest address, with the ELF's symbols.
 */
export function gnuBuild(source: string, options: { defines?: Record<string, string>; linkerScript?: string; keep?: boolean; includes?: Record<string, string> } = {}): GnuBuild {
  const dir = mkdtempSync(join(tmpdir(), 'hyperlab-gnu-'));
  try {
    const defs = Object.entries(options.defines ?? {}).map(([k, v]) => `-D${k}=${v}`);
    // Files pulled in with `.include` are preprocessed too and placed next to the program.
    for (const [name, text] of Object.entries({ ...options.includes, 'prog.s': source })) {
      const raw = join(dir, `${name}.in`);
      writeFileSync(raw, text);
      execFileSync('cpp', ['-P', '-x', 'assembler-with-cpp', ...defs, raw, '-o', join(dir, name)]);
    }
    const pre = join(dir, 'prog.s');
    const obj = join(dir, 'prog.o');
    execFileSync(`${PREFIX}as`, ['-march=rv64ima_zicsr_zifencei', '-mabi=lp64', pre, '-o', obj], { cwd: dir });
    const ld = join(dir, 'link.ld');
    writeFileSync(ld, options.linkerScript ?? DEFAULT_LINKER_SCRIPT);
    const elf = join(dir, 'prog.elf');
    execFileSync(`${PREFIX}ld`, ['-T', ld, '-nostdlib', obj, '-o', elf]);
    const bin = join(dir, 'prog.bin');
    execFileSync(`${PREFIX}objcopy`, ['-O', 'binary', elf, bin]);
    const data = new Uint8Array(readFileSync(bin));
    const nm = execFileSync(`${PREFIX}nm`, [elf], { encoding: 'utf8' });
    const symbols = nm.split('\n').filter((l) => l.trim() !== '').map((l) => {
      const [addr, , name] = l.trim().split(/\s+/);
      return { name, value: BigInt(`0x${addr}`), size: 0, kind: 'notype' as const, global: true };
    });
    const entryLine = execFileSync(`${PREFIX}readelf`, ['-h', elf], { encoding: 'utf8' }).split('\n').find((l) => l.includes('Entry point'));
    const entry = BigInt(entryLine?.split(':')[1].trim() ?? '0x80000000');
    const base = symbols.reduce((m, s) => (s.name === '_start' ? s.value : m), entry);
    const image: Image = {
      entry,
      sections: [{ name: '.image', address: base, data, size: data.length, alloc: true, write: true, exec: true, progbits: true, align: 4096 }],
      symbols,
      sourceMap: [],
    };
    return { elf, image, dir };
  } finally {
    if (!options.keep && existsSync(dir)) rmSync(dir, { recursive: true, force: true });
  }
}
