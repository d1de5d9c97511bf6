/**
 * chevrotain grammar of one line of hyper-callback assembly:
 *
 *   line        := label* (directive | instruction)?
 *   label       := (NAME | NUMBER) ':'  |  '<' NAME '>' ':'        (the second is llvm-objdump's)
 *   directive   := '.NAME' (argument (',' argument)*)?           argument := token+ (no comma)
 *   instruction := ubpf | kernel
 *   ubpf        := MNEMONIC operand, …            `ldxw %r0, [%r1+4]`, `jgt %r1, 2, +3`, `lock fetch add …`
 *   kernel      := `r0 = *(u32 *)(r1 + 4)`, `if r1 s> r2 goto out`, `lock *(u64 *)(r1 + 0) += r2`, …
 *
 * An EmbeddedActionsParser: the actions build the `Insn` directly while the grammar consumes the
 * tokens, with no syntax tree to allocate and walk (the language server re-assembles a callback on
 * every keystroke). The two syntaxes share one token vocabulary (lexer.ts), so which one a line
 * uses, and which form of a mnemonic it is, depends on the spelling of a word: those decisions are
 * gates on the alternatives. Value checks that the grammar cannot express (immediate ranges,
 * register widths, in-place operands) throw `LineError` from the actions, located at the
 * offending tokens.
 *
 * Lines never depend on each other, so recovery is per line: the first problem of a line ends it
 * (the assembler reports it and goes on with the next line), and labels read before the problem
 * are kept so that references to them still resolve.
 */
import { EmbeddedActionsParser, EOF, tokenMatcher, type IOrAlt, type IParserErrorMessageProvider, type IToken, type OrMethodOpts, type TokenType } from 'chevrotain';
import * as I from '../isa';
import type { Insn } from '../isa';
import {
  AnyToken, Assign, Colon, Comma, columnOf, endOf, Identifier, LBracket, LParen, Minus, NumberLiteral, numberValue, Operator, PARSER_TOKENS,
  Plus, RBracket, Register, registerOf, RParen, Sign, Star,
} from './lexer';

export type Syntax = 'kernel' | 'ubpf';

/** A problem on one line: message and 1-based column range (`end` exclusive). */
export class LineError extends Error {
  constructor(
    message: string,
    readonly column: number,
    readonly end: number,
  ) {
    super(message);
  }
}

/** Text and 1-based column range (`end` exclusive) of something on the line. */
export interface Span {
  text: string;
  column: number;
  end: number;
}

export interface Fixup {
  kind: 'jump' | 'jump-imm' | 'call';
  label: string;
  column: number;
  end: number;
}

/** One instruction as written: the `Insn` (references not yet resolved) and what it names. */
export interface ParsedInsn {
  insn: Insn;
  syntax: Syntax;
  /** A jump to a label or `call local NAME`: resolved by the assembler once every label is known. */
  fixup?: Fixup;
  /** `call NAME` where NAME may be a local function or a helper. */
  callName?: { name: string; column: number; end: number };
  /** `rD = NAME ll` / `map_value(NAME)`: a map the assembler resolves to its index. */
  mapRef?: { name: string; column: number; end: number; value: boolean };
}

/** A directive token: its text and range, and the value when it is a number. */
export interface DirectiveToken extends Span {
  kind: 'number' | 'name' | 'register' | 'operator';
  value?: bigint;
}

export type Statement =
  | { kind: 'instruction'; parsed: ParsedInsn; column: number; end: number }
  | { kind: 'directive'; name: Span; args: DirectiveToken[][]; column: number; end: number };

export interface ParsedLine {
  labels: Span[];
  statement?: Statement;
  /** The line's first problem; labels before it are kept, the statement is dropped. */
  error?: LineError;
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

/** `table[key]` when `key` is one of its own entries (never an inherited `constructor`, `toString`, …). */
function own<T>(table: Record<string, T>, key: string): T | undefined {
  return Object.hasOwn(table, key) ? table[key] : undefined;
}

const UBPF_OTHER = /^(neg|ja|lddw|ldx(b|h|w|dw|sb|sh|sw)|st(b|h|w|dw)|stx(b|h|w|dw)|le(16|32|64)|be(16|32|64)|b?swap(16|32|64)|movsx(8|16|32)(32|64))$/;
const BYTE_SWAP = /^(le|be|b?swap)(16|32|64)$/;
const KERNEL_BYTE_SWAP = /^(le|be|bswap)(16|32|64)$/;
const MOVSX = /^movsx(8|16|32)(32|64)$/;
const UBPF_LOAD = /^ldx(s?)(b|h|w|dw)$/;
const UBPF_STORE = /^st(x?)(b|h|w|dw)$/;
const UBPF_ATOMIC = /^(add|or|and|xor|xchg|cmpxchg)(32)?$/;
const KERNEL_ATOMIC_FETCH = /^atomic_fetch_(add|or|and|xor)$/;
const KERNEL_EXCHANGE = /^(xchg_64|xchg32_32|cmpxchg_64|cmpxchg32_32)$/;
const SIGN_EXTEND_CAST = /^s(8|16|32)$/;

function isUbpfMnemonic(m: string): boolean {
  const base = m.endsWith('32') ? m.slice(0, -2) : m;
  return Object.hasOwn(ALU_MNEMONICS, base) || Object.hasOwn(JMP_MNEMONICS, base) || UBPF_OTHER.test(m) || m === 'neg32' || m === 'ja32';
}

const INT32_MIN = -(2n ** 31n);
const INT32_MAX = 2n ** 31n - 1n;
const UINT32_MAX = 2n ** 32n - 1n;

/** `v` in decimal when small, else in hex with `_` every 4 digits (`0x1_0000_0000`). */
export function fmtNum(v: bigint): string {
  const neg = v < 0n;
  const a = neg ? -v : v;
  if (a < 0x10000n) return `${v}`;
  const h = a.toString(16);
  const groups: string[] = [];
  for (let e = h.length; e > 0; e -= 4) groups.unshift(h.slice(Math.max(0, e - 4), e));
  return `${neg ? '-' : ''}0x${groups.join('_')}`;
}

// ---- parser -----------------------------------------------------------------------------------
interface RegOperand extends Span {
  reg: number;
  wide: boolean;
}

interface Address {
  base: number;
  off: number;
}

interface NumOperand {
  value: bigint;
  column: number;
  end: number;
}

/** A register or a 32-bit immediate (the source of ALU, jump and store instructions). */
interface Source {
  reg?: RegOperand;
  imm: number;
}

const isEof = (t: IToken): boolean => t.tokenType === EOF;
const span = (t: IToken): Span => ({ text: t.image, column: columnOf(t), end: endOf(t) });

function regOperand(t: IToken): RegOperand {
  const r = registerOf(t);
  return { text: t.image, column: columnOf(t), end: endOf(t), reg: r.reg, wide: r.wide };
}

function directiveToken(t: IToken): DirectiveToken {
  const s = span(t);
  if (t.tokenType === NumberLiteral) return { ...s, kind: 'number', value: numberValue(t) };
  if (t.tokenType === Register) return { ...s, kind: 'register' };
  if (t.tokenType === Identifier) return { ...s, kind: 'name' };
  return { ...s, kind: 'operator' };
}

function byteSwap(m: string, dst: number): Insn {
  const mm = BYTE_SWAP.exec(m) as RegExpExecArray;
  const width = Number(mm[2]);
  if (mm[1] === 'le') return I.insn(I.BPF_ALU | I.BPF_END | I.BPF_TO_LE, dst, 0, 0, width);
  if (mm[1] === 'be') return I.insn(I.BPF_ALU | I.BPF_END | I.BPF_TO_BE, dst, 0, 0, width);
  return I.insn(I.BPF_ALU64 | I.BPF_END | I.BPF_TO_LE, dst, 0, 0, width);
}

class LineParser extends EmbeddedActionsParser {
  /** What the grammar expects next, for the message when a register/number/name is missing. */
  what = '';
  /** End column of the line's last token (chevrotain may append EOF tokens to its input array). */
  lineEnd = 0;
  labels: Span[] = [];
  private fixup?: Fixup;
  // State the hoisted alternatives (`…Choice`) read. The choices are built once, not per call:
  // the parser runs for every line on every keystroke, and fresh closures per rule call were most
  // of its cost.
  /** The ubpf mnemonic being parsed (lower case), without its `32`, and whether it had one. */
  private mnemonic = '';
  private mnemonicBase = '';
  private is32 = false;
  /** The destination register of the kernel-syntax assignment being parsed, its operator (ALU code, off) and spelling. */
  private dest: RegOperand = { text: '', column: 0, end: 0, reg: 0, wide: true };
  private assignment: [code: number, off: number] = [0, 0];
  private assignmentText = '';
  /** The mnemonic a source operand belongs to (for its range message), and where a jump target goes. */
  private sourceOf = '';
  private targetField: 'off' | 'imm' = 'off';
  private callName?: ParsedInsn['callName'];
  private mapRef?: ParsedInsn['mapRef'];

