/**
 * Line lexer for GNU `as` RISC-V syntax, built on chevrotain's `Lexer`. Statements never span
 * lines, so the lexer runs on one line at a time. cpp object-like macros are substituted per
 * token after lexing (so columns stay those of the source the user sees), and the same function
 * serves the assembler and the language server.
 *
 * Token categories group the token types the grammar treats alike: `Identifier` (registers are
 * a sub-category; CSR names stay plain identifiers, resolved when the instruction is encoded),
 * `NumberLiteral` (every base), the operator classes of GNU `as` precedence, and `Plain` (any
 * token that may appear inside a raw operand group, i.e. everything but `,` `(` `)` `;`).
 */
import { createToken, Lexer, type IToken, type TokenType } from 'chevrotain';
import type { Diagnostic, SourceRange } from '../../diagnostics';
import { ABI_NAMES } from '../isa/registers';

export type TokenKind = 'ident' | 'num' | 'localref' | 'char' | 'str' | 'reloc' | 'punct';

/** A chevrotain token with what the assembler reads from it. */
export interface Token extends IToken {
  kind: TokenKind;
  /** Source text; for `reloc` the operator name without `%`. */
  text: string;
  /** Numeric value for `num` and `char`; decoded bytes for `str` are in `bytes`. */
  value?: bigint;
  bytes?: number[];
  range: SourceRange;
}

export const RELOC_OPERATORS = new Set(['hi', 'lo', 'pcrel_hi', 'pcrel_lo']);

// ---- categories -----------------------------------------------------------------------------

/** Any token allowed inside a raw operand group (all but `,` `(` `)` `;`). */
export const Plain = createToken({ name: 'Plain', pattern: Lexer.NA });
export const Identifier = createToken({ name: 'Identifier', pattern: Lexer.NA, categories: [Plain] });
export const NumberLiteral = createToken({ name: 'NumberLiteral', pattern: Lexer.NA, categories: [Plain] });
/** Binary operators by GNU `as` precedence, loosest first. */
export const LogicOp = createToken({ name: 'LogicOp', pattern: Lexer.NA });
export const AddOp = createToken({ name: 'AddOp', pattern: Lexer.NA });
export const OrOp = createToken({ name: 'OrOp', pattern: Lexer.NA });
export const MulOp = createToken({ name: 'MulOp', pattern: Lexer.NA });
export const UnaryOp = createToken({ name: 'UnaryOp', pattern: Lexer.NA });

// ---- token types ----------------------------------------------------------------------------

