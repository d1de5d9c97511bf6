/**
 * One lens over the program (on its `.event` line, else the first instruction): the verdict,
 * the instruction count and the worst-case path length.
 */
import type { CodeLens } from 'vscode-languageserver';
import type { HcbAnalysis } from './analysis';
import { toRange } from './positions';
import { verdict } from './verifyCallback';

/** Command the extension runs on a click (shows the full verifier output). */
export const VERIFY_COMMAND = 'hyperlab.verifyCallback';

export function codeLenses(a: HcbAnalysis): CodeLens[] {
  const anchor = a.asm.event?.range ?? a.asm.insns[0]?.range;
  if (!anchor) return [];
  const v = verdict(a);
  const errors = v.messages.filter((m) => /: error: /.test(m)).length;
  const status = a.asmFailed
    ? `does not assemble (${errors} error${errors === 1 ? '' : 's'})`
    : v.accepted
      ? '✓ verified'
      : `✗ rejected (${errors} error${errors === 1 ? '' : 's'})`;
  const parts = [status, `${v.instructions} instruction${v.instructions === 1 ? '' : 's'}`];
  if (v.worstCasePath !== null) parts.push(`worst-case path ${v.worstCasePath}`);
  const range = toRange(anchor);
  return [{ range: { start: range.start, end: range.start }, command: { title: parts.join(' · '), command: VERIFY_COMMAND, arguments: [a.uri] } }];
}