  constructor() {
    super(PARSER_TOKENS, { recoveryEnabled: false, maxLookahead: 1, errorMessageProvider: messages });
    this.performSelfAnalysis();
  }

  override reset(): void {
    super.reset();
    this.labels = [];
    this.fixup = undefined;
    this.callName = undefined;
    this.mapRef = undefined;
  }

  private textAt(k: number): string | undefined {
    const t = this.LA(k);
    return isEof(t) ? undefined : t.image;
  }

  private is(k: number, type: TokenType): boolean {
    return tokenMatcher(this.LA(k), type);
  }

  /** Throws a located error at `at`, else at the next token, else just past the line's end. */
  fail(message: string, at?: { column: number; end: number }): never {
    const where = at ?? (isEof(this.LA(1)) ? undefined : span(this.LA(1)));
    if (where) throw new LineError(message, where.column, where.end);
    throw new LineError(message, this.lineEnd, this.lineEnd + 1);
  }

  // ---- the line ----------------------------------------------------------------------------------
  readonly sourceLine = this.RULE('sourceLine', (): Statement | undefined => {
    this.MANY({
      GATE: () => ((this.is(1, Identifier) || this.is(1, NumberLiteral)) && this.is(2, Colon)) || (this.textAt(1) === '<' && this.is(2, Identifier) && this.textAt(3) === '>' && this.is(4, Colon)),
      DEF: () => this.SUBRULE(this.label),
    });
    return this.OPTION({
      GATE: () => !isEof(this.LA(1)),
      DEF: () =>
        this.OR({
        IGNORE_AMBIGUITIES: true,
        DEF: [
          { GATE: () => this.is(1, Identifier) && this.LA(1).image.startsWith('.'), ALT: () => this.SUBRULE(this.directive) },
          {
            ALT: (): Statement => {
              const first = this.LA(1);
              const parsed = this.SUBRULE(this.instruction);
              return this.ACTION((): Statement => ({ kind: 'instruction', parsed, column: columnOf(first), end: this.lineEnd }));
            },
          },
        ],
      }),
    });
  });

  private readonly label = this.RULE('label', (): void => {
    const t = this.OR([
      { ALT: () => this.CONSUME(Identifier) },
      { ALT: () => this.CONSUME(NumberLiteral) },
      {
        // `<name>:`
        ALT: () => {
          this.CONSUME(Operator);
          const name = this.CONSUME2(Identifier);
          this.CONSUME2(Operator);
          return name;
        },
      },
    ]);
    this.CONSUME(Colon);
    this.ACTION(() => this.labels.push(span(t)));
  });

  private readonly directive = this.RULE('directive', (): Statement => {
    const name = this.CONSUME(Identifier);
    const args: IToken[][] = [];
    this.OPTION(() => {
      args.push(this.SUBRULE(this.argument));
      this.MANY(() => {
        this.CONSUME(Comma);
        args.push(this.SUBRULE2(this.argument));
      });
    });
    return this.ACTION((): Statement => ({
      kind: 'directive',
      name: span(name),
      args: args.map((a) => a.map(directiveToken)),
      column: columnOf(name),
      end: this.lineEnd,
    }));
  });

  private readonly argument = this.RULE('argument', (): IToken[] => {
    const toks: IToken[] = [];
    this.AT_LEAST_ONE({ GATE: () => !this.is(1, Comma), DEF: () => toks.push(this.CONSUME(AnyToken)) });
    return toks;
  });

  readonly instruction = this.RULE('instruction', (): ParsedInsn => {
    let syntax: Syntax = 'kernel';
    const insn = this.OR({
      IGNORE_AMBIGUITIES: true,
      DEF: [
        {
          GATE: () => {
            const first = this.LA(1);
            if (first.image === 'lock') return this.textAt(2) !== '*';
            return this.is(1, Identifier) && isUbpfMnemonic(first.image.toLowerCase()) && !(this.textAt(2)?.endsWith('=') ?? false);
          },
          ALT: () => {
            syntax = 'ubpf';
            return this.SUBRULE(this.ubpf);
          },
        },
        { ALT: () => this.SUBRULE(this.kernel) },
      ],
    });
    // every field present (undefined when unused): one object shape for every instruction
    return this.ACTION((): ParsedInsn => ({ insn, syntax, fixup: this.fixup, callName: this.callName, mapRef: this.mapRef }));
  });

