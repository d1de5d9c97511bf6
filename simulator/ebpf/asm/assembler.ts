/**
 * The hyper-callback assembler: kernel/LLVM syntax (`r0 = *(u32 *)(r1 + 4)`, `if r1 s> r2 goto
 * out`) and the ubpf syntax of bpf_conformance (`ldxw %r0, [%r1+4]`, `jgt %r1, 2, +3`), freely
 * mixed line by line, into the RFC 9669 `Insn` form, plus the `.hcb` directives (`.event`,
 * `.map`, `.range`).
 *
 * The result keeps a source range for every instruction, label, map, helper and local-function
 * reference so the language server can offer hover, go-to-definition and diagnostics from the
 * same parse. Errors are located and do not stop the parse: a bad line is reported and skipped.
 *
 * Lines are lexed (lexer.ts) and parsed (parser.ts, a chevrotain grammar) one at a time, and
 * remembered by their text (line-cache.ts) so that re-assembling after an edit redoes only the
 * edited lines; this module gives labels their slots, checks the directives' values, then
 * resolves jumps, calls and map references once every label and map is known.
 */
import type { Diagnostic, SourceRange } from '../../diagnostics';
import { HELPERS_BY_NAME, isEventName, type EventName } from '../events';
import * as I from '../isa';
import { encodeProgram, type Insn } from '../isa';
import type { GuestRange, HcbProgram, MapDef, MapType } from '../program';
import { analyseLine } from './line-cache';
import { LineError, type DirectiveToken, type ParsedInsn, type Span, type Syntax } from './parser';

export { IMM64_FUNCTIONS, KERNEL_ALU_OPS, KERNEL_JMP_OPS, type Syntax } from './parser';

export interface AsmInsn {
  insn: Insn;
  /** Range of the whole statement (label excluded). */
  range: SourceRange;
  syntax: Syntax;
}

export type ReferenceKind = 'label' | 'function' | 'map' | 'helper';

export interface Reference {
  kind: ReferenceKind;
  name: string;
  range: SourceRange;
  /** Index into `insns` of the referring instruction. */
  insn: number;
  /** For helpers: the helper id; for labels/functions: the target slot; for maps: the map index. */
  target?: number;
}

export interface LabelDef {
  name: string;
  slot: number;
  range: SourceRange;
}

export interface MapDecl extends MapDef {
  range: SourceRange;
  nameRange: SourceRange;
}

export interface AsmResult {
  program: HcbProgram;
  insns: AsmInsn[];
  labels: LabelDef[];
  maps: MapDecl[];
  references: Reference[];
  event?: { name: EventName; range: SourceRange };
  guestRange?: GuestRange & { range: SourceRange };
  diagnostics: Diagnostic[];
}

export interface AsmOptions {
  file?: string;
  /** Added to line numbers (for text embedded in a larger file). */
  lineOffset?: number;
}

export class AsmError extends Error {
  constructor(readonly diagnostics: Diagnostic[]) {
    super(diagnostics.map((d) => `${d.range.file}:${d.range.line}:${d.range.column}: ${d.severity}: ${d.message}`).join('\n'));
  }
}

/** Assembles and throws `AsmError` on any error; returns the bytes and the parse. */
export function assembleOrThrow(source: string, options: AsmOptions = {}): AsmResult & { bytes: Uint8Array } {
  const r = assemble(source, options);
  if (r.diagnostics.some((d) => d.severity === 'error')) throw new AsmError(r.diagnostics);
  return { ...r, bytes: encodeProgram(r.program.insns) };
}

interface Pending extends ParsedInsn {
  range: SourceRange;
}

