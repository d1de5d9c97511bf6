/**
 * Keeps the editor responsive on sources that would make the assembler run for seconds or
 * allocate gigabytes: `.rept` counts that multiply to millions of lines, `.zero`/`.space` of
 * hundreds of megabytes. The assembler has no such limit (a command-line build may want it);
 * in the editor, where it runs on every keystroke, a file over the limit is not assembled and
 * says why. The scan is textual: counts are evaluated when they are literals, simple
 * expressions, or names given such a value by `.equ`/`.set`/`=`/`#define` in the scanned files.
 */
import * as path from 'node:path';
import type { Diagnostic } from '../../simulator/diagnostics';
import type { ReadText } from './build';

/** Repetitions of one line (product of nested `.rept` counts). */
export const MAX_REPETITIONS = 100_000;
/** Bytes one `.zero`/`.space`/`.skip`/`.fill` (times its repetitions) may reserve. */
export const MAX_RESERVED_BYTES = 64 * 1024 * 1024;

const INCLUDE = /^\s*(?:\.include|#\s*include)\s+"([^"]+)"/;
const DEFINE = /^\s*(?:\.(?:equ|set|equiv)\s+([A-Za-z_.$][\w.$]*)\s*,\s*(.+)|([A-Za-z_.$][\w.$]*)\s*=\s*(.+)|#\s*define\s+([A-Za-z_.$][\w.$]*)\s+(.+))$/;
const REPT = /^\s*(?:[\w.$]+:\s*)?\.rept\s+(.+)$/;
const END_REPT = /^\s*(?:[\w.$]+:\s*)?\.(?:endr)\b/;
const BLOCK = /^\s*(?:[\w.$]+:\s*)?\.(?:irp|irpc)\b/;
const RESERVE = /^\s*(?:[\w.$]+:\s*)?\.(?:zero|space|skip|fill)\s+([^,]+)/;

const stripComment = (line: string): string => line.replace(/\/\*.*?\*\//g, ' ').replace(/(^|\s)(#(?!\s*(define|include)\b)|\/\/).*$/, '$1').trim();

/** A small evaluator for the count expressions found in practice; undefined when it cannot tell. */
export function evaluateCount(text: string, names: ReadonlyMap<string, string>, depth = 0): bigint | undefined {
  if (depth > 8) return undefined;
  const tokens = text.match(/0[xX][0-9a-fA-F]+|0[bB][01]+|\d+|[A-Za-z_.$][\w.$]*|<<|>>|[-+*/()|&^~]/g);
  if (!tokens || tokens.join('').length !== text.replace(/\s+/g, '').length) return undefined;
  let i = 0;
  const primary = (): bigint | undefined => {
    const t = tokens[i++];
    if (t === undefined) return undefined;
    if (t === '(') {
      const v = or();
      return tokens[i++] === ')' ? v : undefined;
    }
    if (t === '-') { const v = primary(); return v === undefined ? undefined : -v; }
    if (t === '~') { const v = primary(); return v === undefined ? undefined : ~v; }
    if (/^[0-9]/.test(t)) return /^0[0-7]+$/.test(t) ? BigInt(`0o${t.slice(1)}`) : BigInt(t);
    const def = names.get(t);
    return def === undefined ? undefined : evaluateCount(def, names, depth + 1);
  };
  const binary = (next: () => bigint | undefined, ops: string[], apply: (op: string, a: bigint, b: bigint) => bigint | undefined) => (): bigint | undefined => {
    let a = next();
    while (a !== undefined && ops.includes(tokens[i])) {
      const op = tokens[i++];
      const b = next();
      a = b === undefined ? undefined : apply(op, a, b);
    }
    return a;
  };
  const mul = binary(primary, ['*', '/'], (op, a, b) => (op === '*' ? a * b : b === 0n ? undefined : a / b));
  const shift = binary(mul, ['<<', '>>'], (op, a, b) => (b < 0n || b > 64n ? undefined : op === '<<' ? a << b : a >> b));
  const add = binary(shift, ['+', '-'], (op, a, b) => (op === '+' ? a + b : a - b));
  const or = binary(add, ['|', '&', '^'], (op, a, b) => (op === '|' ? a | b : op === '&' ? a & b : a ^ b));
  const v = or();
  return i === tokens.length ? v : undefined;
}

/** The first place in the link's sources (and what they include) that exceeds the limits. */
export function expansionProblem(sources: readonly string[], read: ReadText): Diagnostic | undefined {
  const texts: [string, string][] = [];
  const seen = new Set<string>();
  const queue = [...sources];
  while (queue.length && texts.length < 256) {
    const f = queue.shift() as string;
    if (seen.has(f)) continue;
    seen.add(f);
    const text = read(f);
    if (text === undefined) continue;
    texts.push([f, text]);
    for (const line of text.split('\n')) {
      const m = INCLUDE.exec(line);
      if (m) queue.push(path.resolve(path.dirname(f), m[1]));
    }
  }
  const names = new Map<string, string>();
  for (const [, text] of texts) {
    for (const raw of text.split('\n')) {
      const m = DEFINE.exec(stripComment(raw));
      if (m) names.set(m[1] ?? m[3] ?? m[5], (m[2] ?? m[4] ?? m[6]).trim());
    }
  }
  for (const [file, text] of texts) {
    const stack: bigint[] = [];
    const lines = text.split('\n');
    for (let n = 0; n < lines.length; n++) {
      const line = stripComment(lines[n]);
      const factor = stack.reduce((a, b) => a * b, 1n);
      const at = { file, line: n + 1, column: 1, endLine: n + 1, endColumn: lines[n].length + 1 };
      const rept = REPT.exec(line);
      if (rept) {
        const count = evaluateCount(rept[1].trim(), names) ?? 1n;
        stack.push(count > 0n ? count : 0n);
        if (factor * count > BigInt(MAX_REPETITIONS)) {
          return problem(at, `this .rept repeats its block ${factor * count} times, over the editor's limit of ${MAX_REPETITIONS}`);
        }
        continue;
      }
      if (BLOCK.test(line)) stack.push(1n);
      else if (END_REPT.test(line)) stack.pop();
      const reserve = RESERVE.exec(line);
      if (reserve) {
        const size = evaluateCount(reserve[1].trim(), names);
        if (size !== undefined && size * factor > BigInt(MAX_RESERVED_BYTES)) {
          return problem(at, `this reserves ${size * factor} bytes, over the editor's limit of ${MAX_RESERVED_BYTES}`);
        }
      }
    }
  }
  return undefined;
}

function problem(range: Diagnostic['range'], what: string): Diagnostic {
  return {
    severity: 'warning',
    code: 'too-large-to-check',
    range,
    message: `${what}; the editor does not assemble this link (no assembler diagnostics or kernel checks) — \`hyperlab asm\` still does`,
  };
}
