/**
 * Debugger expressions: a small C subset over registers, CSRs, symbols and guest memory.
 *
 *   expr    := literals (decimal, 0x…, 0b…, 0o…) | name | ( expr ) | ( type ) expr
 *            | unary - + ~ ! * & | expr [ expr ] | expr binop expr
 *   binops  := * / %  >  + -  >  << >>  >  < <= > >=  >  == !=  >  &  >  ^  >  |  >  &&  >  ||
 *   type    := u8 u16 u32 u64, s8…s64, i8…i64, uint8_t…int64_t, char, short, int, long, unsigned …,
 *              size_t, uintptr_t, void — followed by any number of `*`
 *
 * Names are registers (x0–x31, ABI names, fp, pc, optionally `$`-prefixed), then CSRs, then
 * symbols of the loaded images (a symbol's value is its address). Integers are 64-bit; an
 * operation on two signed values is signed, anything else unsigned; pointers scale by their
 * pointee as in C. `*e` of a non-pointer reads a u64 at e. Every error names the 1-based column
 * it is about.
 */
import { InspectError } from './target';

export interface CType { name: string; size: number; signed: boolean; pointee?: CType }

export const U64: CType = { name: 'u64', size: 8, signed: false };
export const I64: CType = { name: 'i64', size: 8, signed: true };
const VOID: CType = { name: 'void', size: 1, signed: false };

const BASE_TYPES: ReadonlyMap<string, CType> = (() => {
  const m = new Map<string, CType>();
  for (const bits of [8, 16, 32, 64]) {
    const u: CType = { name: `u${bits}`, size: bits / 8, signed: false };
    const s: CType = { name: `i${bits}`, size: bits / 8, signed: true };
    m.set(`u${bits}`, u); m.set(`uint${bits}_t`, u);
    m.set(`s${bits}`, s); m.set(`i${bits}`, s); m.set(`int${bits}_t`, s);
  }
  m.set('char', m.get('i8') as CType); m.set('short', m.get('i16') as CType); m.set('int', m.get('i32') as CType);
  m.set('long', m.get('i64') as CType); m.set('size_t', U64); m.set('uintptr_t', U64); m.set('void', VOID);
  return m;
})();
const UNSIGNED_OF: Readonly<Record<string, string>> = { char: 'u8', short: 'u16', int: 'u32', long: 'u64' };

export const pointerTo = (t: CType): CType => ({ name: `${t.name} *`.replace('* *', '**'), size: 8, signed: false, pointee: t });

/** A name's value: registers and CSRs are u64, symbols are addresses. */
export interface NameValue { value: bigint; type: CType; kind: 'register' | 'csr' | 'symbol' }

export interface EvalEnv {
  lookup(name: string): NameValue | undefined;
  /** Reads `size` bytes (little-endian) at a guest address; throws InspectError at `column` when it cannot. */
  read(address: bigint, size: number, column: number): bigint;
}

export interface Value {
  /** The value as its type reads it: sign-interpreted for signed types, else unsigned. */
  value: bigint;
  type: CType;
  /** It came straight from a name of this kind (for the display and memory references). */
  origin?: NameValue['kind'];
}

// ------------------------------------------------------------------------------- tokens ------
type TokKind = 'num' | 'name' | 'op' | 'end';
interface Tok { kind: TokKind; text: string; col: number; value?: bigint }

const OPS = ['<<', '>>', '<=', '>=', '==', '!=', '&&', '||', '+', '-', '*', '/', '%', '&', '|', '^', '~', '!', '<', '>', '(', ')', '[', ']'];

