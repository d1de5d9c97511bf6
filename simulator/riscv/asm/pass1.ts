/**
 * Pass one over a source file: runs macros, repetitions and conditionals, defines labels,
 * chooses machine instructions (so every item's size is fixed) and collects data items.
 * Nothing here needs final addresses; those come when the files are linked.
 */
import type { Diagnostic, SourceRange } from '../../diagnostics';
import type { SymbolKind } from '../image';
import { instruction } from '../isa/instructions';
import { EvalError, evaluate, mapLocals, type EvalEnv, type Value } from './eval';
import { expandInstruction, isKnownMnemonic, knownMnemonics, OperandError, type ExpandEnv } from './expand';
import type { Token } from './lexer';
import { analyseLine, analyseLineUncached, endLineCacheGeneration } from './line-cache';
import { ExprError, exprErrorDiagnostic, parseExpr } from './parser';
import { forgetExpansion, readsState, rememberedExpansion, rememberExpansion, type ExpansionProbe } from './expansion-memo';
import type { MachineInstr } from './machine';
import { expandDefines, preprocess, resolveRelative, type SourceLine } from './preprocess';
import { closest } from './suggest';
import type { DirectiveStmt, Expr, InstructionStmt, Statement } from './syntax';
import { INSTRUCTIONS } from '../isa/instructions';
import { defaultFlags, type Chunk, type FileUnit, type SectionFlags } from './units';

export interface Pass1Options {
  readFile?: (path: string) => string | undefined;
  defines?: ReadonlyMap<string, string>;
  /** Take unchanged lines' lexing and parsing from the line cache (default true; benchmarks turn it off). */
  lineCache?: boolean;
}

interface MacroParam {
  name: string;
  def?: string;
  required: boolean;
  vararg: boolean;
}

interface MacroDef {
  name: string;
  params: MacroParam[];
  body: SourceLine[];
  range: SourceRange;
}

interface Frame {
  lines: SourceLine[];
  index: number;
  kind: 'file' | 'macro' | 'rept';
  /** Outermost macro invocation: emitted items are attributed to it. */
  site?: SourceRange;
  macro?: string;
}

interface Capture {
  kind: 'macro' | 'rept' | 'irp' | 'irpc';
  depth: number;
  body: SourceLine[];
  start: DirectiveStmt;
  site?: SourceRange;
}

interface Cond {
  active: boolean;
  taken: boolean;
  parentActive: boolean;
}

const NOP = [0x13, 0x00, 0x00, 0x00];
const MAX_MACRO_DEPTH = 100;
/**
 * Runaway guards. A `.rept` inside a `.rept` (or a macro calling itself twice) multiplies, and a
 * typo in a count can ask for billions of lines or bytes: the assembler would run for seconds or
 * forever, and the language server assembles on every keystroke. The limits sit far above what a
 * kernel file uses (page tables by `.rept 512`, stacks of a few pages) and fail with a located error.
 */
const MAX_EXPANDED_LINES = 1_000_000;
const MAX_RESERVATION = 64 * 1024 * 1024;
const MAX_SECTION_SIZE = 128 * 1024 * 1024;
const MIB = 1024 * 1024;
const DATA_WIDTH: Record<string, number> = {
  '.byte': 1, '.half': 2, '.short': 2, '.2byte': 2, '.word': 4, '.long': 4, '.4byte': 4,
  '.dword': 8, '.quad': 8, '.8byte': 8,
};
const IGNORED = new Set([
  '.file', '.ident', '.attribute', '.loc', '.cfi_startproc', '.cfi_endproc', '.cfi_sections',
  '.cfi_def_cfa_offset', '.cfi_offset', '.cfi_restore', '.cfi_def_cfa', '.extern', '.addrsig', '.hidden',
]);
const OPTIONS = new Set(['push', 'pop', 'rvc', 'norvc', 'relax', 'norelax', 'pic', 'nopic', 'arch', 'csr-check', 'no-csr-check']);

const localName = (label: string, n: number): string => `${label}\u0002${n}`;
export const isInternalSymbol = (name: string): boolean => name.includes('\u0002') || name.startsWith('.L');

/**
 * Directive arguments parsed as expressions, by their token list: the line cache hands out the same
 * tokens for an unchanged line, so `.dword table + 8` is parsed once, not on every pass.
 */
const parsedArguments = new WeakMap<readonly Token[], { line: number; parsed: Expr | Error }>();

function parseArgument(tokens: Token[]): Expr {
  // The line cache moves a line's tokens when lines are inserted above it, not what was parsed from them.
  const line = tokens[0]?.range.line ?? 0;
  let memo = parsedArguments.get(tokens);
  if (memo === undefined || memo.line !== line) {
    let parsed: Expr | Error;
    try {
      parsed = parseExpr(tokens);
    } catch (e) {
      if (!(e instanceof Error)) throw e;
      parsed = e;
    }
    memo = { line, parsed };
    parsedArguments.set(tokens, memo);
  }
  if (memo.parsed instanceof Error) throw memo.parsed;
  return memo.parsed;
}

