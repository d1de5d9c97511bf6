/** Conversions between the language cores' 1-based ranges and LSP's 0-based ones. */
import { DiagnosticSeverity, type Diagnostic as LspDiagnostic, type DiagnosticRelatedInformation, type Position, type Range } from 'vscode-languageserver';
import type { Diagnostic, SourceRange } from '../../simulator/diagnostics';
import { pathToUri } from './uri';

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

const SEVERITY = { error: DiagnosticSeverity.Error, warning: DiagnosticSeverity.Warning, info: DiagnosticSeverity.Information } as const;

export function toLspDiagnostic(d: Diagnostic, source: string): LspDiagnostic {
  const related: DiagnosticRelatedInformation[] | undefined = d.related?.map((r) => ({
    location: { uri: pathToUri(r.range.file), range: toRange(r.range) },
    message: r.message,
  }));
  return {
    range: toRange(d.range),
    severity: SEVERITY[d.severity],
    message: d.message,
    source,
    ...(d.code !== undefined ? { code: d.code } : {}),
    ...(related?.length ? { relatedInformation: related } : {}),
  };
}
