/**
 * Code actions: the verifier quick fixes, and "convert to kernel syntax" for files (or the
 * selected lines) written in the ubpf syntax.
 */
import { CodeActionKind, type CodeAction, type Range, type TextEdit } from 'vscode-languageserver';
import type { HcbAnalysis } from './analysis';
import { kernelText } from './canonical';
import { toRange } from './positions';
import { quickFixes } from './quickFixes';

export function codeActions(a: HcbAnalysis, range: Range, only: readonly string[] | undefined): CodeAction[] {
  const wants = (kind: string): boolean => !only || only.some((o) => kind === o || kind.startsWith(`${o}.`));
  const out: CodeAction[] = [];
  if (wants(CodeActionKind.QuickFix)) out.push(...quickFixes(a, range));
  const convert = convertToKernel(a);
  if (convert && (wants(CodeActionKind.RefactorRewrite) || wants(CodeActionKind.Source))) out.push(convert);
  return out;
}

/** Rewrites every ubpf-syntax instruction in kernel syntax, in place (labels and comments kept). */
export function convertToKernel(a: HcbAnalysis): CodeAction | undefined {
  const edits: TextEdit[] = [];
  a.asm.insns.forEach((x, k) => {
    if (x.syntax !== 'ubpf') return;
    const text = kernelText(a, k);
    if (text) edits.push({ range: toRange(x.range), newText: text });
  });
  if (edits.length === 0) return undefined;
  return { title: 'Convert to kernel syntax', kind: CodeActionKind.RefactorRewrite, edit: { changes: { [a.uri]: edits } } };
}
