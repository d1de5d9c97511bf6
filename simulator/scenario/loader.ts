/**
 * Loading `*.hlab.json` scenarios: JSON syntax, then the typed rules of spec.ts, every problem
 * reported as a located {@link Diagnostic}. File existence and symbol resolution are left to the
 * language server and the run.
 */
import { parseTree, printParseErrorCode, type ParseError, type ParseErrorCode } from './jsonc';
import type { Diagnostic, SourceRange } from '../diagnostics';
import { Context, readNode } from './rules';
import { SCENARIO_RULE, fallbackScenario } from './spec';
import type { Scenario } from './types';

export interface LoadedScenario {
  /**
   * The scenario with all defaults applied. When `diagnostics` has errors it is a best effort
   * (invalid parts replaced by defaults, or a placeholder) and must not be run.
   */
  scenario: Scenario;
  diagnostics: Diagnostic[];
  /** Where each value was found, keyed by JSON pointer (`/vms/0/code/sources/1`). */
  ranges: ReadonlyMap<string, SourceRange>;
}

const SYNTAX_MESSAGES: Partial<Record<ReturnType<typeof printParseErrorCode>, string>> = {
  InvalidSymbol: 'unexpected character',
  InvalidNumberFormat: 'malformed number',
  PropertyNameExpected: 'expected a property name in double quotes',
  ValueExpected: 'expected a value',
  ColonExpected: "expected ':'",
  CommaExpected: "expected ','",
  CloseBraceExpected: "expected '}'",
  CloseBracketExpected: "expected ']'",
  EndOfFileExpected: 'unexpected content after the end of the document',
  InvalidCommentToken: 'comments are not allowed in JSON',
  UnexpectedEndOfComment: 'unterminated comment',
  UnexpectedEndOfString: 'unterminated string',
  UnexpectedEndOfNumber: 'unterminated number',
  InvalidUnicode: 'malformed \\u escape',
  InvalidEscapeCharacter: 'invalid escape character',
  InvalidCharacter: 'invalid character in string',
};

function syntaxMessage(code: ParseErrorCode): string {
  const name = printParseErrorCode(code);
  return `JSON syntax error: ${SYNTAX_MESSAGES[name] ?? name}`;
}

/** Parses and validates a scenario document. Never throws on bad input. */
export function parseScenario(text: string, file: string): LoadedScenario {
  const cx = new Context(file, text);
  const errors: ParseError[] = [];
  const root = parseTree(text, errors, { disallowComments: true, allowTrailingComma: false, allowEmptyContent: false });
  if (errors.length > 0) {
    // jsonc-parser reports follow-up errors at the same place; keep the first per offset.
    const seen = new Set<number>();
    for (const e of errors) {
      if (seen.has(e.offset)) continue;
      seen.add(e.offset);
      cx.report('error', cx.range(e.offset, Math.max(e.length, 1)), syntaxMessage(e.error), 'json-syntax');
    }
    return { scenario: fallbackScenario(), diagnostics: cx.diagnostics, ranges: cx.ranges };
  }
  if (root === undefined) {
    cx.report('error', cx.range(0, 0), 'JSON syntax error: expected a value', 'json-syntax');
    return { scenario: fallbackScenario(), diagnostics: cx.diagnostics, ranges: cx.ranges };
  }
  const scenario = readNode(SCENARIO_RULE, root, cx, []);
  // In document order (the walk reports cross-field checks after the fields they concern).
  const diagnostics = cx.diagnostics
    .map((d, i) => ({ d, i }))
    .sort((a, b) => a.d.range.line - b.d.range.line || a.d.range.column - b.d.range.column || a.i - b.i)
    .map(({ d }) => d);
  return { scenario: scenario ?? fallbackScenario(), diagnostics, ranges: cx.ranges };
}
