/**
 * Structure of a guest file: outline (sections holding their labels, constants and macros),
 * workspace symbols, folding (sections, macros, block comments), semantic tokens and links
 * from `.include` / `#include` names to the files.
 */
import { SymbolKind, type DocumentLink, type DocumentSymbol, type FoldingRange, type SemanticTokens, type SymbolInformation } from 'vscode-languageserver';
import type { TextDocument } from 'vscode-languageserver-textdocument';
import { isKnownMnemonic } from '../../simulator/riscv/asm/expand';
import type { Expr } from '../../simulator/riscv/asm/syntax';
import { csrNumber } from '../../simulator/riscv/isa/csrs';
import { registerNumber } from '../../simulator/riscv/isa/registers';
import type { LanguageContext } from '../language';
import { semanticTokenLegend, type SemanticTokenType } from '../language';
import { reader } from './analysis';
import { toRange } from './ranges';
import { syntaxIndex, type NameDefinition, type SyntaxIndex } from './syntax-index';
import { pathToUri, uriOf, uriToPath } from './uri';

function indexFor(doc: TextDocument, ctx: LanguageContext): SyntaxIndex {
  return syntaxIndex(uriToPath(doc.uri), doc.getText(), reader(doc, ctx));
}

const KIND: Record<NameDefinition['kind'], SymbolKind> = { label: SymbolKind.Function, local: SymbolKind.Key, constant: SymbolKind.Constant, macro: SymbolKind.Class };

export function documentSymbols(doc: TextDocument, ctx: LanguageContext): DocumentSymbol[] {
  const index = indexFor(doc, ctx);
  const self = uriToPath(doc.uri);
  const defs = index.definitions.filter((d) => d.kind !== 'local' && d.range.file === self);
  const sections = index.sections.filter((s) => s.range.file === self);
  const lastLine = Math.max(0, doc.lineCount - 1);
  const top: DocumentSymbol[] = [];
  const containers = sections.map((s, i) => {
    const end = i + 1 < sections.length ? sections[i + 1].range.line - 2 : lastLine;
    const sym: DocumentSymbol = {
      name: s.name,
      kind: SymbolKind.Namespace,
      range: { start: toRange(s.range).start, end: lineEnd(doc, Math.max(s.range.line - 1, end)) },
      selectionRange: toRange(s.range),
      children: [],
    };
    top.push(sym);
    return sym;
  });
  for (const d of defs) {
    const sym: DocumentSymbol = { name: d.name, kind: KIND[d.kind], range: toRange(d.extent), selectionRange: toRange(d.range), detail: d.kind };
    // Macros and constants are not in a section; labels belong to the section they follow.
    let host: DocumentSymbol | undefined;
    if (d.kind === 'label') for (let i = 0; i < sections.length; i++) if (sections[i].range.line <= d.range.line) host = containers[i];
    if (host) host.children?.push(sym);
    else top.push(sym);
  }
  return top.sort((a, b) => a.range.start.line - b.range.start.line);
}

/** The position just after the last character of a line (a section's outline range covers its whole last line). */
function lineEnd(doc: TextDocument, line: number): { line: number; character: number } {
  const next = line + 1 < doc.lineCount ? doc.offsetAt({ line: line + 1, character: 0 }) - 1 : doc.getText().length;
  return doc.positionAt(Math.max(doc.offsetAt({ line, character: 0 }), next));
}

export function workspaceSymbols(query: string, ctx: LanguageContext): SymbolInformation[] {
  const q = query.toLowerCase();
  const out: SymbolInformation[] = [];
  const read = (p: string): string | undefined => ctx.files.read(uriOf(p, ctx.files));
  for (const uri of ctx.files.uris('riscv-guest')) {
    const file = uriToPath(uri);
    const text = ctx.files.read(uri);
    if (text === undefined) continue;
    for (const d of syntaxIndex(file, text, read).definitions) {
      if (d.kind === 'local' || d.range.file !== file || !d.name.toLowerCase().includes(q)) continue;
      out.push({ name: d.name, kind: KIND[d.kind], location: { uri, range: toRange(d.range) }, containerName: file.split('/').pop() });
      if (out.length >= 1000) return out;
    }
  }
  return out;
}

