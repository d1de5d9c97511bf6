/**
 * Line lexer for hyper-callback assembly (both the kernel/LLVM syntax and the ubpf syntax), built
 * on chevrotain's `Lexer`. Statements never span lines, so the lexer runs one line at a time.
 * Comments start with `;`, `#` or `//` and run to the end of the line.
 *
 * Its token types are also the statement parser's vocabulary (parser.ts): the chevrotain tokens
 * go to the parser as they are, with no conversion pass, because the language server lexes and
 * parses a whole callback on every keystroke. Numbers and registers are decoded only where the
 * grammar uses them (`numberValue`, `registerOf`).
 */
import { createToken, Lexer, type IToken, type TokenType } from 'chevrotain';

/** Every token the parser sees belongs to this category (a rule can take "any token"). */
export const AnyToken = createToken({ name: 'AnyToken', pattern: Lexer.NA });
/** `+` and `-`: the sign of a number or of an offset. */
export const Sign = createToken({ name: 'Sign', pattern: Lexer.NA, categories: [AnyToken] });

const WhiteSpace = createToken({ name: 'WhiteSpace', pattern: /[ \t\r\f\v]+/, group: Lexer.SKIPPED });
const Comment = createToken({ name: 'Comment', pattern: /(?:;|#|\/\/).*/, group: Lexer.SKIPPED });
export const NumberLiteral = createToken({
  name: 'NumberLiteral',
  label: 'a number',
  pattern: /(?:0[xX][0-9a-fA-F_]+|0[bB][01_]+|[0-9][0-9_]*)(?![\w.$])/,
  categories: [AnyToken],
});
/** A digit run glued to letters (`12ab`, `0x1g`): reported, never parsed. */
const BadNumber = createToken({ name: 'BadNumber', pattern: /[0-9][\w.$]*/ });
export const Identifier = createToken({ name: 'Identifier', label: 'a name', pattern: /[A-Za-z_.$][\w.$]*/, categories: [AnyToken] });
/** `rN` / `wN` (kernel syntax) or `%rN` (ubpf syntax); `r11` or `rx` are identifiers. */
export const Register = createToken({
  name: 'Register',
  label: 'a register',
  pattern: /%?[rw](?:10|[0-9])(?![\w.$])/,
  longer_alt: Identifier,
  categories: [AnyToken],
});
/** `%foo`: a ubpf register that does not exist; reported, never parsed. */
const PercentName = createToken({ name: 'PercentName', pattern: /%[A-Za-z_][\w]*/ });
/** Signed comparison / signed arithmetic operators of the kernel syntax: `s>`, `s>=`, `s>>=`, `s/=`, … */
export const SignedOperator = createToken({ name: 'SignedOperator', label: 'an operator', pattern: /s(?:>>=|\/=|%=|>=|<=|>|<)/, categories: [AnyToken] });
/** Compound assignments and comparisons, and the single characters with no grammar role of their own. */
export const Operator = createToken({
  name: 'Operator',
  label: 'an operator',
  pattern: /<<=|>>=|[+\-*/%|&^]=|==|!=|>=|<=|[<>&|^!~/%]/,
  categories: [AnyToken],
});
const punctuation = (name: string, char: string, categories: TokenType[] = [AnyToken]): TokenType =>
  createToken({ name, label: `'${char}'`, pattern: char, categories });
export const Comma = punctuation('Comma', ',');
export const Colon = punctuation('Colon', ':');
export const LBracket = punctuation('LBracket', '[');
export const RBracket = punctuation('RBracket', ']');
export const LParen = punctuation('LParen', '(');
export const RParen = punctuation('RParen', ')');
export const Star = punctuation('Star', '*');
export const Assign = punctuation('Assign', '=');
export const Plus = punctuation('Plus', '+', [AnyToken, Sign]);
export const Minus = punctuation('Minus', '-', [AnyToken, Sign]);

/** The parser's vocabulary: every token type a parsed line can contain, and the categories. */
export const PARSER_TOKENS: TokenType[] = [
  AnyToken, Sign, NumberLiteral, Identifier, Register, SignedOperator, Operator,
  Comma, Colon, LBracket, RBracket, LParen, RParen, Star, Assign, Plus, Minus,
];

// Order matters where patterns overlap: numbers before identifiers, signed operators before the
// identifier `s`, compound operators (`-=`, `==`) before the single characters (`-`, `=`).
// ensureOptimizations: a pattern that defeats chevrotain's first-character dispatch (a complement
// set such as /[^\s]/) fails here, at load, instead of silently slowing every keystroke; characters
// no token matches come back as lexer errors (lexLine names them).
const lexer = new Lexer(
  [WhiteSpace, Comment, NumberLiteral, BadNumber, SignedOperator, Register, PercentName, Identifier, Operator, Comma, Colon, LBracket, RBracket, LParen, RParen, Star, Assign, Plus, Minus],
  { positionTracking: 'onlyOffset', ensureOptimizations: true },
);

/** A problem found by the lexer: message and 1-based column range (`end` exclusive). */
export interface LexError {
  column: number;
  end: number;
  message: string;
}

export interface LexResult {
  /** The line's tokens for the parser (`startOffset` is the 0-based column). */
  tokens: IToken[];
  errors: LexError[];
}

export function lexLine(text: string): LexResult {
  const r = lexer.tokenize(text);
  const errors: LexError[] = [];
  // Characters no token matches (`@`, `{`, a non-breaking space): chevrotain reports each run
  // once; name them one by one, as a reader counts them.
  for (const e of r.errors) {
    for (let k = e.offset; k < e.offset + e.length; k++) errors.push({ column: k + 1, end: k + 2, message: `unexpected character '${text[k]}'` });
  }
  let bad = false;
  for (const t of r.tokens) {
    if (t.tokenType === BadNumber || t.tokenType === PercentName) {
      bad = true;
      break;
    }
  }
  if (!bad) return { tokens: r.tokens, errors };
  // Rare: name every bad token and keep only the good ones.
  const tokens: IToken[] = [];
  for (const t of r.tokens) {
    const column = t.startOffset + 1;
    const end = column + t.image.length;
    if (t.tokenType === BadNumber) errors.push({ column, end, message: `'${t.image}' is not a number` });
    else if (t.tokenType === PercentName) errors.push({ column, end, message: `'${t.image}' is not a register (r0 to r10)` });
    else tokens.push(t);
  }
  errors.sort((a, b) => a.column - b.column);
  return { tokens, errors };
}

/** 1-based first column and exclusive end column of a token. */
export const columnOf = (t: IToken): number => t.startOffset + 1;
export const endOf = (t: IToken): number => t.startOffset + 1 + t.image.length;

/** The value of a `NumberLiteral` (unsigned as written; a sign is a separate token). */
export function numberValue(t: IToken): bigint {
  const s = t.image;
  return BigInt(s.includes('_') ? s.replace(/_/g, '') : s);
}

/** Register number and width of a `Register` token: `wide` is the 64-bit view (`rN`, `%rN`). */
export function registerOf(t: IToken): { reg: number; wide: boolean } {
  const s = t.image.charCodeAt(0) === 0x25 /* % */ ? t.image.slice(1) : t.image;
  return { reg: Number(s.slice(1)), wide: s[0] === 'r' };
}
