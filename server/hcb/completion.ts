/**
 * Completion, by what the text before the cursor asks for: event names after `.event`, helpers
 * the declared event allows (and local functions) after `call`, labels after `goto` or as a ubpf
 * jump target, directives after a leading `.`, mnemonics and kernel-syntax forms at the start of a
 * statement, registers and maps elsewhere.
 */
import { CompletionItemKind, InsertTextFormat, type CompletionItem, type Position } from 'vscode-languageserver';
import { EVENT_NAMES, EVENTS, HELPERS, HELPERS_BY_NAME } from '../../simulator/ebpf/events';
import type { HcbAnalysis } from './analysis';
import { helperSignature } from './hover';

const DIRECTIVES: [string, string, string][] = [
  ['.event', '.event ${1|page-reclaim,vcpu-preemption,io-submission,tracing|}', 'the event the callback attaches to (context layout and helpers)'],
  ['.map', '.map ${1:name}, ${2|array,hash|}, ${3:4}, ${4:8}, ${5:16}', 'declare a map: name, type, key size, value size, max entries'],
  ['.range', '.range ${1:0x0}, ${2:0x1000}', 'the guest virtual range [start, end) helpers may read'],
];

/** Kernel/LLVM syntax statement forms. */
const KERNEL_FORMS: [string, string, string][] = [
  ['rD = rS', 'r${1:0} = ${2:r1}', 'move (64-bit)'],
  ['rD = imm', 'r${1:0} = ${2:0}', 'load an immediate'],
  ['rD = imm64 ll', 'r${1:1} = ${2:0x0} ll', 'load a 64-bit immediate (lddw)'],
  ['rD = map ll', 'r${1:1} = ${2:map} ll', 'load a map reference (for map helpers)'],
  ['rD += rS', 'r${1:0} ${2|+=,-=,*=,/=,%=,&=,|=,^=,<<=,>>=,s>>=|} ${3:r1}', 'arithmetic (64-bit)'],
  ['wD = wS', 'w${1:0} = ${2:w1}', 'move (32-bit, zero-extends)'],
  ['rD = *(uN *)(rS + off)', 'r${1:0} = *(${2|u8,u16,u32,u64,s8,s16,s32|} *)(r${3:1} + ${4:0})', 'load from memory'],
  ['*(uN *)(rD + off) = rS', '*(${1|u8,u16,u32,u64|} *)(r${2:10} - ${3:8}) = ${4:r1}', 'store to memory'],
  ['if rD op rS goto label', 'if r${1:0} ${2|==,!=,>,>=,<,<=,s>,s>=,s<,s<=,&|} ${3:0} goto ${4:out}', 'conditional jump'],
  ['goto label', 'goto ${1:out}', 'unconditional jump'],
  ['call helper', 'call ${1:helper}', 'call a helper or a local function'],
  ['exit', 'exit', 'return r0 to the hypervisor'],
  ['lock *(u64 *)(rD + off) += rS', 'lock *(${1|u32,u64|} *)(r${2:0} + ${3:0}) += r${4:1}', 'atomic add'],
];

/** ubpf mnemonics (bpf_conformance syntax). */
const UBPF_MNEMONICS = [
  'add', 'sub', 'mul', 'div', 'or', 'and', 'lsh', 'rsh', 'mod', 'xor', 'mov', 'arsh', 'neg', 'sdiv', 'smod',
  'add32', 'sub32', 'mul32', 'div32', 'or32', 'and32', 'lsh32', 'rsh32', 'mod32', 'xor32', 'mov32', 'arsh32', 'neg32',
  'ja', 'jeq', 'jgt', 'jge', 'jset', 'jne', 'jsgt', 'jsge', 'jlt', 'jle', 'jslt', 'jsle',
  'jeq32', 'jgt32', 'jge32', 'jset32', 'jne32', 'jsgt32', 'jsge32', 'jlt32', 'jle32', 'jslt32', 'jsle32',
  'lddw', 'ldxb', 'ldxh', 'ldxw', 'ldxdw', 'ldxsb', 'ldxsh', 'ldxsw', 'stb', 'sth', 'stw', 'stdw', 'stxb', 'stxh', 'stxw', 'stxdw',
  'le16', 'le32', 'le64', 'be16', 'be32', 'be64', 'call', 'exit',
];

