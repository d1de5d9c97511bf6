/**
 * A located message about user input. Every language core (RV64 assembler, eBPF assembler,
 * verifier, scenario loader) reports through this shape so the CLI prints `file:line:col: error: …`
 * and the language server maps it to an LSP diagnostic without translation tables.
 * Lines and columns are 1-based, `endColumn` is exclusive.
 */
export type Severity = 'error' | 'warning' | 'info';

export interface SourceRange {
  file: string;
  line: number;
  column: number;
  endLine: number;
  endColumn: number;
}

export interface RelatedInformation {
  range: SourceRange;
  message: string;
}

export interface Diagnostic {
  severity: Severity;
  message: string;
  range: SourceRange;
  /** Stable identifier of the rule or error kind, for quick fixes and for switching checks off. */
  code?: string;
  related?: RelatedInformation[];
}

export function formatDiagnostic(d: Diagnostic): string {
  return `${d.range.file}:${d.range.line}:${d.range.column}: ${d.severity}: ${d.message}`;
}

export function hasErrors(diagnostics: readonly Diagnostic[]): boolean {
  return diagnostics.some((d) => d.severity === 'error');
}