export class Pass1 {
  readonly diagnostics: Diagnostic[] = [];
  readonly unit: FileUnit;
  private readonly stack: Frame[] = [];
  private readonly macros = new Map<string, MacroDef>();
  private readonly conds: Cond[] = [];
  private capture: Capture | undefined;
  /** While an instruction is expanded: what it asked of the file's state (see expand()). */
  private probes: ExpansionProbe[] | undefined;
  private readonly localCount = new Map<string, number>();
  private section!: Chunk;
  private previous: string | undefined;
  private readonly sectionStack: string[] = [];
  private macroCounter = 0;
  private ended = false;
  /** Lines added so far by repetitions and macro invocations (see MAX_EXPANDED_LINES). */
  private expandedLines = 0;
  /** Set once the expansion limit or the macro depth was reported: later expansions are dropped without more errors. */
  private expansionLimitHit = false;
  /** Sections already reported as past MAX_SECTION_SIZE. */
  private readonly oversized = new Set<string>();

  constructor(
    path: string,
    text: string,
    private readonly options: Pass1Options,
  ) {
    this.unit = { path, chunks: new Map(), symbols: new Map(), globals: new Map(), types: new Map(), sizes: new Map() };
    this.switchSection('.text');
    const pp = preprocess(path, text, options);
    this.diagnostics.push(...pp.diagnostics);
    this.stack.push({ lines: pp.lines, index: 0, kind: 'file' });
  }

  run(): FileUnit {
    try {
      this.runLines();
    } finally {
      if (this.options.lineCache !== false) endLineCacheGeneration();
    }
    return this.unit;
  }

  private runLines(): void {
    while (this.stack.length && !this.ended) {
      const frame = this.stack[this.stack.length - 1];
      if (frame.index >= frame.lines.length) {
        this.stack.pop();
        continue;
      }
      this.line(frame.lines[frame.index++], frame);
    }
    if (this.capture) this.error(this.capture.start.range, `${this.capture.start.name} without matching ${this.capture.kind === 'macro' ? '.endm' : '.endr'}`);
    this.padChunkEnds();
    if (this.conds.length) this.error(this.stack[0]?.lines.at(-1) ? this.lineRange(this.stack[0].lines.at(-1) as SourceLine) : this.zeroRange(), '.if without matching .endif');
  }

  /**
   * GNU as rounds each code section up to its alignment with nops, so the next file's part starts
   * aligned; data sections keep their exact size (a `.tohost` of two aligned dwords is 72 bytes).
   */
  private padChunkEnds(): void {
    const current = this.section;
    for (const chunk of this.unit.chunks.values()) {
      const pad = (chunk.align - (chunk.size % chunk.align)) % chunk.align;
      if (!pad || !chunk.flags.progbits || !chunk.flags.exec) continue;
      this.section = chunk;
      this.padTo(chunk.align, undefined, this.zeroRange());
    }
    this.section = current;
  }

  // ---- diagnostics ------------------------------------------------------------------------

  private error(range: SourceRange, message: string, code = 'asm'): void {
    const frame = this.stack[this.stack.length - 1];
    if (frame?.site) {
      this.diagnostics.push({
        severity: 'error',
        message: `${message} (in macro ${frame.macro})`,
        range: frame.site,
        code,
        related: [{ range, message: 'in this line of the macro body' }],
      });
    } else {
      this.diagnostics.push({ severity: 'error', message, range, code });
    }
  }

  private zeroRange(): SourceRange {
    return { file: this.unit.path, line: 1, column: 1, endLine: 1, endColumn: 1 };
  }

  private lineRange(l: SourceLine): SourceRange {
    return { file: l.file, line: l.line, column: 1, endLine: l.line, endColumn: l.text.length + 1 };
  }

  /** Where emitted items are attributed: the macro call site if inside a macro. */
  private site(range: SourceRange): SourceRange {
    return this.stack[this.stack.length - 1]?.site ?? range;
  }

  // ---- line processing ----------------------------------------------------------------------

  private line(l: SourceLine, frame: Frame): void {
    const analysis = (this.options.lineCache === false ? analyseLineUncached : analyseLine)(l.text, l.file, l.line, l.defines);
    if (this.capture) {
      this.captureLine(l, analysis.statements);
      return;
    }
    const active = this.conds.length === 0 || this.conds[this.conds.length - 1].active;
    if (active) {
      for (const d of analysis.lexDiagnostics) this.error(d.range, d.message, d.code);
      for (const d of analysis.parseDiagnostics) this.error(d.range, d.message, d.code);
    }
    for (const stmt of analysis.statements) {
      if (stmt.kind === 'directive' && this.conditional(stmt)) continue;
      if (!(this.conds.length === 0 || this.conds[this.conds.length - 1].active)) continue;
      if (this.capture) {
        this.error(stmt.range, 'statements after .macro/.rept on the same line are not supported');
        break;
      }
      this.statement(stmt, l, frame);
      if (this.ended || this.stack[this.stack.length - 1] !== frame) {
        // .exitm / .end / a new frame: the rest of this line belongs to the old context.
        break;
      }
    }
  }

