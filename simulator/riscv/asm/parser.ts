/**
 * chevrotain parsers for one line of GNU `as` RISC-V source.
 *
 * Two grammars, one token vocabulary (lexer.ts):
 * - `LineParser` structures a line: `;`-separated statements, each with its labels, then a
 *   mnemonic/directive/macro name and its operands as raw comma-separated token groups
 *   (parentheses balanced), or `NAME = expr`. Groups stay raw because a macro invocation needs
 *   its arguments unparsed, and whether a name is a macro is known only while assembling.
 *   Error recovery is on: a bad statement yields one located diagnostic, the parser re-syncs at
 *   the next `;`, and the following statements (and lines) still parse.
 * - `ExprParser` parses one operand (`expr`, `(reg)`, `expr(reg)`, `%lo(sym)(reg)`) or one
 *   expression, with GNU `as` precedence (shifts bind like `*`, `| & ^ !` tighter than `+ -`,
 *   comparisons yield -1 for true). It stops at the first error, which the caller reports.
 *
 * Both are EmbeddedActionsParsers rather than CST + visitor: the actions build the syntax tree
 * directly, with no intermediate CST to allocate and walk, which keeps the assembler within its
 * speed budget on large generated sources; the grammar is small enough to read with its actions.
 */
import { EmbeddedActionsParser, EOF, tokenMatcher, type IParserErrorMessageProvider, type IRecognitionException, type IToken, type TokenType } from 'chevrotain';
import type { Diagnostic } from '../../diagnostics';
import {
  AddOp, ALL_TOKENS, Char, Colon, Comma, EqEq, Equals, Identifier, LocalRef, LogicOp, LParen, MulOp, NumberLiteral, OrOp,
  Plain, Register, Reloc, RParen, Semicolon, UnaryOp, type Token,
} from './lexer';
import { spanRange, type DirectiveArg, type Expr, type Operand, type Statement } from './syntax';

export class ExprError extends Error {
  constructor(
    message: string,
    readonly token: Token | undefined,
  ) {
    super(message);
  }
}

export function exprErrorDiagnostic(e: unknown, fallback: Token): Diagnostic {
  const message = e instanceof Error ? e.message : String(e);
  const token = e instanceof ExprError && e.token ? e.token : fallback;
  return { severity: 'error', message, range: token.range, code: 'syntax' };
}

/** Every token the parsers see came from lexLine, so it carries the assembler's fields. */
const tok = (t: IToken): Token => t as Token;
const isEof = (t: IToken): boolean => t.tokenType === EOF;

const MISSING_RPAREN = "')' expected";

const messages: IParserErrorMessageProvider = {
  buildMismatchTokenMessage({ expected, actual, previous }) {
    if (expected === Identifier) return `expected an instruction, directive or label, found '${actual.image}'`;
    if (expected === RParen) return MISSING_RPAREN;
    if (expected === LParen) return `'(' expected after ${previous.image}`;
    if (expected === EOF) return `unexpected '${actual.image}'`;
    return `${expected.LABEL ?? expected.name} expected, found '${actual.image}'`;
  },
  buildNotAllInputParsedMessage({ firstRedundant, ruleName }) {
    return ruleName === 'line' ? `unexpected '${firstRedundant.image}'` : `unexpected '${firstRedundant.image}' after expression`;
  },
  buildNoViableAltMessage({ actual, ruleName }) {
    if (ruleName === 'segment') return `expected an instruction, directive or label, found '${actual[0].image}'`;
    return isEof(actual[0]) ? 'expression expected' : `unexpected '${actual[0].image}' in expression`;
  },
  buildEarlyExitMessage({ actual }) {
    return isEof(actual[0]) ? 'expression expected' : `unexpected '${actual[0].image}'`;
  },
};

