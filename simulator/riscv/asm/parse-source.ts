/**
 * Per-file parse for the language server: a syntax tree with ranges for every statement, label,
 * symbol reference, directive, macro and include, plus syntax diagnostics. No layout, no
 * encoding; each bad line yields its own diagnostic and parsing goes on with the next one.
 */
import type { Diagnostic, SourceRange } from '../../diagnostics';
import { csrNumber } from '../isa/csrs';
import { registerNumber } from '../isa/registers';
import { analyseLine, endLineCacheGeneration } from './line-cache';
import { parseExpr } from './parser';
import { preprocess } from './preprocess';
import { forEachSymbol, type Statement } from './syntax';

export type SyntaxNode =
  | { kind: 'statement'; statement: Statement }
  | { kind: 'macro'; name: string; nameRange: SourceRange; params: string[]; range: SourceRange; body: SyntaxNode[] }
  | { kind: 'rept'; range: SourceRange; body: SyntaxNode[] }
  | { kind: 'include'; path: string; range: SourceRange; resolved?: string };

export interface ParsedSource {
  path: string;
  nodes: SyntaxNode[];
  diagnostics: Diagnostic[];
  /** Label definitions (numeric local labels included, by their digit). */
  labels: { name: string; range: SourceRange }[];
  /** Symbol references in operands and directive arguments (registers and CSR names excluded). */
  references: { name: string; range: SourceRange }[];
  /** cpp defines in force at the end of the file. */
  defines: ReadonlyMap<string, string>;
}

export function parseSource(
  path: string,
  text: string,
  options: { readFile?: (path: string) => string | undefined; defines?: Record<string, string> } = {},
): ParsedSource {
  const pp = preprocess(path, text, { readFile: options.readFile, defines: new Map(Object.entries(options.defines ?? {})) });
  const out: ParsedSource = { path, nodes: [], diagnostics: pp.diagnostics.filter((d) => d.range.file === path), labels: [], references: [], defines: pp.defines };
  for (const inc of pp.includes) if (inc.range.file === path) out.nodes.push({ kind: 'include', path: inc.path, range: inc.range, resolved: inc.resolved });
  const containers: SyntaxNode[][] = [out.nodes];
  const open: Extract<SyntaxNode, { kind: 'macro' | 'rept' }>[] = [];
  const ref = (name: string, range: SourceRange): void => {
    if (registerNumber(name) === undefined && csrNumber(name) === undefined) out.references.push({ name, range });
  };
  for (const line of pp.lines) {
    if (line.file !== path) continue;
    const analysis = analyseLine(line.text, line.file, line.line, line.defines);
    out.diagnostics.push(...analysis.lexDiagnostics, ...analysis.parseDiagnostics);
    for (const st of analysis.statements) {
      const into = containers[containers.length - 1];
      if (st.kind === 'directive' && (st.name === '.macro' || st.name === '.rept' || st.name === '.irp')) {
        const node: Extract<SyntaxNode, { kind: 'macro' | 'rept' }> =
          st.name === '.macro'
            ? {
                kind: 'macro',
                name: st.args[0]?.tokens[0]?.text ?? '',
                nameRange: st.args[0]?.tokens[0]?.range ?? st.range,
                params: st.args.flatMap((a, i) => a.tokens.slice(i === 0 ? 1 : 0)).filter((t) => t.kind === 'ident' && !['req', 'vararg'].includes(t.text)).map((t) => t.text),
                range: st.range,
                body: [],
              }
            : { kind: 'rept', range: st.range, body: [] };
        into.push(node);
        open.push(node);
        containers.push(node.body);
        continue;
      }
      if (st.kind === 'directive' && (st.name === '.endm' || st.name === '.endr') && open.length) {
        const node = open.pop();
        containers.pop();
        if (node) node.range = { ...node.range, endLine: st.range.endLine, endColumn: st.range.endColumn };
        continue;
      }
      into.push({ kind: 'statement', statement: st });
      if (st.kind === 'directive' && st.name === '.include') {
        const t = st.args[0]?.tokens[0];
        if (t?.kind === 'str') into.push({ kind: 'include', path: t.text.slice(1, -1), range: st.range });
      }
      const inMacro = open.some((n) => n.kind === 'macro');
      if (st.kind === 'label') out.labels.push({ name: st.name, range: st.range });
      if (st.kind === 'assign') {
        out.labels.push({ name: st.name, range: st.nameRange });
        forEachSymbol(st.value, ref);
      }
      if (st.kind === 'instruction') {
        if (!inMacro) out.diagnostics.push(...st.operandDiagnostics);
        for (const op of st.operands) {
          if (op.kind === 'expr') forEachSymbol(op.expr, ref);
          else if (op.offset) forEachSymbol(op.offset, ref);
        }
      }
      if (st.kind === 'directive' && !inMacro && ['.word', '.dword', '.quad', '.half', '.byte', '.long', '.short', '.equ', '.set', '.size'].includes(st.name)) {
        st.args.forEach((a, i) => {
          if (!a.tokens.length || ((st.name === '.equ' || st.name === '.set') && i === 0)) return;
          try {
            forEachSymbol(parseExpr(a.tokens), ref);
          } catch {
            // reported by the assembler with full context
          }
        });
      }
    }
  }
  endLineCacheGeneration();
  return out;
}
