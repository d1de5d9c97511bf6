/**
 * Public API of the eBPF verifier.
 *
 *   const r = verify({ insns, platform, ranges, file });
 *   r.ok                       // accepted?
 *   r.diagnostics              // standard Diagnostics (errors, warnings, notes) with the path in `related`
 *   r.stateBefore(i) / r.stateAfter(i)   // joined abstract state around instruction i (hovers)
 *   r.describe(i)              // pretty-printed states for instruction i
 *
 * `verifyHcb(asmResult)` runs it on an assembled `.hcb` file with the platform of its `.event`.
 */
import type { Diagnostic, SourceRange } from '../../diagnostics';
import type { Insn } from '../isa';
import type { AsmResult } from '../asm/assembler';
import { formatInsn } from '../asm/disasm';
import { Analyzer, type Analysis, type Finding, type Pseudo } from './analyze';
import { DEFAULT_OPTIONS, eventPlatform, type Platform, type VerifyOptions } from './platform';
import { UNINIT, formatState, newFrame, type State } from './state';
import * as S from './scalar';

export type { Platform, VerifyOptions } from './platform';
export type { State, Val } from './state';
export { formatState, formatVal } from './state';

export interface VerifyInput {
  insns: readonly Insn[];
  platform: Platform;
  options?: Partial<VerifyOptions>;
  /** Source range of each instruction (from the assembler), for diagnostics. */
  ranges?: readonly (SourceRange | undefined)[];
  /** Source text of each instruction, for the path trace. */
  texts?: readonly string[];
  file?: string;
  /** Initial state (default: r1 = context, r10 = frame pointer, everything else uninitialised). */
  initial?: State;
  pseudo?: ReadonlyMap<number, Pseudo>;
}

export interface VerifyResult {
  ok: boolean;
  diagnostics: Diagnostic[];
  findings: Finding[];
  analysis: Analysis;
  stateBefore(i: number): State | undefined;
  stateAfter(i: number): State | undefined;
  describe(i: number): string;
  millis: number;
}

export function initialState(): State {
  const regs = Array.from({ length: 11 }, () => UNINIT);
  regs[1] = { t: 'ctx', v: S.konst(0n) };
  regs[10] = { t: 'stack', v: S.konst(0n), frame: 0 };
  return { regs, frames: [newFrame()], saved: [], pktMin: 0n, meta: 0n };
}

export function verify(input: VerifyInput): VerifyResult {
  const t0 = performance.now();
  const options: VerifyOptions = { ...DEFAULT_OPTIONS, ...input.options };
  const an = new Analyzer(input.insns, input.platform, options, input.pseudo);
  const analysis = an.run(input.initial ?? initialState());
  const file = input.file ?? '<program>';
  const rangeOf = (i: number): SourceRange => input.ranges?.[i] ?? { file, line: i + 1, column: 1, endLine: i + 1, endColumn: 1 };
  const textOf = (i: number): string => input.texts?.[i] ?? `instruction ${i}`;
  const diagnostics: Diagnostic[] = analysis.findings.map((f) => {
    const related = f.path.map((p, k) => {
      const regs = f.regs.length ? f.regs : [0, 1, 2, 3];
      const st = p.state ? formatState(p.state, [...new Set(regs)].filter((r) => r >= 0 && r <= 10)) : 'not reached';
      const edge = k > 0 && p.edge ? ` (after: ${p.edge})` : '';
      return { range: rangeOf(p.idx), message: `${textOf(p.idx)}${edge}   [before: ${st}]` };
    });
    if (f.path.length) related[related.length - 1].message = `here: ${related[related.length - 1].message}`;
    const message = f.hint ? `${f.message} (hint: ${f.hint})` : f.message;
    return { severity: f.severity, message, range: rangeOf(f.idx), code: `verifier/${f.code}`, ...(related.length ? { related } : {}) };
  });
  const ok = !analysis.findings.some((f) => f.severity === 'error');
  return {
    ok,
    diagnostics,
    findings: analysis.findings,
    analysis,
    stateBefore: (i) => analysis.pre[i],
    stateAfter: (i) => analysis.postAt(i),
    describe: (i) => {
      const b = analysis.pre[i];
      const a = analysis.postAt(i);
      return `before: ${b ? formatState(b) : 'unreachable'}\nafter:  ${a ? formatState(a) : b ? '(no successor)' : 'unreachable'}`;
    },
    millis: performance.now() - t0,
  };
}

/** Verifies an assembled `.hcb` file against its event's context and helpers. */
export function verifyHcb(asm: AsmResult, options?: Partial<VerifyOptions>): VerifyResult {
  const platform = eventPlatform(asm.program.event, asm.program.maps, asm.program.range);
  const file = asm.insns[0]?.range.file;
  const diagnostics: Diagnostic[] = [];
  if (!asm.program.event) {
    diagnostics.push({
      severity: 'error',
      message: 'no `.event` directive: the verifier needs the event to know the context layout and the helpers (hint: add e.g. `.event page-reclaim` at the top)',
      range: asm.insns[0]?.range ?? { file: file ?? '<program>', line: 1, column: 1, endLine: 1, endColumn: 1 },
      code: 'verifier/no-event',
    });
  }
  const r = verify({
    insns: asm.insns.map((a) => a.insn),
    platform,
    ranges: asm.insns.map((a) => a.range),
    texts: asm.insns.map((a) => formatInsn(a.insn, { maps: asm.program.maps })),
    ...(file ? { file } : {}),
    ...(options ? { options } : {}),
  });
  if (diagnostics.length) return { ...r, ok: false, diagnostics: [...diagnostics, ...r.diagnostics] };
  return r;
}
