/** Runs the GNU toolchain on a source file; used only by the oracle tests. */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export const GNU_MARCH = 'rv64ima_zicsr_zifencei_zihintpause_h';
const TOOLS = ['as', 'ld', 'objcopy', 'objdump'].map((t) => `riscv64-linux-gnu-${t}`);

export function gnuToolsAvailable(): boolean {
  try {
    for (const t of TOOLS) execFileSync(t, ['--version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

export interface GnuBuild {
  text: Uint8Array;
  data: Uint8Array;
  objdump: string;
}

/** Assembles and links at 0x80000000 (.text, then .data at the next 4 KiB boundary). */
export function gnuBuild(source: string): GnuBuild {
  const dir = mkdtempSync(join(tmpdir(), 'hyperlab-oracle-'));
  const S = join(dir, 'corpus.s');
  writeFileSync(S, source);
  writeFileSync(
    join(dir, 'link.ld'),
    'OUTPUT_ARCH("riscv")\nENTRY(_start)\nSECTIONS\n{\n  . = 0x80000000;\n  .text : { *(.text) }\n  . = ALIGN(0x1000);\n  .data : { *(.data) }\n}\n',
  );
  const run = (tool: string, args: string[]): string => execFileSync(`riscv64-linux-gnu-${tool}`, args, { cwd: dir, maxBuffer: 1 << 28 }).toString();
  run('as', [`-march=${GNU_MARCH}`, '-mabi=lp64', '-mpriv-spec=1.12', '-mno-relax', '-o', 'corpus.o', S]);
  run('ld', ['-T', 'link.ld', '-o', 'corpus.elf', 'corpus.o']);
  run('objcopy', ['-O', 'binary', '-j', '.text', 'corpus.elf', 'text.bin']);
  run('objcopy', ['-O', 'binary', '-j', '.data', 'corpus.elf', 'data.bin']);
  const objdump = run('objdump', ['-d', '-j', '.text', 'corpus.elf']);
  return { text: readFileSync(join(dir, 'text.bin')), data: readFileSync(join(dir, 'data.bin')), objdump };
}
