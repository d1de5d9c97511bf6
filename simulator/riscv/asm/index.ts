/**
 * RV64 assembler with GNU `as` syntax: several source files in, one linked Image out.
 * `parseSource` is the per-file syntax entry point for the language server.
 */
import { hasErrors, type Diagnostic } from '../../diagnostics';
import type { Image } from '../image';
import { link } from './link';
import { Pass1 } from './pass1';

export interface AsmSource {
  path: string;
  text: string;
}

export interface AsmOptions {
  readFile?: (path: string) => string | undefined;
  base?: bigint;
  sectionOrder?: string[];
  sectionAddresses?: Record<string, bigint>;
  defines?: Record<string, string>;
  entry?: string;
  /** Reuse unchanged lines' lexing and parsing across assemblies (default true); see line-cache.ts. */
  lineCache?: boolean;
}

export interface AsmResult {
  image: Image | undefined;
  diagnostics: Diagnostic[];
}

export const DEFAULT_BASE = 0x80000000n;
export const DEFAULT_SECTION_ORDER = ['.text.init', '.text', '.rodata', '.data', '.sdata', '.bss'];

export function assemble(sources: AsmSource[], options: AsmOptions = {}): AsmResult {
  const diagnostics: Diagnostic[] = [];
  const defines = new Map(Object.entries(options.defines ?? {}));
  const units = sources.map((s) => {
    const p = new Pass1(s.path, s.text, { readFile: options.readFile, defines, lineCache: options.lineCache });
    const unit = p.run();
    for (const d of p.diagnostics) diagnostics.push(d); // not push(...): a broken file can have more than fit in arguments
    return unit;
  });
  const linked = link(units, {
    base: options.base ?? DEFAULT_BASE,
    sectionOrder: options.sectionOrder ?? DEFAULT_SECTION_ORDER,
    sectionAddresses: options.sectionAddresses ?? {},
    entry: options.entry,
  });
  for (const d of linked.diagnostics) diagnostics.push(d);
  return { image: hasErrors(diagnostics) ? undefined : linked.image, diagnostics };
}

export { parseSource, type ParsedSource, type SyntaxNode } from './parse-source';
export type { Expr, Operand, Statement } from './syntax';
