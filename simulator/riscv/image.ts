/**
 * A linked program in memory: what the assembler/linker produces, what the ELF writer serialises,
 * what the ELF reader returns and what a machine loads. Addresses are bigint because RV64 kernels
 * live at addresses above 2^53; nothing here is on an execution hot path.
 */
import type { SourceRange } from '../diagnostics';

export interface ImageSection {
  name: string;
  address: bigint;
  /** Contents; for NOBITS sections (.bss) all zero, with `size` bytes. */
  data: Uint8Array;
  size: number;
  alloc: boolean;
  write: boolean;
  exec: boolean;
  /** false for .bss-like sections that occupy no file space */
  progbits: boolean;
  align: number;
}

export type SymbolKind = 'func' | 'object' | 'section' | 'notype';

export interface ImageSymbol {
  name: string;
  value: bigint;
  size: number;
  kind: SymbolKind;
  global: boolean;
  /** Section the symbol is defined in, or undefined for absolute symbols (`.equ`). */
  section?: string;
  /** Where the symbol was defined, when the image came from source. */
  definedAt?: SourceRange;
}

/** Maps one emitted item (instruction or data directive) back to the source line that produced it. */
export interface SourceMapEntry {
  address: bigint;
  length: number;
  range: SourceRange;
  /** Set for instructions, absent for data. */
  isInstruction: boolean;
}

export interface Image {
  entry: bigint;
  sections: ImageSection[];
  symbols: ImageSymbol[];
  /** Sorted by address. Empty for images loaded from ELF files. */
  sourceMap: SourceMapEntry[];
}

export function findSymbol(image: Image, name: string): ImageSymbol | undefined {
  return image.symbols.find((s) => s.name === name);
}
