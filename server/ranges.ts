/**
 * Conversions between the language cores' 1-based `SourceRange` (end column exclusive) and LSP's
 * 0-based ranges, shared by every language. Columns are UTF-16 offsets on both sides (the
 * lexers index JavaScript strings).
 */
import type { Position, Range } from 'vscode-languageserver';
import type { SourceRange } from '../simulator/diagnostics';

export function toRange(r: SourceRange): Range {
  return {
    start: { line: Math.max(0, r.line - 1), character: Math.max(0, r.column - 1) },
    end: { line: Math.max(0, r.endLine - 1), character: Math.max(0, r.endColumn - 1) },
  };
}

/** Whether an LSP position falls inside a core range (end exclusive, but the end itself counts so a cursor just after a word still hits it). */
export function contains(r: SourceRange, p: Position): boolean {
  const line = p.line + 1;
  const col = p.character + 1;
  if (line < r.line || line > r.endLine) return false;
  if (line === r.line && col < r.column) return false;
  if (line === r.endLine && col > r.endColumn) return false;
  return true;
}