export function tokenize(src: string): Tok[] {
  const out: Tok[] = [];
  let i = 0;
  while (i < src.length) {
    const c = src[i];
    if (/\s/.test(c)) { i++; continue; }
    const col = i + 1;
    if (/[0-9]/.test(c)) {
      const m = /^(0[xX][0-9a-fA-F_]+|0[bB][01_]+|0[oO][0-7_]+|[0-9][0-9_]*)([uUlL]*)/.exec(src.slice(i)) as RegExpExecArray;
      const body = m[1].replace(/_/g, '');
      const after = src[i + m[0].length];
      if (after !== undefined && /[A-Za-z0-9_]/.test(after)) throw new InspectError(`malformed number '${src.slice(i, i + m[0].length + 1)}'`, col);
      const value = BigInt(/^0[oO]/.test(body) ? `0o${body.slice(2)}` : body);
      if (value >= 1n << 64n) throw new InspectError(`${m[1]} does not fit in 64 bits`, col);
      out.push({ kind: 'num', text: m[0], col, value });
      i += m[0].length;
      continue;
    }
    if (/[A-Za-z_.$]/.test(c)) {
      const m = /^[A-Za-z_.$][A-Za-z0-9_.$]*/.exec(src.slice(i)) as RegExpExecArray;
      out.push({ kind: 'name', text: m[0], col });
      i += m[0].length;
      continue;
    }
    const op = OPS.find((o) => src.startsWith(o, i));
    if (op === undefined) throw new InspectError(`unexpected character '${c}'`, col);
    out.push({ kind: 'op', text: op, col });
    i += op.length;
  }
  out.push({ kind: 'end', text: '', col: src.length + 1 });
  return out;
}

// ------------------------------------------------------------------------------- syntax ------
export type Node =
  | { kind: 'num'; value: bigint; col: number }
  | { kind: 'name'; name: string; col: number }
  | { kind: 'unary'; op: string; arg: Node; col: number }
  | { kind: 'binary'; op: string; left: Node; right: Node; col: number }
  | { kind: 'cast'; type: CType; arg: Node; col: number }
  | { kind: 'index'; base: Node; index: Node; col: number };

const BINARY: Readonly<Record<string, number>> = {
  '||': 1, '&&': 2, '|': 3, '^': 4, '&': 5, '==': 6, '!=': 6, '<': 7, '<=': 7, '>': 7, '>=': 7,
  '<<': 8, '>>': 8, '+': 9, '-': 9, '*': 10, '/': 10, '%': 10,
};
const UNARY_BP = 11;

class Parser {
  private k = 0;
  constructor(private readonly toks: Tok[]) {}

  private get tok(): Tok { return this.toks[this.k]; }
  private next(): Tok { return this.toks[this.k++]; }
  private isOp(text: string, at = 0): boolean { const t = this.toks[this.k + at]; return t !== undefined && t.kind === 'op' && t.text === text; }

  parseAll(): Node {
    if (this.tok.kind === 'end') throw new InspectError('empty expression', this.tok.col);
    const n = this.expr(0);
    const t = this.tok;
    if (t.kind !== 'end') throw new InspectError(t.kind === 'op' && t.text === ')' ? "unmatched ')'" : `unexpected '${t.text}' after a complete expression`, t.col);
    return n;
  }

  private expr(minBp: number): Node {
    let left = this.prefix();
    for (;;) {
      const t = this.tok;
      if (t.kind === 'op' && t.text === '[') {
        this.next();
        const index = this.expr(0);
        this.expect(']', t);
        left = { kind: 'index', base: left, index, col: t.col };
        continue;
      }
      const bp = t.kind === 'op' ? BINARY[t.text] : undefined;
      if (bp === undefined) {
        if (t.kind === 'num' || t.kind === 'name') throw new InspectError(`expected an operator before '${t.text}'`, t.col);
        return left;
      }
      if (bp <= minBp) return left;
      this.next();
      const right = this.expr(bp);
      left = { kind: 'binary', op: t.text, left, right, col: t.col };
    }
  }

  private expect(text: string, open: Tok): void {
    const t = this.tok;
    if (t.kind === 'op' && t.text === text) { this.next(); return; }
    throw new InspectError(t.kind === 'end' ? `missing '${text}' for the '${open.text}' at column ${open.col}` : `expected '${text}' but found '${t.text}'`, t.col);
  }

