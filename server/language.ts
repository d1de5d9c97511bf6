/**
 * The contract between the server core (connection, documents, workspace index, scheduling) and
 * one language (`hcb`, `riscv-guest`, the scenario JSON). A language is a set of small features
 * answered in LSP's own types; the core decides when each runs: `quickDiagnostics` on every
 * change, `slowDiagnostics` debounced and off the main loop, everything else on request.
 *
 * Positions and ranges are LSP's (0-based line and UTF-16 character). Every method must return
 * a result, never throw, for any text: the core still guards each call, but a language that
 * throws has a bug.
 */
import type {
  CancellationToken, CodeAction, CodeActionContext, CodeLens, CompletionItem, Diagnostic, DocumentLink, DocumentSymbol,
  FoldingRange, FormattingOptions, Hover, InlayHint, Location, Position, Range, SemanticTokens, SignatureHelp, SymbolInformation,
  TextEdit, WorkspaceEdit,
} from 'vscode-languageserver';
import type { TextDocument } from 'vscode-languageserver-textdocument';

/** What a language may know of the workspace: open buffers first, then files on disk. */
export interface WorkspaceFiles {
  /** The text of a document by URI, or undefined when it neither is open nor exists. */
  read(uri: string): string | undefined;
  /** URIs of the workspace's files of a language (open or on disk). */
  uris(languageId: string): string[];
  /** Version counter that changes whenever any file's text changes (for caches). */
  readonly generation: number;
}

/** Settings the client can change (`hyperlab.*`); each language reads what concerns it. */
export interface LanguageSettings {
  /** Kernel checks by rule id (see the riscv-guest language); absent = on. */
  kernelChecks: Record<string, boolean>;
  inlayHints: boolean;
}

export interface LanguageContext {
  files: WorkspaceFiles;
  settings: LanguageSettings;
}

export interface LanguageService {
  readonly languageId: string;
  /** Cheap diagnostics (syntax, symbols, encodings): run on every change. */
  quickDiagnostics(doc: TextDocument, ctx: LanguageContext): Diagnostic[];
  /** Expensive diagnostics (the verifier, whole-workspace checks): debounced, cancellable. */
  slowDiagnostics?(doc: TextDocument, ctx: LanguageContext, token: CancellationToken): Promise<Diagnostic[]>;
  hover?(doc: TextDocument, position: Position, ctx: LanguageContext): Hover | null;
  completion?(doc: TextDocument, position: Position, ctx: LanguageContext): CompletionItem[];
  signatureHelp?(doc: TextDocument, position: Position, ctx: LanguageContext): SignatureHelp | null;
  definition?(doc: TextDocument, position: Position, ctx: LanguageContext): Location[];
  references?(doc: TextDocument, position: Position, includeDeclaration: boolean, ctx: LanguageContext): Location[];
  prepareRename?(doc: TextDocument, position: Position, ctx: LanguageContext): { range: Range; placeholder: string } | null;
  rename?(doc: TextDocument, position: Position, newName: string, ctx: LanguageContext): WorkspaceEdit | null;
  documentSymbols?(doc: TextDocument, ctx: LanguageContext): DocumentSymbol[];
  workspaceSymbols?(query: string, ctx: LanguageContext): SymbolInformation[];
  foldingRanges?(doc: TextDocument, ctx: LanguageContext): FoldingRange[];
  /** Encoded with the legend in `semanticTokenLegend` (shared by every language). */
  semanticTokens?(doc: TextDocument, ctx: LanguageContext): SemanticTokens;
  codeActions?(doc: TextDocument, range: Range, context: CodeActionContext, ctx: LanguageContext): CodeAction[];
  codeLenses?(doc: TextDocument, ctx: LanguageContext): CodeLens[];
  inlayHints?(doc: TextDocument, range: Range, ctx: LanguageContext): InlayHint[];
  formatting?(doc: TextDocument, options: FormattingOptions, ctx: LanguageContext): TextEdit[];
  documentLinks?(doc: TextDocument, ctx: LanguageContext): DocumentLink[];
}

/** One legend for all languages, so the core can advertise it once. */
export const semanticTokenLegend = {
  tokenTypes: [
    'keyword', 'function', 'variable', 'parameter', 'number', 'string', 'comment', 'operator',
    'label', 'macro', 'type', 'property', 'enumMember', 'namespace', 'register',
  ],
  tokenModifiers: ['declaration', 'definition', 'readonly', 'defaultLibrary', 'deprecated'],
} as const;
export type SemanticTokenType = (typeof semanticTokenLegend.tokenTypes)[number];
