/**
 * Go to definition, references and rename across the files linked together: this file, the
 * files it includes (and that include it), and the other sources of every scenario that loads it.
 */
import type { Location, Position, Range, TextEdit, WorkspaceEdit } from 'vscode-languageserver';
import type { TextDocument } from 'vscode-languageserver-textdocument';
import type { SourceRange } from '../../simulator/diagnostics';
import { isKnownMnemonic } from '../../simulator/riscv/asm/expand';
import { csrNumber } from '../../simulator/riscv/isa/csrs';
import { registerNumber } from '../../simulator/riscv/isa/registers';
import type { LanguageContext } from '../language';
import { analyse, reader } from './analysis';
import type { ReadText } from './build';
import { targetAt, type CursorTarget } from './cursor';
import { toRange } from './ranges';
import { syntaxIndex, type NameDefinition, type SyntaxIndex } from './syntax-index';
import { pathToUri, uriToPath } from './uri';

const location = (r: SourceRange): Location => ({ uri: pathToUri(r.file), range: toRange(r) });
const before = (a: SourceRange, b: SourceRange): boolean => a.line < b.line || (a.line === b.line && a.column < b.column);

/** The index of a file, reading it from the workspace (or this document). */
function indexOf(file: string, read: ReadText): SyntaxIndex | undefined {
  const text = read(file);
  return text === undefined ? undefined : syntaxIndex(file, text, read);
}

/** Files whose names can refer to this file's symbols: the links and every file they include. */
export function linkedFiles(doc: TextDocument, ctx: LanguageContext): string[] {
  const self = uriToPath(doc.uri);
  const read = reader(doc, ctx);
  const out = new Set<string>([self]);
  for (const { build } of analyse(doc, ctx).builds) for (const s of build.context.sources) out.add(s);
  const queue = [...out];
  while (queue.length) {
    const f = queue.pop() as string;
    for (const inc of indexOf(f, read)?.includes ?? []) {
      if (!out.has(inc.resolved) && read(inc.resolved) !== undefined) {
        out.add(inc.resolved);
        queue.push(inc.resolved);
      }
    }
  }
  return [...out];
}

/** The numeric local label definition a `1f`/`1b` at `at` resolves to (GNU as rules). */
export function resolveLocal(index: SyntaxIndex, label: string, dir: 'f' | 'b' | undefined, at: SourceRange): NameDefinition | undefined {
  const defs = index.definitions.filter((d) => d.kind === 'local' && d.name === label);
  if (dir === undefined) return defs.find((d) => d.range.line === at.line && d.range.column === at.column);
  if (dir === 'b') return defs.filter((d) => !before(at, d.range)).at(-1);
  return defs.find((d) => before(at, d.range) && !(d.range.line === at.line && d.range.column === at.column));
}

export function definitionsOf(doc: TextDocument, target: CursorTarget, ctx: LanguageContext): SourceRange[] {
  const self = uriToPath(doc.uri);
  const read = reader(doc, ctx);
  if (target.kind === 'local') {
    const index = indexOf(self, read);
    const def = index && resolveLocal(index, target.label, target.dir, target.range);
    return def ? [def.range] : [];
  }
  if (target.kind === 'include') {
    const index = indexOf(self, read);
    const inc = index?.includes.find((i) => i.range.line === target.range.line);
    return inc && read(inc.resolved) !== undefined ? [{ file: inc.resolved, line: 1, column: 1, endLine: 1, endColumn: 1 }] : [];
  }
  if (target.kind !== 'symbol' && target.kind !== 'mnemonic') return [];
  const name = target.name;
  const files = linkedFiles(doc, ctx);
  const found: SourceRange[] = [];
  // This file first: a file-local name shadows a global of the same name elsewhere.
  for (const f of [self, ...files.filter((x) => x !== self)]) {
    const defs = indexOf(f, read)?.definitions.filter((d) => d.name === name && d.kind !== 'local') ?? [];
    found.push(...defs.map((d) => d.range));
    if (found.length && f === self) break;
  }
  if (!found.length && target.kind === 'symbol') {
    const define = findDefine(doc, name, ctx);
    if (define) found.push(define.range);
  }
  return found;
}

const escape = (name: string): string => name.replace(/[.$]/g, '\\$&');