/** One statement as the line grammar sees it, before operands and values are parsed. */
type RawStatement =
  | { kind: 'label'; token: Token }
  | { kind: 'assign'; head: Token; eq: Token; rest: Token[] }
  | { kind: 'call'; head: Token; groups: Token[][]; last: Token };

class LineParser extends EmbeddedActionsParser {
  out: RawStatement[] = [];
  /** Open parentheses, innermost last: a missing `)` is reported at its `(`. */
  opens: Token[] = [];
  /** Tokens of the group being read (nested parentheses flattened into it). */
  private cur: Token[] = [];
  private groups: Token[][] = [];

  constructor() {
    super(ALL_TOKENS, { recoveryEnabled: true, errorMessageProvider: messages, maxLookahead: 2 });
    this.performSelfAnalysis();
  }

  // Only re-sync recovery: an inserted or deleted token would invent or drop a statement.
  protected override canTokenTypeBeInsertedInRecovery(): boolean {
    return false;
  }

  protected override canTokenTypeBeDeletedInRecovery(): boolean {
    return false;
  }

  private keep(t: IToken): void {
    this.ACTION(() => this.cur.push(tok(t)));
  }

  // Grammar bodies are built once (not per call) and keep their state on the parser: the
  // parser runs for every line, and fresh closures per rule call were its main cost.

  /** line: segment (';' segment)* */
  readonly line = this.RULE('line', () => {
    this.SUBRULE(this.segment);
    this.MANY(this.nextSegment);
  });

  private readonly nextSegment = (): void => {
    this.CONSUME(Semicolon);
    this.SUBRULE2(this.segment);
  };

  /** segment: label* statement?   where label: (identifier | number) ':' */
  private readonly segment = this.RULE('segment', () => {
    this.MANY(this.labelLoop);
    this.OR2(this.statementAlts);
  });

  private readonly labelAlts = [{ ALT: () => this.CONSUME(Identifier) }, { ALT: () => this.CONSUME(NumberLiteral) }];
  private readonly labelLoop = {
    GATE: (): boolean => this.LA(2).tokenType === Colon,
    DEF: (): void => {
      const name = this.OR(this.labelAlts);
      this.CONSUME(Colon);
      this.ACTION(() => this.out.push({ kind: 'label', token: tok(name) }));
    },
  };

  private readonly statementAlts = [
    { ALT: (): void => this.SUBRULE(this.statement) },
    {
      GATE: (): boolean => {
        const t = this.LA(1);
        return isEof(t) || t.tokenType === Semicolon;
      },
      ALT: (): void => undefined,
    },
  ];

  /** statement: name ('=' | '==') tokens  |  name group (',' group)* */
  private readonly statement = this.RULE('statement', () => {
    const head = this.CONSUME(Identifier);
    this.ACTION(() => {
      this.cur = [];
      this.groups = [this.cur];
    });
    const eq = this.OR(this.operandAlts);
    this.ACTION(() => {
      const last = tok(this.LA(0));
      if (eq) this.out.push({ kind: 'assign', head: tok(head), eq: tok(eq), rest: this.cur });
      else this.out.push({ kind: 'call', head: tok(head), groups: this.groups.length === 1 && this.cur.length === 0 ? [] : this.groups, last });
    });
  });

  private readonly equalsAlts = [{ ALT: () => this.CONSUME(Equals) }, { ALT: () => this.CONSUME(EqEq) }];
  private readonly operandAlts = {
    IGNORE_AMBIGUITIES: true,
    DEF: [
      {
        GATE: (): boolean => this.LA(1).tokenType === Equals || this.LA(1).tokenType === EqEq,
        ALT: (): IToken | undefined => {
          const eq = this.OR2(this.equalsAlts);
          this.MANY2(this.tokenLoop);
          return eq;
        },
      },
      {
        ALT: (): IToken | undefined => {
          this.SUBRULE(this.group);
          this.MANY3(this.nextGroup);
          return undefined;
        },
      },
    ],
  };

