/**
 * Document symbols (event, maps, labels with the instructions they head), workspace symbols over
 * every `.hcb` file, and folding ranges (label blocks, comment runs).
 */
import { FoldingRangeKind, SymbolKind, type DocumentSymbol, type FoldingRange, type SymbolInformation } from 'vscode-languageserver';
import { TextDocument } from 'vscode-languageserver-textdocument';
import type { LanguageContext } from '../language';
import { analyze, type HcbAnalysis } from './analysis';
import { toRange } from './positions';

/** Label blocks: from a label's line to the line before the next label (or the last line). */
function labelBlocks(a: HcbAnalysis): { name: string; start: number; end: number; nameLine: number }[] {
  const labels = [...a.asm.labels].sort((x, y) => x.range.line - y.range.line);
  let last = a.lines.length - 1;
  while (last > 0 && a.lines[last].trim() === '') last--;
  return labels.map((l, k) => {
    const start = l.range.line - 1;
    let end = k + 1 < labels.length ? labels[k + 1].range.line - 2 : last;
    while (end > start && a.lines[end].trim() === '') end--;
    return { name: l.name, start, end: Math.max(start, end), nameLine: start };
  });
}

export function documentSymbols(a: HcbAnalysis): DocumentSymbol[] {
  const out: DocumentSymbol[] = [];
  if (a.asm.event) {
    const r = toRange(a.asm.event.range);
    out.push({ name: `.event ${a.asm.event.name}`, kind: SymbolKind.Event, range: r, selectionRange: r });
  }
  for (const m of a.asm.maps) {
    out.push({ name: m.name, detail: `${m.type} map ${m.keySize}→${m.valueSize} ×${m.maxEntries}`, kind: SymbolKind.Variable, range: toRange(m.range), selectionRange: toRange(m.nameRange) });
  }
  const called = new Set(a.asm.references.filter((r) => r.kind === 'function').map((r) => r.name));
  for (const b of labelBlocks(a)) {
    const def = a.asm.labels.find((l) => l.name === b.name);
    if (!def) continue;
    const endText = a.lines[b.end] ?? '';
    out.push({
      name: b.name,
      detail: called.has(b.name) ? 'function' : 'label',
      kind: called.has(b.name) ? SymbolKind.Function : SymbolKind.Key,
      range: { start: { line: b.start, character: 0 }, end: { line: b.end, character: endText.length } },
      selectionRange: toRange(def.range),
    });
  }
  return out;
}

export function workspaceSymbols(query: string, ctx: LanguageContext): SymbolInformation[] {
  const q = query.toLowerCase();
  const out: SymbolInformation[] = [];
  for (const uri of ctx.files.uris('hcb')) {
    const text = ctx.files.read(uri);
    if (text === undefined) continue;
    const a = analyze(TextDocument.create(uri, 'hcb', -1, text));
    for (const l of a.asm.labels) if (l.name.toLowerCase().includes(q)) out.push({ name: l.name, kind: SymbolKind.Key, location: { uri, range: toRange(l.range) } });
    for (const m of a.asm.maps) if (m.name.toLowerCase().includes(q)) out.push({ name: m.name, kind: SymbolKind.Variable, location: { uri, range: toRange(m.nameRange) } });
  }
  return out;
}

export function foldingRanges(a: HcbAnalysis): FoldingRange[] {
  const out: FoldingRange[] = [];
  for (const b of labelBlocks(a)) if (b.end > b.start) out.push({ startLine: b.start, endLine: b.end, kind: FoldingRangeKind.Region });
  let runStart = -1;
  a.lines.forEach((line, k) => {
    const isComment = /^\s*(;|#|\/\/)/.test(line);
    if (isComment && runStart < 0) runStart = k;
    if (!isComment && runStart >= 0) {
      if (k - 1 > runStart) out.push({ startLine: runStart, endLine: k - 1, kind: FoldingRangeKind.Comment });
      runStart = -1;
    }
  });
  if (runStart >= 0 && a.lines.length - 1 > runStart) out.push({ startLine: runStart, endLine: a.lines.length - 1, kind: FoldingRangeKind.Comment });
  return out;
}