const WhiteSpace = createToken({ name: 'WhiteSpace', pattern: /[ \t\r\f\v]+/, group: Lexer.SKIPPED });
/** `#` and `//` start a comment that runs to the end of the line. */
const Comment = createToken({ name: 'Comment', pattern: /(?:#|\/\/).*/, group: Lexer.SKIPPED });

export const Str = createToken({ name: 'String', pattern: /"(?:\\[\s\S]?|[^"\\])*"?/, categories: [Plain] });
export const Char = createToken({ name: 'Char', pattern: /'(?:\\(?:x[0-9a-fA-F]*|[0-7]{1,3}|[\s\S])?|[^\\])'?/, categories: [Plain] });
const LoneQuote = createToken({ name: 'LoneQuote', pattern: /'/, categories: [Plain] });
export const Reloc = createToken({ name: 'Reloc', pattern: /%(?:pcrel_hi|pcrel_lo|hi|lo)(?![\w.$])/, categories: [Plain] });

/** `1b` / `1f`: a reference to the nearest numeric label `1:` backwards or forwards. */
export const LocalRef = createToken({ name: 'LocalRef', pattern: /[0-9]+[bf](?!\w)/, categories: [Plain] });
const HexNumber = createToken({ name: 'HexNumber', pattern: /0[xX][0-9a-fA-F]+(?!\w)/, categories: [NumberLiteral] });
const BinNumber = createToken({ name: 'BinNumber', pattern: /0[bB][01]+(?!\w)/, categories: [NumberLiteral] });
const OctNumber = createToken({ name: 'OctNumber', pattern: /0[0-7]+(?!\w)/, categories: [NumberLiteral] });
export const DecNumber = createToken({ name: 'DecNumber', pattern: /[0-9]+(?!\w)/, categories: [NumberLiteral] });
/** Digits followed by letters that make no number: reported, read as 0. */
const BadNumber = createToken({ name: 'BadNumber', pattern: /[0-9]\w*/, categories: [NumberLiteral] });

const PlainIdentifier = createToken({ name: 'PlainIdentifier', pattern: /[A-Za-z_.$][\w.$]*/, categories: [Identifier] });
const registerNames = [...ABI_NAMES, 'fp', ...ABI_NAMES.map((_, i) => `x${i}`)].sort((a, b) => b.length - a.length);
export const Register = createToken({
  name: 'Register',
  pattern: new RegExp(`(?:${registerNames.join('|')})(?![\\w.$])`),
  categories: [Identifier],
  longer_alt: PlainIdentifier,
});

const punct = (name: string, text: string, categories: TokenType[] = [Plain]): TokenType =>
  createToken({ name, pattern: text, categories, label: `'${text}'` });

export const Comma = punct('Comma', ',', []);
export const LParen = punct('LParen', '(', []);
export const RParen = punct('RParen', ')', []);
export const Semicolon = punct('Semicolon', ';', []);
export const Colon = punct('Colon', ':');
export const EqEq = punct('EqEq', '==', [Plain, AddOp]);
export const Equals = punct('Equals', '=');
const Shl = punct('Shl', '<<', [Plain, MulOp]);
const Shr = punct('Shr', '>>', [Plain, MulOp]);
const NotEq = punct('NotEq', '!=', [Plain, AddOp]);
const LtGt = punct('LtGt', '<>', [Plain, AddOp]);
const Le = punct('Le', '<=', [Plain, AddOp]);
const Ge = punct('Ge', '>=', [Plain, AddOp]);
const AndAnd = punct('AndAnd', '&&', [Plain, LogicOp]);
const OrOr = punct('OrOr', '||', [Plain, LogicOp]);
const Plus = punct('Plus', '+', [Plain, AddOp, UnaryOp]);
const Minus = punct('Minus', '-', [Plain, AddOp, UnaryOp]);
const Lt = punct('Lt', '<', [Plain, AddOp]);
const Gt = punct('Gt', '>', [Plain, AddOp]);
const Star = punct('Star', '*', [Plain, MulOp]);
const Slash = punct('Slash', '/', [Plain, MulOp]);
const Percent = punct('Percent', '%', [Plain, MulOp]);
const Pipe = punct('Pipe', '|', [Plain, OrOp]);
const Amp = punct('Amp', '&', [Plain, OrOp]);
const Caret = punct('Caret', '^', [Plain, OrOp]);
/** GNU `as` binary `!` is "or not"; unary `!` is logical not. */
const Bang = punct('Bang', '!', [Plain, OrOp, UnaryOp]);
const Tilde = punct('Tilde', '~', [Plain, UnaryOp]);
const Others = ['\\', '@', '[', ']', '{', '}'].map((c, i) => punct(`Punct${i}`, c));

/** Order matters: chevrotain takes the first pattern that matches, not the longest. */
export const ALL_TOKENS: TokenType[] = [
  WhiteSpace, Comment, Str, Char, LoneQuote, Reloc,
  LocalRef, HexNumber, BinNumber, OctNumber, DecNumber, BadNumber,
  Register, PlainIdentifier,
  Shl, Shr, EqEq, NotEq, LtGt, Le, Ge, AndAnd, OrOr,
  Comma, LParen, RParen, Semicolon, Colon, Equals, Plus, Minus, Lt, Gt, Star, Slash, Percent, Pipe, Amp, Caret, Bang, Tilde,
  ...Others,
  // Token categories take part in matching only if the lexer knows them.
  Plain, Identifier, NumberLiteral, LogicOp, AddOp, OrOp, MulOp, UnaryOp,
];

const lexer = new Lexer(ALL_TOKENS, { positionTracking: 'onlyOffset', ensureOptimizations: true });

const KIND = new Map<TokenType, TokenKind>([
  [Str, 'str'], [Char, 'char'], [Reloc, 'reloc'], [LocalRef, 'localref'],
  [HexNumber, 'num'], [BinNumber, 'num'], [OctNumber, 'num'], [DecNumber, 'num'], [BadNumber, 'num'],
  [Register, 'ident'], [PlainIdentifier, 'ident'],
]);

const ESCAPES: Record<string, number> = { n: 10, t: 9, r: 13, b: 8, f: 12, v: 11, a: 7, e: 27, '\\': 92, "'": 39, '"': 34 };

/** Reads one possibly-escaped character at `i`; returns its code and the next index. */
function readChar(text: string, i: number): [number, number] {
  if (text[i] !== '\\') return [text.charCodeAt(i), i + 1];
  const c = text[i + 1];
  if (c === undefined) return [92, i + 1];
  if (c in ESCAPES) return [ESCAPES[c], i + 2];
  if (c >= '0' && c <= '7') {
    let j = i + 1;
    let v = 0;
    while (j < text.length && j < i + 4 && text[j] >= '0' && text[j] <= '7') v = v * 8 + Number(text[j++]);
    return [v & 0xff, j];
  }
  if (c === 'x') {
    let j = i + 2;
    let v = 0;
    while (j < text.length && /[0-9a-fA-F]/.test(text[j])) v = (v * 16 + parseInt(text[j++], 16)) & 0xff;
    return [v, j];
  }
  return [text.charCodeAt(i + 1), i + 2];
}

export function parseNumber(text: string): bigint | undefined {
  try {
    if (/^0[xX][0-9a-fA-F]+$/.test(text)) return BigInt(text);
    if (/^0[bB][01]+$/.test(text)) return BigInt(text);
    if (/^0[0-7]+$/.test(text)) return BigInt('0o' + text.slice(1));
    if (/^[0-9]+$/.test(text)) return BigInt(text);
  } catch {
    return undefined;
  }
  return undefined;
}

/** A token made outside the lexer (e.g. cpp's `defined(X)` result), with `range`. */
export function makeToken(tokenType: TokenType, kind: TokenKind, text: string, range: SourceRange, value?: bigint): Token {
  return {
    image: text, startOffset: range.column - 1, endOffset: range.endColumn - 2, tokenType, tokenTypeIdx: tokenType.tokenTypeIdx ?? 0,
    kind, text, range, ...(value !== undefined ? { value } : {}),
  };
}

export interface LexResult {
  tokens: Token[];
  diagnostics: Diagnostic[];
}

/**
 * Tokenises one source line. `defines` are cpp object-like macros active on this line;
 * a substituted token keeps the range of the identifier it replaced.
 */
export function lexLine(text: string, file: string, line: number, defines?: ReadonlyMap<string, string>): LexResult {
  const tokens: Token[] = [];
  const diagnostics: Diagnostic[] = [];
  const at = (s: number, e: number): SourceRange => ({ file, line, column: s + 1, endLine: line, endColumn: e + 1 });
  const lexed = lexer.tokenize(text);
  // Any other character: chevrotain skips it and reports the run; we report each character.
  for (const e of lexed.errors) {
    for (let k = e.offset; k < e.offset + e.length; k++) {
      diagnostics.push({ severity: 'error', message: `unexpected character '${text[k]}'`, range: at(k, k + 1), code: 'bad-char' });
    }
  }
  for (const raw of lexed.tokens) {
    const type = raw.tokenType;
    const image = raw.image;
    const range = at(raw.startOffset, raw.startOffset + image.length);
    const kind = KIND.get(type) ?? 'punct';
    const token: Token = { image, startOffset: raw.startOffset, endOffset: raw.endOffset, tokenType: type, tokenTypeIdx: raw.tokenTypeIdx, kind, text: image, range };
    switch (type) {
      case PlainIdentifier:
      case Register: {
        const replacement = defines?.get(image);
        if (replacement !== undefined && defines) {
          const inner = new Map(defines);
          inner.delete(image); // a macro does not expand inside its own body (cpp rule)
          for (const t of lexLine(replacement, file, line, inner).tokens) tokens.push({ ...t, range });
          continue;
        }
        break;
      }
      case HexNumber:
      case BinNumber:
      case OctNumber:
      case DecNumber:
        token.value = parseNumber(image) ?? 0n;
        break;
      case BadNumber:
        diagnostics.push({ severity: 'error', message: `bad number '${image}'`, range, code: 'bad-number' });
        token.value = 0n;
        break;
      case Char:
        token.value = BigInt(readChar(image, 1)[0]);
        break;
      case LoneQuote:
        diagnostics.push({ severity: 'error', message: 'unterminated character constant', range, code: 'bad-char' });
        continue;
      case Str: {
        const bytes: number[] = [];
        let j = 1;
        while (j < image.length && !(image[j] === '"' && j === image.length - 1)) {
          const [code, next] = readChar(image, j);
          if (code > 0xff) bytes.push(...Buffer.from(String.fromCharCode(code), 'utf8'));
          else bytes.push(code);
          j = next;
        }
        if (j >= image.length) diagnostics.push({ severity: 'error', message: 'unterminated string', range, code: 'bad-string' });
        token.bytes = bytes;
        break;
      }
      case Reloc:
        token.text = image.slice(1);
        break;
      default:
        break;
    }
    tokens.push(token);
  }
  return { tokens, diagnostics };
}