  private captureLine(l: SourceLine, stmts: Statement[]): void {
    const cap = this.capture as Capture;
    const first = stmts.find((s) => s.kind === 'directive') as DirectiveStmt | undefined;
    if (first) {
      if (['.macro', '.rept', '.irp', '.irpc'].includes(first.name)) cap.depth++;
      else if (first.name === '.endm' || first.name === '.endr') {
        cap.depth--;
        if (cap.depth === 0) {
          this.capture = undefined;
          this.finishCapture(cap, first);
          return;
        }
      }
    }
    cap.body.push(l);
  }

  private finishCapture(cap: Capture, end: DirectiveStmt): void {
    const expected = cap.kind === 'macro' ? '.endm' : '.endr';
    if (end.name !== expected) this.error(end.range, `${end.name} closes ${cap.start.name}; expected ${expected}`);
    if (cap.kind === 'macro') {
      this.defineMacro(cap.start, cap.body);
      return;
    }
    const frame = this.stack[this.stack.length - 1];
    const lines: SourceLine[] = [];
    if (cap.kind === 'rept') {
      const count = this.constArg(cap.start, 0, 0n);
      if (count === undefined || !this.mayExpand(count * BigInt(cap.body.length), cap.start.args[0]?.range ?? cap.start.range, `.rept ${count}`)) return;
      if (cap.body.length > 0) for (let i = 0n; i < count; i++) lines.push(...cap.body);
    } else {
      const [param, ...values] = cap.start.args;
      const name = param?.tokens[0]?.text;
      if (!name) return this.error(cap.start.range, `${cap.start.name} needs a parameter name`);
      // .irp: one repetition per argument; .irpc: one per character of its single argument.
      const items = cap.kind === 'irp' ? values.map((v) => this.argText(v.tokens)) : [...values.map((v) => this.argText(v.tokens)).join(',')];
      if (!this.mayExpand(BigInt(items.length * cap.body.length), cap.start.range, cap.start.name)) return;
      for (const text of items) lines.push(...cap.body.map((b) => ({ ...b, text: substitute(b.text, new Map([[name, text]]), '') })));
    }
    this.stack.push({ lines, index: 0, kind: 'rept', site: frame?.site, macro: frame?.macro });
  }

  /**
   * Counts `lines` more expanded lines against MAX_EXPANDED_LINES; past it, reports `what` at
   * `range` (once per file) and returns false so the expansion is dropped.
   */
  private mayExpand(lines: bigint, range: SourceRange, what: string): boolean {
    if (this.expansionLimitHit) return false;
    if (lines <= 0n) return true;
    if (BigInt(this.expandedLines) + lines <= BigInt(MAX_EXPANDED_LINES)) {
      this.expandedLines += Number(lines);
      return true;
    }
    this.expansionLimitHit = true;
    this.error(
      range,
      `${what} would take this file's repetitions and macro expansions past ${MAX_EXPANDED_LINES.toLocaleString('en-US')} lines, ` +
        "the assembler's limit against runaway nesting (a kernel file needs far fewer); it is not expanded",
      'expansion-limit',
    );
    return false;
  }

  /** Handles .if-family directives; returns true if the statement was one. */
  private conditional(stmt: DirectiveStmt): boolean {
    const top = this.conds[this.conds.length - 1];
    const active = !top || top.active;
    switch (stmt.name) {
      case '.if':
      case '.ifdef':
      case '.ifndef':
      case '.ifnotdef': {
        let yes = false;
        if (active) {
          if (stmt.name === '.if') yes = (this.constArg(stmt, 0, 0n) ?? 0n) !== 0n;
          else {
            const name = stmt.args[0]?.tokens[0]?.text ?? '';
            yes = this.unit.symbols.has(name) === (stmt.name === '.ifdef');
          }
        }
        this.conds.push({ active: active && yes, taken: yes, parentActive: active });
        return true;
      }
      case '.else':
      case '.elseif': {
        if (!top) {
          this.error(stmt.range, `${stmt.name} without .if`);
          return true;
        }
        let yes = !top.taken;
        if (stmt.name === '.elseif' && yes && top.parentActive) yes = (this.constArg(stmt, 0, 0n) ?? 0n) !== 0n;
        top.active = top.parentActive && yes;
        top.taken = top.taken || yes;
        return true;
      }
      case '.endif':
        if (!this.conds.pop()) this.error(stmt.range, '.endif without .if');
        return true;
      default:
        return false;
    }
  }

  private statement(stmt: Statement, l: SourceLine, frame: Frame): void {
    switch (stmt.kind) {
      case 'label':
        if (stmt.numeric) {
          const n = (this.localCount.get(stmt.name) ?? 0) + 1;
          this.localCount.set(stmt.name, n);
          this.defineLabel(localName(stmt.name, n), stmt.range);
        } else {
          this.defineLabel(stmt.name, stmt.range);
        }
        return;
      case 'assign':
        this.assign(stmt.name, stmt.value, stmt.range);
        return;
      case 'instruction':
        this.instruction(stmt, l, frame);
        return;
      case 'directive':
        this.directive(stmt, l);
        return;
    }
  }

  // ---- symbols ------------------------------------------------------------------------------