export function assemble(source: string, options: AsmOptions = {}): AsmResult {
  const file = options.file ?? '<input>';
  const lineOffset = options.lineOffset ?? 0;
  const diagnostics: Diagnostic[] = [];
  const pending: Pending[] = [];
  const labels: LabelDef[] = [];
  const labelMap = new Map<string, LabelDef>();
  const maps: MapDecl[] = [];
  let event: AsmResult['event'];
  let guestRange: AsmResult['guestRange'];
  let slot = 0;

  const range = (line: number, column: number, end: number): SourceRange => ({ file, line, column, endLine: line, endColumn: end });
  const error = (line: number, column: number, end: number, message: string, code = 'asm'): void => {
    diagnostics.push({ severity: 'error', message, range: range(line, column, end), code });
  };

  const lines = source.split(/\r?\n/);
  lines.forEach((text, k) => {
    const line = k + 1 + lineOffset;
    const analysis = analyseLine(text);
    for (const e of analysis.lexErrors) error(line, e.column, e.end, e.message);
    const parsed = analysis.parsed;
    if (parsed === undefined) return;
    for (const l of parsed.labels) addLabel(l.text, line, l.column, l.end);
    try {
      if (parsed.error) throw parsed.error;
      const st = parsed.statement;
      if (!st) return;
      if (st.kind === 'directive') {
        directive(st.name, st.args, st.end, line);
        return;
      }
      // the parse may be shared with other assemblies of the same line: work on a copy
      const insn = copyInsn(st.parsed.insn);
      insn.slot = slot;
      slot += I.insnSlots(insn);
      const why = I.invalidReason(insn);
      if (why) throw new LineError(why, st.column, st.end);
      // fields listed, not spread: one object shape for every instruction (a spread of the
      // parser's object was a quarter of the assembler's time)
      const q = st.parsed;
      pending.push({ insn, syntax: q.syntax, fixup: q.fixup, callName: q.callName, mapRef: q.mapRef, range: range(line, st.column, st.end) });
    } catch (e) {
      if (e instanceof LineError) error(line, e.column, e.end, e.message);
      else throw e;
    }
  });

  function addLabel(name: string, line: number, column: number, end: number): void {
    if (labelMap.has(name)) {
      const prev = labelMap.get(name) as LabelDef;
      diagnostics.push({
        severity: 'error',
        message: `label '${name}' is already defined`,
        range: range(line, column, end),
        code: 'asm-duplicate-label',
        related: [{ range: prev.range, message: 'first definition' }],
      });
      return;
    }
    const def = { name, slot, range: range(line, column, end) };
    labels.push(def);
    labelMap.set(name, def);
  }

  /** `.event`, `.map`, `.range` (and the section/symbol directives compilers emit, ignored); `end` is the line's end column. */
  function directive(nameTok: Span, args: DirectiveToken[][], end: number, line: number): void {
    const name = nameTok.text;
    const want = (n: number): void => {
      if (args.length !== n) throw new LineError(`${name} takes ${n} argument${n === 1 ? '' : 's'}, not ${args.length}`, nameTok.column, end);
    };
    switch (name) {
      case '.event': {
        want(1);
        const text = args[0].map((t) => t.text).join('');
        if (!isEventName(text)) throw new LineError(`unknown event '${text}' (page-reclaim, vcpu-preemption, io-submission or tracing)`, args[0][0].column, args[0][args[0].length - 1].end);
        if (event) throw new LineError('the event is already declared', nameTok.column, nameTok.end);
        event = { name: text, range: range(line, nameTok.column, end) };
        return;
      }
      case '.map': {
        want(5);
        const [n, t, ks, vs, me] = args;
        if (n.length !== 1 || n[0].kind !== 'name') throw new LineError('the map needs a name', n[0].column, n[n.length - 1].end);
        const type = t.map((x) => x.text).join('');
        if (type !== 'array' && type !== 'hash') throw new LineError(`unknown map type '${type}' (array or hash)`, t[0].column, t[t.length - 1].end);
        const num = (ts: DirectiveToken[], what: string, min: number): number => {
          const v = constExpr(ts, what);
          if (v < BigInt(min) || v > 0xffffffffn) throw new LineError(`${what} ${v} is out of range`, ts[0].column, ts[ts.length - 1].end);
          return Number(v);
        };
        const keySize = num(ks, 'key size', 1);
        const valueSize = num(vs, 'value size', 1);
        const maxEntries = num(me, 'max_entries', 1);
        if (type === 'array' && keySize !== 4) throw new LineError('an array map has 4-byte keys', ks[0].column, ks[ks.length - 1].end);
        if (maps.some((m) => m.name === n[0].text)) throw new LineError(`map '${n[0].text}' is already declared`, n[0].column, n[0].end);
        maps.push({
          name: n[0].text,
          type: type as MapType,
          keySize,
          valueSize,
          maxEntries,
          range: range(line, nameTok.column, end),
          nameRange: range(line, n[0].column, n[0].end),
        });
        return;
      }
      case '.range': {
        want(2);
        const s = constExpr(args[0], 'range start');
        const e = constExpr(args[1], 'range end');
        if (s < 0n || e > (1n << 64n) || e <= s) throw new LineError('the guest range must be start < end within 64 bits', nameTok.column, end);
        guestRange = { start: s, end: e, range: range(line, nameTok.column, end) };
        return;
      }
      case '.text':
      case '.section':
      case '.globl':
      case '.global':
      case '.type':
      case '.size':
      case '.file':
      case '.p2align':
        return;
      default:
        throw new LineError(`unknown directive '${name}' (.event, .map, .range)`, nameTok.column, nameTok.end);
    }
  }

  function constExpr(ts: DirectiveToken[], what: string): bigint {
    const neg = ts[0].text === '-';
    const t = neg ? ts[1] : ts[0];
    if (!t || t.kind !== 'number' || ts.length !== (neg ? 2 : 1)) throw new LineError(`${what} must be a number`, ts[0].column, ts[ts.length - 1].end);
    return neg ? -(t.value as bigint) : (t.value as bigint);
  }

  // ---- second pass: labels, local functions, helpers, maps -----------------------------------
  const totalSlots = slot;
  const references: Reference[] = [];
  const mapIndex = new Map(maps.map((m, k) => [m.name, k]));
  const nextExit = (from: number): LabelDef | undefined => {
    for (let k = from; k < pending.length; k++) if (I.isExit(pending[k].insn)) return { name: 'exit', slot: pending[k].insn.slot as number, range: pending[k].range };
    return undefined;
  };
  pending.forEach((p, idx) => {
    const line = p.range.line;
    if (p.fixup) {
      const f = p.fixup;
      // ubpf convention: a jump to the undefined label `exit` goes to the next exit instruction
      const def = labelMap.get(f.label) ?? (f.label === 'exit' ? nextExit(idx) : undefined);
      if (!def) {
        error(line, f.column, f.end, `no label '${f.label}'`, 'asm-undefined-label');
        return;
      }
      const rel = def.slot - ((p.insn.slot as number) + 1);
      if (f.kind === 'jump') {
        if (rel < -32768 || rel > 32767) error(line, f.column, f.end, `label '${f.label}' is ${rel} slots away, beyond the 16-bit jump offset (use gotol / ja32)`);
        p.insn.off = rel;
      } else p.insn.imm = rel;
      references.push({ kind: f.kind === 'call' ? 'function' : 'label', name: f.label, range: range(line, f.column, f.end), insn: idx, target: def.slot });
    } else if (p.callName) {
      const c = p.callName;
      const def = labelMap.get(c.name);
      if (def) {
        p.insn.src = I.CALL_LOCAL;
        p.insn.imm = def.slot - ((p.insn.slot as number) + 1);
        references.push({ kind: 'function', name: c.name, range: range(line, c.column, c.end), insn: idx, target: def.slot });
      } else {
        const h = HELPERS_BY_NAME.get(c.name);
        if (!h) {
          error(line, c.column, c.end, `'${c.name}' is neither a label nor a known helper`, 'asm-unknown-helper');
          return;
        }
        p.insn.imm = h.id;
        references.push({ kind: 'helper', name: c.name, range: range(line, c.column, c.end), insn: idx, target: h.id });
      }
    } else if (p.mapRef) {
      const m = p.mapRef;
      const k = mapIndex.get(m.name);
      if (k === undefined) {
        error(line, m.column, m.end, `no map '${m.name}' (declare it with .map ${m.name}, array|hash, key_size, value_size, max_entries)`, 'asm-unknown-map');
        return;
      }
      p.insn.imm = k;
      references.push({ kind: 'map', name: m.name, range: range(line, m.column, m.end), insn: idx, target: k });
    } else if (I.isCall(p.insn) && p.insn.src === I.CALL_HELPER && !I.isCallx(p.insn)) {
      references.push({ kind: 'helper', name: String(p.insn.imm), range: p.range, insn: idx, target: p.insn.imm });
    }
    // numeric jump targets must land inside the program
    if (!p.fixup && (I.isJump(p.insn) || I.isLocalCall(p.insn))) {
      const target = (p.insn.slot as number) + 1 + (I.isJump(p.insn) ? I.jumpOffset(p.insn) : p.insn.imm);
      if (target < 0 || target > totalSlots) error(line, p.range.column, p.range.endColumn, `jump target slot ${target} is outside the program (0..${totalSlots - 1})`, 'asm-target');
    }
  });

  const insns = pending.map((p) => p.insn);
  const program: HcbProgram = {
    insns,
    maps: maps.map(({ name, type, keySize, valueSize, maxEntries }) => ({ name, type, keySize, valueSize, maxEntries })),
  };
  if (event) program.event = event.name;
  if (guestRange) program.range = { start: guestRange.start, end: guestRange.end };
  const result: AsmResult = {
    program,
    insns: pending.map((p) => ({ insn: p.insn, range: p.range, syntax: p.syntax })),
    labels,
    maps,
    references,
    diagnostics,
  };
  if (event) result.event = event;
  if (guestRange) result.guestRange = guestRange;
  return result;
}

/** A fresh instruction with the same fields (the same object shape for every instruction). */
function copyInsn(i: Insn): Insn {
  if (i.imm2 === undefined) return { opcode: i.opcode, dst: i.dst, src: i.src, off: i.off, imm: i.imm };
  return { opcode: i.opcode, dst: i.dst, src: i.src, off: i.off, imm: i.imm, imm2: i.imm2 };
}
