/** Applies LSP text edits to a string (as an editor would), for checking code actions and renames. */
import type { Position, TextEdit } from 'vscode-languageserver-protocol';

function offsetAt(text: string, p: Position): number {
  let line = 0;
  let i = 0;
  while (line < p.line && i < text.length) {
    const nl = text.indexOf('\n', i);
    if (nl < 0) return text.length;
    i = nl + 1;
    line++;
  }
  return Math.min(i + p.character, text.length);
}

export function applyEdits(text: string, edits: readonly TextEdit[]): string {
  const sorted = [...edits].map((e) => ({ start: offsetAt(text, e.range.start), end: offsetAt(text, e.range.end), newText: e.newText }));
  sorted.sort((a, b) => b.start - a.start || b.end - a.end);
  let out = text;
  for (const e of sorted) out = out.slice(0, e.start) + e.newText + out.slice(e.end);
  return out;
}

/** Decodes semantic tokens into absolute positions with legend names. */
export function decodeTokens(data: readonly number[], types: readonly string[], mods: readonly string[]): { line: number; char: number; length: number; type: string; mods: string[] }[] {
  const out = [];
  let line = 0;
  let char = 0;
  for (let k = 0; k + 5 <= data.length; k += 5) {
    line += data[k];
    char = data[k] === 0 ? char + data[k + 1] : data[k + 1];
    out.push({ line, char, length: data[k + 2], type: types[data[k + 3]], mods: mods.filter((_, b) => data[k + 4] & (1 << b)) });
  }
  return out;
}
