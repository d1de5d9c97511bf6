/**
 * Quick fixes for the verifier's common rejections, each an edit after which the verifier accepts
 * that access:
 * - `null`: a map value used before its null check -> `if rN == 0 goto <bail>` before the use;
 * - `ptr-bounds` / `bounds`: a number added to a pointer without bounds -> `if rS > LIMIT goto
 *   <bail>` before the addition, LIMIT = region size - offset - the widest access through it;
 * - `uninit`: a register read before it is set -> `rN = 0` before the read;
 * - `uninit-stack`: stack bytes read before written -> zero stores before the read.
 * `<bail>` is a label at the end of the file that returns 0 (added once, reused; it becomes code
 * of whichever function jumps to it). Every fix is checked before it is offered: the edited text
 * is assembled and verified, and the fix must remove its finding without adding errors, so no
 * edit the verifier would still reject is ever proposed.
 */
import { CodeActionKind, type CodeAction, type Range, type TextEdit } from 'vscode-languageserver';
import { EVENTS } from '../../simulator/ebpf/events';
import * as I from '../../simulator/ebpf/isa';
import type { Finding } from '../../simulator/ebpf/verifier/analyze';
import { assemble } from '../../simulator/ebpf/asm/assembler';
import { verifyHcb } from '../../simulator/ebpf/verifier/index';
import type { HcbAnalysis } from './analysis';

export const BAIL_LABEL = 'hcb_bail';

interface Fix {
  title: string;
  /** Lines to insert before instruction `before`. */
  insert: string[];
  before: number;
  needsBail: boolean;
}

export function quickFixes(a: HcbAnalysis, range: Range): CodeAction[] {
  const r = a.verification();
  if (!r || r.ok) return [];
  const out: CodeAction[] = [];
  for (const f of r.findings) {
    if (f.severity !== 'error') continue;
    const line = a.asm.insns[f.idx]?.range.line - 1;
    if (line < range.start.line || line > range.end.line) continue;
    const fix = fixFor(a, f);
    if (!fix) continue;
    const action = toAction(a, f, fix);
    if (resolves(a, f, fix, action)) out.push(action);
  }
  return out;
}

function fixFor(a: HcbAnalysis, f: Finding): Fix | undefined {
  const insn = a.asm.insns[f.idx]?.insn;
  if (!insn) return undefined;
  switch (f.code) {
    case 'null': {
      const reg = f.regs[0];
      if (reg === undefined) return undefined;
      return { title: `Add a null check of r${reg} before this use`, insert: [`if r${reg} == 0 goto ${BAIL_LABEL}`], before: f.idx, needsBail: true };
    }
    case 'ptr-bounds':
    case 'bounds':
      return boundsFix(a, f);
    case 'uninit': {
      const reg = /r(\d+) is read/.exec(f.message)?.[1] ?? f.regs.find((x) => x >= 0 && x < 10);
      if (reg === undefined) return undefined;
      return { title: `Initialise r${reg} to 0 before this instruction`, insert: [`r${reg} = 0`], before: f.idx, needsBail: false };
    }
    case 'uninit-stack': {
      const m = /fp-(\d+)/.exec(f.message);
      const w = /(\d+)-byte/.exec(f.message);
      if (!m) return undefined;
      const off = Number(m[1]);
      const width = w ? Number(w[1]) : 8;
      return { title: `Initialise the stack bytes fp-${off}..fp-${off - width} to 0`, insert: zeroStores(off, width), before: f.idx, needsBail: false };
    }
  }
  return undefined;
}

/** Zero stores covering [fp-off, fp-off+width), in naturally aligned pieces. */
function zeroStores(off: number, width: number): string[] {
  const out: string[] = [];
  let at = -off;
  const end = -off + width;
  while (at < end) {
    let size = 8;
    while (size > 1 && (((at % size) + size) % size !== 0 || at + size > end)) size /= 2;
    out.push(`*(u${size * 8} *)(r10 - ${-at}) = 0`);
    at += size;
  }
  return out;
}

function boundsFix(a: HcbAnalysis, f: Finding): Fix | undefined {
  const r = a.verification();
  if (!r) return undefined;
  const insns = a.asm.program.insns;
  // the addition of a number to the pointer: the failing instruction or the latest on the path
  const isAddReg = (k: number): boolean => {
    const x = insns[k];
    return I.isAlu64(x) && I.opCode(x.opcode) === I.BPF_ADD && I.usesSrcReg(x);
  };
  let addIdx: number | undefined;
  if (isAddReg(f.idx)) addIdx = f.idx;
  else {
    const base = accessBase(insns[f.idx]);
    for (let k = f.path.length - 1; k >= 0 && addIdx === undefined; k--) {
      const idx = f.path[k].idx;
      if (idx !== f.idx && isAddReg(idx) && insns[idx].dst === base) addIdx = idx;
    }
  }
  if (addIdx === undefined) return undefined;
  const add = insns[addIdx];
  const st = r.stateBefore(addIdx);
  const ptr = st?.regs[add.dst];
  if (!ptr || ptr.t === 'num' || ptr.t === 'uninit' || ptr.t === 'any') return undefined;
  const size = ptr.t === 'ctx' ? (a.asm.event ? EVENTS[a.asm.event.name].contextSize : undefined) : ptr.size;
  if (size === undefined || ptr.v.tm !== 0n) return undefined; // a constant offset only
  const baseOff = Number(BigInt.asIntN(64, ptr.v.tv));
  const extent = widestAccess(insns, addIdx + 1, add.dst);
  const limit = size - baseOff - extent;
  if (limit < 0) return undefined;
  return {
    title: `Add a bounds check: r${add.src} <= ${limit} before adding it to r${add.dst}`,
    insert: [`if r${add.src} > ${limit} goto ${BAIL_LABEL}`],
    before: addIdx,
    needsBail: true,
  };
}

