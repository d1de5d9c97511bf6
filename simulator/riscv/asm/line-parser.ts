/**
 * Turns the tokens of one line into statements. Errors stay inside the statement that caused
 * them: a bad operand yields a diagnostic and the statement is dropped, the rest of the line
 * and the rest of the file still parse.
 */
import type { Diagnostic } from '../../diagnostics';
import { registerNumber } from '../isa/registers';
import { ExprError, parseExpr } from './expr-parser';
import type { Token } from './lexer';
import { spanRange, type DirectiveArg, type Operand, type Statement } from './syntax';

export interface LineParse {
  statements: Statement[];
  diagnostics: Diagnostic[];
}

/** Splits at top-level commas (outside parentheses). An empty list yields no groups. */
export function splitCommas(tokens: Token[]): Token[][] {
  if (tokens.length === 0) return [];
  const groups: Token[][] = [[]];
  let depth = 0;
  for (const t of tokens) {
    if (t.kind === 'punct') {
      if (t.text === '(') depth++;
      else if (t.text === ')') depth--;
      else if (t.text === ',' && depth === 0) {
        groups.push([]);
        continue;
      }
    }
    groups[groups.length - 1].push(t);
  }
  return groups;
}

export function exprErrorDiagnostic(e: unknown, fallback: Token): Diagnostic {
  const message = e instanceof Error ? e.message : String(e);
  const token = e instanceof ExprError && e.token ? e.token : fallback;
  return { severity: 'error', message, range: token.range, code: 'syntax' };
}

/** Parses `expr`, `(reg)` or `expr(reg)`. */
export function parseOperand(group: Token[]): Operand {
  const n = group.length;
  const range = spanRange(group[0].range, group[n - 1].range);
  const close = group[n - 1];
  const reg = group[n - 2];
  const open = group[n - 3];
  if (
    n >= 3 &&
    close.kind === 'punct' && close.text === ')' &&
    reg.kind === 'ident' && registerNumber(reg.text) !== undefined &&
    open.kind === 'punct' && open.text === '(' &&
    !(n >= 4 && group[n - 4].kind === 'reloc')
  ) {
    const offsetTokens = group.slice(0, n - 3);
    const offset = offsetTokens.length ? parseExpr(offsetTokens) : undefined;
    return { kind: 'mem', offset, base: reg.text, baseRange: reg.range, range };
  }
  return { kind: 'expr', expr: parseExpr(group), range };
}

function isPunct(t: Token | undefined, text: string): boolean {
  return t !== undefined && t.kind === 'punct' && t.text === text;
}

function parseSegment(seg: Token[], out: LineParse): void {
  let i = 0;
  while (i + 1 < seg.length && (seg[i].kind === 'ident' || seg[i].kind === 'num') && isPunct(seg[i + 1], ':')) {
    out.statements.push({
      kind: 'label',
      name: seg[i].text,
      numeric: seg[i].kind === 'num',
      range: seg[i].range,
    });
    i += 2;
  }
  if (i >= seg.length) return;
  const head = seg[i];
  const rest = seg.slice(i + 1);
  const range = spanRange(head.range, seg[seg.length - 1].range);
  if (head.kind !== 'ident') {
    out.diagnostics.push({ severity: 'error', message: `expected an instruction, directive or label, found '${head.text}'`, range: head.range, code: 'syntax' });
    return;
  }
  if (isPunct(rest[0], '=') || isPunct(rest[0], '==')) {
    try {
      if (rest.length < 2) throw new ExprError('expression expected after =', rest[0]);
      out.statements.push({ kind: 'assign', name: head.text, nameRange: head.range, value: parseExpr(rest.slice(1)), range });
    } catch (e) {
      out.diagnostics.push(exprErrorDiagnostic(e, head));
    }
    return;
  }
  if (head.text.startsWith('.')) {
    const args: DirectiveArg[] = splitCommas(rest).map((tokens) => ({
      tokens,
      range: tokens.length ? spanRange(tokens[0].range, tokens[tokens.length - 1].range) : head.range,
    }));
    out.statements.push({ kind: 'directive', name: head.text, nameRange: head.range, args, range });
    return;
  }
  const rawOperands = splitCommas(rest);
  const operands: Operand[] = [];
  const operandDiagnostics: Diagnostic[] = [];
  for (const group of rawOperands) {
    if (group.length === 0) {
      operandDiagnostics.push({ severity: 'error', message: `empty operand in ${head.text}`, range, code: 'syntax' });
      continue;
    }
    try {
      operands.push(parseOperand(group));
    } catch (e) {
      // A macro argument need not be a valid expression: the error is held on the statement
      // and reported only if the mnemonic turns out not to be a macro.
      operandDiagnostics.push(exprErrorDiagnostic(e, group[0]));
      operands.push({ kind: 'expr', expr: { kind: 'num', value: 0n, range: group[0].range }, range: group[0].range });
    }
  }
  out.statements.push({ kind: 'instruction', mnemonic: head.text, mnemonicRange: head.range, operands, rawOperands, operandDiagnostics, range });
}

/** Parses one line's tokens; `;` separates statements. */
export function parseLine(tokens: Token[]): LineParse {
  const out: LineParse = { statements: [], diagnostics: [] };
  let seg: Token[] = [];
  for (const t of tokens) {
    if (isPunct(t, ';')) {
      parseSegment(seg, out);
      seg = [];
    } else {
      seg.push(t);
    }
  }
  parseSegment(seg, out);
  return out;
}
