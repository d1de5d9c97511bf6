/**
 * The C-preprocessor subset that `.S` files rely on: object-like `#define`/`#undef`,
 * `#include "file"`, and `#if/#ifdef/#ifndef/#elif/#else/#endif`. Lines are not rewritten:
 * each output line carries the define table active on it and the lexer substitutes per token,
 * so every column still points into the file the user wrote. Lines starting with `#` that are
 * not a directive are `as` comments (e.g. `# exit: ...`), as with `gcc -x assembler-with-cpp`.
 */
import type { Diagnostic, SourceRange } from '../../diagnostics';
import { DecNumber, lexLine, makeToken, type Token } from './lexer';
import { alignLineCache } from './line-cache';

export interface SourceLine {
  file: string;
  line: number;
  text: string;
  defines: ReadonlyMap<string, string>;
}

export interface PreprocessOptions {
  readFile?: (path: string) => string | undefined;
  defines?: ReadonlyMap<string, string>;
}

export interface PreprocessResult {
  lines: SourceLine[];
  diagnostics: Diagnostic[];
  /** `#include` lines with the resolved path (undefined when the file was not found). */
  includes: { range: SourceRange; path: string; resolved?: string }[];
  /** Final define table, e.g. for hover in the editor. */
  defines: ReadonlyMap<string, string>;
}

const DIRECTIVES = new Set(['define', 'undef', 'include', 'ifdef', 'ifndef', 'if', 'elif', 'else', 'endif', 'error', 'warning', 'pragma', 'line']);
const MAX_INCLUDE_DEPTH = 32;

/** Replaces `/* … *\/` comments with spaces, keeping newlines so line numbers do not move. */
export function blankBlockComments(text: string): string {
  // Most files have none: skip the character-by-character copy (it runs on every keystroke).
  if (!text.includes('/*')) return text;
  let out = '';
  let i = 0;
  let inString = false;
  while (i < text.length) {
    const c = text[i];
    if (inString) {
      out += c;
      if (c === '\\' && i + 1 < text.length) out += text[++i];
      else if (c === '"' || c === '\n') inString = false;
      i++;
    } else if (c === '"') {
      inString = true;
      out += c;
      i++;
    } else if (c === '/' && text[i + 1] === '*') {
      const end = text.indexOf('*/', i + 2);
      const stop = end < 0 ? text.length : end + 2;
      out += text.slice(i, stop).replace(/[^\n]/g, ' ');
      i = stop;
    } else {
      out += c;
      i++;
    }
  }
  return out;
}

export function dirname(path: string): string {
  const k = path.lastIndexOf('/');
  return k < 0 ? '' : path.slice(0, k + 1);
}

export function resolveRelative(from: string, target: string): string {
  if (target.startsWith('/')) return target;
  const parts = (dirname(from) + target).split('/');
  const out: string[] = [];
  for (const p of parts) {
    if (p === '..' && out.length && out[out.length - 1] !== '..' && out[out.length - 1] !== '') out.pop();
    else if (p !== '.') out.push(p);
  }
  return out.join('/');
}

/**
 * cpp substitution over a piece of text: every identifier that names an object-like macro is
 * replaced (recursively, a macro never inside its own expansion); strings, character literals
 * and numbers are left alone. Used for macro arguments, which cpp expands at the call site.
 */
export function expandDefines(text: string, defines: ReadonlyMap<string, string>): string {
  if (defines.size === 0) return text;
  return text.replace(/"(?:\\[\s\S]|[^"\\])*"?|'(?:\\[\s\S]|[^\\])?'?|[0-9][\w.$]*|[A-Za-z_.$][\w.$]*/g, (word) => {
    const replacement = defines.get(word);
    if (replacement === undefined) return word;
    const inner = new Map(defines);
    inner.delete(word);
    return expandDefines(replacement, inner);
  });
}

interface Cond {
  active: boolean;
  taken: boolean;
  parentActive: boolean;
  sawElse: boolean;
}