  private defineLabel(name: string, range: SourceRange): void {
    const prior = this.unit.symbols.get(name);
    if (prior) {
      this.diagnostics.push({
        severity: 'error',
        message: `duplicate label '${name}'`,
        range: this.site(range),
        code: 'duplicate-symbol',
        related: [{ range: prior.range, message: 'first defined here' }],
      });
      return;
    }
    this.unit.symbols.set(name, { name, range, section: this.section.name, offset: this.section.size });
  }

  private assign(name: string, value: Expr, range: SourceRange): void {
    const prior = this.unit.symbols.get(name);
    if (prior && prior.section !== undefined) {
      this.error(range, `'${name}' is already a label; cannot assign it a value`);
      return;
    }
    const expr = this.locals(value);
    let v: Value | undefined;
    try {
      v = evaluate(expr, this.env());
    } catch {
      v = undefined; // forward reference: evaluated when the program is linked
    }
    this.unit.symbols.set(name, { name, range, value: v, expr: v ? undefined : expr });
  }

  private resolveLocal = (label: string, dir: 'b' | 'f', range: SourceRange): string => {
    const n = this.localCount.get(label) ?? 0;
    this.probes?.push({ kind: 'local', label, count: n });
    if (dir === 'b' && n === 0) this.error(range, `no label ${label}: before this reference ${label}b`);
    return localName(label, dir === 'b' ? n : n + 1);
  };

  private locals(e: Expr): Expr {
    return mapLocals(e, this.resolveLocal);
  }

  /** Pass-one evaluation: `.equ` values and offsets of labels already seen (one object; it reads the state when asked). */
  private readonly passOneEnv: EvalEnv = {
    symbol: (name, range) => {
      const s = this.unit.symbols.get(name);
      if (s?.value) return s.value;
      if (s?.section !== undefined && s.offset !== undefined) return { section: s.section, v: BigInt(s.offset) };
      throw new EvalError(`'${name}' is not defined yet`, range);
    },
    dot: () => ({ section: this.section.name, v: BigInt(this.section.size) }),
  };

  private env(): EvalEnv {
    return this.passOneEnv;
  }

  private constant(e: Expr): bigint | undefined {
    try {
      const v = evaluate(e, this.env());
      return v.section === undefined ? v.v : undefined;
    } catch {
      return undefined;
    }
  }

  // ---- instructions -------------------------------------------------------------------------

  private instruction(stmt: InstructionStmt, l: SourceLine, frame: Frame): void {
    const macro = this.macros.get(stmt.mnemonic);
    if (macro) {
      this.invoke(macro, stmt, l, frame);
      return;
    }
    if (stmt.operandDiagnostics.length) {
      for (const d of stmt.operandDiagnostics) this.error(d.range, d.message, d.code);
      return;
    }
    if (!isKnownMnemonic(stmt.mnemonic)) {
      const names = [...INSTRUCTIONS.map((d) => d.name), ...knownMnemonics(), ...this.macros.keys()];
      const guess = closest(stmt.mnemonic, names);
      this.error(stmt.mnemonicRange, `unknown instruction '${stmt.mnemonic}'${guess ? `; did you mean '${guess}'?` : ''}`, 'unknown-mnemonic');
      return;
    }
    try {
      const instrs = this.expand(stmt);
      if (!this.section.flags.progbits) {
        this.error(stmt.range, `instructions are not allowed in ${this.section.name}, which holds no data (nobits)`);
        return;
      }
      this.alignCode();
      this.section.items.push({ kind: 'insn', offset: this.section.size, instrs, range: this.site(stmt.range) });
      this.section.size += instrs.length * 4;
    } catch (e) {
      if (e instanceof OperandError || e instanceof EvalError) this.error(e.range, e.message);
      else throw e;
    }
  }

  /**
   * The machine instructions for `stmt`: remembered from an earlier pass when every question its
   * expansion asked (constants, local label numbering) has the same answer here, else chosen now
   * (see expansion-memo.ts).
   */
  private expand(stmt: InstructionStmt): MachineInstr[] {
    const memo = this.options.lineCache === false ? undefined : rememberedExpansion(stmt);
    if (memo !== undefined) {
      if (this.stillHolds(memo.probes)) return memo.instrs;
      forgetExpansion(stmt);
    }
    const probes: ExpansionProbe[] = [];
    const reported = this.diagnostics.length;
    this.probes = probes;
    let instrs: MachineInstr[];
    try {
      const env: ExpandEnv = {
        constant: (e) => {
          const value = this.constant(this.locals(e));
          // A literal (no symbol, `.` or local label) has this value everywhere: nothing to check later.
          if (readsState(e)) probes.push({ kind: 'constant', expr: e, value });
          return value;
        },
        locals: (e) => this.locals(e),
      };
      instrs = expandInstruction(stmt, env);
    } finally {
      this.probes = undefined;
    }
    if (this.options.lineCache !== false && this.diagnostics.length === reported) rememberExpansion(stmt, { instrs, probes });
    return instrs;
  }