function accessBase(x: I.Insn): number | undefined {
  const c = I.opClass(x.opcode);
  if (c === I.BPF_LDX) return x.src;
  if (c === I.BPF_ST || c === I.BPF_STX) return x.dst;
  return undefined;
}

/** The furthest byte (offset + width) accessed through `reg` before it is written again. */
function widestAccess(insns: readonly I.Insn[], from: number, reg: number): number {
  let extent = 1;
  for (let k = from; k < insns.length && k < from + 64; k++) {
    const x = insns[k];
    if (accessBase(x) === reg) extent = Math.max(extent, x.off + I.sizeBytes(x.opcode));
    if (I.writesRegisters(x).includes(reg) || I.isJump(x) || I.isExit(x)) break;
  }
  return extent;
}

/**
 * Whether the edited program assembles, no longer has this finding, and has no error at a line
 * the fix added. (Other errors may appear further down: the verifier stops a path at its first
 * error, so fixing one can bring the next one to light.)
 */
function resolves(a: HcbAnalysis, f: Finding, fix: Fix, action: CodeAction): boolean {
  const edits = action.edit?.changes?.[a.uri] ?? [];
  const text = applyLineEdits(a.lines, edits);
  const asm = assemble(text, { file: a.file });
  if (asm.diagnostics.some((d) => d.severity === 'error')) return false;
  const after = verifyHcb(asm).findings.filter((x) => x.severity === 'error');
  const before = a.verification()?.findings.filter((x) => x.severity === 'error' && x.code === f.code).length ?? 0;
  if (after.filter((x) => x.code === f.code).length >= before) return false;
  // lines (1-based, in the edited text) the fix added: the inserted statements and the bail block
  const first = (a.asm.insns[fix.before]?.range.line ?? 0);
  const added = new Set<number>();
  for (let k = 0; k < fix.insert.length; k++) added.add(first + k);
  const total = text.split('\n').length;
  if (edits.length > 1) for (let k = total - 4; k <= total; k++) added.add(k);
  return !after.some((x) => added.has(asm.insns[x.idx]?.range.line ?? -1));
}

/** Applies non-overlapping edits given in line/character positions. */
function applyLineEdits(lines: readonly string[], edits: readonly TextEdit[]): string {
  const starts: number[] = [];
  let offset = 0;
  for (const l of lines) {
    starts.push(offset);
    offset += l.length + 1;
  }
  const text = lines.join('\n');
  const at = (p: { line: number; character: number }): number => Math.min(text.length, (starts[p.line] ?? text.length) + p.character);
  const sorted = [...edits].sort((x, y) => at(y.range.start) - at(x.range.start));
  let out = text;
  for (const e of sorted) out = out.slice(0, at(e.range.start)) + e.newText + out.slice(at(e.range.end));
  return out;
}

function toAction(a: HcbAnalysis, f: Finding, fix: Fix): CodeAction {
  const at = a.asm.insns[fix.before].range;
  const line = a.lines[at.line - 1] ?? '';
  const indent = /^\s*/.exec(line.slice(0, at.column - 1).replace(/\S.*$/, ''))?.[0] ?? '  ';
  const lineStart = { line: at.line - 1, character: at.column - 1 };
  const edits: TextEdit[] = [{ range: { start: lineStart, end: lineStart }, newText: fix.insert.map((s, k) => (k === 0 ? s : `${indent || '  '}${s}`)).join('\n') + `\n${indent || '  '}` }];
  if (fix.needsBail && !a.asm.labels.some((l) => l.name === BAIL_LABEL)) {
    const last = a.lines.length - 1;
    const endsWithNewline = a.lines[last] === '';
    const pos = { line: last, character: a.lines[last].length };
    edits.push({ range: { start: pos, end: pos }, newText: `${endsWithNewline ? '' : '\n'}${BAIL_LABEL}:\n  r0 = 0\n  exit\n` });
  }
  return {
    title: fix.title,
    kind: CodeActionKind.QuickFix,
    isPreferred: true,
    edit: { changes: { [a.uri]: edits } },
    data: { code: `verifier/${f.code}` },
  };
}
