/**
 * The hyper-callback (`hcb`) language: each feature lives in its own module and works on the
 * shared per-version analysis (assembler result + lazily run verifier).
 */
import { MarkupKind } from 'vscode-languageserver';
import type { LanguageService } from '../language';
import { analyze } from './analysis';
import { canonicalText } from './canonical';
import { codeActions } from './codeActions';
import { codeLenses } from './codeLens';
import { completion, signatureHelpFor } from './completion';
import { assemblerDiagnostics, verifierDiagnostics } from './diagnostics';
import { hover } from './hover';
import { inlayHints } from './inlayHints';
import { definition, prepareRename, references, rename } from './navigation';
import { documentSymbols, foldingRanges, workspaceSymbols } from './outline';
import { semanticTokens } from './semanticTokens';

export const hcbLanguage: LanguageService = {
  languageId: 'hcb',
  quickDiagnostics: (doc) => assemblerDiagnostics(analyze(doc)),
  slowDiagnostics: async (doc, _ctx, token) => (token.isCancellationRequested ? [] : verifierDiagnostics(analyze(doc))),
  hover: (doc, p) => hover(analyze(doc), p),
  completion: (doc, p) => completion(analyze(doc), p),
  signatureHelp: (doc, p) => {
    const s = signatureHelpFor(analyze(doc), p);
    if (!s) return null;
    return {
      signatures: [{ label: s.label, documentation: { kind: MarkupKind.PlainText, value: s.doc }, parameters: s.parameters.map((label) => ({ label })) }],
      activeSignature: 0,
      activeParameter: 0,
    };
  },
  definition: (doc, p) => definition(analyze(doc), p),
  references: (doc, p, includeDeclaration) => references(analyze(doc), p, includeDeclaration),
  prepareRename: (doc, p) => prepareRename(analyze(doc), p),
  rename: (doc, p, newName) => rename(analyze(doc), p, newName),
  documentSymbols: (doc) => documentSymbols(analyze(doc)),
  workspaceSymbols: (query, ctx) => workspaceSymbols(query, ctx),
  foldingRanges: (doc) => foldingRanges(analyze(doc)),
  semanticTokens: (doc) => semanticTokens(analyze(doc)),
  codeActions: (doc, range, context) => codeActions(analyze(doc), range, context.only),
  codeLenses: (doc) => codeLenses(analyze(doc)),
  inlayHints: (doc, range, ctx) => (ctx.settings.inlayHints ? inlayHints(analyze(doc), range) : []),
  formatting: (doc) => {
    const a = analyze(doc);
    const text = canonicalText(a);
    if (text === a.text) return [];
    const last = a.lines.length - 1;
    return [{ range: { start: { line: 0, character: 0 }, end: { line: last, character: a.lines[last].length } }, newText: text }];
  },
};
