/**
 * Hover: what an instruction does and the bytes this line assembled to; a CSR's number,
 * privilege, access and fields; a register's ABI role; a symbol's value and definition; a
 * macro's expansion at this call. Reads only the cursor's line and the cached analysis.
 */
import type { Hover, Position } from 'vscode-languageserver';
import type { TextDocument } from 'vscode-languageserver-textdocument';
import type { SourceRange } from '../../simulator/diagnostics';
import { disassembleWord } from '../../simulator/riscv/disasm';
import type { Image } from '../../simulator/riscv/image';
import { csrNumber } from '../../simulator/riscv/isa/csrs';
import { ABI_NAMES, registerNumber } from '../../simulator/riscv/isa/registers';
import type { LanguageContext } from '../language';
import { analyse, reader, type Analysis } from './analysis';
import { lineText, targetAt, type CursorTarget } from './cursor';
import { CSR_FIELDS, DIRECTIVES, MNEMONICS, privilegeText } from './isa-info';
import { definitionsOf, findDefine, linkedFiles } from './navigation';
import { toRange } from './ranges';
import { csrPrivilege, csrReadOnly } from './target-checks';
import { lineAt } from './syntax-index';
import { uriToPath } from './uri';

const REGISTER_ROLE: Record<string, string> = {
  zero: 'hard-wired zero', ra: 'return address', sp: 'stack pointer', gp: 'global pointer', tp: 'thread pointer',
  t: 'temporary (caller-saved)', s: 'saved register (callee-saved)', a: 'argument / return value (caller-saved)',
};

const hex = (v: bigint, width = 0): string => `0x${BigInt.asUintN(64, v).toString(16).padStart(width, '0')}`;

export function registerHover(name: string): string {
  const n = registerNumber(name) ?? 0;
  const abi = ABI_NAMES[n];
  const role = REGISTER_ROLE[abi] ?? REGISTER_ROLE[abi[0]] ?? '';
  const aliases = [`x${n}`, abi, ...(n === 8 ? ['fp'] : [])].filter((a, i, all) => all.indexOf(a) === i);
  return `**${aliases.join(' / ')}** — ${role}${n === 8 ? ' (frame pointer)' : ''}`;
}

export function csrHover(name: string): string {
  const num = csrNumber(name) ?? 0;
  const priv = csrPrivilege(num);
  const access = csrReadOnly(num) ? 'read-only' : 'read/write';
  const fields = CSR_FIELDS[name];
  return [`**${name}** — CSR ${hex(BigInt(num), 3)}, ${privilegeText(priv)} level, ${access}`, ...(fields ? ['', `Fields: ${fields}`] : [])].join('\n');
}

/** The machine code this source line produced (first link that built it). */
export function encodingOfLine(analysis: Analysis, file: string, line: number): string[] {
  for (const { build } of analysis.builds) {
    const image = build.image;
    if (!image) continue;
    const entries = image.sourceMap.filter((e) => e.range.file === file && e.range.line === line);
    if (!entries.length) continue;
    return entries.map((e) => {
      const bytes = bytesAt(image, e.address, e.length);
      const byteText = bytes.map((b) => b.toString(16).padStart(2, '0')).join(' ');
      if (!e.isInstruction || bytes.length !== 4) return `${hex(e.address, 8)}: ${byteText}`;
      const word = (bytes[0] | (bytes[1] << 8) | (bytes[2] << 16) | (bytes[3] << 24)) >>> 0;
      return `${hex(e.address, 8)}: ${byteText}   ${disassembleWord(word, e.address).text.replace('\t', ' ')}`;
    });
  }
  return [];
}

function bytesAt(image: Image, address: bigint, length: number): number[] {
  const sec = image.sections.find((s) => address >= s.address && address < s.address + BigInt(s.size));
  if (!sec) return [];
  const off = Number(address - sec.address);
  return [...sec.data.subarray(off, off + Math.min(length, 16))];
}

function symbolValue(analysis: Analysis, name: string): string | undefined {
  for (const { build } of analysis.builds) {
    const s = build.image?.symbols.find((x) => x.name === name);
    if (s) return `${hex(s.value)}${s.section ? ` in ${s.section}` : ' (constant)'}${s.global ? ', global' : ''}${s.size ? `, size ${s.size}` : ''}`;
  }
  return undefined;
}

