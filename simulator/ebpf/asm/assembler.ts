/**
 * The hyper-callback assembler: kernel/LLVM syntax (`r0 = *(u32 *)(r1 + 4)`, `if r1 s> r2 goto
 * out`) and the ubpf syntax of bpf_conformance (`ldxw %r0, [%r1+4]`, `jgt %r1, 2, +3`), freely
 * mixed line by line, into the RFC 9669 `Insn` form, plus the `.hcb` directives (`.event`,
 * `.map`, `.range`).
 *
 * The result keeps a source range for every instruction, label, map, helper and local-function
 * reference so the language server can offer hover, go-to-definition and diagnostics from the
 * same parse. Errors are located and do not stop the parse: a bad line is reported and skipped.
 */
import type { Diagnostic, SourceRange } from '../../diagnostics';
import { HELPERS_BY_NAME, isEventName, type EventName } from '../events';
import * as I from '../isa';
import { encodeProgram, type Insn } from '../isa';
import type { GuestRange, HcbProgram, MapDef, MapType } from '../program';
import { lexLine, type Token } from './lexer';

export type Syntax = 'kernel' | 'ubpf';

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

// ---- tables ---------------------------------------------------------------------------------
const ALU_MNEMONICS: Record<string, number> = {
  add: I.BPF_ADD,
  sub: I.BPF_SUB,
  mul: I.BPF_MUL,
  div: I.BPF_DIV,
  or: I.BPF_OR,
  and: I.BPF_AND,
  lsh: I.BPF_LSH,
  rsh: I.BPF_RSH,
  mod: I.BPF_MOD,
  xor: I.BPF_XOR,
  mov: I.BPF_MOV,
  arsh: I.BPF_ARSH,
  sdiv: I.BPF_DIV,
  smod: I.BPF_MOD,
};
const JMP_MNEMONICS: Record<string, number> = {
  jeq: I.BPF_JEQ,
  jgt: I.BPF_JGT,
  jge: I.BPF_JGE,
  jset: I.BPF_JSET,
  jne: I.BPF_JNE,
  jsgt: I.BPF_JSGT,
  jsge: I.BPF_JSGE,
  jlt: I.BPF_JLT,
  jle: I.BPF_JLE,
  jslt: I.BPF_JSLT,
  jsle: I.BPF_JSLE,
};
export const KERNEL_ALU_OPS: Record<string, [code: number, off: number]> = {
  '+=': [I.BPF_ADD, 0],
  '-=': [I.BPF_SUB, 0],
  '*=': [I.BPF_MUL, 0],
  '/=': [I.BPF_DIV, 0],
  '|=': [I.BPF_OR, 0],
  '&=': [I.BPF_AND, 0],
  '<<=': [I.BPF_LSH, 0],
  '>>=': [I.BPF_RSH, 0],
  '%=': [I.BPF_MOD, 0],
  '^=': [I.BPF_XOR, 0],
  's>>=': [I.BPF_ARSH, 0],
  's/=': [I.BPF_DIV, 1],
  's%=': [I.BPF_MOD, 1],
  '=': [I.BPF_MOV, 0],
};
export const KERNEL_JMP_OPS: Record<string, number> = {
  '==': I.BPF_JEQ,
  '>': I.BPF_JGT,
  '>=': I.BPF_JGE,
  '&': I.BPF_JSET,
  '!=': I.BPF_JNE,
  's>': I.BPF_JSGT,
  's>=': I.BPF_JSGE,
  '<': I.BPF_JLT,
  '<=': I.BPF_JLE,
  's<': I.BPF_JSLT,
  's<=': I.BPF_JSLE,
};
const SIZES: Record<string, number> = { b: I.BPF_B, h: I.BPF_H, w: I.BPF_W, dw: I.BPF_DW };
const C_SIZES: Record<string, [size: number, signed: boolean]> = {
  u8: [I.BPF_B, false],
  u16: [I.BPF_H, false],
  u32: [I.BPF_W, false],
  u64: [I.BPF_DW, false],
  s8: [I.BPF_B, true],
  s16: [I.BPF_H, true],
  s32: [I.BPF_W, true],
  s64: [I.BPF_DW, true],
};
const ATOMIC_NAMES: Record<string, number> = { add: I.BPF_ATOMIC_ADD, or: I.BPF_ATOMIC_OR, and: I.BPF_ATOMIC_AND, xor: I.BPF_ATOMIC_XOR };
const KERNEL_ATOMIC_OPS: Record<string, number> = { '+=': I.BPF_ATOMIC_ADD, '|=': I.BPF_ATOMIC_OR, '&=': I.BPF_ATOMIC_AND, '^=': I.BPF_ATOMIC_XOR };
export const IMM64_FUNCTIONS: Record<string, number> = {
  map_fd: I.PSEUDO_MAP_FD,
  map_value_fd: I.PSEUDO_MAP_VALUE,
  var_addr: I.PSEUDO_VAR_ADDR,
  code_addr: I.PSEUDO_CODE_ADDR,
  map_idx: I.PSEUDO_MAP_IDX,
  map_value_idx: I.PSEUDO_MAP_IDX_VALUE,
};

