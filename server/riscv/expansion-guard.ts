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

const INCLUDES = /^[ \t]*(?:\.include|#[ \t]*include)[ \t]+"([^"]+)"/gm;
const DEFINES = /^[ \t]*(?:\.(?:equ|set|equiv)[ \t]+([A-Za-z_.$][\w.$]*)[ \t]*,([^\n]*)|([A-Za-z_.$][\w.$]*)[ \t]*=([^\n]*)|#[ \t]*define[ \t]+([A-Za-z_.$][\w.$]*)[ \t]+([^\n]*))$/gm;
const BLOCKS = /^[ \t]*(?:[\w.$]+:[ \t]*)?\.(rept|irpc|irp|endr|zero|space|skip|fill)\b([^\n]*)$/gm;

const stripComment = (text: string): string => text.replace(/\/\*.*?\*\//g, ' ').replace(/(^|\s)(#|\/\/).*$/, '$1').trim();

interface Scan {
  text: string;
  includes: string[];
  names: [string, string][];
  /** `.rept`/`.irp`/`.endr`/`.zero`… in order, with the offset for the line number. */
  blocks: { kind: string; arg: string; index: number }[];
}
/** Scans by file, reused while the file's text is the same string. */
const scans = new Map<string, Scan>();

function scan(file: string, text: string): Scan {
  const hit = scans.get(file);
  if (hit && hit.text === text) return hit;
  const s: Scan = {
    text,
    includes: [...text.matchAll(INCLUDES)].map((m) => path.resolve(path.dirname(file), m[1])),
    names: [...text.matchAll(DEFINES)].map((m) => [m[1] ?? m[3] ?? m[5], stripComment(m[2] ?? m[4] ?? m[6])]),
    blocks: [...text.matchAll(BLOCKS)].map((m) => ({ kind: m[1], arg: stripComment(m[2]), index: m.index ?? 0 })),
  };
  if (scans.size > 512) scans.clear();
  scans.set(file, s);
  return s;
}

/** Forgets the remembered scans (tests compare against a from-scratch analysis). */
export function clearExpansionScans(): void {
  scans.clear();
}

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
  const scanned: [string, Scan][] = [];
  const seen = new Set<string>();
  const queue = [...sources];
  while (queue.length && scanned.length < 256) {
    const f = queue.shift() as string;
    if (seen.has(f)) continue;
    seen.add(f);
    const text = read(f);
    if (text === undefined) continue;
    const sc = scan(f, text);
    scanned.push([f, sc]);
    queue.push(...sc.includes);
  }
  const names = new Map<string, string>();
  for (const [, sc] of scanned) for (const [n, v] of sc.names) names.set(n, v);
  for (const [file, sc] of scanned) {
    const stack: bigint[] = [];
    for (const b of sc.blocks) {
      const factor = stack.reduce((a, x) => a * x, 1n);
      if (b.kind === 'rept') {
        const count = evaluateCount(b.arg, names) ?? 1n;
        stack.push(count > 0n ? count : 0n);
        if (factor * count > BigInt(MAX_REPETITIONS)) return problem(lineRange(file, sc.text, b.index), `this .rept repeats its block ${factor * count} times, over the editor's limit of ${MAX_REPETITIONS}`);
      } else if (b.kind === 'irp' || b.kind === 'irpc') stack.push(1n);
      else if (b.kind === 'endr') stack.pop();
      else {
        const size = evaluateCount(b.arg.split(',')[0].trim(), names);
        if (size !== undefined && size * factor > BigInt(MAX_RESERVED_BYTES)) return problem(lineRange(file, sc.text, b.index), `this reserves ${size * factor} bytes, over the editor's limit of ${MAX_RESERVED_BYTES}`);
      }
    }
  }
  return undefined;
}

function lineRange(file: string, text: string, index: number): Diagnostic['range'] {
  let line = 1;
  for (let i = text.indexOf('\n'); i >= 0 && i < index; i = text.indexOf('\n', i + 1)) line++;
  const start = text.lastIndexOf('\n', index - 1) + 1;
  const end = text.indexOf('\n', index);
  return { file, line, column: 1, endLine: line, endColumn: (end < 0 ? text.length : end) - start + 1 };
}

function problem(range: Diagnostic['range'], what: string): Diagnostic {
  return {
    severity: 'warning',
    code: 'too-large-to-check',
    range,
    message: `${what}; the editor does not assemble this link (no assembler diagnostics or kernel checks) — \`hyperlab asm\` still does`,
  };
}