function definedAt(r: SourceRange, doc: TextDocument, ctx: LanguageContext, self: string): string {
  // Only the defining line is extracted, so a big file costs one scan.
  const text = reader(doc, ctx)(r.file);
  const src = text === undefined ? '' : lineAt(text, r.line).trim();
  const where = r.file === self ? `line ${r.line}` : `${r.file.split('/').pop()}:${r.line}`;
  return `Defined at ${where}${src ? `:\n\`\`\`riscv-guest\n${src}\n\`\`\`` : ''}`;
}

/** A macro's definition line found textually (fast on big files); undefined if none. */
function macroDefinition(text: string, name: string): { line: number; params: string } | undefined {
  const re = new RegExp(`^[ \\t]*\\.macro[ \\t]+${name.replace(/[.$]/g, '\\$&')}\\b([^\\n]*)`, 'm');
  const m = re.exec(text);
  if (!m) return undefined;
  return { line: text.slice(0, m.index).split('\n').length, params: m[1].replace(/^[ \t,]+/, '').trim() };
}

/** A macro's definition in this file, else in the files linked with it (includes first). */
function findMacro(doc: TextDocument, name: string, ctx: LanguageContext): { params: string; where: string } | undefined {
  const own = macroDefinition(doc.getText(), name);
  if (own) return { params: own.params, where: `line ${own.line}` };
  const self = uriToPath(doc.uri);
  const read = reader(doc, ctx);
  for (const f of linkedFiles(doc, ctx)) {
    if (f === self) continue;
    const text = read(f);
    const m = text === undefined ? undefined : macroDefinition(text, name);
    if (m) return { params: m.params, where: `${f.split('/').pop()}:${m.line}` };
  }
  return undefined;
}

export function hover(doc: TextDocument, pos: Position, ctx: LanguageContext): Hover | null {
  const target = targetAt(doc, pos);
  if (!target) return null;
  const text = hoverText(doc, pos, target, ctx);
  return text ? { contents: { kind: 'markdown', value: text }, range: toRange(target.range) } : null;
}

function hoverText(doc: TextDocument, pos: Position, target: CursorTarget, ctx: LanguageContext): string | undefined {
  const self = uriToPath(doc.uri);
  const code = (lines: string[]): string => (lines.length ? `\n\n\`\`\`\n${lines.join('\n')}\n\`\`\`` : '');
  switch (target.kind) {
    case 'register':
      return registerHover(target.name);
    case 'csr':
      return csrHover(target.name);
    case 'directive':
      return DIRECTIVES[target.name] ? `**${target.name}** — ${DIRECTIVES[target.name].replace(/^\.\w+ ?/, '')}` : undefined;
    case 'include':
      return `Includes \`${target.target}\``;
    case 'mnemonic': {
      const analysis = analyse(doc, ctx);
      const bytes = encodingOfLine(analysis, self, pos.line + 1);
      const info = MNEMONICS.get(target.name);
      if (info) return `**${target.name}** ${info.operands}${info.pseudo ? ' (pseudo-instruction)' : ''}\n\n${info.meaning}${code(bytes)}`;
      const macro = findMacro(doc, target.name, ctx);
      if (macro) return `**macro ${target.name}**${macro.params ? ` ${macro.params}` : ''} (defined at ${macro.where})${bytes.length ? '\n\nExpands here to:' : ''}${code(bytes)}`;
      return undefined;
    }
    case 'local':
    case 'symbol': {
      const analysis = analyse(doc, ctx);
      const name = target.kind === 'symbol' ? target.name : `${target.label}${target.dir ?? ''}`;
      const defs = definitionsFast(doc, target, ctx, analysis);
      const parts: string[] = [`**${name}**`];
      if (target.kind === 'symbol') {
        const value = symbolValue(analysis, target.name);
        if (value) parts[0] += ` = ${value}`;
        const define = value ? undefined : findDefine(doc, target.name, ctx);
        if (define) {
          parts[0] += ` — #define ${define.value}`;
          parts.push(definedAt(define.range, doc, ctx, self));
          return parts.join('\n\n');
        }
      }
      if (defs[0]) {
        if (target.kind === 'local') {
          const address = addressOfLine(analysis, defs[0]);
          if (address !== undefined) parts[0] += ` = ${hex(address)}`;
        }
        parts.push(definedAt(defs[0], doc, ctx, self));
      }
      return parts.length > 1 || parts[0] !== `**${name}**` ? parts.join('\n\n') : undefined;
    }
  }
}

/** Definitions from the assembler's symbol tables (cheap), falling back to the syntax index. */
function definitionsFast(doc: TextDocument, target: CursorTarget, ctx: LanguageContext, analysis: Analysis): SourceRange[] {
  if (target.kind === 'symbol') {
    for (const { build } of analysis.builds) {
      const local = build.units.find((u) => u.path === uriToPath(doc.uri))?.symbols.get(target.name);
      if (local) return [local.range];
    }
    for (const { build } of analysis.builds) for (const u of build.units) {
      const s = u.symbols.get(target.name);
      if (s && u.globals.has(target.name)) return [s.range];
    }
  }
  return definitionsOf(doc, target, ctx);
}

/** Address of the first item at or after a label's line (the label's value). */
function addressOfLine(analysis: Analysis, r: SourceRange): bigint | undefined {
  for (const { build } of analysis.builds) {
    const e = build.image?.sourceMap.find((x) => x.range.file === r.file && x.range.line >= r.line);
    if (e) return e.address;
  }
  return undefined;
}

export { lineText };