  private stillHolds(probes: readonly ExpansionProbe[]): boolean {
    // Local numbering first: a constant probe re-resolves its locals, which must not report.
    for (const p of probes) if (p.kind === 'local' && (this.localCount.get(p.label) ?? 0) !== p.count) return false;
    for (const p of probes) if (p.kind === 'constant' && this.constant(this.locals(p.expr)) !== p.value) return false;
    return true;
  }

  /** GNU as pads a misaligned instruction with zero bytes; keep instructions on 4-byte boundaries. */
  private alignCode(): void {
    const pad = (4 - (this.section.size % 4)) % 4;
    if (pad) this.emitBytes(new Uint8Array(pad), this.zeroRange(), false);
  }

  // ---- macros -------------------------------------------------------------------------------

  private defineMacro(start: DirectiveStmt, body: SourceLine[]): void {
    // `.macro name a, b=1` or `.macro name a b`: the first group also holds the name.
    const groups = start.args.map((a) => a.tokens);
    const first = groups[0] ?? [];
    const nameTok = first[0];
    if (!nameTok || nameTok.kind !== 'ident') return this.error(start.range, '.macro needs a name');
    const paramGroups: Token[][] = [];
    const restOfFirst = first.slice(1);
    for (const g of [restOfFirst, ...groups.slice(1)]) paramGroups.push(...splitSpaces(g));
    const params: MacroParam[] = [];
    for (const g of paramGroups) {
      if (!g.length) continue;
      const pname = g[0].text;
      let def: string | undefined;
      let required = false;
      let vararg = false;
      let k = 1;
      if (g[k]?.text === ':' && g[k + 1]) {
        if (g[k + 1].text === 'req') required = true;
        if (g[k + 1].text === 'vararg') vararg = true;
        k += 2;
      }
      if (g[k]?.text === '=') def = this.argText(g.slice(k + 1));
      params.push({ name: pname, def, required, vararg });
    }
    if (this.macros.has(nameTok.text)) this.error(nameTok.range, `macro '${nameTok.text}' is already defined`);
    else if (instruction(nameTok.text) === undefined) this.macros.set(nameTok.text, { name: nameTok.text, params, body, range: start.range });
    else this.macros.set(nameTok.text, { name: nameTok.text, params, body, range: start.range });
  }

  /** Source text of a token run, as written (keeps cpp names so they expand again later). */
  private argText(tokens: Token[]): string {
    return tokens.map((t) => t.text).join(' ').replace(/\s*([(),])\s*/g, '$1');
  }

  private invoke(m: MacroDef, stmt: InstructionStmt, l: SourceLine, frame: Frame): void {
    const depth = this.stack.filter((f) => f.kind === 'macro').length;
    if (this.expansionLimitHit) return;
    if (depth >= MAX_MACRO_DEPTH) {
      // Reported once: a macro that calls itself twice would otherwise hit the depth 2^100 times.
      this.expansionLimitHit = true;
      return this.error(stmt.range, `macro '${m.name}' nested more than ${MAX_MACRO_DEPTH} deep (runaway recursion?); later macro expansions in this file are skipped`);
    }
    let groups = stmt.rawOperands;
    if (groups.length === 1 && m.params.length > 1) groups = splitSpaces(groups[0]);
    const values = new Map<string, string>();
    let positional = 0;
    for (let gi = 0; gi < groups.length; gi++) {
      const g = groups[gi];
      if (g.length >= 2 && g[0].kind === 'ident' && g[1].text === '=' && m.params.some((p) => p.name === g[0].text)) {
        values.set(g[0].text, this.sourceText(l, g.slice(2)));
        continue;
      }
      const p = m.params[positional++];
      if (!p) return this.error(g[0]?.range ?? stmt.range, `too many arguments for macro '${m.name}' (takes ${m.params.length})`);
      if (p.vararg) {
        values.set(p.name, groups.slice(gi).map((x) => this.sourceText(l, x)).join(', '));
        break;
      }
      values.set(p.name, this.sourceText(l, g));
    }
    for (const p of m.params) {
      if (!values.has(p.name) || values.get(p.name) === '') {
        if (p.required) return this.error(stmt.range, `missing value for required argument '${p.name}' of macro '${m.name}'`);
        if (!values.has(p.name) || p.def !== undefined) values.set(p.name, p.def ?? '');
      }
    }
    if (!this.mayExpand(BigInt(m.body.length), stmt.range, `macro '${m.name}'`)) return;
    const counter = String(this.macroCounter++);
    const lines = m.body.map((b) => ({ ...b, text: substitute(b.text, values, counter) }));
    this.stack.push({ lines, index: 0, kind: 'macro', site: frame.site ?? stmt.range, macro: m.name });
  }

  /**
   * A macro argument as written at the call site, with the call site's cpp defines substituted
   * (cpp runs over the whole text before `as`; the body keeps the defines of its definition).
   */
  private sourceText(l: SourceLine, tokens: Token[]): string {
    if (!tokens.length) return '';
    const a = tokens[0].range;
    const b = tokens[tokens.length - 1].range;
    if (a.file === l.file && a.line === l.line && b.line === l.line) return expandDefines(l.text.slice(a.column - 1, b.endColumn - 1), l.defines);
    return this.argText(tokens);
  }

  // ---- directives ---------------------------------------------------------------------------

