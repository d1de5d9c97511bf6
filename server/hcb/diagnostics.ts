/**
 * Diagnostics of a `.hcb` file, exactly as `hyperlab verify` reports them: the assembler's on
 * every change; the verifier's (slow) only when the file assembles, without its `info` notes,
 * with the path that led to each finding as related information.
 */
import { DiagnosticSeverity, type Diagnostic, type DiagnosticRelatedInformation } from 'vscode-languageserver';
import { pathToFileURL } from 'node:url';
import type { Diagnostic as CoreDiagnostic, Severity } from '../../simulator/diagnostics';
import type { HcbAnalysis } from './analysis';
import { toRange } from './positions';

const SEVERITY: Record<Severity, DiagnosticSeverity> = {
  error: DiagnosticSeverity.Error,
  warning: DiagnosticSeverity.Warning,
  info: DiagnosticSeverity.Information,
};

export function toLspDiagnostic(d: CoreDiagnostic, a: HcbAnalysis, source: string): Diagnostic {
  const out: Diagnostic = { range: toRange(d.range), severity: SEVERITY[d.severity], message: d.message, source };
  if (d.code) out.code = d.code;
  if (d.related?.length) {
    out.relatedInformation = d.related.map((r): DiagnosticRelatedInformation => ({
      location: { uri: r.range.file === a.file ? a.uri : uriOf(r.range.file), range: toRange(r.range) },
      message: r.message,
    }));
  }
  return out;
}

function uriOf(file: string): string {
  return file.startsWith('/') ? pathToFileURL(file).toString() : file;
}

export function assemblerDiagnostics(a: HcbAnalysis): Diagnostic[] {
  return a.asm.diagnostics.map((d) => toLspDiagnostic(d, a, 'hcb'));
}

/** The verifier's findings as the CLI prints them (no `info`); none when the file does not assemble. */
export function verifierCoreDiagnostics(a: HcbAnalysis): CoreDiagnostic[] {
  const r = a.verification();
  return r ? r.diagnostics.filter((d) => d.severity !== 'info') : [];
}

export function verifierDiagnostics(a: HcbAnalysis): Diagnostic[] {
  return verifierCoreDiagnostics(a).map((d) => toLspDiagnostic(d, a, 'verifier'));
}