  private readonly nextGroup = (): void => {
    this.CONSUME(Comma);
    this.ACTION(() => {
      this.cur = [];
      this.groups.push(this.cur);
    });
    this.SUBRULE2(this.group);
  };

  /** group: (parenthesised | plain token)*  — an operand, macro argument or directive argument. */
  private readonly group = this.RULE('group', () => this.MANY(this.groupLoop));
  private readonly groupAlts = [{ ALT: () => this.SUBRULE(this.parenthesised) }, { ALT: () => this.keep(this.CONSUME(Plain)) }];
  private readonly groupLoop = (): void => this.OR(this.groupAlts);

  /** tokens: (parenthesised | plain token | ',')*  — the right-hand side of `=`, and inside parentheses. */
  private readonly tokenAlts = [
    { ALT: () => this.SUBRULE2(this.parenthesised) },
    { ALT: () => this.keep(this.CONSUME2(Plain)) },
    { ALT: () => this.keep(this.CONSUME2(Comma)) },
  ];
  private readonly tokenLoop = (): void => this.OR3(this.tokenAlts);

  /** parenthesised: '(' tokens ')' */
  private readonly parenthesised = this.RULE(
    'parenthesised',
    () => {
      const open = this.CONSUME(LParen);
      this.ACTION(() => {
        this.cur.push(tok(open));
        this.opens.push(tok(open));
      });
      this.MANY(this.tokenLoop);
      const close = this.CONSUME(RParen);
      this.ACTION(() => {
        this.cur.push(tok(close));
        this.opens.pop();
      });
    },
  );
}

const isRegister = (t: IToken): boolean => tokenMatcher(t, Register);

class ExprParser extends EmbeddedActionsParser {
  opens: Token[] = [];

  constructor() {
    super(ALL_TOKENS, { recoveryEnabled: false, errorMessageProvider: messages, maxLookahead: 4 });
    this.performSelfAnalysis();
  }

  private memAt(k: number): boolean {
    return this.LA(k).tokenType === LParen && isRegister(this.LA(k + 1)) && this.LA(k + 2).tokenType === RParen;
  }

  /** operand: '(' register ')'  |  expression ('(' register ')')? */
  readonly operand = this.RULE('operand', (): Operand => {
    return this.OR({
      IGNORE_AMBIGUITIES: true,
      DEF: [
        {
          GATE: () => this.memAt(1) && isEof(this.LA(4)),
          ALT: () => {
            const open = tok(this.CONSUME(LParen));
            const base = tok(this.CONSUME(Register));
            const close = tok(this.CONSUME(RParen));
            return this.ACTION((): Operand => ({ kind: 'mem', base: base.text, baseRange: base.range, range: spanRange(open.range, close.range) }));
          },
        },
        {
          ALT: () => {
            const offset = this.SUBRULE(this.expression);
            return this.OR2([
              {
                GATE: () => this.memAt(1),
                ALT: () => {
                  this.CONSUME2(LParen);
                  const base = tok(this.CONSUME2(Register));
                  const close = tok(this.CONSUME2(RParen));
                  return this.ACTION((): Operand => ({ kind: 'mem', offset, base: base.text, baseRange: base.range, range: spanRange(offset.range, close.range) }));
                },
              },
              { ALT: () => this.ACTION((): Operand => ({ kind: 'expr', expr: offset, range: offset.range })) },
            ]);
          },
        },
      ],
    });
  });

  /** expression: and-or (('||' | '&&') and-or)* and so on down the GNU precedence levels. */
  readonly expression = this.RULE('expression', (): Expr =>
    this.binary(LogicOp, () => this.SUBRULE(this.additive), () => this.SUBRULE2(this.additive)),
  );
  private readonly additive = this.RULE('additive', (): Expr =>
    this.binary(AddOp, () => this.SUBRULE(this.bitwise), () => this.SUBRULE2(this.bitwise)),
  );
  private readonly bitwise = this.RULE('bitwise', (): Expr =>
    this.binary(OrOp, () => this.SUBRULE(this.multiplicative), () => this.SUBRULE2(this.multiplicative)),
  );
  private readonly multiplicative = this.RULE('multiplicative', (): Expr =>
    this.binary(MulOp, () => this.SUBRULE(this.unary), () => this.SUBRULE2(this.unary)),
  );

