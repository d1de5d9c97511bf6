/**
 * Completion: mnemonics with operand snippets, registers, CSRs, directives, macros and the
 * symbols of the link. What is offered depends on where the cursor is: at the start of a
 * statement (mnemonics, directives, macros) or in the operands (registers, CSRs, symbols).
 */
import { CompletionItemKind, InsertTextFormat, type CompletionItem, type Position } from 'vscode-languageserver';
import type { TextDocument } from 'vscode-languageserver-textdocument';
import { allCsrNames } from '../../simulator/riscv/isa/csrs';
import { ABI_NAMES } from '../../simulator/riscv/isa/registers';
import type { LanguageContext } from '../language';
import { analyse, reader } from './analysis';
import { linkedFiles } from './navigation';
import { lineText } from './cursor';
import { csrHover, registerHover } from './hover';
import { DIRECTIVES, MNEMONICS } from './isa-info';
import { uriToPath } from './uri';

const CSR_MNEMONICS = /^(csr\w*|rdcycle|rdtime|rdinstret)$/;

export function completion(doc: TextDocument, pos: Position, ctx: LanguageContext): CompletionItem[] {
  const before = lineText(doc, pos.line).slice(0, pos.character).replace(/#.*$/, '');
  // Drop a leading label (`name:` or `1:`), then see whether we are still in the first word.
  const stmt = before.replace(/^\s*[\w.$]+:\s*/, '');
  const m = /^\s*([\w.$]*)$/.exec(stmt);
  if (m) return [...(m[1].startsWith('.') ? directiveItems() : [...mnemonicItems(), ...macroItems(doc, ctx)]), ...(m[1].startsWith('.') ? [] : directiveItems())];
  const mnemonic = /^\s*([\w.$]+)/.exec(stmt)?.[1] ?? '';
  const operandIndex = (stmt.match(/,/g) ?? []).length;
  const items: CompletionItem[] = [];
  if (CSR_MNEMONICS.test(mnemonic) && operandIndex <= 1) items.push(...csrItems('0'));
  items.push(...registerItems());
  if (!CSR_MNEMONICS.test(mnemonic)) items.push(...csrItems('9'));
  items.push(...symbolItems(doc, ctx));
  return items;
}

function mnemonicItems(): CompletionItem[] {
  return [...MNEMONICS].map(([name, info]) => ({
    label: name,
    kind: CompletionItemKind.Keyword,
    detail: `${name} ${info.operands}${info.pseudo ? ' (pseudo)' : ''}`,
    documentation: info.meaning,
    insertText: info.snippet ? `${name} ${info.snippet}` : name,
    insertTextFormat: InsertTextFormat.Snippet,
  }));
}

function directiveItems(): CompletionItem[] {
  return Object.entries(DIRECTIVES).map(([name, doc]) => ({ label: name, kind: CompletionItemKind.Keyword, detail: doc, filterText: name, insertText: name }));
}

function registerItems(): CompletionItem[] {
  const names = [...ABI_NAMES, 'fp', ...ABI_NAMES.map((_, i) => `x${i}`)];
  return names.map((n) => ({ label: n, kind: CompletionItemKind.Variable, detail: registerHover(n).replace(/\*\*/g, ''), sortText: `1${n}` }));
}

function csrItems(rank: string): CompletionItem[] {
  return allCsrNames().map((n) => ({ label: n, kind: CompletionItemKind.Property, detail: csrHover(n).split('\n')[0].replace(/\*\*/g, ''), sortText: `${rank}${n}` }));
}

/** Macros of this file and of the files it includes or is linked with. */
function macroItems(doc: TextDocument, ctx: LanguageContext): CompletionItem[] {
  const read = reader(doc, ctx);
  const self = uriToPath(doc.uri);
  const texts = [doc.getText(), ...linkedFiles(doc, ctx).filter((f) => f !== self).map((f) => read(f) ?? '')];
  const seen = new Set<string>();
  return texts.flatMap((t) => macrosIn(t)).filter((i) => !seen.has(i.label) && (seen.add(i.label), true));
}

function macrosIn(text: string): CompletionItem[] {
  const out: CompletionItem[] = [];
  for (const m of text.matchAll(/^[ \t]*\.macro[ \t]+([A-Za-z_.$][\w.$]*)[ \t,]*([^\n]*)$/gm)) {
    const params = m[2].split(/[\s,]+/).filter(Boolean).map((p) => p.replace(/[:=].*$/, ''));
    const snippet = params.map((p, i) => `\${${i + 1}:${p}}`).join(', ');
    out.push({ label: m[1], kind: CompletionItemKind.Function, detail: `macro ${m[1]} ${m[2].trim()}`, insertText: snippet ? `${m[1]} ${snippet}` : m[1], insertTextFormat: InsertTextFormat.Snippet });
  }
  return out;
}

function symbolItems(doc: TextDocument, ctx: LanguageContext): CompletionItem[] {
  const self = uriToPath(doc.uri);
  const out = new Map<string, CompletionItem>();
  for (const { build } of analyse(doc, ctx).builds) {
    for (const u of build.units) {
      for (const s of u.symbols.values()) {
        if (s.name.includes('\u0002') || out.has(s.name)) continue;
        // Another file's symbol is reachable only if it is global (or comes from an include of this file).
        if (u.path !== self && !u.globals.has(s.name) && s.range.file !== self) continue;
        const isConst = s.section === undefined;
        out.set(s.name, { label: s.name, kind: isConst ? CompletionItemKind.Constant : CompletionItemKind.Reference, detail: isConst ? 'constant' : `label in ${s.section}`, sortText: `2${s.name}` });
      }
    }
  }
  return [...out.values()];
}
