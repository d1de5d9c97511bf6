/**
 * What names the cursor is on: a label or local function (definition or reference), a map
 * (declaration or reference), a helper, or the event of the `.event` directive. Built from the
 * assembler's own reference table, so navigation agrees with what the code assembles to.
 */
import type { Position, Range } from 'vscode-languageserver';
import { tokenizeLine, type Token } from './tokens';
import type { HcbAnalysis } from './analysis';
import { contains, toRange } from './positions';

export type SymbolKind = 'label' | 'map' | 'helper' | 'event';

export interface SymbolHit {
  kind: SymbolKind;
  name: string;
  range: Range;
  /** For helper: its id. */
  id?: number;
}

export function tokenAt(a: HcbAnalysis, p: Position): Token | undefined {
  const line = a.lines[p.line];
  if (line === undefined) return undefined;
  const col = p.character + 1;
  return tokenizeLine(line).tokens.find((t) => col >= t.column && col <= t.end);
}

export function symbolAt(a: HcbAnalysis, p: Position): SymbolHit | undefined {
  for (const ref of a.asm.references) {
    if (!contains(ref.range, p)) continue;
    if (ref.kind === 'helper') return { kind: 'helper', name: ref.name, range: toRange(ref.range), ...(ref.target !== undefined ? { id: ref.target } : {}) };
    return { kind: ref.kind === 'map' ? 'map' : 'label', name: ref.name, range: toRange(ref.range) };
  }
  for (const l of a.asm.labels) if (contains(l.range, p)) return { kind: 'label', name: l.name, range: toRange(l.range) };
  for (const m of a.asm.maps) if (contains(m.nameRange, p)) return { kind: 'map', name: m.name, range: toRange(m.nameRange) };
  const ev = a.asm.event;
  if (ev && contains(ev.range, p)) {
    const t = tokenAt(a, p);
    if (t && t.text !== '.event') return { kind: 'event', name: ev.name, range: toRange(ev.range) };
  }
  return undefined;
}

/** Every occurrence of a label/map: definitions first. */
export function occurrences(a: HcbAnalysis, kind: 'label' | 'map', name: string): { range: Range; definition: boolean }[] {
  const out: { range: Range; definition: boolean }[] = [];
  if (kind === 'label') for (const l of a.asm.labels) if (l.name === name) out.push({ range: toRange(l.range), definition: true });
  if (kind === 'map') for (const m of a.asm.maps) if (m.name === name) out.push({ range: toRange(m.nameRange), definition: true });
  for (const r of a.asm.references) {
    const refKind = r.kind === 'map' ? 'map' : r.kind === 'helper' ? 'helper' : 'label';
    if (refKind === kind && r.name === name) out.push({ range: toRange(r.range), definition: false });
  }
  return out;
}