  // ---- operands shared by both syntaxes -------------------------------------------------------------
  private readonly reg = this.RULE('reg', (what = 'a register'): RegOperand => {
    this.what = what;
    const t = this.CONSUME(Register);
    return this.ACTION(() => regOperand(t));
  });

  /** Any one token (an operator, a type name), checked by the caller's action. */
  private readonly anyToken = this.RULE('anyToken', (what: string): Span => {
    this.what = what;
    const t = this.CONSUME(AnyToken);
    return this.ACTION(() => span(t));
  });

  /** A word the syntax requires (`goto`, `ll`). */
  private readonly keyword = this.RULE('keyword', (text: string): void => {
    this.what = `'${text}'`;
    const t = this.CONSUME(Identifier);
    this.ACTION(() => {
      if (t.image !== text) this.fail(`expected '${text}', found '${t.image}'`, span(t));
    });
  });

  /** A number with an optional sign. */
  private readonly number = this.RULE('number', (what: string): NumOperand => {
    const sign = this.OPTION(() => this.CONSUME(Sign));
    this.what = what;
    const t = this.CONSUME(NumberLiteral);
    return this.ACTION((): NumOperand => {
      const magnitude = numberValue(t);
      return { value: sign?.image === '-' ? -magnitude : magnitude, column: columnOf(sign ?? t), end: endOf(t) };
    });
  });

  /** A 32-bit immediate for `mnemonic`: accepts [-2^31, 2^32) (unsigned values wrap into the signed field). */
  private readonly imm32 = this.RULE('imm32', (mnemonic: string): number => {
    const n = this.SUBRULE(this.number, { ARGS: ['an immediate'] });
    return this.ACTION(() => {
      if (n.value < INT32_MIN || n.value > UINT32_MAX) {
        throw new LineError(`immediate ${fmtNum(n.value)} does not fit the signed 32-bit field of ${mnemonic}`, n.column, n.end);
      }
      return Number(BigInt.asIntN(32, n.value));
    });
  });

  /** The source operand of an ALU/jump/store instruction: a register or a 32-bit immediate. */
  private readonly source = this.RULE('source', (mnemonic: string): Source => {
    this.what = 'an immediate';
    this.sourceOf = mnemonic;
    return this.OR(this.sourceChoice);
  });

  private readonly sourceChoice: IOrAlt<Source>[] = [
    { ALT: (): Source => ({ reg: this.SUBRULE(this.reg), imm: 0 }) },
    { ALT: (): Source => ({ imm: this.SUBRULE(this.imm32, { ARGS: [this.sourceOf] }) }) },
  ];

  private off16(what: string, n: NumOperand): number {
    if (n.value < -32768n || n.value > 32767n) throw new LineError(`${what} ${n.value} does not fit the signed 16-bit offset field`, n.column, n.end);
    return Number(n.value);
  }

  /** An optional `+off` / `-off` after a base register. */
  private readonly offset = this.RULE('offset', (): number => {
    const n = this.OPTION({ GATE: () => this.is(1, Sign), DEF: () => this.SUBRULE(this.number, { ARGS: ['an offset'] }) });
    return this.ACTION(() => (n ? this.off16('offset', n) : 0));
  });

  /** Jump target: `+N`, `-N`, `N` or a label; `field` says whether the offset goes to off or imm. */
  private readonly target = this.RULE('target', (field: 'off' | 'imm'): number => {
    this.ACTION(() => {
      if (isEof(this.LA(1))) this.fail('expected a jump target (a label or +N)');
    });
    this.what = 'a jump target (a label or +N)';
    this.targetField = field;
    return this.OR(this.targetChoice);
  });

  private readonly targetChoice: IOrAlt<number>[] = [
    { ALT: () => this.labelTarget(this.CONSUME(Identifier)) },
    // `goto r1`: a label that happens to be spelled like a register
    { ALT: () => this.labelTarget(this.CONSUME(Register)) },
    {
      ALT: () => {
        const n = this.SUBRULE(this.number, { ARGS: ['a jump target (a label or +N)'] });
        return this.ACTION(() => {
          if (this.targetField === 'off') return this.off16('jump offset', n);
          if (n.value < INT32_MIN || n.value > INT32_MAX) throw new LineError(`jump offset ${n.value} does not fit 32 bits`, n.column, n.end);
          return Number(n.value);
        });
      },
    },
  ];

  private labelTarget(t: IToken): number {
    this.ACTION(() => {
      this.fixup = { kind: this.targetField === 'off' ? 'jump' : 'jump-imm', label: t.image, column: columnOf(t), end: endOf(t) };
    });
    return 0;
  }

  /** What follows `call`: `rN | local LABEL | local N | NAME | N` */
  private readonly callOperand = this.RULE('callOperand', (): Insn => {
    this.ACTION(() => {
      if (isEof(this.LA(1))) this.fail('call needs a helper, a function label or a register');
    });
    this.what = 'an immediate';
    return this.OR({
      IGNORE_AMBIGUITIES: true,
      DEF: [
        {
          ALT: () => {
            const r = this.SUBRULE(this.reg);
            return this.ACTION(() => I.insn(I.OPCODE_CALLX, r.reg));
          },
        },
        { GATE: () => this.LA(1).image === 'local', ALT: () => this.SUBRULE(this.callLocal) },
        {
          ALT: () => {
            const t = this.CONSUME(Identifier);
            this.ACTION(() => {
              this.callName = { name: t.image, column: columnOf(t), end: endOf(t) };
            });
            return I.insn(I.OPCODE_CALL);
          },
        },
        {
          ALT: () => {
            const id = this.SUBRULE(this.imm32, { ARGS: ['call'] });
            return this.ACTION(() => I.insn(I.OPCODE_CALL, 0, I.CALL_HELPER, 0, id));
          },
        },
      ],
    });
  });