/** Where a cpp `#define NAME` is, in this file or the files linked with it. */
export function findDefine(doc: TextDocument, name: string, ctx: LanguageContext): { range: SourceRange; value: string } | undefined {
  const read = reader(doc, ctx);
  const re = new RegExp(`^([ \\t]*#[ \\t]*define[ \\t]+)(${escape(name)})(?![\\w$])[ \\t]*(.*)$`, 'm');
  for (const f of linkedFiles(doc, ctx)) {
    const text = read(f);
    const m = text === undefined ? null : re.exec(text);
    if (!m || text === undefined) continue;
    const line = text.slice(0, m.index).split('\n').length;
    const column = m[1].length + 1;
    return { range: { file: f, line, column, endLine: line, endColumn: column + name.length }, value: m[3].replace(/\s*(\/\*.*|\/\/.*)$/, '').trim() };
  }
  return undefined;
}

export function definition(doc: TextDocument, pos: Position, ctx: LanguageContext): Location[] {
  const target = targetAt(doc, pos);
  return target ? definitionsOf(doc, target, ctx).map(location) : [];
}

/** Every occurrence of the name under the cursor (definitions included when asked). */
function occurrences(doc: TextDocument, target: CursorTarget, ctx: LanguageContext, includeDeclaration: boolean): SourceRange[] {
  const self = uriToPath(doc.uri);
  const read = reader(doc, ctx);
  if (target.kind === 'local') {
    const index = indexOf(self, read);
    if (!index) return [];
    const def = resolveLocal(index, target.label, target.dir, target.range);
    if (!def) return [];
    const uses = index.uses.filter((u) => u.kind === 'local' && u.name === target.label && resolveLocal(index, u.name, u.dir, u.range) === def);
    return [...(includeDeclaration ? [def.range] : []), ...uses.map((u) => u.range)];
  }
  if (target.kind !== 'symbol' && !(target.kind === 'mnemonic' && !isKnownMnemonic(target.name))) return [];
  const name = target.name;
  const out: SourceRange[] = [];
  for (const f of linkedFiles(doc, ctx)) {
    const index = indexOf(f, read);
    if (!index) continue;
    if (includeDeclaration) out.push(...index.definitions.filter((d) => d.name === name && d.kind !== 'local').map((d) => d.range));
    out.push(...index.uses.filter((u) => u.name === name && u.kind !== 'local').map((u) => u.range));
  }
  return out;
}

export function references(doc: TextDocument, pos: Position, includeDeclaration: boolean, ctx: LanguageContext): Location[] {
  const target = targetAt(doc, pos);
  return target ? occurrences(doc, target, ctx, includeDeclaration).map(location) : [];
}

const NAME = /^[A-Za-z_.$][\w.$]*$/;

function renamable(target: CursorTarget | undefined): target is Extract<CursorTarget, { kind: 'symbol' | 'mnemonic' }> {
  if (!target) return false;
  if (target.kind === 'symbol') return true;
  return target.kind === 'mnemonic' && !isKnownMnemonic(target.name);
}

export function prepareRename(doc: TextDocument, pos: Position, ctx: LanguageContext): { range: Range; placeholder: string } | null {
  const target = targetAt(doc, pos);
  if (!renamable(target)) return null;
  if (!definitionsOf(doc, target, ctx).length) return null;
  return { range: toRange(target.range), placeholder: target.name };
}

export function rename(doc: TextDocument, pos: Position, newName: string, ctx: LanguageContext): WorkspaceEdit | null {
  const target = targetAt(doc, pos);
  if (!renamable(target) || !NAME.test(newName)) return null;
  if (registerNumber(newName) !== undefined || csrNumber(newName) !== undefined) return null;
  if (!definitionsOf(doc, target, ctx).length) return null;
  // Renaming onto a name the link already defines would merge two symbols: refuse.
  const read = reader(doc, ctx);
  if (newName !== target.name && linkedFiles(doc, ctx).some((f) => indexOf(f, read)?.definitions.some((d) => d.name === newName && d.kind !== 'local'))) return null;
  const changes: Record<string, TextEdit[]> = {};
  const seen = new Set<string>();
  for (const r of occurrences(doc, target, ctx, true)) {
    const key = `${r.file}:${r.line}:${r.column}`;
    if (seen.has(key)) continue;
    seen.add(key);
    (changes[pathToUri(r.file)] ??= []).push({ range: toRange(r), newText: newName });
  }
  return { changes };
}
