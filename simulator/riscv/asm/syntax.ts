/**
 * Syntax tree of one assembly source. Every node carries the range it came from so the
 * language server can answer hover/definition/references from the same tree the assembler uses.
 */
import type { Diagnostic, SourceRange } from '../../diagnostics';
import type { Token } from './lexer';

export type Expr =
  | { kind: 'num'; value: bigint; range: SourceRange }
  | { kind: 'sym'; name: string; range: SourceRange }
  /** `1b` / `1f`: numeric local label reference, resolved by position during assembly. */
  | { kind: 'local'; label: string; dir: 'b' | 'f'; range: SourceRange }
  | { kind: 'dot'; range: SourceRange }
  | { kind: 'unary'; op: string; arg: Expr; range: SourceRange }
  | { kind: 'binary'; op: string; left: Expr; right: Expr; range: SourceRange }
  | { kind: 'reloc'; op: string; arg: Expr; range: SourceRange };

export type Operand =
  | { kind: 'expr'; expr: Expr; range: SourceRange }
  /** `offset(base)`; `offset` is absent for `(base)`. */
  | { kind: 'mem'; offset?: Expr; base: string; baseRange: SourceRange; range: SourceRange };

export interface LabelStmt {
  kind: 'label';
  name: string;
  /** `1:` style label that may be defined many times. */
  numeric: boolean;
  range: SourceRange;
}

export interface InstructionStmt {
  kind: 'instruction';
  /** Also a macro invocation: the parser cannot know, the assembler decides. */
  mnemonic: string;
  mnemonicRange: SourceRange;
  operands: Operand[];
  /** Raw operand tokens split at top-level commas (macro arguments need them unparsed). */
  rawOperands: Token[][];
  /** Operand syntax errors, reported only when the mnemonic is not a macro. */
  operandDiagnostics: Diagnostic[];
  range: SourceRange;
}

export interface DirectiveArg {
  tokens: Token[];
  range: SourceRange;
}

export interface DirectiveStmt {
  kind: 'directive';
  name: string;
  nameRange: SourceRange;
  args: DirectiveArg[];
  range: SourceRange;
}

export interface AssignStmt {
  kind: 'assign';
  name: string;
  nameRange: SourceRange;
  value: Expr;
  range: SourceRange;
}

export type Statement = LabelStmt | InstructionStmt | DirectiveStmt | AssignStmt;

export function spanRange(a: SourceRange, b: SourceRange): SourceRange {
  return { file: a.file, line: a.line, column: a.column, endLine: b.endLine, endColumn: b.endColumn };
}

/** Calls `visit` for every symbol reference in an expression (for references/rename). */
export function forEachSymbol(e: Expr, visit: (name: string, range: SourceRange) => void): void {
  switch (e.kind) {
    case 'sym':
      visit(e.name, e.range);
      break;
    case 'unary':
    case 'reloc':
      forEachSymbol(e.arg, visit);
      break;
    case 'binary':
      forEachSymbol(e.left, visit);
      forEachSymbol(e.right, visit);
      break;
    default:
      break;
  }
}