  /** `call local LABEL` / `call local N` (a slot offset). */
  private readonly callLocal = this.RULE('callLocal', (): Insn => {
    this.CONSUME(Identifier);
    this.ACTION(() => {
      if (isEof(this.LA(1))) this.fail('expected a function label at the end of the line');
    });
    return this.OR({
      IGNORE_AMBIGUITIES: true,
      DEF: [
        {
          GATE: () => this.is(1, NumberLiteral) || this.is(1, Sign),
          ALT: () => {
            const n = this.SUBRULE(this.number, { ARGS: ['a slot offset'] });
            return this.ACTION(() => I.insn(I.OPCODE_CALL, 0, I.CALL_LOCAL, 0, Number(BigInt.asIntN(32, n.value))));
          },
        },
        {
          ALT: () => {
            const l = this.SUBRULE(this.anyToken, { ARGS: ['a function label'] });
            this.ACTION(() => {
              this.fixup = { kind: 'call', label: l.text, column: l.column, end: l.end };
            });
            return I.insn(I.OPCODE_CALL, 0, I.CALL_LOCAL);
          },
        },
      ],
    });
  });

  /** The value part of `lddw rD, VALUE` / `rD = VALUE ll`. */
  private readonly lddwValue = this.RULE('lddwValue', (dst: number): Insn => {
    this.what = 'a 64-bit immediate';
    return this.OR({
      IGNORE_AMBIGUITIES: true,
      DEF: [
        {
          // map_fd(N), map_value_idx(N) + M, …: the pseudo source forms of the kernel
          GATE: () => Object.hasOwn(IMM64_FUNCTIONS, this.LA(1).image) && this.textAt(2) === '(',
          ALT: () => {
            const f = this.CONSUME(Identifier);
            this.CONSUME(LParen);
            const a = this.SUBRULE(this.imm32, { ARGS: [f.image] });
            this.CONSUME(RParen);
            const b = this.OPTION(() => {
              this.CONSUME(Plus);
              return this.SUBRULE2(this.imm32, { ARGS: [f.image] });
            });
            return this.ACTION((): Insn => ({ opcode: I.OPCODE_LDDW, dst, src: IMM64_FUNCTIONS[f.image], off: 0, imm: a, imm2: b ?? 0 }));
          },
        },
        {
          // map_value(NAME) [+ offset]
          GATE: () => this.LA(1).image === 'map_value' && this.textAt(2) === '(',
          ALT: () => {
            this.CONSUME2(Identifier);
            this.CONSUME2(LParen);
            const n = this.SUBRULE(this.anyToken, { ARGS: ['a map name'] });
            this.CONSUME2(RParen);
            const b = this.OPTION2(() => {
              this.CONSUME2(Plus);
              return this.SUBRULE3(this.imm32, { ARGS: ['map_value'] });
            });
            return this.ACTION((): Insn => {
              this.mapRef = { name: n.text, column: n.column, end: n.end, value: true };
              return { opcode: I.OPCODE_LDDW, dst, src: I.PSEUDO_MAP_IDX_VALUE, off: 0, imm: 0, imm2: b ?? 0 };
            });
          },
        },
        {
          // a map by name
          ALT: () => {
            const t = this.CONSUME3(Identifier);
            return this.ACTION((): Insn => {
              this.mapRef = { name: t.image, column: columnOf(t), end: endOf(t), value: false };
              return { opcode: I.OPCODE_LDDW, dst, src: I.PSEUDO_MAP_IDX, off: 0, imm: 0, imm2: 0 };
            });
          },
        },
        {
          ALT: () => {
            const n = this.SUBRULE(this.number, { ARGS: ['a 64-bit immediate'] });
            return this.ACTION((): Insn => {
              if (n.value < -(2n ** 63n) || n.value >= 2n ** 64n) throw new LineError(`immediate ${fmtNum(n.value)} does not fit the 64 bits of lddw`, n.column, n.end);
              const v = BigInt.asUintN(64, n.value);
              return { opcode: I.OPCODE_LDDW, dst, src: 0, off: 0, imm: Number(BigInt.asIntN(32, v & 0xffffffffn)), imm2: Number(BigInt.asIntN(32, v >> 32n)) };
            });
          },
        },
      ],
    });
  });

  // ---- ubpf syntax ----------------------------------------------------------------------------
  // Each alternative consumes the mnemonic itself: chevrotain then commits to the alternative the
  // gate chose on the mnemonic alone, and a bad operand is reported as such, not as an unknown
  // instruction.
  private readonly ubpf = this.RULE('ubpf', (): Insn => {
    const m = this.LA(1).image.toLowerCase();
    // `add32`, `jeq32`, `ja32`, `neg32`: the 32-bit forms (but `le32`, `movsx832`, `ldxw` are not)
    this.is32 = m.endsWith('32') && !/^(le|be|b?swap|movsx\d+)/.test(m);
    this.mnemonic = m;
    this.mnemonicBase = this.is32 ? m.slice(0, -2) : m;
    return this.OR(this.ubpfChoice);
  });

  private readonly ubpfChoice: OrMethodOpts<Insn> = {
    IGNORE_AMBIGUITIES: true,
    DEF: [
      { GATE: () => this.LA(1).image === 'lock', ALT: () => this.SUBRULE(this.ubpfLock) },
      {
        GATE: () => this.mnemonicBase === 'lddw',
        ALT: () => {
          this.CONSUME1(Identifier);
          const d = this.SUBRULE(this.reg);
          this.CONSUME(Comma);
          return this.SUBRULE(this.lddwValue, { ARGS: [d?.reg] });
        },
      },
      {
        GATE: () => this.mnemonicBase === 'neg',
        ALT: () => {
          this.CONSUME2(Identifier);
          const d = this.SUBRULE2(this.reg);
          return this.ACTION(() => I.insn((this.is32 ? I.BPF_ALU : I.BPF_ALU64) | I.BPF_NEG, d.reg));
        },
      },
      {
        GATE: () => BYTE_SWAP.test(this.mnemonic),
        ALT: () => {
          this.CONSUME3(Identifier);
          const d = this.SUBRULE3(this.reg);
          return this.ACTION(() => byteSwap(this.mnemonic, d.reg));
        },
      },
      { GATE: () => MOVSX.test(this.mnemonic), ALT: () => this.SUBRULE(this.ubpfMovsx, { ARGS: [this.mnemonic] }) },
      { GATE: () => Object.hasOwn(ALU_MNEMONICS, this.mnemonicBase), ALT: () => this.SUBRULE(this.ubpfAlu, { ARGS: [this.mnemonic, this.mnemonicBase, this.is32] }) },
      {
        GATE: () => this.mnemonicBase === 'ja',
        ALT: () => {
          this.CONSUME4(Identifier);
          const t = this.SUBRULE(this.target, { ARGS: [this.is32 ? 'imm' : 'off'] });
          return this.ACTION(() => (this.is32 ? I.insn(I.BPF_JMP32 | I.BPF_JA, 0, 0, 0, t) : I.insn(I.BPF_JMP | I.BPF_JA, 0, 0, t)));
        },
      },
      { GATE: () => Object.hasOwn(JMP_MNEMONICS, this.mnemonicBase), ALT: () => this.SUBRULE(this.ubpfJump, { ARGS: [this.mnemonic, this.mnemonicBase, this.is32] }) },
      { GATE: () => UBPF_LOAD.test(this.mnemonic), ALT: () => this.SUBRULE(this.ubpfLoad, { ARGS: [this.mnemonic] }) },
      { GATE: () => UBPF_STORE.test(this.mnemonic), ALT: () => this.SUBRULE(this.ubpfStore, { ARGS: [this.mnemonic] }) },
      { ALT: () => this.unknownInstruction(this.CONSUME5(AnyToken)) },
    ],
  };

