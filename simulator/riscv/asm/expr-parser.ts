/**
 * Expression parser with GNU `as` precedence, which differs from C: shifts bind like `*`,
 * and `| & ^` bind tighter than `+ -`. Comparisons yield -1 for true, as in `as`.
 */
import type { Token } from './lexer';
import { spanRange, type Expr } from './syntax';

export class ExprError extends Error {
  constructor(
    message: string,
    readonly token: Token | undefined,
  ) {
    super(message);
  }
}

const LEVELS: string[][] = [
  ['||', '&&'],
  ['+', '-', '==', '!=', '<>', '<', '>', '<=', '>='],
  ['|', '&', '^', '!'],
  ['*', '/', '%', '<<', '>>'],
];

export class ExprParser {
  pos = 0;
  constructor(private readonly toks: Token[]) {}

  peek(): Token | undefined {
    return this.toks[this.pos];
  }

  atEnd(): boolean {
    return this.pos >= this.toks.length;
  }

  private isPunct(t: Token | undefined, text: string): boolean {
    return t !== undefined && t.kind === 'punct' && t.text === text;
  }

  parse(level = 0): Expr {
    if (level >= LEVELS.length) return this.unary();
    let left = this.parse(level + 1);
    for (;;) {
      const t = this.peek();
      if (!t || t.kind !== 'punct' || !LEVELS[level].includes(t.text)) return left;
      this.pos++;
      const right = this.parse(level + 1);
      left = { kind: 'binary', op: t.text, left, right, range: spanRange(left.range, right.range) };
    }
  }

  private unary(): Expr {
    const t = this.peek();
    if (!t) throw new ExprError('expression expected', this.toks[this.toks.length - 1]);
    if (t.kind === 'punct' && ['-', '+', '~', '!'].includes(t.text)) {
      this.pos++;
      const arg = this.unary();
      return { kind: 'unary', op: t.text, arg, range: spanRange(t.range, arg.range) };
    }
    return this.primary();
  }

  private primary(): Expr {
    const t = this.peek();
    if (!t) throw new ExprError('expression expected', this.toks[this.toks.length - 1]);
    this.pos++;
    switch (t.kind) {
      case 'num':
      case 'char':
        return { kind: 'num', value: t.value ?? 0n, range: t.range };
      case 'ident':
        if (t.text === '.') return { kind: 'dot', range: t.range };
        return { kind: 'sym', name: t.text, range: t.range };
      case 'localref':
        return { kind: 'local', label: t.text.slice(0, -1), dir: t.text.endsWith('b') ? 'b' : 'f', range: t.range };
      case 'reloc': {
        if (!this.isPunct(this.peek(), '(')) throw new ExprError(`'(' expected after %${t.text}`, this.peek() ?? t);
        this.pos++;
        const arg = this.parse();
        const close = this.peek();
        if (!close || !this.isPunct(close, ')')) throw new ExprError("')' expected", close ?? t);
        this.pos++;
        return { kind: 'reloc', op: t.text, arg, range: spanRange(t.range, close.range) };
      }
      case 'punct':
        if (t.text === '(') {
          const inner = this.parse();
          const close = this.peek();
          if (!close || !this.isPunct(close, ')')) throw new ExprError("')' expected", close ?? t);
          this.pos++;
          return inner;
        }
        if (t.text === '.') return { kind: 'dot', range: t.range };
        break;
      default:
        break;
    }
    throw new ExprError(`unexpected '${t.text}' in expression`, t);
  }
}

/** Parses a whole token list as one expression. */
export function parseExpr(tokens: Token[]): Expr {
  const p = new ExprParser(tokens);
  const e = p.parse();
  if (!p.atEnd()) throw new ExprError(`unexpected '${p.peek()?.text}' after expression`, p.peek());
  return e;
}
