/**
 * Go to definition, references and rename for labels (jump targets and local functions) and
 * maps, within the file (a hyper-callback is one self-contained file).
 */
import type { Location, Position, Range, WorkspaceEdit } from 'vscode-languageserver';
import { HELPERS_BY_NAME } from '../../simulator/ebpf/events';
import type { HcbAnalysis } from './analysis';
import { occurrences, symbolAt } from './symbolAt';

export function definition(a: HcbAnalysis, p: Position): Location[] {
  const s = symbolAt(a, p);
  if (!s || (s.kind !== 'label' && s.kind !== 'map')) return [];
  return occurrences(a, s.kind, s.name).filter((o) => o.definition).map((o) => ({ uri: a.uri, range: o.range }));
}

export function references(a: HcbAnalysis, p: Position, includeDeclaration: boolean): Location[] {
  const s = symbolAt(a, p);
  if (!s || (s.kind !== 'label' && s.kind !== 'map')) return [];
  return occurrences(a, s.kind, s.name).filter((o) => includeDeclaration || !o.definition).map((o) => ({ uri: a.uri, range: o.range }));
}

export function prepareRename(a: HcbAnalysis, p: Position): { range: Range; placeholder: string } | null {
  const s = symbolAt(a, p);
  if (!s || (s.kind !== 'label' && s.kind !== 'map')) return null;
  // only names the file defines can be renamed (not `exit`, the ubpf alias of the next exit)
  if (!occurrences(a, s.kind, s.name).some((o) => o.definition)) return null;
  return { range: s.range, placeholder: s.name };
}

/** Why a new name cannot be used, or undefined when it can. */
export function invalidName(a: HcbAnalysis, kind: 'label' | 'map', name: string): string | undefined {
  if (!/^[A-Za-z_$][\w$]*$/.test(name)) return `'${name}' is not a valid name`;
  if (/^[rw](10|[0-9])$/.test(name)) return `'${name}' is a register`;
  if (HELPERS_BY_NAME.has(name)) return `'${name}' is a helper`;
  if (['if', 'goto', 'call', 'exit', 'll', 'lock', 'gotol', 'callx'].includes(name)) return `'${name}' is a keyword`;
  const taken = kind === 'label' ? a.asm.labels.some((l) => l.name === name) : a.asm.maps.some((m) => m.name === name);
  if (taken) return `'${name}' is already defined`;
  return undefined;
}

export function rename(a: HcbAnalysis, p: Position, newName: string): WorkspaceEdit | null {
  const s = symbolAt(a, p);
  if (!s || (s.kind !== 'label' && s.kind !== 'map') || !prepareRename(a, p)) return null;
  if (invalidName(a, s.kind, newName)) return null;
  const edits = occurrences(a, s.kind, s.name).map((o) => ({ range: o.range, newText: newName }));
  return { changes: { [a.uri]: edits } };
}
