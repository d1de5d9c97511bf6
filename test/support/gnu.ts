/**
 * The GNU toolchain as an external oracle, for the tests and the benchmark: Debian's
 * binutils-riscv64-linux-gnu (as, ld, objcopy, objdump, readelf, nm) and the host's cpp, installed
 * by scripts/install-test-deps.sh. Not part of the simulator.
 *
 * Builds go to temporary folders below one folder per process, removed when the process exits.
 * No import.meta here (see repo.ts): the benchmark bundles this module into CommonJS.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { readElf } from '../../simulator/elf';
import type { Image } from '../../simulator/riscv/image';
import { repoPath } from './repo';
import { hasTool, requireTool } from './tools';

export const GNU_PREFIX = 'riscv64-linux-gnu-';
export const GNU_MARCH = 'rv64ima_zicsr_zifencei_zihintpause_h';
export const GNU_AS_FLAGS: readonly string[] = [`-march=${GNU_MARCH}`, '-mabi=lp64', '-mpriv-spec=1.12'];
/** The binutils this module runs; cpp (for `cpp` builds) comes from the host's cpp package. */
export const GNU_TOOLS: readonly string[] = ['as', 'ld', 'objcopy', 'objdump', 'readelf', 'nm'].map((t) => GNU_PREFIX + t);

/** test/support/link.ld: .text.init at 0x80000000, then .tohost, .text, .data on their own pages. */
export function defaultLinkerScript(): string {
  return repoPath('test', 'support', 'link.ld');
}

export function gnuToolsAvailable(): boolean {
  return GNU_TOOLS.every(hasTool);
}

/** In a mocha hook or test: skip without the binutils (and cpp, if asked), or fail under CI (see tools.ts). */
export function requireGnu(context: Mocha.Context, options: { cpp?: boolean } = {}): void {
  for (const tool of [...GNU_TOOLS, ...(options.cpp ? ['cpp'] : [])]) requireTool(context, tool);
}

export interface ToolResult {
  status: number;
  stdout: string;
  stderr: string;
}

/** Runs a command to completion; never throws (status -1 when it could not start). */
export function run(command: string, args: readonly string[], options: { cwd?: string } = {}): ToolResult {
  const r = spawnSync(command, args, { cwd: options.cwd, encoding: 'utf8', maxBuffer: 1 << 28 });
  return { status: r.status ?? -1, stdout: r.stdout ?? '', stderr: `${r.error ? `${r.error.message}\n` : ''}${r.stderr ?? ''}` };
}

/** Runs a command and returns its standard output; throws with its output unless it exits with 0. */
export function mustRun(command: string, args: readonly string[], options: { cwd?: string } = {}): string {
  const r = run(command, args, options);
  if (r.status !== 0) throw new Error(`${command} ${args.join(' ')} exited with ${r.status}:\n${r.stderr}${r.stdout}`);
  return r.stdout;
}

/** Runs binutils' `tool` (as, ld, objdump, ...) like mustRun. */
export function binutils(tool: string, args: readonly string[], options: { cwd?: string } = {}): string {
  return mustRun(GNU_PREFIX + tool, args, options);
}

let root: string | undefined;

/** A fresh folder, removed with everything else this module wrote when the process exits. */
export function tempDir(): string {
  if (!root) {
    const dir = mkdtempSync(join(tmpdir(), 'hyperlab-gnu-'));
    process.on('exit', () => rmSync(dir, { recursive: true, force: true }));
    root = dir;
  }
  return mkdtempSync(join(root, 'build-'));
}

/** cpp -P as assembler-with-cpp, with -Dname=value for each define. */
export function preprocess(input: string, output: string, defines: Record<string, string> = {}): void {
  const d = Object.entries(defines).map(([k, v]) => `-D${k}=${v}`);
  mustRun('cpp', ['-P', '-x', 'assembler-with-cpp', ...d, input, '-o', output]);
}

/**
 * as with our -march/-mabi. Without `relax`, -mno-relax: no relaxable sequences, so ld does not
 * shorten anything and the bytes can be compared with our assembler's, which does not relax.
 */
export function gnuAssemble(input: string, output: string, options: { relax?: boolean; cwd?: string } = {}): void {
  binutils('as', [...GNU_AS_FLAGS, ...(options.relax ? [] : ['-mno-relax']), input, '-o', output], { cwd: options.cwd });
}

/** ld -nostdlib -T script (default: test/support/link.ld). */
export function gnuLink(objects: readonly string[], output: string, options: { linkerScript?: string } = {}): void {
  binutils('ld', ['-nostdlib', '-T', options.linkerScript ?? defaultLinkerScript(), ...objects, '-o', output]);
}

/** objcopy -O binary, of one section or of the whole loadable image. */
export function objcopyBinary(elf: string, section?: string): Uint8Array {
  const out = join(tempDir(), 'out.bin');
  binutils('objcopy', ['-O', 'binary', ...(section ? ['-j', section] : []), elf, out]);
  return new Uint8Array(readFileSync(out));
}

