/** Conversions between the language cores' 1-based ranges and LSP's 0-based ones. */
import { DiagnosticSeverity, type Diagnostic as LspDiagnostic, type DiagnosticRelatedInformation } from 'vscode-languageserver';
import { toRange } from '../ranges';
import type { Diagnostic } from '../../simulator/diagnostics';
import { pathToUri } from './uri';

export { contains, toRange } from '../ranges';

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