  /** `first (op next)*`, left-associative. */
  private binary(op: TokenType, first: () => Expr, next: () => Expr): Expr {
    let left = first();
    this.MANY(() => {
      const t = tok(this.CONSUME(op));
      const right = next();
      this.ACTION(() => {
        left = { kind: 'binary', op: t.text, left, right, range: spanRange(left.range, right.range) };
      });
    });
    return left;
  }

  /** unary: ('-' | '+' | '~' | '!') unary | primary */
  private readonly unary = this.RULE('unary', (): Expr =>
    this.OR([
      {
        ALT: () => {
          const t = tok(this.CONSUME(UnaryOp));
          const arg = this.SUBRULE(this.unary);
          return this.ACTION((): Expr => ({ kind: 'unary', op: t.text, arg, range: spanRange(t.range, arg.range) }));
        },
      },
      { ALT: () => this.SUBRULE(this.primary) },
    ]),
  );

  /** primary: number | char | symbol | 1b/1f | %op '(' expression ')' | '(' expression ')' */
  private readonly primary = this.RULE('primary', (): Expr =>
    this.OR([
      { ALT: () => this.literal(tok(this.CONSUME(NumberLiteral))) },
      { ALT: () => this.literal(tok(this.CONSUME(Char))) },
      {
        ALT: () => {
          const t = tok(this.CONSUME(Identifier));
          return this.ACTION((): Expr => (t.text === '.' ? { kind: 'dot', range: t.range } : { kind: 'sym', name: t.text, range: t.range }));
        },
      },
      {
        ALT: () => {
          const t = tok(this.CONSUME(LocalRef));
          return this.ACTION((): Expr => ({ kind: 'local', label: t.text.slice(0, -1), dir: t.text.endsWith('b') ? 'b' : 'f', range: t.range }));
        },
      },
      {
        ALT: () => {
          const t = tok(this.CONSUME(Reloc));
          const arg = this.SUBRULE(this.parenthesised);
          return this.ACTION((): Expr => ({ kind: 'reloc', op: t.text, arg: arg.expr, range: spanRange(t.range, arg.close.range) }));
        },
      },
      { ALT: () => this.SUBRULE2(this.parenthesised).expr },
    ]),
  );

  private literal(t: Token): Expr {
    return { kind: 'num', value: t.value ?? 0n, range: t.range };
  }

  /** '(' expression ')' */
  private readonly parenthesised = this.RULE('parenthesised', (): { expr: Expr; close: Token } => {
    const open = tok(this.CONSUME(LParen));
    this.ACTION(() => this.opens.push(open));
    const expr = this.SUBRULE(this.expression);
    const close = tok(this.CONSUME(RParen));
    this.ACTION(() => this.opens.pop());
    return { expr, close };
  });
}

const lineParser = new LineParser();
const exprParser = new ExprParser();

/** Where to report a parse error: its token, or for one at the end of input a token before it. */
function errorToken(e: IRecognitionException, opens: Token[], input: Token[]): Token {
  if (!isEof(e.token)) return tok(e.token);
  if (e.message === MISSING_RPAREN && opens.length) return opens[opens.length - 1];
  return input[input.length - 1];
}

function runExpr<T>(tokens: Token[], rule: () => T): T {
  exprParser.input = tokens;
  exprParser.opens = [];
  const result = rule();
  const e = exprParser.errors[0];
  if (e) throw new ExprError(e.message, errorToken(e, exprParser.opens, tokens));
  return result;
}

