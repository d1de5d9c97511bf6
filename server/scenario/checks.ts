/**
 * Scenario diagnostics beyond the schema. Problems found in a referenced file are reported at
 * the place the scenario names that file (with the file's own location as related
 * information), so the scenario shows why it would not run.
 */
import type { Diagnostic as LspDiagnostic } from 'vscode-languageserver';
import type { TextDocument } from 'vscode-languageserver-textdocument';
import { hasErrors, type Diagnostic, type SourceRange } from '../../simulator/diagnostics';
import { assemble as assembleHcb } from '../../simulator/ebpf/asm/assembler';
import { DEFAULT_BASE } from '../../simulator/riscv/asm';
import type { LanguageContext } from '../language';
import { buildLink } from '../riscv/build';
import { toLspDiagnostic } from '../riscv/ranges';
import { uriOf } from '../riscv/uri';
import { scenarioModel, type FileReference } from './references';

const SOURCE = 'hyperlab';
const hex = (v: bigint): string => `0x${v.toString(16)}`;

export function scenarioDiagnostics(doc: TextDocument, ctx: LanguageContext): LspDiagnostic[] {
  const model = scenarioModel(doc);
  const out: Diagnostic[] = [...model.loaded.diagnostics];
  const top: SourceRange = { file: model.file, line: 1, column: 1, endLine: 1, endColumn: 2 };
  const at = (r: SourceRange | undefined): SourceRange => r ?? top;
  const read = (p: string): string | undefined => ctx.files.read(uriOf(p, ctx.files));
  const exists = (f: FileReference): boolean => {
    if (read(f.file) !== undefined) return true;
    out.push({ severity: 'error', code: 'file-not-found', message: `${f.kind === 'callback' ? 'hyper-callback' : f.kind === 'elf' ? 'ELF file' : 'source'} '${f.name}' does not exist (looked for ${f.file})`, range: at(f.range) });
    return false;
  };
  for (const code of model.codes) {
    const present = code.files.map(exists).every(Boolean);
    if (code.link && present && code.files.length) {
      const build = buildLink(code.link, read);
      const errors = build.diagnostics.filter((d) => d.severity === 'error');
      for (const f of code.files) {
        const mine = errors.filter((d) => d.range.file === f.file);
        if (mine.length) {
          out.push({
            severity: 'error', code: 'source-errors', range: at(f.range),
            message: `'${f.name}' does not assemble: ${mine.length} error(s), the first: ${mine[0].message}`,
            related: mine.slice(0, 5).map((d) => ({ range: d.range, message: d.message })),
          });
        }
      }
      if (code.entry && build.units.length) {
        const defined = build.units.some((u) => u.symbols.has(code.entry?.name ?? ''));
        if (!defined) {
          const known = build.units.flatMap((u) => [...u.globals.keys()].filter((g) => u.symbols.has(g)));
          out.push({
            severity: 'error', code: 'entry-not-found', range: at(code.entry.range ?? code.files[0]?.range),
            message: `entry symbol '${code.entry.name}' is not defined in ${code.files.map((f) => `'${f.name}'`).join(', ')}${known.length ? ` (global symbols: ${known.slice(0, 5).join(', ')})` : ''}`,
          });
        }
      }
      if (build.image && !hasErrors(build.diagnostics)) {
        const ramEnd = DEFAULT_BASE + BigInt(code.memory);
        for (const sec of build.image.sections) {
          if (!sec.alloc || sec.size === 0) continue;
          const end = sec.address + BigInt(sec.size);
          if (sec.address < DEFAULT_BASE || end > ramEnd) {
            out.push({ severity: 'error', code: 'outside-ram', range: at(code.files[0]?.range),
              message: `section ${sec.name} [${hex(sec.address)}, ${hex(end)}) lies outside the RAM it is loaded into [${hex(DEFAULT_BASE)}, ${hex(ramEnd)})` });
          }
        }
      }
    }
    for (const cb of code.callbacks) {
      if (!exists(cb.file)) continue;
      const text = read(cb.file.file) ?? '';
      let asm: ReturnType<typeof assembleHcb> | undefined;
      try {
        asm = assembleHcb(text, { file: cb.file.file });
      } catch (e) {
        out.push({ severity: 'error', code: 'callback-errors', range: at(cb.file.range), message: `'${cb.file.name}' could not be assembled: ${(e as Error).message}` });
        continue;
      }
      const errors = asm.diagnostics.filter((d) => d.severity === 'error');
      if (errors.length) {
        out.push({ severity: 'error', code: 'callback-errors', range: at(cb.file.range),
          message: `'${cb.file.name}' does not assemble: ${errors.length} error(s), the first: ${errors[0].message}`,
          related: errors.slice(0, 5).map((d) => ({ range: d.range, message: d.message })) });
      }
      if (asm.event && asm.event.name !== cb.event) {
        out.push({ severity: 'error', code: 'callback-event', range: at(cb.file.range),
          message: `'${cb.file.name}' declares event '${asm.event.name}' but the scenario attaches it to '${cb.event}'`,
          related: [{ range: asm.event.range, message: `.event ${asm.event.name}` }] });
      }
    }
  }
  return out.map((d) => toLspDiagnostic(d, SOURCE));
}