/** Evaluates a `#if` expression with C precedence; unknown identifiers are 0, as in cpp. */
function evalCppExpr(tokens: Token[], defines: ReadonlyMap<string, string>): bigint {
  // Resolve defined(X) before macro expansion, then expand and evaluate.
  const flat: Token[] = [];
  for (let i = 0; i < tokens.length; i++) {
    const t = tokens[i];
    if (t.kind === 'ident' && t.text === 'defined') {
      let j = i + 1;
      const paren = tokens[j]?.text === '(';
      if (paren) j++;
      const name = tokens[j];
      if (!name || name.kind !== 'ident') throw new Error('defined() needs a macro name');
      if (paren) {
        j++;
        if (tokens[j]?.text !== ')') throw new Error("')' expected after defined(NAME");
      }
      flat.push(makeToken(DecNumber, 'num', '', t.range, defines.has(name.text) ? 1n : 0n));
      i = j;
      continue;
    }
    flat.push(t);
  }
  let pos = 0;
  const peek = (): string | undefined => flat[pos]?.text;
  const eat = (s: string): boolean => (peek() === s && flat[pos].kind !== 'str' ? (pos++, true) : false);
  const bin: string[][] = [['||'], ['&&'], ['|'], ['^'], ['&'], ['==', '!='], ['<', '>', '<=', '>='], ['<<', '>>'], ['+', '-'], ['*', '/', '%']];
  const truth = (b: boolean): bigint => (b ? 1n : 0n);
  const applyBin = (op: string, a: bigint, b: bigint): bigint => {
    switch (op) {
      case '||': return truth(a !== 0n || b !== 0n);
      case '&&': return truth(a !== 0n && b !== 0n);
      case '|': return a | b;
      case '^': return a ^ b;
      case '&': return a & b;
      case '==': return truth(a === b);
      case '!=': return truth(a !== b);
      case '<': return truth(a < b);
      case '>': return truth(a > b);
      case '<=': return truth(a <= b);
      case '>=': return truth(a >= b);
      case '<<': return BigInt.asIntN(64, a << b);
      case '>>': return a >> b;
      case '+': return BigInt.asIntN(64, a + b);
      case '-': return BigInt.asIntN(64, a - b);
      case '*': return BigInt.asIntN(64, a * b);
      default:
        if (b === 0n) throw new Error('division by zero in #if');
        return op === '/' ? a / b : a % b;
    }
  };
  const primary = (): bigint => {
    const t = flat[pos++];
    if (!t) throw new Error('expression expected in #if');
    if (t.kind === 'num' || t.kind === 'char') return t.value ?? 0n;
    if (t.kind === 'ident') {
      const v = defines.get(t.text);
      if (v === undefined) return 0n;
      return evalCppExpr(lexLine(v, t.range.file, t.range.line).tokens, new Map([...defines].filter(([k]) => k !== t.text)));
    }
    if (t.text === '(') {
      const v = ternary();
      if (!eat(')')) throw new Error("')' expected in #if");
      return v;
    }
    if (t.text === '-') return -primary();
    if (t.text === '+') return primary();
    if (t.text === '!') return truth(primary() === 0n);
    if (t.text === '~') return ~primary();
    throw new Error(`unexpected '${t.text}' in #if`);
  };
  const level = (k: number): bigint => {
    if (k >= bin.length) return primary();
    let v = level(k + 1);
    for (;;) {
      const op = peek();
      if (op === undefined || !bin[k].includes(op)) return v;
      pos++;
      v = applyBin(op, v, level(k + 1));
    }
  };
  const ternary = (): bigint => {
    const c = level(0);
    if (!eat('?')) return c;
    const a = ternary();
    if (!eat(':')) throw new Error("':' expected in #if");
    const b = ternary();
    return c !== 0n ? a : b;
  };
  const v = ternary();
  if (pos < flat.length) throw new Error(`unexpected '${flat[pos].text}' in #if`);
  return v;
}