  private unknownInstruction(t: IToken): Insn {
    this.ACTION(() => this.fail(`unknown instruction '${t.image}'`, span(t)));
    return I.insn(0);
  }

  private readonly ubpfMovsx = this.RULE('ubpfMovsx', (m: string): Insn => {
    this.CONSUME(Identifier);
    const d = this.SUBRULE(this.reg);
    this.CONSUME(Comma);
    const s = this.SUBRULE2(this.reg);
    return this.ACTION(() => {
      const mm = MOVSX.exec(m) as RegExpExecArray;
      return I.insn((mm[2] === '32' ? I.BPF_ALU : I.BPF_ALU64) | I.BPF_MOV | I.BPF_X, d.reg, s.reg, Number(mm[1]));
    });
  });

  private readonly ubpfAlu = this.RULE('ubpfAlu', (m: string, base: string, is32: boolean): Insn => {
    this.CONSUME(Identifier);
    const d = this.SUBRULE(this.reg);
    this.CONSUME(Comma);
    const v = this.SUBRULE(this.source, { ARGS: [m] });
    return this.ACTION(() => {
      const cls = is32 ? I.BPF_ALU : I.BPF_ALU64;
      const off = base === 'sdiv' || base === 'smod' ? 1 : 0;
      const code = ALU_MNEMONICS[base];
      if (v.reg) return I.insn(cls | code | I.BPF_X, d.reg, v.reg.reg, off);
      return I.insn(cls | code | I.BPF_K, d.reg, 0, off, v.imm);
    });
  });

  private readonly ubpfJump = this.RULE('ubpfJump', (m: string, base: string, is32: boolean): Insn => {
    this.CONSUME(Identifier);
    const d = this.SUBRULE(this.reg);
    this.CONSUME(Comma);
    const v = this.SUBRULE(this.source, { ARGS: [m] });
    this.CONSUME2(Comma);
    const off = this.SUBRULE(this.target, { ARGS: ['off'] });
    return this.ACTION(() => {
      const cls = is32 ? I.BPF_JMP32 : I.BPF_JMP;
      const i = v.reg ? I.insn(cls | JMP_MNEMONICS[base] | I.BPF_X, d.reg, v.reg.reg) : I.insn(cls | JMP_MNEMONICS[base] | I.BPF_K, d.reg, 0, 0, v.imm);
      i.off = off;
      return i;
    });
  });

  private readonly ubpfLoad = this.RULE('ubpfLoad', (m: string): Insn => {
    this.CONSUME(Identifier);
    const d = this.SUBRULE(this.reg);
    this.CONSUME(Comma);
    const mem = this.SUBRULE(this.ubpfMem);
    return this.ACTION(() => {
      const mm = UBPF_LOAD.exec(m) as RegExpExecArray;
      return I.insn(I.BPF_LDX | (mm[1] ? I.BPF_MEMSX : I.BPF_MEM) | SIZES[mm[2]], d.reg, mem.base, mem.off);
    });
  });

  private readonly ubpfStore = this.RULE('ubpfStore', (m: string): Insn => {
    this.CONSUME(Identifier);
    const mem = this.SUBRULE(this.ubpfMem);
    this.CONSUME(Comma);
    const fromRegister = m?.startsWith('stx') ?? false; // m is undefined while chevrotain records the grammar
    this.what = fromRegister ? 'a register' : 'an immediate';
    return this.OR({
      IGNORE_AMBIGUITIES: true,
      DEF: [
        {
          GATE: () => fromRegister,
          ALT: () => {
            const s = this.SUBRULE(this.reg);
            return this.ACTION(() => I.insn(I.BPF_STX | I.BPF_MEM | SIZES[m.slice(3)], mem.base, s.reg, mem.off));
          },
        },
        {
          GATE: () => !fromRegister,
          ALT: () => {
            const imm = this.SUBRULE(this.imm32, { ARGS: [m] });
            return this.ACTION(() => I.insn(I.BPF_ST | I.BPF_MEM | SIZES[m.slice(2)], mem.base, 0, mem.off, imm));
          },
        },
      ],
    });
  });

  /** `lock [fetch] add[32] [%r10-8], %r1`, `lock xchg[32] …`, `lock cmpxchg[32] …` */
  private readonly ubpfLock = this.RULE('ubpfLock', (): Insn => {
    this.CONSUME(Identifier);
    const fetch = this.OPTION({ GATE: () => this.LA(1).image === 'fetch', DEF: () => this.CONSUME2(Identifier) });
    const opTok = this.SUBRULE(this.anyToken, { ARGS: ['an atomic operation'] });
    const op = this.ACTION(() => {
      const mm = UBPF_ATOMIC.exec(opTok.text);
      if (!mm) this.fail(`'${opTok.text}' is not an atomic operation (add, or, and, xor, xchg, cmpxchg)`, opTok);
      return mm;
    });
    const mem = this.SUBRULE(this.ubpfMem);
    this.CONSUME(Comma);
    const s = this.SUBRULE(this.reg);
    return this.ACTION(() => {
      const size = op[2] ? I.BPF_W : I.BPF_DW;
      let imm: number;
      if (op[1] === 'xchg') imm = I.BPF_XCHG;
      else if (op[1] === 'cmpxchg') imm = I.BPF_CMPXCHG;
      else imm = ATOMIC_NAMES[op[1]] | (fetch ? I.BPF_FETCH : 0);
      return I.insn(I.BPF_STX | I.BPF_ATOMIC | size, mem.base, s.reg, mem.off, imm);
    });
  });