  private constArg(stmt: DirectiveStmt, i: number, fallback?: bigint): bigint | undefined {
    const arg = stmt.args[i];
    if (!arg || arg.tokens.length === 0) {
      if (fallback === undefined) this.error(stmt.range, `${stmt.name} needs an argument ${i + 1}`);
      return fallback === undefined ? undefined : fallback;
    }
    try {
      const e = this.locals(parseArgument(arg.tokens));
      const v = evaluate(e, this.env());
      if (v.section !== undefined) throw new EvalError(`${stmt.name} needs a constant, not an address`, arg.range);
      return v.v;
    } catch (e) {
      if (e instanceof EvalError) this.error(e.range, e.message);
      else this.error(exprErrorDiagnostic(e, arg.tokens[0]).range, (e as Error).message);
      return undefined;
    }
  }

  private exprArg(arg: { tokens: Token[]; range: SourceRange }): Expr | undefined {
    try {
      return this.locals(parseArgument(arg.tokens));
    } catch (e) {
      const d = exprErrorDiagnostic(e, arg.tokens[0]);
      this.error(d.range, e instanceof ExprError ? e.message : d.message);
      return undefined;
    }
  }

  private switchSection(name: string, flags?: SectionFlags): void {
    if (this.section) this.previous = this.section.name;
    let chunk = this.unit.chunks.get(name);
    if (!chunk) {
      const f = flags ?? defaultFlags(name);
      chunk = { name, flags: f, size: 0, align: f.exec ? 4 : 1, items: [] };
      this.unit.chunks.set(name, chunk);
    }
    this.section = chunk;
  }

  /**
   * Whether the current section may grow by `n` bytes (MAX_SECTION_SIZE); reports the first
   * overflow of each section. Callers ask before allocating a large reservation.
   */
  private mayGrow(n: number, range: SourceRange): boolean {
    if (this.section.size + n <= MAX_SECTION_SIZE) return true;
    if (!this.oversized.has(this.section.name)) {
      this.oversized.add(this.section.name);
      this.error(range, `${this.section.name} would grow past ${MAX_SECTION_SIZE / MIB} MiB, the assembler's limit on one section (far more than a guest kernel's memory)`, 'size-limit');
    }
    return false;
  }

  private emitBytes(bytes: Uint8Array, range: SourceRange, mapped: boolean): void {
    if (!this.section.flags.progbits && bytes.some((b) => b !== 0)) {
      this.error(range, `non-zero data in ${this.section.name}, which holds no data (nobits)`);
      return;
    }
    if (!this.mayGrow(bytes.length, range)) return;
    this.section.items.push({ kind: 'bytes', offset: this.section.size, bytes, range: this.site(range), mapped });
    this.section.size += bytes.length;
  }

  private align(stmt: DirectiveStmt, bytes: bigint | undefined): void {
    if (bytes === undefined) return;
    if (bytes <= 0n || (bytes & (bytes - 1n)) !== 0n || bytes > 1n << 16n) {
      this.error(stmt.args[0]?.range ?? stmt.range, `alignment ${bytes} is not a power of two up to 65536`);
      return;
    }
    const a = Number(bytes);
    const hasFill = stmt.args.length > 1 && stmt.args[1].tokens.length > 0;
    const fill = hasFill ? this.constArg(stmt, 1) : undefined;
    const max = stmt.args.length > 2 ? this.constArg(stmt, 2) : undefined;
    this.section.align = Math.max(this.section.align, a);
    this.padTo(a, fill, stmt.range, max);
  }

  private padTo(a: number, fill: bigint | undefined, range: SourceRange, max?: bigint): void {
    const pad = (a - (this.section.size % a)) % a;
    if (pad === 0 || (max !== undefined && BigInt(pad) > max)) return;
    const out = new Uint8Array(pad);
    if (fill !== undefined) out.fill(Number(fill & 0xffn));
    else if (this.section.flags.exec) {
      // Code padding: zero bytes up to a 4-byte boundary, then `nop`s (as GNU as does without RVC).
      for (let i = pad % 4; i < pad; i++) out[i] = NOP[(i - (pad % 4)) % 4];
    }
    this.emitBytes(out, range, false);
  }

  /** `.org offset[, fill]`: forward only, to an offset in the current section of this file. */
  private org(stmt: DirectiveStmt): void {
    const arg = stmt.args[0];
    if (!arg || arg.tokens.length === 0) return this.error(stmt.range, '.org needs an offset');
    const e = this.exprArg(arg);
    if (!e) return;
    let target: bigint;
    try {
      const v = evaluate(e, this.env());
      if (v.section !== undefined && v.section !== this.section.name) return this.error(arg.range, `.org target is in ${v.section}, not in the current section ${this.section.name}`);
      target = v.v;
    } catch (err) {
      if (err instanceof EvalError) return this.error(err.range, `.org needs an offset known at this point: ${err.message}`);
      throw err;
    }
    const fill = stmt.args.length > 1 ? (this.constArg(stmt, 1) ?? 0n) : 0n;
    const here = BigInt(this.section.size);
    if (target < here) return this.error(arg.range, `.org ${target} would move backwards in ${this.section.name} (already at ${here})`);
    if (target - here > BigInt(MAX_RESERVATION)) return this.error(arg.range, `.org ${target} would reserve ${target - here} bytes, over the assembler's ${MAX_RESERVATION / MIB} MiB limit on one reservation`, 'size-limit');
    if (!this.mayGrow(Number(target - here), stmt.range)) return;
    this.emitBytes(new Uint8Array(Number(target - here)).fill(Number(fill & 0xffn)), stmt.range, false);
  }

