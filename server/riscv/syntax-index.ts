/**
 * Names in one source file, from the assembler's own parse (`parseSource`): where each label,
 * numeric local label, `.equ` name and macro is defined and where each is used, and the files it
 * includes. Navigation, rename, outline, folding and semantic tokens read this. Cached per file
 * text (and the texts of what it includes, which decide its `#define`s).
 */
import * as path from 'node:path';
import type { SourceRange } from '../../simulator/diagnostics';
import { parseSource, type ParsedSource, type SyntaxNode } from '../../simulator/riscv/asm';
import type { Expr, Operand, Statement } from '../../simulator/riscv/asm/syntax';
import { csrNumber } from '../../simulator/riscv/isa/csrs';
import { registerNumber } from '../../simulator/riscv/isa/registers';
import type { ReadText } from './build';

export type DefinitionKind = 'label' | 'local' | 'constant' | 'macro';

export interface NameDefinition {
  name: string;
  kind: DefinitionKind;
  range: SourceRange;
  /** The whole construct (a macro's `.macro`…`.endm`), for outline and folding. */
  extent: SourceRange;
}

export type UseKind = 'symbol' | 'local' | 'macro-call' | 'declaration';

export interface NameUse {
  name: string;
  kind: UseKind;
  range: SourceRange;
  /** For `1f` / `1b`. */
  dir?: 'f' | 'b';
}

export interface IncludeRef {
  target: string;
  /** Absolute path the include names (relative to this file). */
  resolved: string;
  /** Range of the quoted file name if known, else the whole line. */
  range: SourceRange;
}

export interface SyntaxIndex {
  path: string;
  parsed: ParsedSource;
  definitions: NameDefinition[];
  uses: NameUse[];
  includes: IncludeRef[];
  /** Every statement outside macro bodies and inside them, in source order. */
  statements: { statement: Statement; inMacro: boolean }[];
  /** `.section`-like switches, for outline and folding. */
  sections: { name: string; range: SourceRange }[];
}

const SECTION_DIRECTIVES = new Set(['.section', '.text', '.data', '.bss', '.rodata', '.pushsection']);
const CONSTANT_DIRECTIVES = new Set(['.equ', '.set', '.equiv']);
const DECLARING_DIRECTIVES = new Set(['.globl', '.global', '.weak', '.local', '.type']);

function walkExpr(e: Expr, visit: (e: Expr) => void): void {
  visit(e);
  if (e.kind === 'unary' || e.kind === 'reloc') walkExpr(e.arg, visit);
  else if (e.kind === 'binary') {
    walkExpr(e.left, visit);
    walkExpr(e.right, visit);
  }
}

function operandExprs(op: Operand): Expr[] {
  return op.kind === 'expr' ? [op.expr] : op.offset ? [op.offset] : [];
}

export function indexSource(file: string, text: string, read: ReadText): SyntaxIndex {
  const parsed = parseSource(file, text, { readFile: read });
  const index: SyntaxIndex = { path: file, parsed, definitions: [], uses: [], includes: [], statements: [], sections: [] };
  const macroNames = new Set<string>();
  const collectMacros = (nodes: SyntaxNode[]): void => {
    for (const n of nodes) if (n.kind === 'macro') macroNames.add(n.name);
  };
  collectMacros(parsed.nodes);
  const seenIncludes = new Set<string>();
  const visit = (nodes: SyntaxNode[], inMacro: boolean): void => {
    for (const node of nodes) {
      if (node.kind === 'macro') {
        index.definitions.push({ name: node.name, kind: 'macro', range: node.nameRange, extent: node.range });
        visit(node.body, true);
        continue;
      }
      if (node.kind === 'rept') {
        visit(node.body, inMacro);
        continue;
      }
      if (node.kind === 'include') {
        const resolved = node.resolved ?? path.resolve(path.dirname(file), node.path);
        const key = `${node.range.line}:${node.path}`;
        if (seenIncludes.has(key)) continue;
        seenIncludes.add(key);
        index.includes.push({ target: node.path, resolved, range: includeNameRange(text, node.range, node.path) });
        continue;
      }
      const st = node.statement;
      index.statements.push({ statement: st, inMacro });
      statementNames(st, index, macroNames, inMacro);
    }
  };
  visit(parsed.nodes, false);
  index.includes.sort((a, b) => a.range.line - b.range.line);
  return index;
}

