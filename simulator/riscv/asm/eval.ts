/**
 * Expression evaluation. A value is either absolute or an offset from the start of a section
 * (known only after layout); `as` rules apply: only `rel ± abs` and `rel - rel` in the same
 * section keep meaning. After layout every symbol is absolute and evaluation is plain 64-bit.
 */
import type { SourceRange } from '../../diagnostics';
import type { Expr } from './syntax';

export interface Value {
  /** undefined: absolute; otherwise the section this value is an offset into. */
  section?: string;
  v: bigint;
}

export class EvalError extends Error {
  constructor(
    message: string,
    readonly range: SourceRange,
  ) {
    super(message);
  }
}

export interface EvalEnv {
  /** Throws EvalError when the symbol cannot be resolved here. */
  symbol(name: string, range: SourceRange): Value;
  dot(range: SourceRange): Value;
  /** `%pcrel_hi(x)`: x is the target; the environment knows the instruction's address. */
  pcrelHi?(target: bigint, range: SourceRange): bigint;
  /** `%pcrel_lo(label)`: label is the address of the matching `auipc`. */
  pcrelLo?(auipcAddress: bigint, range: SourceRange): bigint;
}

export const sext = (v: bigint, bits: number): bigint => BigInt.asIntN(bits, v);
export const wrap = (v: bigint): bigint => BigInt.asIntN(64, v);
const truth = (b: boolean): bigint => (b ? -1n : 0n);

export function hi20(v: bigint): bigint {
  return ((v + 0x800n) >> 12n) & 0xfffffn;
}

export function lo12(v: bigint): bigint {
  return sext(v, 12);
}

function absolute(x: Value, what: string, range: SourceRange): bigint {
  if (x.section !== undefined) throw new EvalError(`${what} needs a constant, but the value is an address in ${x.section}`, range);
  return x.v;
}

export function evaluate(e: Expr, env: EvalEnv): Value {
  switch (e.kind) {
    case 'num':
      return { v: wrap(e.value) };
    case 'sym':
      return env.symbol(e.name, e.range);
    case 'dot':
      return env.dot(e.range);
    case 'local':
      throw new EvalError(`numeric label reference ${e.label}${e.dir} has no matching label`, e.range);
    case 'unary': {
      const a = absolute(evaluate(e.arg, env), `unary ${e.op}`, e.range);
      switch (e.op) {
        case '-': return { v: wrap(-a) };
        case '~': return { v: wrap(~a) };
        case '!': return { v: a === 0n ? 1n : 0n };
        default: return { v: a };
      }
    }
    case 'reloc': {
      const arg = evaluate(e.arg, env);
      if (e.op === 'pcrel_hi' || e.op === 'pcrel_lo') {
        const fn = e.op === 'pcrel_hi' ? env.pcrelHi : env.pcrelLo;
        if (!fn || arg.section !== undefined) throw new EvalError(`%${e.op} is resolved only when the program is linked`, e.range);
        return { v: fn.call(env, arg.v, e.range) };
      }
      if (arg.section !== undefined) throw new EvalError(`%${e.op} is resolved only when the program is linked`, e.range);
      if (e.op === 'hi' && arg.v + 0x800n !== sext(arg.v + 0x800n, 32)) {
        // lui sign-extends on RV64: %hi/%lo can only build addresses in the low or high 2 GiB.
        throw new EvalError(`%hi(0x${BigInt.asUintN(64, arg.v).toString(16)}) does not fit: lui+addi reach only ±2 GiB around 0; use la for this address`, e.range);
      }
      return { v: e.op === 'hi' ? hi20(arg.v) : lo12(arg.v) };
    }
    case 'binary': {
      const l = evaluate(e.left, env);
      const r = evaluate(e.right, env);
      if (e.op === '+') {
        if (l.section !== undefined && r.section !== undefined) throw new EvalError('cannot add two addresses', e.range);
        return { section: l.section ?? r.section, v: wrap(l.v + r.v) };
      }
      if (e.op === '-') {
        if (r.section !== undefined) {
          if (l.section !== r.section) throw new EvalError('cannot subtract addresses in different sections', e.range);
          return { v: wrap(l.v - r.v) };
        }
        return { section: l.section, v: wrap(l.v - r.v) };
      }
      if ((e.op === '==' || e.op === '!=' || e.op === '<>') && l.section === r.section) {
        return { v: truth((l.v === r.v) === (e.op === '==')) };
      }
      const a = absolute(l, `operator ${e.op}`, e.range);
      const b = absolute(r, `operator ${e.op}`, e.range);
      switch (e.op) {
        case '*': return { v: wrap(a * b) };
        case '/':
        case '%':
          if (b === 0n) throw new EvalError('division by zero', e.range);
          return { v: e.op === '/' ? wrap(a / b) : wrap(a % b) };
        case '<<': return { v: b >= 64n || b < 0n ? 0n : wrap(a << b) };
        case '>>': return { v: b >= 64n || b < 0n ? 0n : wrap(BigInt.asUintN(64, a) >> b) };
        case '|': return { v: a | b };
        case '&': return { v: a & b };
        case '^': return { v: a ^ b };
        case '!': return { v: a | ~b };
        case '<': return { v: truth(a < b) };
        case '>': return { v: truth(a > b) };
        case '<=': return { v: truth(a <= b) };
        case '>=': return { v: truth(a >= b) };
        case '&&': return { v: a !== 0n && b !== 0n ? 1n : 0n };
        case '||': return { v: a !== 0n || b !== 0n ? 1n : 0n };
        default: throw new EvalError(`unknown operator ${e.op}`, e.range);
      }
    }
  }
}

/** Rewrites `1b`/`1f` references into the concrete label names they denote at this point. */
export function mapLocals(e: Expr, resolve: (label: string, dir: 'b' | 'f', range: SourceRange) => string): Expr {
  switch (e.kind) {
    case 'local':
      return { kind: 'sym', name: resolve(e.label, e.dir, e.range), range: e.range };
    case 'unary':
    case 'reloc':
      return { ...e, arg: mapLocals(e.arg, resolve) };
    case 'binary':
      return { ...e, left: mapLocals(e.left, resolve), right: mapLocals(e.right, resolve) };
    default:
      return e;
  }
}
