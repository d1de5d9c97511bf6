/**
 * What pass one leaves behind for each source file: per-section chunks of items whose
 * immediates are still expressions, and the file's symbol table. Linking reads only this.
 */
import type { SourceRange } from '../../diagnostics';
import type { SymbolKind } from '../image';
import type { Value } from './eval';
import type { MachineInstr } from './machine';
import type { Expr } from './syntax';

export interface SectionFlags {
  alloc: boolean;
  write: boolean;
  exec: boolean;
  progbits: boolean;
}

export type Item =
  | { kind: 'insn'; offset: number; instrs: MachineInstr[]; range: SourceRange }
  | { kind: 'data'; offset: number; width: number; expr: Expr; range: SourceRange }
  /** Literal bytes; `mapped` false for alignment padding, which has no source line. */
  | { kind: 'bytes'; offset: number; bytes: Uint8Array; range: SourceRange; mapped: boolean };

export interface Chunk {
  name: string;
  flags: SectionFlags;
  size: number;
  align: number;
  items: Item[];
}

export interface SymDef {
  name: string;
  range: SourceRange;
  /** Label: offset into this file's chunk of `section`. */
  section?: string;
  offset?: number;
  /** `.equ`/`.set`: value if known in pass one, otherwise the expression for link time. */
  value?: Value;
  expr?: Expr;
}

export interface FileUnit {
  path: string;
  chunks: Map<string, Chunk>;
  symbols: Map<string, SymDef>;
  /** `.globl` declarations (a declaration without a definition imports the name). */
  globals: Map<string, SourceRange>;
  types: Map<string, SymbolKind>;
  sizes: Map<string, Expr>;
}

export function defaultFlags(name: string): SectionFlags {
  const is = (p: string): boolean => name === p || name.startsWith(`${p}.`);
  if (is('.text')) return { alloc: true, write: false, exec: true, progbits: true };
  if (is('.rodata') || is('.srodata')) return { alloc: true, write: false, exec: false, progbits: true };
  if (is('.bss') || is('.sbss') || is('.tbss')) return { alloc: true, write: true, exec: false, progbits: false };
  // Any other name (.data, .sdata, .tohost, custom): allocated and writable, so it ends up in the image.
  return { alloc: true, write: true, exec: false, progbits: true };
}