export function foldingRanges(doc: TextDocument, ctx: LanguageContext): FoldingRange[] {
  const index = indexFor(doc, ctx);
  const self = uriToPath(doc.uri);
  const out: FoldingRange[] = [];
  const sections = index.sections.filter((s) => s.range.file === self);
  sections.forEach((s, i) => {
    const end = (i + 1 < sections.length ? sections[i + 1].range.line - 1 : doc.lineCount) - 1;
    if (end > s.range.line - 1) out.push({ startLine: s.range.line - 1, endLine: end, kind: 'region' });
  });
  for (const d of index.definitions) {
    if (d.kind === 'macro' && d.extent.file === self && d.extent.endLine > d.extent.line) out.push({ startLine: d.extent.line - 1, endLine: d.extent.endLine - 1, kind: 'region' });
  }
  const text = doc.getText();
  for (const m of text.matchAll(/\/\*[\s\S]*?\*\//g)) {
    const start = doc.positionAt(m.index ?? 0).line;
    const end = doc.positionAt((m.index ?? 0) + m[0].length).line;
    if (end > start) out.push({ startLine: start, endLine: end, kind: 'comment' });
  }
  return out;
}

export function documentLinks(doc: TextDocument, ctx: LanguageContext): DocumentLink[] {
  const index = indexFor(doc, ctx);
  const read = reader(doc, ctx);
  const self = uriToPath(doc.uri);
  return index.includes
    .filter((i) => i.range.file === self && read(i.resolved) !== undefined)
    .map((i) => ({ range: toRange(i.range), target: pathToUri(i.resolved), tooltip: i.resolved }));
}

// ---- semantic tokens ------------------------------------------------------------------------

const TYPE_INDEX = new Map<SemanticTokenType, number>(semanticTokenLegend.tokenTypes.map((t, i) => [t, i]));
const MOD = { declaration: 1, definition: 2, readonly: 4, defaultLibrary: 8 } as const;

interface RawToken {
  line: number;
  char: number;
  length: number;
  type: SemanticTokenType;
  mods: number;
}

export function semanticTokens(doc: TextDocument, ctx: LanguageContext): SemanticTokens {
  const index = indexFor(doc, ctx);
  const self = uriToPath(doc.uri);
  const raw: RawToken[] = [];
  const macros = new Set(index.definitions.filter((d) => d.kind === 'macro').map((d) => d.name));
  const constants = new Set(index.definitions.filter((d) => d.kind === 'constant').map((d) => d.name));
  const push = (r: { file: string; line: number; column: number; endLine: number; endColumn: number }, type: SemanticTokenType, mods = 0): void => {
    if (r.file !== self || r.endLine !== r.line || r.endColumn <= r.column) return;
    raw.push({ line: r.line - 1, char: r.column - 1, length: r.endColumn - r.column, type, mods });
  };
  const expr = (e: Expr): void => {
    switch (e.kind) {
      case 'num': push(e.range, 'number'); break;
      case 'sym':
        if (registerNumber(e.name) !== undefined) push(e.range, 'register');
        else if (csrNumber(e.name) !== undefined) push(e.range, 'property', MOD.defaultLibrary);
        else push(e.range, constants.has(e.name) ? 'enumMember' : 'label', constants.has(e.name) ? MOD.readonly : 0);
        break;
      case 'local': push(e.range, 'label'); break;
      case 'unary': expr(e.arg); break;
      case 'reloc': expr(e.arg); break;
      case 'binary': expr(e.left); expr(e.right); break;
      default: break;
    }
  };
  for (const d of index.definitions) {
    const type: SemanticTokenType = d.kind === 'macro' ? 'macro' : d.kind === 'constant' ? 'enumMember' : 'label';
    push(d.range, type, MOD.declaration | MOD.definition | (d.kind === 'constant' ? MOD.readonly : 0));
  }
  for (const { statement: st, inMacro } of index.statements) {
    if (st.kind === 'instruction') {
      push(st.mnemonicRange, macros.has(st.mnemonic) ? 'macro' : isKnownMnemonic(st.mnemonic) ? 'keyword' : 'function');
      if (inMacro) continue;
      for (const op of st.operands) {
        if (op.kind === 'expr') expr(op.expr);
        else {
          if (op.offset) expr(op.offset);
          push(op.baseRange, 'register');
        }
      }
    } else if (st.kind === 'directive') {
      push(st.nameRange, 'keyword', MOD.defaultLibrary);
      for (const a of st.args) for (const t of a.tokens) if (t.kind === 'str') push(t.range, 'string');
    }
  }
  raw.sort((a, b) => a.line - b.line || a.char - b.char);
  const data: number[] = [];
  let prevLine = 0;
  let prevChar = 0;
  let lastEnd = -1;
  let lastLine = -1;
  for (const t of raw) {
    if (t.line === lastLine && t.char < lastEnd) continue; // overlapping (definition also seen as use)
    const dl = t.line - prevLine;
    data.push(dl, dl === 0 ? t.char - prevChar : t.char, t.length, TYPE_INDEX.get(t.type) ?? 0, t.mods);
    prevLine = t.line;
    prevChar = t.char;
    lastLine = t.line;
    lastEnd = t.char + t.length;
  }
  return { data };
}