export function completion(a: HcbAnalysis, p: Position): CompletionItem[] {
  const line = a.lines[p.line] ?? '';
  const before = line.slice(0, p.character).replace(/(;|#|\/\/).*$/, '');
  const afterLabels = before.replace(/^\s*([A-Za-z_.$][\w.$]*\s*:\s*)+/, '');
  if (/^\s*\.event\s+[\w-]*$/.test(before)) return events();
  if (/\bcall\s+\w*$/.test(afterLabels)) return [...helpers(a), ...labels(a, CompletionItemKind.Function)];
  if (/\bgoto\s+\w*$/.test(afterLabels) || /^\s*j\w*\s+[^;]*,\s*\+?\w*$/.test(afterLabels) || /^\s*ja\s+\w*$/.test(afterLabels)) return labels(a, CompletionItemKind.Reference);
  if (/^\s*\.\w*$/.test(afterLabels)) return directives();
  if (/^\s*[\w]*$/.test(afterLabels)) return [...statementForms(), ...registers()];
  return [...registers(), ...maps(a)];
}

function events(): CompletionItem[] {
  return EVENT_NAMES.map((name) => ({ label: name, kind: CompletionItemKind.EnumMember, detail: 'event', documentation: EVENTS[name].description }));
}

function helpers(a: HcbAnalysis): CompletionItem[] {
  const ev = a.asm.event?.name;
  const allowed = ev ? new Set(EVENTS[ev].helpers) : undefined;
  return HELPERS.filter((h) => !allowed || allowed.has(h.name)).map((h) => ({
    label: h.name,
    kind: CompletionItemKind.Function,
    detail: helperSignature(h),
    documentation: h.description,
  }));
}

function labels(a: HcbAnalysis, kind: CompletionItemKind): CompletionItem[] {
  return a.asm.labels.map((l) => ({ label: l.name, kind, detail: `label, line ${l.range.line}` }));
}

function directives(): CompletionItem[] {
  return DIRECTIVES.map(([label, snippet, doc]) => ({
    label,
    kind: CompletionItemKind.Keyword,
    insertText: snippet.slice(1),
    insertTextFormat: InsertTextFormat.Snippet,
    detail: 'directive',
    documentation: doc,
    filterText: label.slice(1),
  }));
}

function statementForms(): CompletionItem[] {
  const kernel = KERNEL_FORMS.map(([label, snippet, doc]): CompletionItem => ({
    label,
    kind: CompletionItemKind.Snippet,
    insertText: snippet,
    insertTextFormat: InsertTextFormat.Snippet,
    detail: 'kernel syntax',
    documentation: doc,
  }));
  const ubpf = UBPF_MNEMONICS.map((m): CompletionItem => ({ label: m, kind: CompletionItemKind.Keyword, detail: 'ubpf syntax' }));
  return [...kernel, ...ubpf];
}

function registers(): CompletionItem[] {
  const out: CompletionItem[] = [];
  for (let r = 0; r <= 10; r++) {
    const role = r === 0 ? 'return value' : r <= 5 ? `argument ${r} (clobbered by calls)` : r <= 9 ? 'callee-saved' : 'frame pointer (read-only)';
    out.push({ label: `r${r}`, kind: CompletionItemKind.Variable, detail: role });
    if (r < 10) out.push({ label: `w${r}`, kind: CompletionItemKind.Variable, detail: `low 32 bits of r${r}` });
  }
  return out;
}

function maps(a: HcbAnalysis): CompletionItem[] {
  return a.asm.maps.map((m) => ({ label: m.name, kind: CompletionItemKind.Struct, detail: `.map ${m.name}, ${m.type}, ${m.keySize}, ${m.valueSize}, ${m.maxEntries}` }));
}

/** Signature help on a `call helper` line: the prototype, argument registers as parameters. */
export function signatureHelpFor(a: HcbAnalysis, p: Position): { label: string; parameters: string[]; doc: string } | undefined {
  const line = (a.lines[p.line] ?? '').replace(/(;|#|\/\/).*$/, '');
  const m = /\bcall\s+([A-Za-z_]\w*)/.exec(line);
  if (!m) return undefined;
  const h = HELPERS_BY_NAME.get(m[1]);
  if (!h) return undefined;
  const sig = helperSignature(h);
  const inner = sig.slice(sig.indexOf('(') + 1, sig.lastIndexOf(')'));
  return { label: sig, parameters: inner ? inner.split(', ') : [], doc: h.description };
}
