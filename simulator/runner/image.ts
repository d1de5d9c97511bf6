/**
 * Builds one linked image from program files: a single ELF executable, or assembly files linked
 * together. Shared by the CLI and the scenario runner, so both accept the same inputs and report
 * problems as located diagnostics.
 */
import * as path from 'node:path';
import { assemble } from '../riscv/asm';
import { ElfError, isElf, readElf } from '../elf';
import type { Image } from '../riscv/image';
import type { Diagnostic } from '../diagnostics';

/** Returns a file's bytes, or undefined when it does not exist. */
export type FileReader = (file: string) => Uint8Array | undefined;

export interface BuildOptions {
  base?: bigint;
  defines?: Record<string, string>;
  entry?: string;
  sectionOrder?: string[];
  sectionAddresses?: Record<string, bigint>;
}

export interface BuildResult {
  /** Undefined exactly when `diagnostics` has an error. */
  image: Image | undefined;
  diagnostics: Diagnostic[];
}

const ASM_EXTENSIONS = new Set(['.s', '.S', '.asm']);

function fileProblem(file: string, message: string, code: string): Diagnostic {
  return { severity: 'error', message, code, range: { file, line: 1, column: 1, endLine: 1, endColumn: 1 } };
}

export function buildImage(files: readonly string[], read: FileReader, options: BuildOptions = {}): BuildResult {
  if (files.length === 0) return { image: undefined, diagnostics: [fileProblem('', 'no program given', 'no-program')] };
  const contents = files.map((f) => read(f));
  const missing = files.filter((_, i) => contents[i] === undefined);
  if (missing.length) return { image: undefined, diagnostics: missing.map((f) => fileProblem(f, `${f}: no such file`, 'missing-file')) };
  const first = contents[0] as Uint8Array;
  if (isElf(first)) {
    if (files.length > 1) return { image: undefined, diagnostics: [fileProblem(files[1], 'an ELF executable runs on its own; do not mix it with other files', 'elf-mixed')] };
    try {
      return { image: readElf(first), diagnostics: [] };
    } catch (e) {
      if (e instanceof ElfError) return { image: undefined, diagnostics: [fileProblem(files[0], `${files[0]}: ${e.message}`, 'bad-elf')] };
      throw e;
    }
  }
  const notAsm = files.filter((f) => !ASM_EXTENSIONS.has(path.extname(f)));
  if (notAsm.length) {
    return { image: undefined, diagnostics: notAsm.map((f) => fileProblem(f, `${f}: not an ELF executable and not an assembly file (.S, .s)`, 'not-a-program')) };
  }
  const decoder = new TextDecoder('utf-8');
  const sources = files.map((f, i) => ({ path: f, text: decoder.decode(contents[i]) }));
  const result = assemble(sources, {
    readFile: (p) => {
      const bytes = read(p);
      return bytes === undefined ? undefined : decoder.decode(bytes);
    },
    base: options.base,
    defines: options.defines,
    entry: options.entry,
    sectionOrder: options.sectionOrder,
    sectionAddresses: options.sectionAddresses,
  });
  return { image: result.image, diagnostics: result.diagnostics };
}
