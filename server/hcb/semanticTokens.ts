/**
 * Semantic tokens from the assembler's lexer plus its symbol table: directives and mnemonics as
 * keywords, registers, numbers, labels (definitions marked), maps, helpers (default library),
 * local functions, the event name, C-style size casts as types, comments.
 */
import type { SemanticTokens } from 'vscode-languageserver';
import { isEventName } from '../../simulator/ebpf/events';
import { semanticTokenLegend, type SemanticTokenType } from '../language';
import type { HcbAnalysis } from './analysis';
import { tokenizeLine } from './tokens';

const TYPE_INDEX = new Map<string, number>(semanticTokenLegend.tokenTypes.map((t, k) => [t, k]));
const MOD_BIT = new Map<string, number>(semanticTokenLegend.tokenModifiers.map((m, k) => [m, 1 << k]));
const KEYWORDS = new Set(['if', 'goto', 'gotol', 'call', 'callx', 'exit', 'll', 'lock', 'local']);
const C_TYPES = /^[us](8|16|32|64)$/;

export function semanticTokens(a: HcbAnalysis): SemanticTokens {
  const data: number[] = [];
  let prevLine = 0;
  let prevChar = 0;
  const push = (line: number, start: number, length: number, type: SemanticTokenType, mods: string[] = []): void => {
    const t = TYPE_INDEX.get(type);
    if (t === undefined || length <= 0) return;
    let m = 0;
    for (const x of mods) m |= MOD_BIT.get(x) ?? 0;
    data.push(line - prevLine, line === prevLine ? start - prevChar : start, length, t, m);
    prevLine = line;
    prevChar = start;
  };
  const labelDefs = new Set(a.asm.labels.map((l) => `${l.range.line}:${l.range.column}`));
  const refs = new Map(a.asm.references.map((r) => [`${r.range.line}:${r.range.column}`, r]));
  const mapDefs = new Set(a.asm.maps.map((m) => `${m.nameRange.line}:${m.nameRange.column}`));
  const mapNames = new Set(a.asm.maps.map((m) => m.name));
  a.lines.forEach((text, k) => {
    const line = k + 1;
    const lexed = tokenizeLine(text);
    const eventLine = a.asm.event?.range.line === line;
    let first = true;
    if (eventLine && lexed.tokens.length > 1 && lexed.tokens[0].text === '.event') {
      // the event name is one token even when the lexer splits it at hyphens (`page-reclaim`)
      const name = lexed.tokens.slice(1);
      push(k, lexed.tokens[0].column - 1, lexed.tokens[0].end - lexed.tokens[0].column, 'keyword');
      push(k, name[0].column - 1, name[name.length - 1].end - name[0].column, 'enumMember');
      if (lexed.commentStart >= 0) push(k, lexed.commentStart, text.length - lexed.commentStart, 'comment');
      return;
    }
    for (const t of lexed.tokens) {
      const key = `${line}:${t.column}`;
      const start = t.column - 1;
      const len = t.end - t.column;
      const ref = refs.get(key);
      if (labelDefs.has(key)) push(k, start, len, 'label', ['declaration']);
      else if (mapDefs.has(key)) push(k, start, len, 'variable', ['declaration']);
      else if (ref) {
        if (ref.kind === 'helper') push(k, start, len, 'function', ['defaultLibrary']);
        else if (ref.kind === 'function') push(k, start, len, 'function');
        else if (ref.kind === 'map') push(k, start, len, 'variable');
        else push(k, start, len, 'label');
      } else if (t.kind === 'num') push(k, start, len, 'number');
      else if (t.kind === 'reg') push(k, start, len, 'register');
      else if (t.kind === 'ident') {
        if (t.text.startsWith('.')) push(k, start, len, 'keyword');
        else if (KEYWORDS.has(t.text) || (first && /^[a-z]+(32|64|16)?$/.test(t.text))) push(k, start, len, 'keyword');
        else if (C_TYPES.test(t.text)) push(k, start, len, 'type');
        else if (isEventName(t.text)) push(k, start, len, 'enumMember');
        else if (mapNames.has(t.text)) push(k, start, len, 'variable');
      } else if (t.kind === 'op' && t.text !== ',' && t.text !== '(' && t.text !== ')' && t.text !== '[' && t.text !== ']' && t.text !== ':') push(k, start, len, 'operator');
      if (!(t.kind === 'ident' && labelDefs.has(key)) && t.text !== ':') first = false;
    }
    if (lexed.commentStart >= 0) push(k, lexed.commentStart, text.length - lexed.commentStart, 'comment');
  });
  return { data };
}
