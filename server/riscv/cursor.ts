/**
 * What is under the cursor, from the one line it is on (lexed and parsed with the assembler's
 * own lexer and parser): cheap enough for hover on a 50,000-line file.
 */
import type { Position } from 'vscode-languageserver';
import type { TextDocument } from 'vscode-languageserver-textdocument';
import type { SourceRange } from '../../simulator/diagnostics';
import { lexLine, type Token } from '../../simulator/riscv/asm/lexer';
import { parseLine } from '../../simulator/riscv/asm/parser';
import type { Statement } from '../../simulator/riscv/asm/syntax';
import { csrNumber } from '../../simulator/riscv/isa/csrs';
import { registerNumber } from '../../simulator/riscv/isa/registers';
import { contains } from './ranges';
import { uriToPath } from './uri';

export type CursorTarget =
  | { kind: 'mnemonic'; name: string; range: SourceRange; statement: Statement }
  | { kind: 'directive'; name: string; range: SourceRange; statement: Statement }
  | { kind: 'register'; name: string; range: SourceRange }
  | { kind: 'csr'; name: string; range: SourceRange }
  | { kind: 'symbol'; name: string; range: SourceRange; definition: boolean }
  | { kind: 'local'; label: string; dir?: 'f' | 'b'; range: SourceRange }
  | { kind: 'include'; target: string; range: SourceRange };

export function lineText(doc: TextDocument, line: number): string {
  return doc.getText({ start: { line, character: 0 }, end: { line: line + 1, character: 0 } }).replace(/\r?\n$/, '');
}

export function targetAt(doc: TextDocument, pos: Position): CursorTarget | undefined {
  const file = uriToPath(doc.uri);
  const text = lineText(doc, pos.line);
  const tokens = lexLine(text, file, pos.line + 1).tokens;
  const tok = tokens.find((t) => contains(t.range, pos));
  if (!tok) return undefined;
  let statements: Statement[] = [];
  try {
    statements = parseLine(tokens).statements;
  } catch {
    statements = [];
  }
  for (const st of statements) {
    if (st.kind === 'instruction' && contains(st.mnemonicRange, pos)) return { kind: 'mnemonic', name: st.mnemonic, range: st.mnemonicRange, statement: st };
    if (st.kind === 'directive' && contains(st.nameRange, pos)) return { kind: 'directive', name: st.name, range: st.nameRange, statement: st };
    if (st.kind === 'label' && contains(st.range, pos)) {
      const range = { ...st.range, endColumn: st.range.column + st.name.length };
      return st.numeric ? { kind: 'local', label: st.name, range } : { kind: 'symbol', name: st.name, range, definition: true };
    }
    if (st.kind === 'assign' && contains(st.nameRange, pos)) return { kind: 'symbol', name: st.name, range: st.nameRange, definition: true };
    if (st.kind === 'directive' && (st.name === '.include') && tok.kind === 'str') return { kind: 'include', target: tok.text.slice(1, -1), range: tok.range };
    if (st.kind === 'directive' && ['.equ', '.set', '.equiv'].includes(st.name) && st.args[0]?.tokens[0] === tok) {
      return { kind: 'symbol', name: tok.text, range: tok.range, definition: true };
    }
  }
  if (/^\s*#\s*include\b/.test(text) && tok.kind === 'str') return { kind: 'include', target: tok.text.slice(1, -1), range: tok.range };
  return classify(tok);
}

function classify(tok: Token): CursorTarget | undefined {
  if (tok.kind === 'localref') return { kind: 'local', label: tok.text.slice(0, -1), dir: tok.text.endsWith('f') ? 'f' : 'b', range: tok.range };
  if (tok.kind !== 'ident') return undefined;
  if (registerNumber(tok.text) !== undefined) return { kind: 'register', name: tok.text, range: tok.range };
  if (csrNumber(tok.text) !== undefined) return { kind: 'csr', name: tok.text, range: tok.range };
  return { kind: 'symbol', name: tok.text, range: tok.range, definition: false };
}
