/**
 * Line lexer for GNU `as` RISC-V syntax. Hand-written rather than generated: statements never
 * span lines, cpp object-like macros are substituted per token (so columns stay those of the
 * source the user sees), and the same function serves the assembler and the language server.
 */
import type { Diagnostic, SourceRange } from '../../diagnostics';

export type TokenKind = 'ident' | 'num' | 'localref' | 'char' | 'str' | 'reloc' | 'punct';

export interface Token {
  kind: TokenKind;
  text: string;
  /** Numeric value for `num` and `char`; decoded bytes for `str` are in `bytes`. */
  value?: bigint;
  bytes?: number[];
  range: SourceRange;
}

export const RELOC_OPERATORS = new Set(['hi', 'lo', 'pcrel_hi', 'pcrel_lo']);

const PUNCT2 = ['<<', '>>', '==', '!=', '<>', '<=', '>=', '&&', '||'];
const PUNCT1 = ',():=+-*/%&|^~!<>\\@;[]{}';

const isIdentStart = (c: string): boolean => /[A-Za-z_.$]/.test(c);
const isIdentChar = (c: string): boolean => /[A-Za-z0-9_.$]/.test(c);

const ESCAPES: Record<string, number> = { n: 10, t: 9, r: 13, b: 8, f: 12, v: 11, a: 7, e: 27, '\\': 92, "'": 39, '"': 34 };

/** Reads one possibly-escaped character at `i`; returns its code and the next index. */
function readChar(text: string, i: number): [number, number] {
  if (text[i] !== '\\') return [text.charCodeAt(i), i + 1];
  const c = text[i + 1];
  if (c === undefined) return [92, i + 1];
  if (c in ESCAPES) return [ESCAPES[c], i + 2];
  if (/[0-7]/.test(c)) {
    let j = i + 1;
    let v = 0;
    while (j < text.length && j < i + 4 && /[0-7]/.test(text[j])) v = v * 8 + Number(text[j++]);
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

export interface LexResult {
  tokens: Token[];
  diagnostics: Diagnostic[];
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

/**
 * Tokenises one source line. `defines` are cpp object-like macros active on this line;
 * a substituted token keeps the range of the identifier it replaced.
 */
export function lexLine(
  text: string,
  file: string,
  line: number,
  defines?: ReadonlyMap<string, string>,
): LexResult {
  const tokens: Token[] = [];
  const diagnostics: Diagnostic[] = [];
  const at = (s: number, e: number): SourceRange => ({ file, line, column: s + 1, endLine: line, endColumn: e + 1 });
  let i = 0;
  while (i < text.length) {
    const c = text[i];
    if (c === ' ' || c === '\t' || c === '\r' || c === '\f' || c === '\v') {
      i++;
      continue;
    }
    if (c === '#' || (c === '/' && text[i + 1] === '/')) break;
    const start = i;
    if (isIdentStart(c)) {
      while (i < text.length && isIdentChar(text[i])) i++;
      const name = text.slice(start, i);
      const replacement = defines?.get(name);
      if (replacement !== undefined && defines) {
        const inner = new Map(defines);
        inner.delete(name); // a macro does not expand inside its own body (cpp rule)
        for (const t of lexLine(replacement, file, line, inner).tokens) tokens.push({ ...t, range: at(start, i) });
      } else {
        tokens.push({ kind: 'ident', text: name, range: at(start, i) });
      }
      continue;
    }
    if (/[0-9]/.test(c)) {
      while (i < text.length && /[0-9A-Za-z_]/.test(text[i])) i++;
      const word = text.slice(start, i);
      if (/^[0-9]+[bf]$/.test(word) && !/^0[bB][01]+$/.test(word)) {
        tokens.push({ kind: 'localref', text: word, range: at(start, i) });
        continue;
      }
      const value = parseNumber(word);
      if (value === undefined) diagnostics.push({ severity: 'error', message: `bad number '${word}'`, range: at(start, i), code: 'bad-number' });
      tokens.push({ kind: 'num', text: word, value: value ?? 0n, range: at(start, i) });
      continue;
    }
    if (c === "'") {
      if (i + 1 >= text.length) {
        diagnostics.push({ severity: 'error', message: 'unterminated character constant', range: at(start, i + 1), code: 'bad-char' });
        i++;
        continue;
      }
      const [code, next] = readChar(text, i + 1);
      i = text[next] === "'" ? next + 1 : next;
      tokens.push({ kind: 'char', text: text.slice(start, i), value: BigInt(code), range: at(start, i) });
      continue;
    }
    if (c === '"') {
      const bytes: number[] = [];
      let j = i + 1;
      while (j < text.length && text[j] !== '"') {
        const [code, next] = readChar(text, j);
        if (code > 0xff) bytes.push(...Buffer.from(String.fromCharCode(code), 'utf8'));
        else bytes.push(code);
        j = next;
      }
      if (j >= text.length) diagnostics.push({ severity: 'error', message: 'unterminated string', range: at(start, j), code: 'bad-string' });
      i = Math.min(j + 1, text.length);
      tokens.push({ kind: 'str', text: text.slice(start, i), bytes, range: at(start, i) });
      continue;
    }
    if (c === '%') {
      const m = /^%([A-Za-z_]\w*)/.exec(text.slice(i));
      if (m && RELOC_OPERATORS.has(m[1])) {
        i += m[0].length;
        tokens.push({ kind: 'reloc', text: m[1], range: at(start, i) });
        continue;
      }
    }
    const two = text.slice(i, i + 2);
    if (PUNCT2.includes(two)) {
      i += 2;
      tokens.push({ kind: 'punct', text: two, range: at(start, i) });
      continue;
    }
    if (PUNCT1.includes(c)) {
      i++;
      tokens.push({ kind: 'punct', text: c, range: at(start, i) });
      continue;
    }
    diagnostics.push({ severity: 'error', message: `unexpected character '${c}'`, range: at(start, i + 1), code: 'bad-char' });
    i++;
  }
  return { tokens, diagnostics };
}