function isUbpfMnemonic(m: string): boolean {
  const base = m.replace(/32$/, '');
  return (
    base in ALU_MNEMONICS ||
    base in JMP_MNEMONICS ||
    /^(neg|ja|lddw|ldx(b|h|w|dw|sb|sh|sw)|st(b|h|w|dw)|stx(b|h|w|dw)|le(16|32|64)|be(16|32|64)|b?swap(16|32|64)|movsx(8|16|32)(32|64))$/.test(m) ||
    m === 'neg32' ||
    m === 'ja32'
  );
}

// ---- the assembler --------------------------------------------------------------------------
class LineError extends Error {
  constructor(
    message: string,
    readonly column: number,
    readonly end: number,
  ) {
    super(message);
  }
}

interface Fixup {
  kind: 'jump' | 'jump-imm' | 'call';
  label: string;
  column: number;
  end: number;
  line: number;
}

interface Pending {
  insn: Insn;
  range: SourceRange;
  syntax: Syntax;
  fixup?: Fixup;
  /** `call NAME` where NAME may be a local function or a helper. */
  callName?: { name: string; column: number; end: number };
  mapRef?: { name: string; column: number; end: number; value: boolean };
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
    const lexed = lexLine(text);
    for (const e of lexed.errors) error(line, e.column, e.end, e.message);
    if (lexed.errors.length > 0) return;
    let toks = lexed.tokens;
    // labels: `name:` (possibly several); LLVM objdump's `<name>:` too
    while (true) {
      if (toks.length >= 2 && (toks[0].kind === 'ident' || toks[0].kind === 'num') && toks[1].text === ':') {
        const name = toks[0].text;
        addLabel(name, line, toks[0].column, toks[0].end);
        toks = toks.slice(2);
      } else if (toks.length >= 4 && toks[0].text === '<' && toks[1].kind === 'ident' && toks[2].text === '>' && toks[3].text === ':') {
        addLabel(toks[1].text, line, toks[1].column, toks[1].end);
        toks = toks.slice(4);
      } else break;
    }
    if (toks.length === 0) return;
    const start = toks[0].column;
    const end = toks[toks.length - 1].end;
    try {
      if (toks[0].kind === 'ident' && toks[0].text.startsWith('.')) {
        directive(toks, line);
        return;
      }
      const p = new LineParser(toks, line);
      const parsed = p.statement();
      const insn = parsed.insn;
      insn.slot = slot;
      slot += I.insnSlots(insn);
      const why = I.invalidReason(insn);
      if (why) throw new LineError(why, start, end);
      pending.push({ ...parsed, range: range(line, start, end) });
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

  function directive(toks: Token[], line: number): void {
    const name = toks[0].text;
    const args = splitArgs(toks.slice(1), toks[0].end);
    const want = (n: number): void => {
      if (args.length !== n) throw new LineError(`${name} takes ${n} argument${n === 1 ? '' : 's'}, not ${args.length}`, toks[0].column, toks[toks.length - 1].end);
    };
    switch (name) {
      case '.event': {
        want(1);
        const text = args[0].map((t) => t.text).join('');
        if (!isEventName(text)) throw new LineError(`unknown event '${text}' (page-reclaim, vcpu-preemption, io-submission or tracing)`, args[0][0].column, args[0][args[0].length - 1].end);
        if (event) throw new LineError('the event is already declared', toks[0].column, toks[0].end);
        event = { name: text, range: range(line, toks[0].column, toks[toks.length - 1].end) };
        return;
      }
      case '.map': {
        want(5);
        const [n, t, ks, vs, me] = args;
        if (n.length !== 1 || n[0].kind !== 'ident') throw new LineError('the map needs a name', n[0]?.column ?? toks[0].end, n[n.length - 1]?.end ?? toks[0].end + 1);
        const type = t.map((x) => x.text).join('');
        if (type !== 'array' && type !== 'hash') throw new LineError(`unknown map type '${type}' (array or hash)`, t[0].column, t[t.length - 1].end);
        const num = (ts: Token[], what: string, min: number): number => {
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
          range: range(line, toks[0].column, toks[toks.length - 1].end),
          nameRange: range(line, n[0].column, n[0].end),
        });
        return;
      }
      case '.range': {
        want(2);
        const s = constExpr(args[0], 'range start');
        const e = constExpr(args[1], 'range end');
        if (s < 0n || e > (1n << 64n) || e <= s) throw new LineError('the guest range must be start < end within 64 bits', toks[0].column, toks[toks.length - 1].end);
        guestRange = { start: s, end: e, range: range(line, toks[0].column, toks[toks.length - 1].end) };
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
        throw new LineError(`unknown directive '${name}' (.event, .map, .range)`, toks[0].column, toks[0].end);
    }
  }

  function constExpr(ts: Token[], what: string): bigint {
    if (ts.length === 0) throw new LineError(`missing ${what}`, 1, 2);
    const neg = ts[0].text === '-';
    const t = neg ? ts[1] : ts[0];
    if (!t || t.kind !== 'num' || ts.length !== (neg ? 2 : 1)) throw new LineError(`${what} must be a number`, ts[0].column, ts[ts.length - 1].end);
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

function splitArgs(toks: Token[], after: number): Token[][] {
  if (toks.length === 0) return [];
  const out: Token[][] = [[]];
  for (const t of toks) {
    if (t.text === ',') out.push([]);
    else out[out.length - 1].push(t);
  }
  for (const a of out) if (a.length === 0) throw new LineError('empty argument', toks[0]?.column ?? after, (toks[0]?.column ?? after) + 1);
  return out;
}

// ---- one statement --------------------------------------------------------------------------
interface Parsed {
  insn: Insn;
  syntax: Syntax;
  fixup?: Fixup;
  callName?: { name: string; column: number; end: number };
  mapRef?: { name: string; column: number; end: number; value: boolean };
}

const INT32_MIN = -(2n ** 31n);
const UINT32_MAX = 2n ** 32n - 1n;

class LineParser {
  private pos = 0;
  private fixup?: Fixup;
  private callName?: Parsed['callName'];
  private mapRef?: Parsed['mapRef'];
  constructor(
    private readonly toks: Token[],
    private readonly line: number,
  ) {}

  private peek(k = 0): Token | undefined {
    return this.toks[this.pos + k];
  }
  private lastEnd(): number {
    return this.toks[this.toks.length - 1].end;
  }
  private fail(message: string, t: Token | undefined = this.peek()): never {
    if (t) throw new LineError(message, t.column, t.end);
    const e = this.lastEnd();
    throw new LineError(message, e, e + 1);
  }
  private next(what: string): Token {
    const t = this.peek();
    if (!t) this.fail(`expected ${what} at the end of the line`);
    this.pos++;
    return t;
  }
  private expect(text: string): Token {
    const t = this.peek();
    if (!t || t.text !== text) this.fail(t ? `expected '${text}', found '${t.text}'` : `expected '${text}' at the end of the line`);
    this.pos++;
    return t;
  }
  private accept(text: string): boolean {
    if (this.peek()?.text === text) {
      this.pos++;
      return true;
    }
    return false;
  }
  private end(): void {
    const t = this.peek();
    if (t) this.fail(`unexpected '${t.text}' after the instruction`);
  }
  private reg(what = 'a register'): Token & { reg: number; wide: boolean } {
    const t = this.next(what);
    if (t.kind !== 'reg') this.fail(`expected ${what}, found '${t.text}'`, t);
    return t as Token & { reg: number; wide: boolean };
  }
  private isNumberStart(): boolean {
    const t = this.peek();
    if (!t) return false;
    if (t.kind === 'num') return true;
    return (t.text === '-' || t.text === '+') && this.peek(1)?.kind === 'num';
  }
  /** A signed number with optional leading sign. */
  private number(what: string): { value: bigint; column: number; end: number } {
    const first = this.peek();
    let sign = 1n;
    if (first && (first.text === '-' || first.text === '+')) {
      if (first.text === '-') sign = -1n;
      this.pos++;
    }
    const t = this.next(what);
    if (t.kind !== 'num') this.fail(`expected ${what}, found '${t.text}'`, t);
    return { value: sign * (t.value as bigint), column: first?.column ?? t.column, end: t.end };
  }
  /** A 32-bit immediate for `mnemonic`: accepts [-2^31, 2^32) (unsigned values wrap into the signed field). */
  private imm32(mnemonic: string): number {
    const n = this.number('an immediate');
    if (n.value < INT32_MIN || n.value > UINT32_MAX) {
      throw new LineError(`immediate ${fmtNum(n.value)} does not fit the signed 32-bit field of ${mnemonic}`, n.column, n.end);
    }
    return Number(BigInt.asIntN(32, n.value));
  }
  private off16(what: string, n: { value: bigint; column: number; end: number }): number {
    if (n.value < -32768n || n.value > 32767n) throw new LineError(`${what} ${n.value} does not fit the signed 16-bit offset field`, n.column, n.end);
    return Number(n.value);
  }
  /** Jump target: `+N`, `-N`, `N` or a label; `field` says whether the offset goes to off or imm. */
  private target(field: 'off' | 'imm'): number {
    const t = this.peek();
    if (!t) this.fail('expected a jump target (a label or +N)');
    if (t.kind === 'ident' || (t.kind === 'reg' && !this.isNumberStart())) {
      this.pos++;
      this.fixup = { kind: field === 'off' ? 'jump' : 'jump-imm', label: t.text, column: t.column, end: t.end, line: this.line };
      return 0;
    }
    const n = this.number('a jump target (a label or +N)');
    if (field === 'off') return this.off16('jump offset', n);
    if (n.value < INT32_MIN || n.value > 2n ** 31n - 1n) throw new LineError(`jump offset ${n.value} does not fit 32 bits`, n.column, n.end);
    return Number(n.value);
  }

  statement(): Parsed {
    const first = this.peek() as Token;
    let insn: Insn;
    let syntax: Syntax = 'kernel';
    const ubpfLock = first.text === 'lock' && this.peek(1)?.text !== '*';
    if (ubpfLock || (first.kind === 'ident' && isUbpfMnemonic(first.text.toLowerCase()) && !(this.peek(1)?.text.endsWith('=') ?? false))) {
      syntax = 'ubpf';
      insn = this.ubpf();
    } else insn = this.kernel();
    this.end();
    const out: Parsed = { insn, syntax };
    if (this.fixup) out.fixup = this.fixup;
    if (this.callName) out.callName = this.callName;
    if (this.mapRef) out.mapRef = this.mapRef;
    return out;
  }

  // ---- shared: exit, call ---------------------------------------------------------------------
  private common(word: string): Insn | undefined {
    if (word === 'exit') {
      this.pos++;
      return I.insn(I.OPCODE_EXIT);
    }
    if (word === 'callx') {
      this.pos++;
      const r = this.reg();
      return I.insn(I.OPCODE_CALLX, r.reg);
    }
    if (word === 'call') {
      this.pos++;
      const t = this.peek();
      if (!t) this.fail('call needs a helper, a function label or a register');
      if (t.kind === 'reg') {
        this.pos++;
        return I.insn(I.OPCODE_CALLX, t.reg);
      }
      if (t.kind === 'ident' && t.text === 'local') {
        this.pos++;
        const l = this.next('a function label');
        if (l.kind === 'num' || l.text === '+' || l.text === '-') {
          this.pos--;
          const n = this.number('a slot offset');
          return I.insn(I.OPCODE_CALL, 0, I.CALL_LOCAL, 0, Number(BigInt.asIntN(32, n.value)));
        }
        this.fixup = { kind: 'call', label: l.text, column: l.column, end: l.end, line: this.line };
        return I.insn(I.OPCODE_CALL, 0, I.CALL_LOCAL);
      }
      if (t.kind === 'ident') {
        this.pos++;
        this.callName = { name: t.text, column: t.column, end: t.end };
        return I.insn(I.OPCODE_CALL);
      }
      const id = this.imm32('call');
      return I.insn(I.OPCODE_CALL, 0, I.CALL_HELPER, 0, id);
    }
    return undefined;
  }

  // ---- ubpf syntax ----------------------------------------------------------------------------
  private ubpf(): Insn {
    const mt = this.next('an instruction');
    if (mt.text === 'lock') return this.ubpfLock();
    const m = mt.text.toLowerCase();
    const is32 = m.endsWith('32') && !/^(le|be|b?swap|movsx\d+)/.test(m) && m !== 'ldxw';
    const base = is32 ? m.slice(0, -2) : m;
    const cls = is32 ? I.BPF_ALU : I.BPF_ALU64;
    if (base === 'lddw') {
      const d = this.reg();
      this.expect(',');
      return this.lddwValue(d.reg, 'lddw');
    }
    if (base === 'neg') {
      const d = this.reg();
      return I.insn(cls | I.BPF_NEG, d.reg);
    }
    let mm = /^(le|be|b?swap)(16|32|64)$/.exec(m);
    if (mm) {
      const d = this.reg();
      const width = Number(mm[2]);
      if (mm[1] === 'le') return I.insn(I.BPF_ALU | I.BPF_END | I.BPF_TO_LE, d.reg, 0, 0, width);
      if (mm[1] === 'be') return I.insn(I.BPF_ALU | I.BPF_END | I.BPF_TO_BE, d.reg, 0, 0, width);
      return I.insn(I.BPF_ALU64 | I.BPF_END | I.BPF_TO_LE, d.reg, 0, 0, width);
    }
    mm = /^movsx(8|16|32)(32|64)$/.exec(m);
    if (mm) {
      const d = this.reg();
      this.expect(',');
      const s = this.reg();
      return I.insn((mm[2] === '32' ? I.BPF_ALU : I.BPF_ALU64) | I.BPF_MOV | I.BPF_X, d.reg, s.reg, Number(mm[1]));
    }
    if (base in ALU_MNEMONICS) {
      const d = this.reg();
      this.expect(',');
      const off = base === 'sdiv' || base === 'smod' ? 1 : 0;
      const code = ALU_MNEMONICS[base];
      if (this.peek()?.kind === 'reg') return I.insn(cls | code | I.BPF_X, d.reg, this.reg().reg, off);
      return I.insn(cls | code | I.BPF_K, d.reg, 0, off, this.imm32(m));
    }
    if (base === 'ja') {
      if (is32) return I.insn(I.BPF_JMP32 | I.BPF_JA, 0, 0, 0, this.target('imm'));
      return I.insn(I.BPF_JMP | I.BPF_JA, 0, 0, this.target('off'));
    }
    if (base in JMP_MNEMONICS) {
      const jcls = is32 ? I.BPF_JMP32 : I.BPF_JMP;
      const d = this.reg();
      this.expect(',');
      let i: Insn;
      if (this.peek()?.kind === 'reg') i = I.insn(jcls | JMP_MNEMONICS[base] | I.BPF_X, d.reg, this.reg().reg);
      else i = I.insn(jcls | JMP_MNEMONICS[base] | I.BPF_K, d.reg, 0, 0, this.imm32(m));
      this.expect(',');
      i.off = this.target('off');
      return i;
    }
    mm = /^ldx(s?)(b|h|w|dw)$/.exec(m);
    if (mm) {
      const d = this.reg();
      this.expect(',');
      const [b, off] = this.ubpfMem();
      return I.insn(I.BPF_LDX | (mm[1] ? I.BPF_MEMSX : I.BPF_MEM) | SIZES[mm[2]], d.reg, b, off);
    }
    mm = /^st(x?)(b|h|w|dw)$/.exec(m);
    if (mm) {
      const [b, off] = this.ubpfMem();
      this.expect(',');
      if (mm[1]) return I.insn(I.BPF_STX | I.BPF_MEM | SIZES[mm[2]], b, this.reg().reg, off);
      return I.insn(I.BPF_ST | I.BPF_MEM | SIZES[mm[2]], b, 0, off, this.imm32(m));
    }
    return this.fail(`unknown instruction '${mt.text}'`, mt);
  }

  /** `lock [fetch] add[32] [%r10-8], %r1`, `lock xchg[32] …`, `lock cmpxchg[32] …` */
  private ubpfLock(): Insn {
    let fetch = false;
    if (this.peek()?.text === 'fetch') {
      this.pos++;
      fetch = true;
    }
    const opTok = this.next('an atomic operation');
    const mm = /^(add|or|and|xor|xchg|cmpxchg)(32)?$/.exec(opTok.text);
    if (!mm) this.fail(`'${opTok.text}' is not an atomic operation (add, or, and, xor, xchg, cmpxchg)`, opTok);
    const size = mm[2] ? I.BPF_W : I.BPF_DW;
    let imm: number;
    if (mm[1] === 'xchg') imm = I.BPF_XCHG;
    else if (mm[1] === 'cmpxchg') imm = I.BPF_CMPXCHG;
    else imm = ATOMIC_NAMES[mm[1]] | (fetch ? I.BPF_FETCH : 0);
    const [b, off] = this.ubpfMem();
    this.expect(',');
    const s = this.reg();
    return I.insn(I.BPF_STX | I.BPF_ATOMIC | size, b, s.reg, off, imm);
  }

  /** `[%rN]`, `[%rN+off]`, `[%rN-off]` */
  private ubpfMem(): [number, number] {
    this.expect('[');
    const b = this.reg('a base register');
    let off = 0;
    if (this.peek()?.text === '+' || this.peek()?.text === '-') off = this.off16('offset', this.number('an offset'));
    this.expect(']');
    return [b.reg, off];
  }

  /** The value part of `lddw rD, VALUE` / `rD = VALUE ll`. */
  private lddwValue(dst: number, mnemonic: string): Insn {
    const t = this.peek();
    if (t && t.kind === 'ident' && t.text in IMM64_FUNCTIONS && this.peek(1)?.text === '(') {
      this.pos += 2;
      const src = IMM64_FUNCTIONS[t.text];
      const a = this.imm32(t.text);
      this.expect(')');
      let imm2 = 0;
      if (this.accept('+')) imm2 = this.imm32(t.text);
      return { opcode: I.OPCODE_LDDW, dst, src, off: 0, imm: a, imm2 };
    }
    if (t && t.kind === 'ident' && t.text === 'map_value' && this.peek(1)?.text === '(') {
      this.pos += 2;
      const n = this.next('a map name');
      this.expect(')');
      let imm2 = 0;
      if (this.accept('+')) imm2 = this.imm32('map_value');
      this.mapRef = { name: n.text, column: n.column, end: n.end, value: true };
      return { opcode: I.OPCODE_LDDW, dst, src: I.PSEUDO_MAP_IDX_VALUE, off: 0, imm: 0, imm2 };
    }
    if (t && t.kind === 'ident') {
      this.pos++;
      this.mapRef = { name: t.text, column: t.column, end: t.end, value: false };
      return { opcode: I.OPCODE_LDDW, dst, src: I.PSEUDO_MAP_IDX, off: 0, imm: 0, imm2: 0 };
    }
    const n = this.number('a 64-bit immediate');
    if (n.value < -(2n ** 63n) || n.value >= 2n ** 64n) throw new LineError(`immediate ${fmtNum(n.value)} does not fit the 64 bits of ${mnemonic}`, n.column, n.end);
    const v = BigInt.asUintN(64, n.value);
    return {
      opcode: I.OPCODE_LDDW,
      dst,
      src: 0,
      off: 0,
      imm: Number(BigInt.asIntN(32, v & 0xffffffffn)),
      imm2: Number(BigInt.asIntN(32, v >> 32n)),
    };
  }

  // ---- kernel syntax ----------------------------------------------------------------------------
  private kernel(): Insn {
    const t = this.peek() as Token;
    const c = this.common(t.text);
    if (c) return c;
    if (t.text === 'goto' || t.text === 'gotol') {
      this.pos++;
      if (t.text === 'gotol') return I.insn(I.BPF_JMP32 | I.BPF_JA, 0, 0, 0, this.target('imm'));
      return I.insn(I.BPF_JMP | I.BPF_JA, 0, 0, this.target('off'));
    }
    if (t.text === 'if') return this.kernelIf();
    if (t.text === 'lock') return this.kernelLock();
    if (t.text === '*') return this.kernelStore();
    if (t.kind === 'reg') return this.kernelAssign();
    return this.fail(`unknown instruction '${t.text}'`, t);
  }

  private kernelIf(): Insn {
    this.pos++;
    const d = this.reg();
    const opTok = this.next('a comparison');
    const code = KERNEL_JMP_OPS[opTok.text];
    if (code === undefined) this.fail(`'${opTok.text}' is not a comparison (==, !=, >, >=, <, <=, s>, s>=, s<, s<=, &)`, opTok);
    const cls = d.wide ? I.BPF_JMP : I.BPF_JMP32;
    let i: Insn;
    if (this.peek()?.kind === 'reg') {
      const s = this.reg();
      if (s.wide !== d.wide) this.fail('both registers of a comparison must be rN (64-bit) or both wN (32-bit)', s);
      i = I.insn(cls | code | I.BPF_X, d.reg, s.reg);
    } else i = I.insn(cls | code | I.BPF_K, d.reg, 0, 0, this.imm32('the comparison'));
    this.expect('goto');
    i.off = this.target('off');
    return i;
  }

  /** `*(u32 *)(r1 + 4)` → [size, signed, base, off] */
  private kernelMem(leadingStar: boolean): [number, boolean, number, number] {
    if (leadingStar) this.expect('*');
    this.expect('(');
    const ty = this.next('a type (u8, u16, u32, u64)');
    const cs = C_SIZES[ty.text];
    if (!cs) this.fail(`'${ty.text}' is not a memory type (u8, u16, u32, u64, s8, s16, s32)`, ty);
    this.expect('*');
    this.expect(')');
    const [b, off] = this.kernelAddr();
    return [cs[0], cs[1], b, off];
  }

  /** `(r1 + 4)` / `(r1 - 8)` / `(r1)` */
  private kernelAddr(): [number, number] {
    this.expect('(');
    const b = this.reg('a base register');
    if (!b.wide) this.fail('the base of an address is an rN register', b);
    let off = 0;
    if (this.peek()?.text === '+' || this.peek()?.text === '-') off = this.off16('offset', this.number('an offset'));
    this.expect(')');
    return [b.reg, off];
  }

  private kernelStore(): Insn {
    const [size, signed, b, off] = this.kernelMem(true);
    if (signed) this.fail('stores take an unsigned type (u8, u16, u32, u64)', this.toks[2]);
    this.expect('=');
    if (this.peek()?.kind === 'reg') {
      const s = this.reg();
      return I.insn(I.BPF_STX | I.BPF_MEM | size, b, s.reg, off);
    }
    return I.insn(I.BPF_ST | I.BPF_MEM | size, b, 0, off, this.imm32('the store'));
  }

  private kernelLock(): Insn {
    this.pos++;
    const [size, , b, off] = this.kernelMem(true);
    if (size !== I.BPF_W && size !== I.BPF_DW) this.fail('atomic operations are on u32 or u64 only', this.toks[3]);
    const opTok = this.next('an atomic operation (+=, |=, &=, ^=)');
    const op = KERNEL_ATOMIC_OPS[opTok.text];
    if (op === undefined) this.fail(`'${opTok.text}' is not an atomic operation (+=, |=, &=, ^=)`, opTok);
    const s = this.reg();
    return I.insn(I.BPF_STX | I.BPF_ATOMIC | size, b, s.reg, off, op);
  }

  private kernelAssign(): Insn {
    const d = this.reg();
    const cls = d.wide ? I.BPF_ALU64 : I.BPF_ALU;
    const opTok = this.next('an assignment');
    const alu = KERNEL_ALU_OPS[opTok.text];
    if (alu === undefined) this.fail(`'${opTok.text}' is not an assignment operator`, opTok);
    const [code, off] = alu;
    if (code !== I.BPF_MOV) {
      if (this.peek()?.kind === 'reg') {
        const s = this.reg();
        if (s.wide !== d.wide) this.fail(`mixing ${d.text} and ${s.text}: use both rN or both wN`, s);
        return I.insn(cls | code | I.BPF_X, d.reg, s.reg, off);
      }
      return I.insn(cls | code | I.BPF_K, d.reg, 0, off, this.imm32(opTok.text));
    }
    // `=`: mov, neg, movsx, loads, byte swaps, lddw, atomics with fetch
    const t = this.peek();
    if (!t) this.fail('expected a value after =');
    if (t.text === '-' && this.peek(1)?.kind === 'reg') {
      this.pos++;
      const s = this.reg();
      if (s.reg !== d.reg || s.wide !== d.wide) this.fail(`neg works in place: write ${d.text} = -${d.text}`, s);
      return I.insn(cls | I.BPF_NEG, d.reg);
    }
    if (t.text === '*') {
      const [size, signed, b, off2] = this.kernelMem(true);
      if (signed && size === I.BPF_DW) this.fail('there is no sign-extending 64-bit load; use u64', this.toks[3]);
      if (!d.wide && (signed || size === I.BPF_DW)) this.fail('loads write the whole rN register', d);
      return I.insn(I.BPF_LDX | (signed ? I.BPF_MEMSX : I.BPF_MEM) | size, d.reg, b, off2);
    }
    if (t.text === '(' && this.peek(1)?.kind === 'ident' && /^s(8|16|32)$/.test(this.peek(1)?.text ?? '') && this.peek(2)?.text === ')') {
      const bits = Number((this.peek(1) as Token).text.slice(1));
      this.pos += 3;
      const s = this.reg();
      if (s.wide !== d.wide) this.fail(`mixing ${d.text} and ${s.text}: use both rN or both wN`, s);
      return I.insn(cls | I.BPF_MOV | I.BPF_X, d.reg, s.reg, bits);
    }
    if (t.kind === 'ident') {
      const sw = /^(le|be|bswap)(16|32|64)$/.exec(t.text);
      if (sw) {
        this.pos++;
        const s = this.reg();
        if (s.reg !== d.reg) this.fail(`byte swaps work in place: write ${d.text} = ${t.text} ${d.text}`, s);
        const width = Number(sw[2]);
        if (sw[1] === 'le') return I.insn(I.BPF_ALU | I.BPF_END | I.BPF_TO_LE, d.reg, 0, 0, width);
        if (sw[1] === 'be') return I.insn(I.BPF_ALU | I.BPF_END | I.BPF_TO_BE, d.reg, 0, 0, width);
        return I.insn(I.BPF_ALU64 | I.BPF_END | I.BPF_TO_LE, d.reg, 0, 0, width);
      }
      const at = this.kernelAtomicCall(d, t.text);
      if (at) return at;
      if (!d.wide) this.fail('a 64-bit load needs an rN register', d);
      const v = this.lddwValue(d.reg, 'lddw');
      this.expect('ll');
      return v;
    }
    if (t.kind === 'reg') {
      const s = this.reg();
      if (s.wide !== d.wide) this.fail(`mixing ${d.text} and ${s.text}: use both rN or both wN`, s);
      return I.insn(cls | I.BPF_MOV | I.BPF_X, d.reg, s.reg);
    }
    // a number: mov, or lddw with `ll`
    const save = this.pos;
    const n = this.number('a value');
    if (this.peek()?.text === 'll') {
      if (!d.wide) this.fail('a 64-bit load needs an rN register', d);
      this.pos = save;
      const v = this.lddwValue(d.reg, 'lddw');
      this.expect('ll');
      return v;
    }
    if (n.value < INT32_MIN || n.value > UINT32_MAX) {
      throw new LineError(`immediate ${fmtNum(n.value)} does not fit the signed 32-bit field of mov${d.wide ? ` (add 'll' for a 64-bit load)` : ''}`, n.column, n.end);
    }
    return I.insn(cls | I.BPF_MOV | I.BPF_K, d.reg, 0, 0, Number(BigInt.asIntN(32, n.value)));
  }

  /** `rD = atomic_fetch_add((u64 *)(rB + off), rS)`, `xchg_64(rB + off, rS)`, `cmpxchg_64(rB + off, r0, rS)` and 32-bit forms. */
  private kernelAtomicCall(d: Token & { reg: number; wide: boolean }, name: string): Insn | undefined {
    const fetch = /^atomic_fetch_(add|or|and|xor)$/.exec(name);
    const xchg = /^(xchg_64|xchg32_32)$/.exec(name);
    const cmp = /^(cmpxchg_64|cmpxchg32_32)$/.exec(name);
    if (!fetch && !xchg && !cmp) return undefined;
    this.pos++;
    this.expect('(');
    let size: number;
    let b: number;
    let off: number;
    if (fetch) {
      this.expect('(');
      const ty = this.next('u32 or u64');
      if (ty.text !== 'u32' && ty.text !== 'u64') this.fail('atomic operations are on u32 or u64 only', ty);
      size = ty.text === 'u32' ? I.BPF_W : I.BPF_DW;
      this.expect('*');
      this.expect(')');
      [b, off] = this.kernelAddr();
    } else {
      size = name.includes('32_32') ? I.BPF_W : I.BPF_DW;
      const br = this.reg('a base register');
      b = br.reg;
      off = 0;
      if (this.peek()?.text === '+' || this.peek()?.text === '-') off = this.off16('offset', this.number('an offset'));
    }
    this.expect(',');
    let imm: number;
    if (cmp) {
      const r0 = this.reg();
      if (r0.reg !== 0) this.fail('cmpxchg compares with r0', r0);
      this.expect(',');
      imm = I.BPF_CMPXCHG;
      if (d.reg !== 0) this.fail('cmpxchg writes r0', d);
    } else imm = xchg ? I.BPF_XCHG : ATOMIC_NAMES[(fetch as RegExpExecArray)[1]] | I.BPF_FETCH;
    const s = this.reg();
    this.expect(')');
    if (!cmp && s.reg !== d.reg) this.fail(`the fetched value goes back to the source register: write ${s.text} = ${name}(…, ${s.text})`, d);
    return I.insn(I.BPF_STX | I.BPF_ATOMIC | size, b, s.reg, off, imm);
  }
}

function fmtNum(v: bigint): string {
  const neg = v < 0n;
  const a = neg ? -v : v;
  if (a < 0x10000n) return `${v}`;
  const h = a.toString(16);
  const groups: string[] = [];
  for (let e = h.length; e > 0; e -= 4) groups.unshift(h.slice(Math.max(0, e - 4), e));
  return `${neg ? '-' : ''}0x${groups.join('_')}`;
}
