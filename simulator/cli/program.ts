/**
 * Turns the command line's program arguments into one linked image: either a single ELF
 * executable or one or more assembly files linked together. Shared by `run` and `asm` so both
 * accept the same inputs and report assembly errors the same way.
 */
import { buildImage, type BuildOptions } from '../runner/image';
import type { Image } from '../riscv/image';
import { formatDiagnostic, type Diagnostic } from '../diagnostics';
import { parseInteger, UsageError, type CliIO } from './usage';

export type ProgramOptions = BuildOptions;

/** parseArgs options shared by every command that takes assembly input, so they spell them alike. */
export const programFlags = {
  base: { type: 'string' },
  entry: { type: 'string' },
  define: { type: 'string', short: 'D', multiple: true },
  'section-order': { type: 'string' },
  'section-start': { type: 'string', multiple: true },
} as const;

export const programFlagsHelp = `  --base ADDR               address of the first section (default 0x80000000)
  --entry SYMBOL            entry point (default _start, else the base address)
  --section-order A,B,...   output section order (default .text.init,.text,.rodata,.data,.sdata,.bss)
  --section-start NAME=ADDR place one section at a fixed address (as ld's --section-start)
  -D NAME[=VALUE]           preprocessor definition`;

interface ProgramFlagValues {
  base?: string;
  entry?: string;
  define?: string[];
  'section-order'?: string;
  'section-start'?: string[];
}

export function programOptionsFrom(values: ProgramFlagValues): ProgramOptions {
  const sectionAddresses: Record<string, bigint> = {};
  for (const v of values['section-start'] ?? []) {
    const eq = v.indexOf('=');
    if (eq <= 0) throw new UsageError(`--section-start expects NAME=ADDR, got '${v}'`);
    sectionAddresses[v.slice(0, eq)] = parseInteger('--section-start', v.slice(eq + 1));
  }
  const order = values['section-order']?.split(',').map((s) => s.trim()).filter((s) => s !== '');
  return {
    base: values.base === undefined ? undefined : parseInteger('--base', values.base),
    entry: values.entry,
    defines: parseDefines(values.define),
    sectionOrder: order,
    sectionAddresses: Object.keys(sectionAddresses).length ? sectionAddresses : undefined,
  };
}

export class AssemblyFailed extends Error {
  constructor(readonly diagnostics: Diagnostic[]) {
    super(diagnostics.map(formatDiagnostic).join('\n'));
  }
}

export function loadProgram(io: CliIO, files: string[], options: ProgramOptions): Image {
  if (files.length === 0) throw new UsageError('no program given');
  const { image, diagnostics } = buildImage(files, (f) => (io.exists(f) ? io.readFile(f) : undefined), options);
  const errors = diagnostics.filter((d) => d.severity === 'error');
  for (const d of diagnostics) if (d.severity !== 'error') io.err(formatDiagnostic(d));
  if (image) return image;
  // A problem with a whole file (missing, not a program) is a usage error; source errors are located.
  const fileLevel = errors.find((d) => d.code === 'missing-file' || d.code === 'not-a-program' || d.code === 'bad-elf' || d.code === 'elf-mixed');
  if (fileLevel) throw new UsageError(fileLevel.message);
  throw new AssemblyFailed(errors);
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