export function preprocess(file: string, text: string, options: PreprocessOptions = {}): PreprocessResult {
  const result: PreprocessResult = { lines: [], diagnostics: [], includes: [], defines: new Map() };
  let defines: Map<string, string> = new Map(options.defines ?? []);

  const run = (path: string, source: string, depth: number): void => {
    const lines = blankBlockComments(source).split('\n');
    alignLineCache(path, lines);
    const conds: Cond[] = [];
    const active = (): boolean => conds.length === 0 || conds[conds.length - 1].active;
    lines.forEach((raw, index) => {
      const lineNo = index + 1;
      const m = /^\s*#\s*([A-Za-z_]\w*)?(.*)$/.exec(raw);
      const word = m?.[1];
      if (!m || word === undefined || !DIRECTIVES.has(word)) {
        if (active()) result.lines.push({ file: path, line: lineNo, text: m ? '' : raw, defines });
        return;
      }
      const col = raw.indexOf(word) + 1;
      const range: SourceRange = { file: path, line: lineNo, column: raw.indexOf('#') + 1, endLine: lineNo, endColumn: raw.length + 1 };
      const error = (message: string): void => {
        result.diagnostics.push({ severity: 'error', message, range, code: 'preprocessor' });
      };
      const rest = m[2];
      const restTokens = (): Token[] => {
        const lexed = lexLine(rest, path, lineNo);
        // Shift columns so ranges point at the text after the directive word.
        const shift = col - 1 + word.length;
        return lexed.tokens.map((t) => ({ ...t, range: { ...t.range, column: t.range.column + shift, endColumn: t.range.endColumn + shift } }));
      };
      switch (word) {
        case 'ifdef':
        case 'ifndef': {
          const name = rest.trim().split(/\s+/)[0];
          if (!name) error(`#${word} needs a macro name`);
          const yes = defines.has(name) === (word === 'ifdef');
          const parentActive = active();
          conds.push({ active: parentActive && yes, taken: yes, parentActive, sawElse: false });
          return;
        }
        case 'if': {
          const parentActive = active();
          let yes = false;
          if (parentActive) {
            try {
              yes = evalCppExpr(restTokens(), defines) !== 0n;
            } catch (e) {
              error((e as Error).message);
            }
          }
          conds.push({ active: parentActive && yes, taken: yes, parentActive, sawElse: false });
          return;
        }
        case 'elif':
        case 'else': {
          const top = conds[conds.length - 1];
          if (!top) return error(`#${word} without #if`);
          if (top.sawElse) return error(`#${word} after #else`);
          let yes = !top.taken;
          if (word === 'elif' && yes && top.parentActive) {
            try {
              yes = evalCppExpr(restTokens(), defines) !== 0n;
            } catch (e) {
              error((e as Error).message);
              yes = false;
            }
          }
          if (word === 'else') top.sawElse = true;
          top.active = top.parentActive && yes;
          top.taken = top.taken || yes;
          return;
        }
        case 'endif':
          if (!conds.pop()) error('#endif without #if');
          return;
        default:
          break;
      }
      if (!active()) return;
      switch (word) {
        case 'define': {
          const dm = /^\s+([A-Za-z_]\w*)(\(?)\s*(.*)$/.exec(rest);
          if (!dm) return error('#define needs a macro name');
          if (dm[2]) return error(`function-like macro ${dm[1]}() is not supported; only object-like #define NAME value`);
          defines = new Map(defines);
          defines.set(dm[1], dm[3].trim());
          return;
        }
        case 'undef': {
          const name = rest.trim();
          if (defines.has(name)) {
            defines = new Map(defines);
            defines.delete(name);
          }
          return;
        }
        case 'include': {
          const im = /^\s*(?:"([^"]+)"|<([^>]+)>)/.exec(rest);
          if (!im) return error('#include expects "file"');
          const target = im[1] ?? im[2];
          if (depth >= MAX_INCLUDE_DEPTH) return error(`#include nested too deeply (${MAX_INCLUDE_DEPTH})`);
          const resolved = resolveRelative(path, target);
          const content = options.readFile?.(resolved);
          result.includes.push({ range, path: target, resolved: content === undefined ? undefined : resolved });
          if (content === undefined) return error(`cannot find include file "${target}"`);
          run(resolved, content, depth + 1);
          return;
        }
        case 'error':
          return error(`#error${rest}`);
        case 'warning':
          result.diagnostics.push({ severity: 'warning', message: `#warning${rest}`, range, code: 'preprocessor' });
          return;
        default:
          return; // #pragma, #line: accepted and ignored
      }
    });
    for (let k = 0; k < conds.length; k++) {
      result.diagnostics.push({
        severity: 'error',
        message: 'unterminated #if/#ifdef (missing #endif)',
        range: { file: path, line: lines.length, column: 1, endLine: lines.length, endColumn: 1 },
        code: 'preprocessor',
      });
    }
  };
  run(file, text, 0);
  result.defines = defines;
  return result;
}
