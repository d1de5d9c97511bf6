/**
 * Inlay hints (setting `hyperlab.inlayHints`, off by default): at the end of each instruction
 * line, what the verifier knows of the registers the instruction writes, after it.
 */
import { InlayHintKind, type InlayHint, type Range } from 'vscode-languageserver';
import { isCall, writesRegisters } from '../../simulator/ebpf/isa';
import type { HcbAnalysis } from './analysis';
import { describeCompact } from './stateView';

const MAX_HINT = 60;

export function inlayHints(a: HcbAnalysis, range: Range): InlayHint[] {
  const r = a.verification();
  if (!r) return [];
  const out: InlayHint[] = [];
  for (let line = range.start.line; line <= range.end.line && line < a.lines.length; line++) {
    const idx = a.insnAtLine.get(line);
    if (idx === undefined) continue;
    const after = r.stateAfter(idx);
    const insn = a.asm.insns[idx].insn;
    // a call clobbers r1-r5; only its result is worth a hint
    const regs = isCall(insn) ? [0] : writesRegisters(insn).filter((x) => x !== 10);
    if (!after || regs.length === 0 || regs.length > 2) continue;
    const facts = regs.map((x) => `r${x}: ${describeCompact(after.regs[x])}`).join('; ');
    out.push({
      position: { line, character: a.lines[line].length },
      label: ` ${facts.length > MAX_HINT ? `${facts.slice(0, MAX_HINT - 1)}…` : facts}`,
      kind: InlayHintKind.Type,
      paddingLeft: true,
    });
  }
  return out;
}
