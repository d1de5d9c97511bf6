/**
 * Lexing and parsing of one line, remembered by the line's text. The language server
 * re-assembles a callback on every keystroke, and all lines but the edited one are unchanged: their
 * analysis is taken from here instead of being redone. A line's analysis depends on its text only
 * (columns, not line numbers), so one entry serves every file and position.
 *
 * Entries are shared: callers must not mutate them (the assembler copies each instruction before
 * giving it a slot and resolving its references).
 */
import { lexLine, type LexError } from './lexer';
import { parseLine, type ParsedLine } from './parser';

export interface LineAnalysis {
  /** The lexer's errors; when there are any the line is not parsed. */
  lexErrors: readonly LexError[];
  /** Labels and statement, or the line's first problem; absent for blank lines and lexer errors. */
  parsed?: ParsedLine;
}

/** Bound on remembered lines (a few files' worth); past it the cache starts afresh. */
const MAX_LINES = 20_000;
const cache = new Map<string, LineAnalysis>();
const BLANK: LineAnalysis = { lexErrors: [] };

export function analyseLine(text: string): LineAnalysis {
  const known = cache.get(text);
  if (known !== undefined) return known;
  const lexed = lexLine(text);
  let analysis: LineAnalysis;
  if (lexed.errors.length > 0) analysis = { lexErrors: lexed.errors };
  else if (lexed.tokens.length === 0) analysis = BLANK;
  else analysis = { lexErrors: [], parsed: parseLine(lexed.tokens) };
  if (cache.size >= MAX_LINES) cache.clear();
  cache.set(text, analysis);
  return analysis;
}