  /** `[%rN]`, `[%rN+off]`, `[%rN-off]` */
  private readonly ubpfMem = this.RULE('ubpfMem', (): Address => {
    this.CONSUME(LBracket);
    const b = this.SUBRULE(this.reg, { ARGS: ['a base register'] });
    const off = this.SUBRULE(this.offset);
    this.CONSUME(RBracket);
    return this.ACTION((): Address => ({ base: b.reg, off }));
  });

  // ---- kernel syntax ----------------------------------------------------------------------------
  private readonly kernelChoice: OrMethodOpts<Insn> = {
    IGNORE_AMBIGUITIES: true,
    DEF: [
      {
        GATE: () => this.LA(1).image === 'exit',
        ALT: () => {
          this.CONSUME(Identifier);
          return I.insn(I.OPCODE_EXIT);
        },
      },
      {
        GATE: () => this.LA(1).image === 'callx',
        ALT: () => {
          this.CONSUME2(Identifier);
          const r = this.SUBRULE(this.reg);
          return this.ACTION(() => I.insn(I.OPCODE_CALLX, r.reg));
        },
      },
      {
        GATE: () => this.LA(1).image === 'call',
        ALT: () => {
          this.CONSUME3(Identifier);
          return this.SUBRULE(this.callOperand);
        },
      },
      {
        GATE: () => this.LA(1).image === 'goto' || this.LA(1).image === 'gotol',
        ALT: () => {
          const g = this.CONSUME4(Identifier);
          const long = g.image === 'gotol';
          const off = this.SUBRULE(this.target, { ARGS: [long ? 'imm' : 'off'] });
          return this.ACTION(() => (long ? I.insn(I.BPF_JMP32 | I.BPF_JA, 0, 0, 0, off) : I.insn(I.BPF_JMP | I.BPF_JA, 0, 0, off)));
        },
      },
      { GATE: () => this.LA(1).image === 'if', ALT: () => this.SUBRULE(this.kernelIf) },
      { GATE: () => this.LA(1).image === 'lock', ALT: () => this.SUBRULE(this.kernelLock) },
      { ALT: () => this.SUBRULE(this.kernelStore) },
      { ALT: () => this.SUBRULE(this.kernelAssign) },
      { ALT: () => this.unknownInstruction(this.CONSUME5(AnyToken)) },
    ],
  };

  private readonly kernel = this.RULE('kernel', (): Insn => this.OR(this.kernelChoice));

  /** `if rA OP rB|imm goto TARGET` */
  private readonly kernelIf = this.RULE('kernelIf', (): Insn => {
    this.CONSUME(Identifier);
    const d = this.SUBRULE(this.reg);
    const opTok = this.SUBRULE(this.anyToken, { ARGS: ['a comparison'] });
    const code = this.ACTION(() => {
      const c = own(KERNEL_JMP_OPS, opTok.text);
      if (c === undefined) this.fail(`'${opTok.text}' is not a comparison (==, !=, >, >=, <, <=, s>, s>=, s<, s<=, &)`, opTok);
      return c;
    });
    const v = this.SUBRULE(this.source, { ARGS: ['the comparison'] });
    const insn = this.ACTION(() => {
      const cls = d.wide ? I.BPF_JMP : I.BPF_JMP32;
      if (!v.reg) return I.insn(cls | code | I.BPF_K, d.reg, 0, 0, v.imm);
      if (v.reg.wide !== d.wide) this.fail('both registers of a comparison must be rN (64-bit) or both wN (32-bit)', v.reg);
      return I.insn(cls | code | I.BPF_X, d.reg, v.reg.reg);
    });
    this.SUBRULE(this.keyword, { ARGS: ['goto'] });
    const off = this.SUBRULE(this.target, { ARGS: ['off'] });
    return this.ACTION(() => {
      insn.off = off;
      return insn;
    });
  });

  /** `*(u32 *)(r1 + 4)` → size, signed, base, offset and the type's span */
  private readonly kernelMem = this.RULE('kernelMem', (): { size: number; signed: boolean; base: number; off: number; type: Span } => {
    this.CONSUME(Star);
    this.CONSUME(LParen);
    const type = this.SUBRULE(this.anyToken, { ARGS: ['a type (u8, u16, u32, u64)'] });
    const cs = this.ACTION(() => {
      const c = own(C_SIZES, type.text);
      if (!c) this.fail(`'${type.text}' is not a memory type (u8, u16, u32, u64, s8, s16, s32)`, type);
      return c;
    });
    this.CONSUME2(Star);
    this.CONSUME(RParen);
    const addr = this.SUBRULE(this.kernelAddr);
    return this.ACTION(() => ({ size: cs[0], signed: cs[1], base: addr.base, off: addr.off, type }));
  });

  /** `(r1 + 4)` / `(r1 - 8)` / `(r1)` */
  private readonly kernelAddr = this.RULE('kernelAddr', (): Address => {
    this.CONSUME(LParen);
    const b = this.SUBRULE(this.reg, { ARGS: ['a base register'] });
    this.ACTION(() => {
      if (!b.wide) this.fail('the base of an address is an rN register', b);
    });
    const off = this.SUBRULE(this.offset);
    this.CONSUME(RParen);
    return this.ACTION((): Address => ({ base: b.reg, off }));
  });

  /** `*(u32 *)(r1 + 4) = r2 | imm` */
  private readonly kernelStore = this.RULE('kernelStore', (): Insn => {
    const mem = this.SUBRULE(this.kernelMem);
    this.ACTION(() => {
      if (mem.signed) this.fail('stores take an unsigned type (u8, u16, u32, u64)', mem.type);
    });
    this.CONSUME(Assign);
    const v = this.SUBRULE(this.source, { ARGS: ['the store'] });
    return this.ACTION(() => (v.reg ? I.insn(I.BPF_STX | I.BPF_MEM | mem.size, mem.base, v.reg.reg, mem.off) : I.insn(I.BPF_ST | I.BPF_MEM | mem.size, mem.base, 0, mem.off, v.imm)));
  });

  /** `lock *(u64 *)(r1 + 0) += r2` */
  private readonly kernelLock = this.RULE('kernelLock', (): Insn => {
    this.CONSUME(Identifier);
    const mem = this.SUBRULE(this.kernelMem);
    this.ACTION(() => {
      if (mem.size !== I.BPF_W && mem.size !== I.BPF_DW) this.fail('atomic operations are on u32 or u64 only', mem.type);
    });
    const opTok = this.SUBRULE(this.anyToken, { ARGS: ['an atomic operation (+=, |=, &=, ^=)'] });
    const op = this.ACTION(() => {
      const o = own(KERNEL_ATOMIC_OPS, opTok.text);
      if (o === undefined) this.fail(`'${opTok.text}' is not an atomic operation (+=, |=, &=, ^=)`, opTok);
      return o;
    });
    const s = this.SUBRULE(this.reg);
    return this.ACTION(() => I.insn(I.BPF_STX | I.BPF_ATOMIC | mem.size, mem.base, s.reg, mem.off, op));
  });

