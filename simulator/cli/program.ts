/**
 * Turns the command line's program arguments into one linked image: either a single ELF
 * executable or one or more assembly files linked together. Shared by `run` and `asm` so both
 * accept the same inputs and report assembly errors the same way.
 */
import * as path from 'node:path';
import { assemble } from '../riscv/asm';
import { readElf, isElf, ElfError } from '../elf';
import type { Image } from '../riscv/image';
import { formatDiagnostic, type Diagnostic } from '../diagnostics';
import { UsageError, type CliIO } from './usage';

export interface ProgramOptions {
  base?: bigint;
  defines?: Record<string, string>;
  entry?: string;
}

export class AssemblyFailed extends Error {
  constructor(readonly diagnostics: Diagnostic[]) {
    super(diagnostics.map(formatDiagnostic).join('\n'));
  }
}

const ASM_EXTENSIONS = new Set(['.s', '.S', '.asm']);

export function loadProgram(io: CliIO, files: string[], options: ProgramOptions): Image {
  if (files.length === 0) throw new UsageError('no program given');
  for (const f of files) if (!io.exists(f)) throw new UsageError(`${f}: no such file`);
  const first = io.readFile(files[0]);
  if (isElf(first)) {
    if (files.length > 1) throw new UsageError('an ELF executable runs on its own; do not mix it with other files');
    try {
      return readElf(first);
    } catch (e) {
      if (e instanceof ElfError) throw new UsageError(`${files[0]}: ${e.message}`);
      throw e;
    }
  }
  for (const f of files) {
    if (!ASM_EXTENSIONS.has(path.extname(f))) {
      throw new UsageError(`${f}: not an ELF executable and not an assembly file (.S, .s)`);
    }
  }
  const decoder = new TextDecoder('utf-8');
  const sources = files.map((f) => ({ path: f, text: decoder.decode(io.readFile(f)) }));
  const result = assemble(sources, {
    readFile: (p) => (io.exists(p) ? decoder.decode(io.readFile(p)) : undefined),
    base: options.base,
    defines: options.defines,
    entry: options.entry,
  });
  for (const d of result.diagnostics) if (d.severity !== 'error') io.err(formatDiagnostic(d));
  if (!result.image) throw new AssemblyFailed(result.diagnostics.filter((d) => d.severity === 'error'));
  return result.image;
}

/** `-D NAME=VALUE` flags as a defines table (`-D NAME` means 1, as with cpp). */
export function parseDefines(values: string[] | undefined): Record<string, string> {
  const defines: Record<string, string> = {};
  for (const v of values ?? []) {
    const eq = v.indexOf('=');
    const name = eq < 0 ? v : v.slice(0, eq);
    if (!/^[A-Za-z_]\w*$/.test(name)) throw new UsageError(`-D expects NAME or NAME=VALUE, got '${v}'`);
    defines[name] = eq < 0 ? '1' : v.slice(eq + 1);
  }
  return defines;
}