  private prefix(): Node {
    const t = this.next();
    switch (t.kind) {
      case 'num': return { kind: 'num', value: t.value ?? 0n, col: t.col };
      case 'name': return { kind: 'name', name: t.text, col: t.col };
      case 'end': throw new InspectError('the expression ends where an operand is expected', t.col);
      default: break;
    }
    if (t.text === '(') {
      const type = this.tryType();
      if (type !== undefined) {
        this.expect(')', t);
        return { kind: 'cast', type, arg: this.expr(UNARY_BP), col: t.col };
      }
      if (this.isOp(')')) throw new InspectError('empty parentheses', this.tok.col);
      const inner = this.expr(0);
      this.expect(')', t);
      return inner;
    }
    if (['-', '+', '~', '!', '*', '&'].includes(t.text)) return { kind: 'unary', op: t.text, arg: this.expr(UNARY_BP), col: t.col };
    throw new InspectError(`unexpected '${t.text}'`, t.col);
  }

  /** A type name after '(' (with `unsigned`/`signed` and `*`s), or undefined when what follows is not a type. */
  private tryType(): CType | undefined {
    const t = this.tok;
    if (t.kind !== 'name') return undefined;
    let base: CType | undefined;
    if (t.text === 'unsigned' || t.text === 'signed') {
      this.next();
      const n = this.tok;
      let word = 'int';
      if (n.kind === 'name' && n.text in UNSIGNED_OF) { word = n.text; this.next(); if (word === 'long' && this.tok.kind === 'name' && this.tok.text === 'long') this.next(); }
      base = BASE_TYPES.get(t.text === 'unsigned' ? UNSIGNED_OF[word] : word);
    } else {
      base = BASE_TYPES.get(t.text);
      if (base === undefined) return undefined;
      // A type name is only a cast when ')' or '*' follows: `(int)` vs a symbol named like a type.
      const after = this.toks[this.k + 1];
      const longLong = t.text === 'long' && after?.kind === 'name' && after.text === 'long';
      if (!longLong && !(after?.kind === 'op' && (after.text === ')' || after.text === '*'))) return undefined;
      this.next();
      if (longLong) this.next();
    }
    let type = base as CType;
    while (this.isOp('*')) { this.next(); type = pointerTo(type); }
    if (type === VOID) throw new InspectError("cannot cast to 'void'", t.col);
    return type;
  }
}

export function parse(src: string): Node {
  return new Parser(tokenize(src)).parseAll();
}

// ------------------------------------------------------------------------------- values ------
/** The value `v` (any integer) as type `t` reads it. */
export function asType(v: bigint, t: CType): bigint {
  const bits = BigInt(8 * t.size);
  return t.signed ? BigInt.asIntN(Number(bits), v) : BigInt.asUintN(Number(bits), v);
}

const bool = (b: boolean): Value => ({ value: b ? 1n : 0n, type: I64 });

export function evaluateNode(n: Node, env: EvalEnv): Value {
  switch (n.kind) {
    case 'num': return { value: n.value, type: n.value < 1n << 63n ? I64 : U64 };
    case 'name': {
      const v = env.lookup(n.name);
      if (v === undefined) throw new InspectError(`no register, CSR or symbol named '${n.name}'`, n.col);
      return { value: asType(v.value, v.type), type: v.type, origin: v.kind };
    }
    case 'cast': {
      const a = evaluateNode(n.arg, env);
      return { value: asType(a.value, n.type), type: n.type };
    }
    case 'index': {
      const base = evaluateNode(n.base, env);
      const index = evaluateNode(n.index, env);
      if (index.type.pointee) throw new InspectError('an index must be an integer', n.index.col);
      const p = base.type.pointee ? base : { value: base.value, type: pointerTo(U64) };
      return deref(add(p, index, '+'), env, n.col);
    }
    case 'unary': return unary(n.op, n.arg, env, n.col);
    case 'binary': return binary(n, env);
  }
}

function deref(p: Value, env: EvalEnv, col: number): Value {
  const type = p.type.pointee ?? U64;
  if (type === VOID) throw new InspectError("cannot read through a 'void *'", col);
  const raw = env.read(BigInt.asUintN(64, p.value), type.size, col);
  return { value: asType(raw, type), type };
}

