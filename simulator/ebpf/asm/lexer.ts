/**
 * Line lexer for hyper-callback assembly (both the kernel/LLVM syntax and the ubpf syntax), built
 * on chevrotain's `Lexer`. Statements never span lines, so the lexer runs one line at a time.
 * Comments start with `;`, `#` or `//` and run to the end of the line.
 */
import { createToken, Lexer, type IToken } from 'chevrotain';

export type TokenKind = 'num' | 'reg' | 'ident' | 'op';

export interface Token {
  kind: TokenKind;
  text: string;
  /** 1-based column of the first character; `end` is exclusive. */
  column: number;
  end: number;
  /** For `num`: the value (unsigned as written; a sign is a separate `-` token). */
  value?: bigint;
  /** For `reg`: register number and whether it is the 32-bit view (`wN`). */
  reg?: number;
  wide?: boolean;
}

const WhiteSpace = createToken({ name: 'WhiteSpace', pattern: /[ \t\r\f\v]+/, group: Lexer.SKIPPED });
const Comment = createToken({ name: 'Comment', pattern: /(?:;|#|\/\/).*/, group: Lexer.SKIPPED });
const Num = createToken({ name: 'Number', pattern: /(?:0[xX][0-9a-fA-F_]+|0[bB][01_]+|[0-9][0-9_]*)(?![\w.$])/ });
const BadNum = createToken({ name: 'BadNumber', pattern: /[0-9][\w.$]*/ });
const Ident = createToken({ name: 'Identifier', pattern: /[A-Za-z_.$][\w.$]*/ });
const Reg = createToken({ name: 'Register', pattern: /%?[rw](?:10|[0-9])(?![\w.$])/, longer_alt: Ident });
const PercentReg = createToken({ name: 'PercentRegister', pattern: /%[A-Za-z_][\w]*/ });
/** Signed comparison / signed arithmetic operators of the kernel syntax: `s>`, `s>=`, `s>>=`, `s/=`, … */
const SignedOp = createToken({ name: 'SignedOp', pattern: /s(?:>>=|\/=|%=|>=|<=|>|<)/ });
const Op = createToken({ name: 'Operator', pattern: /<<=|>>=|[+\-*/%|&^]=|==|!=|>=|<=|[<>=&+\-*()[\],:|^!~/%]/ });
const Other = createToken({ name: 'Other', pattern: /[^\s]/ });

const lexer = new Lexer([WhiteSpace, Comment, Num, BadNum, SignedOp, Reg, PercentReg, Ident, Op, Other], {
  positionTracking: 'onlyOffset',
  ensureOptimizations: false,
});

export interface LexResult {
  tokens: Token[];
  /** Problems: column range and message. */
  errors: { column: number; end: number; message: string }[];
}

export function lexLine(text: string): LexResult {
  const r = lexer.tokenize(text);
  const tokens: Token[] = [];
  const errors: LexResult['errors'] = [];
  for (const e of r.errors) errors.push({ column: e.offset + 1, end: e.offset + 1 + e.length, message: `unexpected character '${text.substr(e.offset, e.length)}'` });
  for (const t of r.tokens) tokens.push(convert(t, errors));
  return { tokens, errors };
}

function convert(t: IToken, errors: LexResult['errors']): Token {
  const column = t.startOffset + 1;
  const end = column + t.image.length;
  const base = { text: t.image, column, end };
  switch (t.tokenType) {
    case Num:
      return { ...base, kind: 'num', value: BigInt(t.image.replace(/_/g, '')) };
    case BadNum:
      errors.push({ column, end, message: `'${t.image}' is not a number` });
      return { ...base, kind: 'num', value: 0n };
    case Reg: {
      const s = t.image.replace(/^%/, '');
      return { ...base, kind: 'reg', reg: Number(s.slice(1)), wide: s[0] === 'r' };
    }
    case PercentReg:
      errors.push({ column, end, message: `'${t.image}' is not a register (r0 to r10)` });
      return { ...base, kind: 'reg', reg: 0, wide: true };
    case Ident:
      return { ...base, kind: 'ident' };
    case Other:
      errors.push({ column, end, message: `unexpected character '${t.image}'` });
      return { ...base, kind: 'op' };
    default:
      return { ...base, kind: 'op' };
  }
}