export function objdump(elf: string, args: readonly string[] = ['-d']): string {
  return binutils('objdump', [...args, elf]);
}

export function readelf(elf: string, args: readonly string[]): string {
  return binutils('readelf', [...args, elf]);
}

/** The entry point, from readelf -h. */
export function readelfEntry(elf: string): bigint {
  const m = /Entry point address:\s+(0x[0-9a-f]+)/.exec(readelf(elf, ['-h']));
  if (!m) throw new Error(`readelf -h ${elf}: no entry point`);
  return BigInt(m[1]);
}

export interface ReadelfSection {
  name: string;
  type: string;
  address: bigint;
  offset: number;
  size: number;
  flags: string;
  align: number;
}

/** The section headers, from readelf -S -W. */
export function readelfSections(elf: string): ReadelfSection[] {
  const rows: ReadelfSection[] = [];
  for (const line of readelf(elf, ['-S', '-W']).split('\n')) {
    const m = /^\s*\[\s*\d+\]\s+(\S+)\s+(\S+)\s+([0-9a-f]{16})\s+([0-9a-f]+)\s+([0-9a-f]+)\s+[0-9a-f]+\s+([A-Za-z]*)\s+\d+\s+\d+\s+(\d+)\s*$/.exec(line);
    if (m) rows.push({ name: m[1], type: m[2], address: BigInt(`0x${m[3]}`), offset: parseInt(m[4], 16), size: parseInt(m[5], 16), flags: m[6], align: Number(m[7]) });
  }
  return rows;
}

export interface NmSymbol {
  name: string;
  value: bigint;
  /** nm's type letter: upper case for global symbols. */
  letter: string;
}

export function nm(elf: string): NmSymbol[] {
  return binutils('nm', [elf])
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((l) => {
      const [value, letter, name] = l.trim().split(/\s+/);
      return { name, value: BigInt(`0x${value}`), letter };
    });
}

/** Our readElf of an ELF file. */
export function imageFromElf(elf: string): Image {
  return readElf(readFileSync(elf));
}

export interface GnuBuildOptions {
  /** File name of the source, for as's messages (default prog.s). */
  name?: string;
  /** Run cpp -P over the source and the includes first (implied by `defines`). */
  cpp?: boolean;
  defines?: Record<string, string>;
  /** Files the source pulls in with `.include`, by name: written next to it (preprocessed too). */
  includes?: Record<string, string>;
  /** Let as emit relaxable sequences and ld relax them (default off: byte identity with ours). */
  relax?: boolean;
  linkerScript?: string;
  /** Stop after as: `elf` is not made and `bytes` are the object file's. */
  relocatableOnly?: boolean;
}

export interface GnuBuild {
  readonly dir: string;
  readonly obj: string;
  readonly elf: string;
  /** The ELF file's bytes (the object's with relocatableOnly). */
  readonly bytes: Uint8Array;
  /** readElf of the ELF. */
  readonly image: Image;
  /** objcopy -O binary -j .text / -j .data (empty when there is no such section). */
  readonly text: Uint8Array;
  readonly data: Uint8Array;
  /** objdump -d -j .text */
  readonly objdump: string;
}

function once<T>(compute: () => T): () => T {
  let value: { v: T } | undefined;
  return () => (value ??= { v: compute() }).v;
}

/** Assembles (after cpp, when asked) and links `source`; the products are computed when read. */
export function gnuBuild(source: string, options: GnuBuildOptions = {}): GnuBuild {
  const dir = tempDir();
  const name = options.name ?? 'prog.s';
  const stem = basename(name).replace(/\.[^.]*$/, '');
  const withCpp = options.cpp === true || options.defines !== undefined;
  for (const [file, text] of Object.entries({ ...options.includes, [name]: source })) {
    const path = join(dir, file);
    if (!withCpp) {
      writeFileSync(path, text);
      continue;
    }
    writeFileSync(`${path}.in`, text);
    preprocess(`${path}.in`, path, options.defines);
  }
  const obj = join(dir, `${stem}.o`);
  const elf = join(dir, `${stem}.elf`);
  gnuAssemble(name, obj, { relax: options.relax, cwd: dir });
  if (!options.relocatableOnly) gnuLink([obj], elf, { linkerScript: options.linkerScript });
  const bytes = once(() => new Uint8Array(readFileSync(options.relocatableOnly ? obj : elf)));
  const image = once(() => readElf(bytes()));
  const text = once(() => objcopyBinary(elf, '.text'));
  const data = once(() => objcopyBinary(elf, '.data'));
  const dump = once(() => objdump(elf, ['-d', '-j', '.text']));
  return {
    dir,
    obj,
    elf,
    get bytes() { return bytes(); },
    get image() { return image(); },
    get text() { return text(); },
    get data() { return data(); },
    get objdump() { return dump(); },
  };
}
