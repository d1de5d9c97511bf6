/**
 * One guest document's analysis, cached per document version and workspace generation:
 * the links it takes part in, each assembled (pass one cached per file), the kernel and target
 * checks, and the diagnostics for this document. Every feature reads from here.
 */
import type { Diagnostic as LspDiagnostic } from 'vscode-languageserver';
import type { TextDocument } from 'vscode-languageserver-textdocument';
import type { Diagnostic } from '../../simulator/diagnostics';
import type { LanguageContext } from '../language';
import { buildLink, clearPassOneCache, type LinkedBuild, type ReadText } from './build';
import { clearContextCaches, linkContexts } from './contexts';
import { clearExpansionScans } from './expansion-guard';
import { buildFlow, clearFlowMemo, type FlowUnit } from './flow';
import { kernelChecks, type KernelRuleId } from './kernel-checks';
import { toLspDiagnostic } from './ranges';
import { targetChecks } from './target-checks';
import { uriOf, uriToPath } from './uri';

export const SOURCE = 'hyperlab';

export interface Analysis {
  path: string;
  builds: { build: LinkedBuild; flows: FlowUnit[] }[];
  diagnostics: LspDiagnostic[];
}

/** Reads files for the assembler: this document's own text, else the workspace's. */
export function reader(doc: TextDocument, ctx: LanguageContext): ReadText {
  const self = uriToPath(doc.uri);
  const text = doc.getText();
  return (p) => (p === self ? text : ctx.files.read(uriOf(p, ctx.files)));
}

interface CacheEntry {
  key: string;
  /** The workspace and text the analysis saw (another workspace object, e.g. in tests, or another text never hits). */
  files: LanguageContext['files'];
  text: string;
  analysis: Analysis;
}
const cache = new Map<string, CacheEntry>();
const MAX_DOCS = 64;

function key(doc: TextDocument, ctx: LanguageContext): string {
  return `${doc.version}:${ctx.files.generation}:${JSON.stringify(ctx.settings.kernelChecks ?? {})}`;
}

/**
 * Forgets everything this language remembers between requests (analyses, pass-one units,
 * scans, parsed scenarios), so the next analysis starts from the text alone. The assembler's own
 * line cache is not part of it (`clearLineCache` in simulator/riscv/asm/line-cache.ts).
 */
export function clearAnalysisCaches(): void {
  cache.clear();
  clearPassOneCache();
  clearExpansionScans();
  clearContextCaches();
  clearFlowMemo();
}

export function analyse(doc: TextDocument, ctx: LanguageContext): Analysis {
  const k = key(doc, ctx);
  const text = doc.getText();
  const hit = cache.get(doc.uri);
  if (hit && hit.key === k && hit.files === ctx.files && hit.text === text) return hit.analysis;
  const analysis = compute(doc, ctx);
  if (cache.size >= MAX_DOCS && !cache.has(doc.uri)) cache.delete(cache.keys().next().value as string);
  cache.set(doc.uri, { key: k, files: ctx.files, text, analysis });
  return analysis;
}

function compute(doc: TextDocument, ctx: LanguageContext): Analysis {
  const path = uriToPath(doc.uri);
  const read = reader(doc, ctx);
  const enabled = (rule: KernelRuleId): boolean => ctx.settings.kernelChecks?.[rule] !== false;
  const found: Diagnostic[] = [];
  const builds: Analysis['builds'] = [];
  for (const context of linkContexts(ctx, path)) {
    const build = buildLink(context, read);
    const flows = build.units.map(buildFlow);
    builds.push({ build, flows });
    found.push(...build.diagnostics.filter((d) => d.range.file === path));
    found.push(...targetChecks(flows, path, context));
    // Kernel checks stay with the quick diagnostics: they are a few ms of a keystroke's
    // analysis, the assembler most of it (docs/kernel-checks.md, "When they run").
    found.push(...kernelChecks({ flows, file: path, enabled }));
  }
  // The same problem seen from several links is reported once.
  const seen = new Set<string>();
  const unique = found.filter((d) => {
    const id = `${d.range.line}:${d.range.column}:${d.range.endLine}:${d.range.endColumn}:${d.message}`;
    if (seen.has(id)) return false;
    seen.add(id);
    return true;
  });
  unique.sort((a, b) => a.range.line - b.range.line || a.range.column - b.range.column);
  return { path, builds, diagnostics: unique.map((d) => toLspDiagnostic(d, SOURCE)) };
}