function unary(op: string, argNode: Node, env: EvalEnv, col: number): Value {
  if (op === '&') {
    if (argNode.kind === 'unary' && argNode.op === '*') {
      const p = evaluateNode(argNode.arg, env);
      return { value: BigInt.asUintN(64, p.value), type: p.type.pointee ? p.type : pointerTo(U64) };
    }
    if (argNode.kind === 'name') {
      const v = env.lookup(argNode.name);
      if (v?.kind === 'symbol') return { value: v.value, type: pointerTo(VOID), origin: 'symbol' };
    }
    throw new InspectError("'&' needs a symbol or a '*' expression", col);
  }
  const a = evaluateNode(argNode, env);
  switch (op) {
    case '*': return deref(a, env, col);
    case '-': return { value: asType(-a.value, arith(a.type, a.type)), type: arith(a.type, a.type) };
    case '+': return { value: a.value, type: a.type.pointee ? U64 : a.type };
    case '~': { const t = arith(a.type, a.type); return { value: asType(~a.value, t), type: t }; }
    default: return bool(a.value === 0n);
  }
}

/** Result type of arithmetic: signed when both are signed, else unsigned; always 64-bit. */
function arith(a: CType, b: CType): CType {
  return a.signed && b.signed && !a.pointee && !b.pointee ? I64 : U64;
}

function add(a: Value, b: Value, op: '+' | '-'): Value {
  if (a.type.pointee && !b.type.pointee) {
    const scaled = b.value * BigInt(a.type.pointee.size);
    return { value: BigInt.asUintN(64, op === '+' ? a.value + scaled : a.value - scaled), type: a.type };
  }
  if (op === '+' && b.type.pointee && !a.type.pointee) return add(b, a, '+');
  if (op === '-' && a.type.pointee && b.type.pointee) {
    const size = BigInt(a.type.pointee.size);
    return { value: BigInt.asIntN(64, a.value - b.value) / size, type: I64 };
  }
  const t = arith(a.type, b.type);
  return { value: asType(op === '+' ? a.value + b.value : a.value - b.value, t), type: t };
}

function binary(n: Extract<Node, { kind: 'binary' }>, env: EvalEnv): Value {
  if (n.op === '&&' || n.op === '||') {
    const l = evaluateNode(n.left, env).value !== 0n;
    if (n.op === '&&' ? !l : l) return bool(l);
    return bool(evaluateNode(n.right, env).value !== 0n);
  }
  const a = evaluateNode(n.left, env);
  const b = evaluateNode(n.right, env);
  if (n.op === '+' || n.op === '-') return add(a, b, n.op);
  const t = arith(a.type, b.type);
  const x = asType(a.value, t), y = asType(b.value, t);
  switch (n.op) {
    case '*': return { value: asType(x * y, t), type: t };
    case '/': case '%':
      if (y === 0n) throw new InspectError(n.op === '/' ? 'division by zero' : 'remainder by zero', n.col);
      return { value: asType(n.op === '/' ? x / y : x % y, t), type: t };
    case '<<': case '>>': {
      const count = asType(b.value, b.type);
      if (count < 0n || count > 63n) throw new InspectError(`shift count ${count} is outside 0..63`, n.col);
      const at = arith(a.type, a.type);
      const v = asType(a.value, at);
      return { value: asType(n.op === '<<' ? v << count : v >> count, at), type: at };
    }
    case '&': return { value: asType(x & y, t), type: t };
    case '|': return { value: asType(x | y, t), type: t };
    case '^': return { value: asType(x ^ y, t), type: t };
    case '==': return bool(x === y);
    case '!=': return bool(x !== y);
    case '<': return bool(x < y);
    case '<=': return bool(x <= y);
    case '>': return bool(x > y);
    default: return bool(x >= y);
  }
}

/** Display text: hex for unsigned values and pointers, decimal for signed ones (unless `format` says). */
export function formatValue(v: Value, format?: 'hex' | 'decimal'): string {
  const f = format ?? (v.type.signed ? 'decimal' : 'hex');
  if (f === 'decimal') return v.value.toString(10);
  return `0x${BigInt.asUintN(8 * v.type.size, v.value).toString(16)}`;
}