  /** `rD OP= rS|imm` and `rD = …` */
  private readonly kernelAssign = this.RULE('kernelAssign', (): Insn => {
    const d = this.SUBRULE(this.reg);
    const opTok = this.SUBRULE(this.anyToken, { ARGS: ['an assignment'] });
    const alu = this.ACTION(() => {
      const a = own(KERNEL_ALU_OPS, opTok.text);
      if (a === undefined) this.fail(`'${opTok.text}' is not an assignment operator`, opTok);
      if (a[0] === I.BPF_MOV && isEof(this.LA(1))) this.fail('expected a value after =');
      return a;
    });
    // named before the choice: a token neither alternative can start with is reported with it
    this.what = alu?.[0] === I.BPF_MOV ? 'a value' : 'an immediate';
    this.dest = d;
    this.assignment = alu;
    this.assignmentText = opTok?.text;
    return this.OR(this.kernelAssignChoice);
  });

  private readonly kernelAssignChoice: OrMethodOpts<Insn> = {
    IGNORE_AMBIGUITIES: true,
    DEF: [
      {
        GATE: () => this.assignment[0] !== I.BPF_MOV,
        ALT: () => {
          const v = this.SUBRULE(this.source, { ARGS: [this.assignmentText] });
          return this.ACTION(() => {
            const d = this.dest;
            const cls = d.wide ? I.BPF_ALU64 : I.BPF_ALU;
            const [code, off] = this.assignment;
            if (!v.reg) return I.insn(cls | code | I.BPF_K, d.reg, 0, off, v.imm);
            if (v.reg.wide !== d.wide) this.fail(`mixing ${d.text} and ${v.reg.text}: use both rN or both wN`, v.reg);
            return I.insn(cls | code | I.BPF_X, d.reg, v.reg.reg, off);
          });
        },
      },
      { GATE: () => this.assignment[0] === I.BPF_MOV, ALT: () => this.SUBRULE(this.kernelMov) },
    ],
  };

  /** `rD = …` (rD in `dest`): mov, neg, movsx, loads, byte swaps, lddw, atomics with fetch. */
  private readonly kernelMov = this.RULE('kernelMov', (): Insn => {
    this.what = 'a value';
    return this.OR(this.kernelMovChoice);
  });

  private sameWidth(s: RegOperand): void {
    if (s.wide !== this.dest.wide) this.fail(`mixing ${this.dest.text} and ${s.text}: use both rN or both wN`, s);
  }

  private aluClass(): number {
    return this.dest.wide ? I.BPF_ALU64 : I.BPF_ALU;
  }

  private readonly kernelMovChoice: OrMethodOpts<Insn> = {
    IGNORE_AMBIGUITIES: true,
    DEF: [
      {
        // rD = -rD
        GATE: () => this.is(1, Minus) && this.is(2, Register),
        ALT: () => {
          this.CONSUME(Minus);
          const s = this.SUBRULE(this.reg);
          return this.ACTION(() => {
            if (s.reg !== this.dest.reg || s.wide !== this.dest.wide) this.fail(`neg works in place: write ${this.dest.text} = -${this.dest.text}`, s);
            return I.insn(this.aluClass() | I.BPF_NEG, this.dest.reg);
          });
        },
      },
      {
        // rD = *(u32 *)(rB + off)
        ALT: () => {
          const mem = this.SUBRULE(this.kernelMem);
          return this.ACTION(() => {
            if (mem.signed && mem.size === I.BPF_DW) this.fail('there is no sign-extending 64-bit load; use u64', mem.type);
            if (!this.dest.wide && (mem.signed || mem.size === I.BPF_DW)) this.fail('loads write the whole rN register', this.dest);
            return I.insn(I.BPF_LDX | (mem.signed ? I.BPF_MEMSX : I.BPF_MEM) | mem.size, this.dest.reg, mem.base, mem.off);
          });
        },
      },
      {
        // rD = (s8)rS
        GATE: () => this.is(1, LParen) && this.is(2, Identifier) && SIGN_EXTEND_CAST.test(this.LA(2).image) && this.is(3, RParen),
        ALT: () => {
          this.CONSUME(LParen);
          const bits = this.CONSUME(Identifier);
          this.CONSUME(RParen);
          const s = this.SUBRULE2(this.reg);
          return this.ACTION(() => {
            this.sameWidth(s);
            return I.insn(this.aluClass() | I.BPF_MOV | I.BPF_X, this.dest.reg, s.reg, Number(bits.image.slice(1)));
          });
        },
      },
      { GATE: () => this.is(1, Identifier), ALT: () => this.SUBRULE(this.kernelMovName, { ARGS: [this.dest] }) },
      {
        ALT: () => {
          const s = this.SUBRULE3(this.reg);
          return this.ACTION(() => {
            this.sameWidth(s);
            return I.insn(this.aluClass() | I.BPF_MOV | I.BPF_X, this.dest.reg, s.reg);
          });
        },
      },
      {
        // a number followed by `ll`: lddw
        GATE: () => {
          const k = this.is(1, Sign) ? 2 : 1;
          return this.is(k, NumberLiteral) && this.textAt(k + 1) === 'll';
        },
        ALT: () => this.SUBRULE(this.lddw, { ARGS: [this.dest] }),
      },
      {
        ALT: () => {
          const n = this.SUBRULE(this.number, { ARGS: ['a value'] });
          return this.ACTION(() => {
            if (n.value < INT32_MIN || n.value > UINT32_MAX) {
              throw new LineError(`immediate ${fmtNum(n.value)} does not fit the signed 32-bit field of mov${this.dest.wide ? ` (add 'll' for a 64-bit load)` : ''}`, n.column, n.end);
            }
            return I.insn(this.aluClass() | I.BPF_MOV | I.BPF_K, this.dest.reg, 0, 0, Number(BigInt.asIntN(32, n.value)));
          });
        },
      },
    ],
  };

  /** `rD = VALUE ll` */
  private readonly lddw = this.RULE('lddw', (d: RegOperand): Insn => {
    this.ACTION(() => {
      if (!d.wide) this.fail('a 64-bit load needs an rN register', d);
    });
    const v = this.SUBRULE(this.lddwValue, { ARGS: [d?.reg] });
    this.SUBRULE(this.keyword, { ARGS: ['ll'] });
    return v;
  });