/** Parses a whole token list as one expression; throws ExprError. */
export function parseExpr(tokens: Token[]): Expr {
  if (tokens.length === 0) throw new ExprError('expression expected', undefined);
  return runExpr(tokens, () => exprParser.expression());
}

/**
 * A one-token operand (a register, symbol or number: most operands) is built directly, as the
 * grammar's `primary` would build it; everything else goes through the parser.
 */
function singleToken(t: Token): Expr | undefined {
  switch (t.kind) {
    case 'ident':
      return t.text === '.' ? { kind: 'dot', range: t.range } : { kind: 'sym', name: t.text, range: t.range };
    case 'num':
    case 'char':
      return { kind: 'num', value: t.value ?? 0n, range: t.range };
    default:
      return undefined;
  }
}

/** Parses `expr`, `(reg)` or `expr(reg)`; throws ExprError. */
function parseOperand(tokens: Token[]): Operand {
  const simple = tokens.length === 1 ? singleToken(tokens[0]) : undefined;
  if (simple) return { kind: 'expr', expr: simple, range: simple.range };
  return runExpr(tokens, () => exprParser.operand());
}

export interface LineParse {
  statements: Statement[];
  diagnostics: Diagnostic[];
}

/** Parses one line's tokens; `;` separates statements. */
export function parseLine(tokens: Token[]): LineParse {
  const out: LineParse = { statements: [], diagnostics: [] };
  if (tokens.length === 0) return out;
  lineParser.input = tokens;
  lineParser.out = [];
  lineParser.opens = [];
  lineParser.line();
  for (const e of lineParser.errors) {
    out.diagnostics.push({ severity: 'error', message: e.message, range: errorToken(e, lineParser.opens, tokens).range, code: 'syntax' });
  }
  for (const raw of lineParser.out) {
    switch (raw.kind) {
      case 'label':
        out.statements.push({ kind: 'label', name: raw.token.text, numeric: raw.token.kind === 'num', range: raw.token.range });
        break;
      case 'assign': {
        const range = spanRange(raw.head.range, (raw.rest[raw.rest.length - 1] ?? raw.eq).range);
        try {
          if (raw.rest.length === 0) throw new ExprError('expression expected after =', raw.eq);
          out.statements.push({ kind: 'assign', name: raw.head.text, nameRange: raw.head.range, value: parseExpr(raw.rest), range });
        } catch (e) {
          out.diagnostics.push(exprErrorDiagnostic(e, raw.head));
        }
        break;
      }
      case 'call':
        out.statements.push(callStatement(raw.head, raw.groups, raw.last));
        break;
    }
  }
  return out;
}

function callStatement(head: Token, groups: Token[][], last: Token): Statement {
  const range = spanRange(head.range, last.range);
  if (head.text.startsWith('.')) {
    const args: DirectiveArg[] = groups.map((g) => ({ tokens: g, range: g.length ? spanRange(g[0].range, g[g.length - 1].range) : head.range }));
    return { kind: 'directive', name: head.text, nameRange: head.range, args, range };
  }
  const operands: Operand[] = [];
  const operandDiagnostics: Diagnostic[] = [];
  for (const group of groups) {
    if (group.length === 0) {
      operandDiagnostics.push({ severity: 'error', message: `empty operand in ${head.text}`, range, code: 'syntax' });
      continue;
    }
    try {
      operands.push(parseOperand(group));
    } catch (e) {
      // A macro argument need not be a valid operand: the error is held on the statement and
      // reported only if the mnemonic turns out not to be a macro.
      operandDiagnostics.push(exprErrorDiagnostic(e, group[0]));
      operands.push({ kind: 'expr', expr: { kind: 'num', value: 0n, range: group[0].range }, range: group[0].range });
    }
  }
  return { kind: 'instruction', mnemonic: head.text, mnemonicRange: head.range, operands, rawOperands: groups, operandDiagnostics, range };
}
