/**
 * Hover. On a helper: its prototype and what it does (and whether the event allows it). On a map:
 * its definition. On a label: where it points. On the event: its context layout. Anywhere else on
 * an instruction: the instruction in kernel syntax and the verifier's state before and after it,
 * limited to the live registers (plus those the instruction writes), and the stack slots in use.
 */
import { MarkupKind, type Hover, type Position } from 'vscode-languageserver';
import { contextFieldAt, EVENTS, HELPERS_BY_ID, HELPERS_BY_NAME, type HelperSpec } from '../../simulator/ebpf/events';
import * as I from '../../simulator/ebpf/isa';
import type { State } from '../../simulator/ebpf/verifier/index';
import type { HcbAnalysis } from './analysis';
import { kernelText } from './canonical';
import { liveness as computeLiveness, registersOf, type Liveness } from './liveness';
import { describeStack, describeValue } from './stateView';
import { symbolAt } from './symbolAt';

const ARG_WORDS: Record<string, string> = {
  scalar: 'number',
  map: 'map',
  'map-key': 'pointer to key',
  'map-value': 'pointer to value',
  mem: 'pointer to readable memory',
  'uninit-mem': 'pointer to writable memory',
  size: 'size (> 0)',
  'size-or-zero': 'size (>= 0)',
  'guest-addr': 'guest virtual address',
};

export function helperSignature(h: HelperSpec): string {
  const args = h.args.map((a, k) => `r${k + 1}: ${ARG_WORDS[a] ?? a}`);
  return `r0 = ${h.name}(${args.join(', ')}) -> ${h.ret === 'scalar' ? 'number' : 'map value or null'}`;
}

export function helperMarkdown(h: HelperSpec, a: HcbAnalysis): string {
  const ev = a.asm.event?.name;
  const allowed = ev ? EVENTS[ev].helpers.includes(h.name) : undefined;
  const lines = ['```hcb', helperSignature(h), '```', `helper #${h.id}: ${h.description}`];
  if (allowed === false) lines.push('', `**Not allowed** for the \`${ev}\` event.`);
  lines.push('', 'Clobbers r1–r5; the result is in r0.');
  return lines.join('\n');
}

export function hover(a: HcbAnalysis, p: Position): Hover | null {
  const sym = symbolAt(a, p);
  if (sym?.kind === 'helper') {
    const h = (sym.id !== undefined ? HELPERS_BY_ID.get(sym.id) : undefined) ?? HELPERS_BY_NAME.get(sym.name);
    if (h) return { contents: { kind: MarkupKind.Markdown, value: helperMarkdown(h, a) }, range: sym.range };
  }
  if (sym?.kind === 'map') {
    const m = a.asm.maps.find((x) => x.name === sym.name);
    if (m) {
      const value = ['```hcb', `.map ${m.name}, ${m.type}, ${m.keySize}, ${m.valueSize}, ${m.maxEntries}`, '```', `${m.type} map: ${m.keySize}-byte keys, ${m.valueSize}-byte values, at most ${m.maxEntries} entries (declared on line ${m.range.line}).`];
      return { contents: { kind: MarkupKind.Markdown, value: value.join('\n') }, range: sym.range };
    }
  }
  if (sym?.kind === 'event') {
    const ev = EVENTS[sym.name as keyof typeof EVENTS];
    const fields = ev.fields.map((f) => `| ${f.offset} | ${f.size} | \`${f.name}\`${f.writable ? ' (writable)' : ''} | ${f.description} |`);
    const value = [`**${ev.name}**: ${ev.description}`, '', `Context (r1 on entry), ${ev.contextSize} bytes:`, '', '| offset | size | field | |', '|---|---|---|---|', ...fields, '', `Returns: ${ev.returns}`];
    return { contents: { kind: MarkupKind.Markdown, value: value.join('\n') }, range: sym.range };
  }
  if (sym?.kind === 'label') {
    const l = a.asm.labels.find((x) => x.name === sym.name);
    if (l) return { contents: { kind: MarkupKind.Markdown, value: `label \`${l.name}\`: instruction slot ${l.slot} (line ${l.range.line})` }, range: sym.range };
  }
  const idx = a.insnAtLine.get(p.line);
  if (idx === undefined) return null;
  return { contents: { kind: MarkupKind.Markdown, value: instructionMarkdown(a, idx) } };
}

export function instructionMarkdown(a: HcbAnalysis, idx: number): string {
  const insn = a.asm.insns[idx].insn;
  const r0 = a.asm.insns[idx].range;
  const text = kernelText(a, idx) ?? (a.lines[r0.line - 1] ?? '').slice(r0.column - 1, r0.endColumn - 1);
  const lines = ['```hcb', text, '```'];
  const r = a.verification();
  if (!r) {
    lines.push('_The file does not assemble: no verifier state._');
    return lines.join('\n');
  }
  const before = r.stateBefore(idx);
  if (!before) {
    lines.push('_Unreachable: the verifier never gets here._');
    return lines.join('\n');
  }
  const live = liveness(a);
  const shownBefore = registersOf(live.before[idx] | (1 << 10));
  const written = I.writesRegisters(insn).filter((x) => x !== 10);
  const after = r.stateAfter(idx);
  const shownAfter = [...new Set([...registersOf(live.after[idx]), ...written])].sort((x, y) => x - y);
  const field = contextField(a, idx, before);
  if (field) lines.push(field, '');
  lines.push('**Before**', '', ...stateLines(before, shownBefore));
  lines.push('', '**After**', '', ...(after ? stateLines(after, shownAfter) : ['_no successor (exit or the path stops here)_']));
  return lines.join('\n');
}

function stateLines(st: State, regs: readonly number[]): string[] {
  const out = regs.map((k) => `- \`r${k}\`: ${describeValue(st.regs[k])}`);
  const stack = describeStack(st);
  if (stack.length) out.push(`- stack: ${stack.join('; ')}`);
  if (out.length === 0) out.push('- _no live registers_');
  return out;
}

/** For a load or store through the context pointer at a constant offset: the field it touches. */
function contextField(a: HcbAnalysis, idx: number, before: State): string | undefined {
  const insn = a.asm.insns[idx].insn;
  const ev = a.asm.event ? EVENTS[a.asm.event.name] : undefined;
  const cls = I.opClass(insn.opcode);
  const base = cls === I.BPF_LDX ? insn.src : cls === I.BPF_ST || cls === I.BPF_STX ? insn.dst : undefined;
  if (!ev || base === undefined) return undefined;
  const ptr = before.regs[base];
  if (ptr?.t !== 'ctx' || ptr.v.tm !== 0n) return undefined;
  const offset = Number(BigInt.asIntN(64, ptr.v.tv)) + insn.off;
  const f = contextFieldAt(ev, offset, I.sizeBytes(insn.opcode));
  if (!f) return undefined;
  return `Context field \`${f.name}\` (offset ${f.offset}, ${f.size} bytes${f.writable ? ', writable' : ''}): ${f.description}`;
}

const liveCache = new WeakMap<HcbAnalysis, Liveness>();
export function liveness(a: HcbAnalysis): Liveness {
  let l = liveCache.get(a);
  if (!l) {
    l = computeLiveness(a.asm.program.insns);
    liveCache.set(a, l);
  }
  return l;
}
