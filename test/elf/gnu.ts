/** Helpers to drive Debian's binutils-riscv64-linux-gnu from tests. */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export const LINK_LD = '/work/shared/bench/riscv/link.ld';
export const PREFIX = 'riscv64-linux-gnu-';

export function haveTool(name: string): boolean {
  const r = spawnSync(name, ['--version'], { encoding: 'utf8' });
  return r.status === 0;
}

export function haveGnu(): boolean {
  return ['as', 'ld', 'readelf', 'objdump', 'nm'].every((t) => haveTool(PREFIX + t));
}

export interface RunResult {
  status: number;
  stdout: string;
  stderr: string;
}

export function run(cmd: string, args: string[], input?: string): RunResult {
  const r = spawnSync(cmd, args, { encoding: 'utf8', input, maxBuffer: 64 * 1024 * 1024 });
  return { status: r.status ?? -1, stdout: r.stdout ?? '', stderr: r.stderr ?? '' };
}

export function mustRun(cmd: string, args: string[]): string {
  const r = run(cmd, args);
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} failed (${r.status}):\n${r.stderr}${r.stdout}`);
  return r.stdout;
}

export function tempDir(): string {
  return mkdtempSync(join(tmpdir(), 'hyperlab-elf-'));
}

/** Assemble (no preprocessor) and link with link.ld; returns paths and the ELF bytes. */
export function buildGnu(source: string, opts: { linkScript?: string; relocatableOnly?: boolean } = {}): { dir: string; obj: string; elf: string; bytes: Uint8Array } {
  const dir = tempDir();
  const src = join(dir, 'prog.s');
  const obj = join(dir, 'prog.o');
  const elf = join(dir, 'prog.elf');
  writeFileSync(src, source);
  mustRun(PREFIX + 'as', ['-march=rv64ima_zicsr_zifencei', '-mabi=lp64', src, '-o', obj]);
  if (opts.relocatableOnly) return { dir, obj, elf, bytes: readFileSync(obj) };
  mustRun(PREFIX + 'ld', ['-T', opts.linkScript ?? LINK_LD, '-nostdlib', obj, '-o', elf]);
  return { dir, obj, elf, bytes: readFileSync(elf) };
}