  private directive(stmt: DirectiveStmt, l: SourceLine): void {
    const name = stmt.name;
    const width = DATA_WIDTH[name];
    if (width) {
      for (const arg of stmt.args) {
        if (!arg.tokens.length) {
          this.error(stmt.range, `empty value in ${name}`);
          continue;
        }
        const e = this.exprArg(arg);
        if (!e) continue;
        if (!this.section.flags.progbits) {
          const v = this.constant(e);
          if (v !== 0n) {
            this.error(arg.range, `non-zero data in ${this.section.name}, which holds no data (nobits)`);
            continue;
          }
        }
        this.section.items.push({ kind: 'data', offset: this.section.size, width, expr: e, range: this.site(arg.range) });
        this.section.size += width;
      }
      return;
    }
    if (IGNORED.has(name) || name.startsWith('.cfi_')) return;
    switch (name) {
      case '.text':
      case '.data':
      case '.bss':
      case '.rodata':
        this.switchSection(name);
        return;
      case '.section':
      case '.pushsection': {
        const first = stmt.args[0];
        const tokenText = (t: Token): string => (t.kind === 'str' ? t.text.slice(1, -1) : t.text);
        // One token is the usual `.section .data` (no array or string to build on every pass).
        const secName = first === undefined ? undefined : first.tokens.length === 1 ? tokenText(first.tokens[0]) : first.tokens.map(tokenText).join('');
        if (!secName) return this.error(stmt.range, `${name} needs a section name`);
        let flags: SectionFlags | undefined;
        const flagTok = stmt.args[1]?.tokens[0];
        if (flagTok && flagTok.kind === 'str') {
          const f = flagTok.text.slice(1, -1);
          const type = stmt.args[2]?.tokens.map((t) => t.text).join('') ?? '';
          const bad = f.replace(/[awxMSGTRo?]/g, '');
          if (bad) this.error(flagTok.range, `unknown section flag '${bad[0]}' (use a, w, x)`);
          flags = { alloc: f.includes('a'), write: f.includes('w'), exec: f.includes('x'), progbits: !/nobits/.test(type) };
        }
        if (name === '.pushsection') this.sectionStack.push(this.section.name);
        this.switchSection(secName, flags);
        return;
      }
      case '.popsection': {
        const prev = this.sectionStack.pop();
        if (!prev) return this.error(stmt.range, '.popsection without .pushsection');
        this.switchSection(prev);
        return;
      }
      case '.previous':
        if (this.previous) this.switchSection(this.previous);
        return;
      case '.globl':
      case '.global':
      case '.weak':
        for (const a of stmt.args) for (const t of a.tokens) if (t.kind === 'ident') this.unit.globals.set(t.text, t.range);
        return;
      case '.local':
        for (const a of stmt.args) for (const t of a.tokens) this.unit.globals.delete(t.text);
        return;
      case '.type': {
        const sym = stmt.args[0]?.tokens[0]?.text;
        const kind = stmt.args[1]?.tokens.map((t) => t.text).join('') ?? '';
        if (!sym) return this.error(stmt.range, '.type needs a symbol');
        const k: SymbolKind = /function/.test(kind) ? 'func' : /object/.test(kind) ? 'object' : 'notype';
        this.unit.types.set(sym, k);
        return;
      }
      case '.size': {
        const sym = stmt.args[0]?.tokens[0]?.text;
        const e = stmt.args[1] ? this.exprArg(stmt.args[1]) : undefined;
        if (sym && e) this.unit.sizes.set(sym, e);
        return;
      }
      case '.align':
      case '.p2align': {
        const n = this.constArg(stmt, 0);
        if (n === undefined) return;
        if (n < 0n || n > 16n) return this.error(stmt.args[0].range, `${name} ${n}: the argument is a power of two exponent (0..16)`);
        this.align(stmt, 1n << n);
        return;
      }
      case '.balign':
        this.align(stmt, this.constArg(stmt, 0));
        return;
      case '.ascii':
      case '.asciz':
      case '.string':
        for (const a of stmt.args) {
          for (const t of a.tokens) {
            if (t.kind !== 'str') {
              this.error(t.range, `${name} expects string literals, got '${t.text}'`);
              continue;
            }
            const bytes = [...(t.bytes ?? [])];
            if (name !== '.ascii') bytes.push(0);
            this.emitBytes(Uint8Array.from(bytes), t.range, true);
          }
        }
        return;
      case '.zero':
      case '.space':
      case '.skip': {
        const n = this.constArg(stmt, 0);
        if (n === undefined) return;
        if (n < 0n) return this.error(stmt.args[0].range, `${name} size ${n} is out of range`);
        if (n > BigInt(MAX_RESERVATION)) {
          return this.error(stmt.args[0].range, `${name} ${n} reserves over ${MAX_RESERVATION / MIB} MiB, the assembler's limit on one reservation (far more than a guest kernel needs)`, 'size-limit');
        }
        const fill = stmt.args.length > 1 ? (this.constArg(stmt, 1) ?? 0n) : 0n;
        if (!this.mayGrow(Number(n), stmt.range)) return;
        this.emitBytes(new Uint8Array(Number(n)).fill(Number(fill & 0xffn)), stmt.range, true);
        return;
      }
      case '.equ':
      case '.set':
      case '.equiv': {
        const sym = stmt.args[0]?.tokens;
        if (!sym || sym.length !== 1 || sym[0].kind !== 'ident' || !stmt.args[1]) return this.error(stmt.range, `${name} expects NAME, expression`);
        if (name === '.equiv' && this.unit.symbols.has(sym[0].text)) return this.error(sym[0].range, `'${sym[0].text}' is already defined`);
        const e = this.exprArg(stmt.args[1]);
        if (e) this.assign(sym[0].text, e, stmt.range);
        return;
      }
      case '.macro':
        this.capture = { kind: 'macro', depth: 1, body: [], start: stmt };
        return;
      case '.rept':
        this.capture = { kind: 'rept', depth: 1, body: [], start: stmt };
        return;
      case '.irp':
      case '.irpc':
        this.capture = { kind: name === '.irp' ? 'irp' : 'irpc', depth: 1, body: [], start: stmt };
        return;
      case '.org':
        this.org(stmt);
        return;
      case '.endm':
      case '.endr':
        return this.error(stmt.range, `${name} without matching ${name === '.endm' ? '.macro' : '.rept'}`);
      case '.exitm': {
        const k = this.stack.map((f) => f.kind).lastIndexOf('macro');
        if (k < 0) return this.error(stmt.range, '.exitm outside a macro');
        this.stack.length = k;
        return;
      }
      case '.include': {
        const t = stmt.args[0]?.tokens[0];
        if (!t || t.kind !== 'str') return this.error(stmt.range, '.include expects "file"');
        const target = t.text.slice(1, -1);
        const resolved = resolveRelative(l.file, target);
        const text = this.options.readFile?.(resolved);
        if (text === undefined) return this.error(t.range, `cannot find include file "${target}"`);
        if (this.stack.length > 64) return this.error(t.range, '.include nested too deeply');
        const pp = preprocess(resolved, text, { ...this.options, defines: l.defines });
        this.diagnostics.push(...pp.diagnostics);
        this.stack.push({ lines: pp.lines, index: 0, kind: 'file' });
        return;
      }
      case '.option': {
        const opt = stmt.args[0]?.tokens[0]?.text;
        if (!opt || !OPTIONS.has(opt)) this.error(stmt.range, `unknown .option '${opt ?? ''}' (push, pop, rvc, norvc, relax, norelax, pic, nopic, arch)`);
        return;
      }
      case '.end':
        this.ended = true;
        return;
      case '.error':
        return this.error(stmt.range, stmt.args[0]?.tokens[0]?.bytes ? Buffer.from(stmt.args[0].tokens[0].bytes).toString() : '.error');
      case '.warning':
        this.diagnostics.push({ severity: 'warning', message: stmt.args[0]?.tokens[0]?.text ?? '.warning', range: stmt.range, code: 'asm' });
        return;
      default: {
        const known = ['.section', '.text', '.data', '.bss', '.globl', '.align', '.balign', '.p2align', '.byte', '.word', '.dword', '.half', '.ascii', '.asciz', '.string', '.zero', '.space', '.equ', '.set', '.macro', '.rept', '.include', '.option', '.type', '.size', '.quad', '.skip'];
        const guess = closest(name, known);
        this.error(stmt.nameRange, `unknown directive '${name}'${guess ? `; did you mean '${guess}'?` : ''}`, 'unknown-directive');
      }
    }
  }
}

/** Splits a token run at whitespace gaps that are not next to an operator (`a b` vs `a + b`). */
export function splitSpaces(tokens: Token[]): Token[][] {
  const out: Token[][] = [];
  let cur: Token[] = [];
  const op = (t: Token): boolean => t.kind === 'punct' && t.text !== '(' && t.text !== ')';
  for (const t of tokens) {
    const prev = cur[cur.length - 1];
    const gap = prev && (t.range.line !== prev.range.line || t.range.column > prev.range.endColumn);
    if (prev && gap && !op(prev) && !op(t) && t.text !== '(') {
      out.push(cur);
      cur = [];
    }
    cur.push(t);
  }
  if (cur.length) out.push(cur);
  return out;
}

/** Replaces `\name`, `\()` and `\@` in a macro body line. */
function substitute(text: string, values: ReadonlyMap<string, string>, counter: string): string {
  return text.replace(/\\(\(\)|@|[A-Za-z_][\w$]*)/g, (all, key: string) => {
    if (key === '()') return '';
    if (key === '@') return counter;
    return values.get(key) ?? all;
  });
}
