/**
 * Canonical kernel syntax: one statement per line, labels alone at column 0, instructions
 * indented by two spaces as the disassembler prints them (jump and call targets by their label
 * names), directives normalised, comments kept. Lines the assembler rejected stay as written.
 */
import { formatInsn } from '../../simulator/ebpf/asm/disasm';
import type { HcbAnalysis } from './analysis';

/** Kernel-syntax text of instruction `idx`, targets named by the file's labels. */
export function kernelText(a: HcbAnalysis, idx: number): string | undefined {
  const bySlot = new Map<number, string>();
  for (const l of a.asm.labels) if (!bySlot.has(l.slot)) bySlot.set(l.slot, l.name);
  const text = formatInsn(a.asm.insns[idx].insn, { maps: a.asm.program.maps }, (slot) => bySlot.get(slot));
  return text.includes('.unsupported') ? undefined : text;
}

/** The trailing comment of a line (with its marker), or ''. */
export function trailingComment(line: string, fromColumn: number): string {
  const rest = line.slice(fromColumn);
  const m = /(;|#|\/\/).*$/.exec(rest);
  return m ? m[0] : '';
}

export function canonicalText(a: HcbAnalysis): string {
  const labelsByLine = new Map<number, string[]>();
  for (const l of a.asm.labels) labelsByLine.set(l.range.line - 1, [...(labelsByLine.get(l.range.line - 1) ?? []), l.name]);
  const errorLines = new Set(a.asm.diagnostics.filter((d) => d.severity === 'error').map((d) => d.range.line - 1));
  const directiveLines = new Map<number, string>();
  if (a.asm.event) directiveLines.set(a.asm.event.range.line - 1, `.event ${a.asm.event.name}`);
  for (const m of a.asm.maps) directiveLines.set(m.range.line - 1, `.map ${m.name}, ${m.type}, ${m.keySize}, ${m.valueSize}, ${m.maxEntries}`);
  if (a.asm.guestRange) directiveLines.set(a.asm.guestRange.range.line - 1, `.range 0x${a.asm.guestRange.start.toString(16)}, 0x${a.asm.guestRange.end.toString(16)}`);
  const out: string[] = [];
  a.lines.forEach((line, k) => {
    if (errorLines.has(k)) {
      out.push(line.replace(/\s+$/, ''));
      return;
    }
    for (const name of labelsByLine.get(k) ?? []) out.push(`${name}:`);
    const idx = a.insnAtLine.get(k);
    const directive = directiveLines.get(k);
    if (idx !== undefined) {
      const r = a.asm.insns[idx].range;
      const text = kernelText(a, idx) ?? line.slice(r.column - 1, r.endColumn - 1);
      const comment = trailingComment(line, r.endColumn - 1);
      out.push(`  ${text}${comment ? ` ${comment}` : ''}`);
    } else if (directive !== undefined) {
      const comment = trailingComment(line, line.indexOf(directive.split(' ')[0]) + 1);
      out.push(`${directive}${comment ? ` ${comment}` : ''}`);
    } else if (labelsByLine.has(k)) {
      const comment = trailingComment(line, line.lastIndexOf(':') + 1);
      if (comment) out[out.length - 1] += ` ${comment}`;
    } else {
      const t = line.trim();
      out.push(/^\./.test(t) ? t : /^(;|#|\/\/)/.test(t) ? (/^\s/.test(line) ? `  ${t}` : t) : t);
    }
  });
  return out.join('\n');
}
