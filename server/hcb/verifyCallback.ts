/**
 * `hyperlab/verifyCallback`: the verdict for one document, with messages formatted as
 * `hyperlab verify` prints them (`file:line:col: severity: message`).
 */
import type { TextDocument } from 'vscode-languageserver-textdocument';
import type { VerifyCallbackResult } from '../../protocol/hyperlab';
import { formatDiagnostic } from '../../simulator/diagnostics';
import { analyze, type HcbAnalysis } from './analysis';
import { verifierCoreDiagnostics } from './diagnostics';
import { worstCasePath } from './worstCase';

export function verdict(a: HcbAnalysis): VerifyCallbackResult {
  const instructions = a.asm.insns.length;
  if (a.asmFailed) {
    return { accepted: false, instructions, worstCasePath: null, messages: a.asm.diagnostics.map(formatDiagnostic) };
  }
  const r = a.verification();
  const accepted = r?.ok ?? false;
  const messages = verifierCoreDiagnostics(a).map(formatDiagnostic);
  const worst = accepted && r ? worstCasePath(a.asm.program.insns, r.analysis.loopBounds) : null;
  return { accepted, instructions, worstCasePath: worst, messages };
}

export function verifyCallback(doc: TextDocument): VerifyCallbackResult {
  return verdict(analyze(doc));
}