  /** `rD = NAME …`: byte swap, atomic with fetch, or a 64-bit load of a map (`rD = map ll`). */
  private readonly kernelMovName = this.RULE('kernelMovName', (d: RegOperand): Insn => {
    const name = this.LA(1).image;
    return this.OR({
      IGNORE_AMBIGUITIES: true,
      DEF: [
        {
          GATE: () => KERNEL_BYTE_SWAP.test(name),
          ALT: () => {
            this.CONSUME(Identifier);
            const s = this.SUBRULE(this.reg);
            return this.ACTION(() => {
              if (s.reg !== d.reg) this.fail(`byte swaps work in place: write ${d.text} = ${name} ${d.text}`, s);
              return byteSwap(name, d.reg);
            });
          },
        },
        { GATE: () => KERNEL_ATOMIC_FETCH.test(name), ALT: () => this.SUBRULE(this.atomicFetch, { ARGS: [d] }) },
        { GATE: () => KERNEL_EXCHANGE.test(name), ALT: () => this.SUBRULE(this.atomicExchange, { ARGS: [d] }) },
        { ALT: () => this.SUBRULE(this.lddw, { ARGS: [d] }) },
      ],
    });
  });

  /** `rD = atomic_fetch_add((u64 *)(rB + off), rD)` and `_or`, `_and`, `_xor`; u32 or u64. */
  private readonly atomicFetch = this.RULE('atomicFetch', (d: RegOperand): Insn => {
    const name = this.CONSUME(Identifier);
    this.CONSUME(LParen);
    this.CONSUME2(LParen);
    const ty = this.SUBRULE(this.anyToken, { ARGS: ['u32 or u64'] });
    this.ACTION(() => {
      if (ty.text !== 'u32' && ty.text !== 'u64') this.fail('atomic operations are on u32 or u64 only', ty);
    });
    this.CONSUME(Star);
    this.CONSUME(RParen);
    const addr = this.SUBRULE(this.kernelAddr);
    this.CONSUME(Comma);
    const s = this.SUBRULE(this.reg);
    this.CONSUME2(RParen);
    return this.ACTION(() => {
      if (s.reg !== d.reg) this.fail(`the fetched value goes back to the source register: write ${s.text} = ${name.image}(…, ${s.text})`, d);
      const op = (KERNEL_ATOMIC_FETCH.exec(name.image) as RegExpExecArray)[1];
      return I.insn(I.BPF_STX | I.BPF_ATOMIC | (ty.text === 'u32' ? I.BPF_W : I.BPF_DW), addr.base, s.reg, addr.off, ATOMIC_NAMES[op] | I.BPF_FETCH);
    });
  });

  /** `rD = xchg_64(rB + off, rD)`, `r0 = cmpxchg_64(rB + off, r0, rS)` and the 32-bit `xchg32_32`, `cmpxchg32_32`. */
  private readonly atomicExchange = this.RULE('atomicExchange', (d: RegOperand): Insn => {
    const name = this.CONSUME(Identifier).image;
    const cmp = name.startsWith('cmpxchg');
    this.CONSUME(LParen);
    const base = this.SUBRULE(this.reg, { ARGS: ['a base register'] });
    const off = this.SUBRULE(this.offset);
    this.CONSUME(Comma);
    this.OPTION({
      GATE: () => cmp,
      DEF: () => {
        const r0 = this.SUBRULE2(this.reg);
        this.ACTION(() => {
          if (r0.reg !== 0) this.fail('cmpxchg compares with r0', r0);
        });
        this.CONSUME2(Comma);
        this.ACTION(() => {
          if (d.reg !== 0) this.fail('cmpxchg writes r0', d);
        });
      },
    });
    const s = this.SUBRULE3(this.reg);
    this.CONSUME2(RParen);
    return this.ACTION(() => {
      if (!cmp && s.reg !== d.reg) this.fail(`the fetched value goes back to the source register: write ${s.text} = ${name}(…, ${s.text})`, d);
      const size = name.includes('32_32') ? I.BPF_W : I.BPF_DW;
      return I.insn(I.BPF_STX | I.BPF_ATOMIC | size, base.reg, s.reg, off, cmp ? I.BPF_CMPXCHG : I.BPF_XCHG);
    });
  });
}

// Messages in the assembler's words. A missing register, number or name is named by what the
// grammar was reading (`parser.what`: "a base register", "an immediate", "a jump target …").
const GENERIC: TokenType[] = [Register, NumberLiteral, Identifier, AnyToken];
const messages: IParserErrorMessageProvider = {
  buildMismatchTokenMessage({ expected, actual }) {
    const what = GENERIC.includes(expected) ? parser.what : (expected.LABEL ?? expected.name);
    return isEof(actual) ? `expected ${what} at the end of the line` : `expected ${what}, found '${actual.image}'`;
  },
  buildNotAllInputParsedMessage({ firstRedundant }) {
    return `unexpected '${firstRedundant.image}' after the instruction`;
  },
  buildNoViableAltMessage({ actual }) {
    const t = actual[0];
    return isEof(t) ? `expected ${parser.what} at the end of the line` : `expected ${parser.what}, found '${t.image}'`;
  },
  buildEarlyExitMessage({ actual }) {
    const t = actual[0];
    return isEof(t) ? 'expected an argument at the end of the line' : `expected an argument, found '${t.image}'`;
  },
};

const parser = new LineParser();

/**
 * Parses one line's tokens (lexer.ts, at least one): its labels and its statement, or the first
 * problem. The result depends on the tokens only (columns, no line number).
 */
export function parseLine(tokens: IToken[]): ParsedLine {
  const lineEnd = endOf(tokens[tokens.length - 1]);
  parser.input = tokens;
  parser.lineEnd = lineEnd;
  let statement: Statement | undefined;
  try {
    statement = parser.sourceLine();
  } catch (e) {
    if (e instanceof LineError) return { labels: parser.labels, error: e };
    throw e;
  }
  const e = parser.errors[0] as (typeof parser.errors)[number] | undefined;
  if (e) {
    if (!isEof(e.token)) return { labels: parser.labels, error: new LineError(e.message, columnOf(e.token), endOf(e.token)) };
    return { labels: parser.labels, error: new LineError(e.message, lineEnd, lineEnd + 1) };
  }
  return statement ? { labels: parser.labels, statement } : { labels: parser.labels };
}
