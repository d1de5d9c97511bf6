/** Links from the file names in a scenario to the files, and definitions of entry symbols. */
import type { DocumentLink, Location, Position } from 'vscode-languageserver';
import type { TextDocument } from 'vscode-languageserver-textdocument';
import type { LanguageContext } from '../language';
import { buildLink } from '../riscv/build';
import { contains, toRange } from '../riscv/ranges';
import { pathToUri, uriOf } from '../riscv/uri';
import { scenarioModel } from './references';

/** A string value's range without its quotes. */
const inner = (r: ReturnType<typeof toRange>): ReturnType<typeof toRange> =>
  r.start.line === r.end.line && r.end.character - r.start.character >= 2 ? { start: { ...r.start, character: r.start.character + 1 }, end: { ...r.end, character: r.end.character - 1 } } : r;

export function scenarioLinks(doc: TextDocument, ctx: LanguageContext): DocumentLink[] {
  const out: DocumentLink[] = [];
  for (const code of scenarioModel(doc).codes) {
    for (const f of [...code.files, ...code.callbacks.map((c) => c.file)]) {
      if (!f.range || ctx.files.read(uriOf(f.file, ctx.files)) === undefined) continue;
      out.push({ range: inner(toRange(f.range)), target: pathToUri(f.file), tooltip: f.file });
    }
  }
  return out;
}

export function scenarioDefinition(doc: TextDocument, pos: Position, ctx: LanguageContext): Location[] {
  const read = (p: string): string | undefined => ctx.files.read(uriOf(p, ctx.files));
  for (const code of scenarioModel(doc).codes) {
    for (const f of [...code.files, ...code.callbacks.map((c) => c.file)]) {
      if (f.range && contains(f.range, pos) && read(f.file) !== undefined) return [{ uri: pathToUri(f.file), range: { start: { line: 0, character: 0 }, end: { line: 0, character: 0 } } }];
    }
    const entry = code.entry;
    if (entry?.range && contains(entry.range, pos) && code.link) {
      const build = buildLink(code.link, read);
      const found = build.units.map((u) => u.symbols.get(entry.name)).filter((s) => s !== undefined);
      return found.map((s) => ({ uri: pathToUri(s.range.file), range: toRange(s.range) }));
    }
  }
  return [];
}