/** The quoted file name inside an include line, so a link covers just the name. */
function includeNameRange(text: string, range: SourceRange, target: string): SourceRange {
  const lineText = lineAt(text, range.line);
  const at = lineText.indexOf(`"${target}"`);
  if (at < 0) return range;
  return { file: range.file, line: range.line, column: at + 2, endLine: range.line, endColumn: at + 2 + target.length };
}

export function lineAt(text: string, line: number): string {
  let start = 0;
  for (let l = 1; l < line; l++) {
    const nl = text.indexOf('\n', start);
    if (nl < 0) return '';
    start = nl + 1;
  }
  const end = text.indexOf('\n', start);
  return text.slice(start, end < 0 ? text.length : end).replace(/\r$/, '');
}

function statementNames(st: Statement, index: SyntaxIndex, macros: ReadonlySet<string>, inMacro: boolean): void {
  const use = (name: string, range: SourceRange, kind: UseKind = 'symbol'): void => {
    if (registerNumber(name) !== undefined || csrNumber(name) !== undefined) return;
    index.uses.push({ name, kind, range });
  };
  switch (st.kind) {
    case 'label':
      index.definitions.push({ name: st.name, kind: st.numeric ? 'local' : 'label', range: labelNameRange(st.range, st.name), extent: st.range });
      return;
    case 'assign':
      index.definitions.push({ name: st.name, kind: 'constant', range: st.nameRange, extent: st.range });
      walkExpr(st.value, (e) => e.kind === 'sym' && use(e.name, e.range));
      return;
    case 'instruction':
      if (macros.has(st.mnemonic)) index.uses.push({ name: st.mnemonic, kind: 'macro-call', range: st.mnemonicRange });
      if (inMacro) return; // operands inside a macro body are parameter text, not symbols
      for (const op of st.operands) {
        for (const e of operandExprs(op)) {
          walkExpr(e, (x) => {
            if (x.kind === 'sym') use(x.name, x.range);
            else if (x.kind === 'local') index.uses.push({ name: x.label, kind: 'local', range: x.range, dir: x.dir });
          });
        }
      }
      return;
    case 'directive': {
      if (SECTION_DIRECTIVES.has(st.name)) {
        const name = st.name === '.section' || st.name === '.pushsection' ? st.args[0]?.tokens.map((t) => (t.kind === 'str' ? t.text.slice(1, -1) : t.text)).join('') ?? st.name : st.name;
        index.sections.push({ name, range: st.range });
      }
      if (inMacro) return;
      if (CONSTANT_DIRECTIVES.has(st.name)) {
        const t = st.args[0]?.tokens[0];
        if (t?.kind === 'ident' && st.args[0].tokens.length === 1) index.definitions.push({ name: t.text, kind: 'constant', range: t.range, extent: st.range });
      }
      if (DECLARING_DIRECTIVES.has(st.name)) {
        const args = st.name === '.type' ? st.args.slice(0, 1) : st.args;
        for (const a of args) for (const t of a.tokens) if (t.kind === 'ident') use(t.text, t.range, 'declaration');
      }
      return;
    }
  }
}

/** A label statement's range covers `name:`; the name is what rename edits. */
function labelNameRange(r: SourceRange, name: string): SourceRange {
  return { ...r, endLine: r.line, endColumn: r.column + name.length };
}

// ---- caching --------------------------------------------------------------------------------

interface IndexEntry {
  text: string;
  reads: Map<string, string | undefined>;
  index: SyntaxIndex;
}
const indexCache = new Map<string, IndexEntry>();
const MAX_INDEXED = 512;

export function syntaxIndex(file: string, text: string, read: ReadText): SyntaxIndex {
  const hit = indexCache.get(file);
  if (hit && hit.text === text && [...hit.reads].every(([p, t]) => read(p) === t)) return hit.index;
  const reads = new Map<string, string | undefined>();
  const index = indexSource(file, text, (p) => {
    const t = read(p);
    reads.set(p, t);
    return t;
  });
  if (indexCache.size >= MAX_INDEXED && !indexCache.has(file)) indexCache.delete(indexCache.keys().next().value as string);
  indexCache.set(file, { text, reads, index });
  return index;
}
