/**
 * The server core: connection, documents (incremental sync), the workspace index, settings,
 * scheduling of diagnostics, and routing of every LSP feature to the language that owns the
 * document. Every call into a language is guarded; a request whose token is cancelled before it
 * runs returns nothing.
 */
import {
  DidChangeWatchedFilesNotification, FileChangeType, TextDocuments, TextDocumentSyncKind, type CancellationToken, type Connection,
  type InitializeParams, type InitializeResult,
} from 'vscode-languageserver';
import { TextDocument } from 'vscode-languageserver-textdocument';
import { VerifyCallbackRequest, type VerifyCallbackParams, type VerifyCallbackResult } from '../../protocol/hyperlab';
import { verifyCallback } from '../hcb/verifyCallback';
import { semanticTokenLegend, type LanguageContext, type LanguageService, type LanguageSettings } from '../language';
import { createSlowRunner, type RunnerOptions } from '../slow/runner';
import { DiagnosticsScheduler } from './diagnostics';
import { roleOf, WATCHED_GLOBS } from './fileKinds';
import { guard, type Logger } from './guard';
import { createRegistry } from './languages';
import type { LanguageRegistry } from './registry';
import { defaultSettings, parseSettings } from './settings';
import { readDisk, WorkspaceIndex } from './workspace';

export interface ServerOptions {
  /** Debounce of slow diagnostics after the last change (ms). */
  slowDebounceMs?: number;
  /** The languages (default: every language of the project); tests pass their own. */
  registry?: LanguageRegistry;
  /** Where and how slow diagnostics run (default: the worker bundle next to the server). */
  runner?: RunnerOptions;
}

export function startServer(connection: Connection, options: ServerOptions = {}): void {
  const registry = options.registry ?? createRegistry();
  const documents = new TextDocuments(TextDocument);
  const workspace = new WorkspaceIndex(registry);
  let settings: LanguageSettings = defaultSettings();
  const log: Logger = (m) => {
    try {
      connection.console.error(m);
    } catch {
      // the connection is closed: nobody is left to tell
    }
  };
  const context = (): LanguageContext => ({ files: workspace, settings });
  const runner = createSlowRunner(registry, log, options.runner);
  const scheduler = new DiagnosticsScheduler(connection, registry, workspace, (uri) => documents.get(uri), context, runner, log, options.slowDebounceMs);
  let folders: string[] = [];
  let canPullConfiguration = false;
  let canWatchDynamically = false;
  let supportsFolderEvents = false;
  let canRefreshInlayHints = false;
  let dependentsTimer: NodeJS.Timeout | undefined;

  connection.onInitialize((params: InitializeParams): InitializeResult => {
    folders = (params.workspaceFolders ?? []).map((f) => f.uri);
    if (folders.length === 0 && params.rootUri) folders = [params.rootUri];
    canPullConfiguration = params.capabilities.workspace?.configuration === true;
    canWatchDynamically = params.capabilities.workspace?.didChangeWatchedFiles?.dynamicRegistration === true;
    supportsFolderEvents = params.capabilities.workspace?.workspaceFolders === true;
    canRefreshInlayHints = params.capabilities.workspace?.inlayHint?.refreshSupport === true;
    settings = parseSettings((params.initializationOptions as { hyperlab?: unknown } | undefined)?.hyperlab ?? params.initializationOptions);
    return {
      capabilities: {
        textDocumentSync: { openClose: true, change: TextDocumentSyncKind.Incremental, save: { includeText: false } },
        hoverProvider: true,
        completionProvider: { triggerCharacters: ['.', '%'], resolveProvider: false },
        signatureHelpProvider: { triggerCharacters: [' ', '('], retriggerCharacters: [','] },
        definitionProvider: true,
        referencesProvider: true,
        renameProvider: { prepareProvider: true },
        documentSymbolProvider: true,
        workspaceSymbolProvider: true,
        foldingRangeProvider: true,
        semanticTokensProvider: { legend: { tokenTypes: [...semanticTokenLegend.tokenTypes], tokenModifiers: [...semanticTokenLegend.tokenModifiers] }, full: true },
        codeActionProvider: { codeActionKinds: ['quickfix', 'refactor.rewrite', 'source'] },
        codeLensProvider: { resolveProvider: false },
        inlayHintProvider: true,
        documentFormattingProvider: true,
        documentLinkProvider: { resolveProvider: false },
        workspace: { workspaceFolders: { supported: true, changeNotifications: true } },
      },
      serverInfo: { name: 'hyperlab-language-server' },
    };
  });

  connection.onInitialized(() => {
    const found = workspace.scan(folders);
    connection.console.info(`hyperlab: ${found} workspace files indexed; slow diagnostics run ${runner.kind === 'worker' ? 'in a worker thread' : 'in process'}`);
    if (canWatchDynamically) {
      void connection.client.register(DidChangeWatchedFilesNotification.type, { watchers: WATCHED_GLOBS.map((globPattern) => ({ globPattern })) });
    }
    void pullSettings();
    if (supportsFolderEvents) {
      connection.workspace.onDidChangeWorkspaceFolders((e) => {
        folders = folders.filter((f) => !e.removed.some((r) => r.uri === f)).concat(e.added.map((a) => a.uri));
        workspace.scan(e.added.map((a) => a.uri));
        scheduler.refreshAll();
      });
    }
  });

  /** New settings: diagnostics depend on them (kernel checks), and so do inlay hints. */
  function applySettings(next: LanguageSettings): void {
    const hintsChanged = next.inlayHints !== settings.inlayHints;
    settings = next;
    scheduler.refreshAll();
    if (hintsChanged && canRefreshInlayHints) void connection.languages.inlayHint.refresh().catch(() => undefined);
  }

  async function pullSettings(): Promise<void> {
    if (!canPullConfiguration) return;
    try {
      const raw: unknown = await connection.workspace.getConfiguration('hyperlab');
      applySettings(parseSettings(raw));
    } catch (e) {
      log(`reading settings failed: ${e instanceof Error ? e.message : String(e)}`);
    }
  }

  connection.onDidChangeConfiguration((change) => {
    if (canPullConfiguration) void pullSettings();
    else applySettings(parseSettings((change.settings as { hyperlab?: unknown } | null)?.hyperlab));
  });

  connection.onDidChangeWatchedFiles((params) => {
    for (const c of params.changes) workspace.diskChanged(c.uri, c.type === FileChangeType.Deleted);
    scheduler.refreshAll();
  });

  documents.onDidOpen((e) => {
    if (!roleOf(e.document.uri, e.document.languageId)) return;
    workspace.setOpen(e.document);
    scheduler.changed(e.document.uri);
  });
  documents.onDidChangeContent((e) => {
    if (!roleOf(e.document.uri, e.document.languageId)) return;
    workspace.setOpen(e.document);
    scheduler.changed(e.document.uri);
    scheduleDependents(e.document.uri);
  });
  documents.onDidClose((e) => {
    workspace.closed(e.document.uri);
    if (roleOf(e.document.uri, e.document.languageId)) scheduler.closed(e.document.uri);
  });

  /**
   * Open guest files and scenarios may depend on the file that changed (`.include`, files linked
   * together, the code and callbacks a scenario names): refresh them once edits pause. A
   * hyper-callback depends on nothing but itself.
   */
  function scheduleDependents(uri: string): void {
    const others = scheduler.openUris().filter((u) => {
      const role = roleOf(u, documents.get(u)?.languageId);
      return u !== uri && (role === 'riscv-guest' || role === 'scenario');
    });
    if (others.length === 0) return;
    if (dependentsTimer) clearTimeout(dependentsTimer);
    dependentsTimer = setTimeout(() => {
      for (const u of others) if (documents.get(u)) scheduler.changed(u);
    }, 500);
  }

  /** The open buffer, or the file on disk as a document (for features asked about closed files). */
  function docFor(uri: string): TextDocument | undefined {
    const open = documents.get(uri);
    if (open) return open;
    const text = readDisk(uri);
    const role = roleOf(uri);
    return text === undefined || !role ? undefined : TextDocument.create(uri, role, 0, text);
  }

  /** Runs a feature of the document's language: undefined when cancelled, unknown or failed. */
  function route<T>(uri: string, token: CancellationToken, feature: string, fallback: T, run: (lang: LanguageService, doc: TextDocument) => T | undefined): T {
    if (token.isCancellationRequested) return fallback;
    const doc = docFor(uri);
    if (!doc) return fallback;
    const lang = registry.forDocument(uri, doc.languageId);
    if (!lang) return fallback;
    return guard(log, `${lang.languageId} ${feature}`, fallback, () => run(lang, doc) ?? fallback);
  }

  connection.onHover((p, token) => route(p.textDocument.uri, token, 'hover', null, (l, d) => l.hover?.(d, p.position, context())));
  connection.onCompletion((p, token) => route(p.textDocument.uri, token, 'completion', [], (l, d) => l.completion?.(d, p.position, context())));
  connection.onSignatureHelp((p, token) => route(p.textDocument.uri, token, 'signature help', null, (l, d) => l.signatureHelp?.(d, p.position, context())));
  connection.onDefinition((p, token) => route(p.textDocument.uri, token, 'definition', [], (l, d) => l.definition?.(d, p.position, context())));
  connection.onReferences((p, token) => route(p.textDocument.uri, token, 'references', [], (l, d) => l.references?.(d, p.position, p.context.includeDeclaration, context())));
  connection.onPrepareRename((p, token) => route(p.textDocument.uri, token, 'prepare rename', null, (l, d) => l.prepareRename?.(d, p.position, context())));
  connection.onRenameRequest((p, token) => route(p.textDocument.uri, token, 'rename', null, (l, d) => l.rename?.(d, p.position, p.newName, context())));
  connection.onDocumentSymbol((p, token) => route(p.textDocument.uri, token, 'document symbols', [], (l, d) => l.documentSymbols?.(d, context())));
  connection.onFoldingRanges((p, token) => route(p.textDocument.uri, token, 'folding ranges', [], (l, d) => l.foldingRanges?.(d, context())));
  connection.onCodeAction((p, token) => route(p.textDocument.uri, token, 'code actions', [], (l, d) => l.codeActions?.(d, p.range, p.context, context())));
  connection.onCodeLens((p, token) => route(p.textDocument.uri, token, 'code lens', [], (l, d) => l.codeLenses?.(d, context())));
  connection.onDocumentFormatting((p, token) => route(p.textDocument.uri, token, 'formatting', [], (l, d) => l.formatting?.(d, p.options, context())));
  connection.onDocumentLinks((p, token) => route(p.textDocument.uri, token, 'document links', [], (l, d) => l.documentLinks?.(d, context())));
  connection.languages.inlayHint.on((p, token) => route(p.textDocument.uri, token, 'inlay hints', [], (l, d) => l.inlayHints?.(d, p.range, context())));
  connection.languages.semanticTokens.on((p, token) => route(p.textDocument.uri, token, 'semantic tokens', { data: [] }, (l, d) => l.semanticTokens?.(d, context())));

  connection.onWorkspaceSymbol((p, token) => {
    if (token.isCancellationRequested) return [];
    return registry.all().flatMap((l) => guard(log, `${l.languageId} workspace symbols`, [], () => l.workspaceSymbols?.(p.query, context()) ?? []));
  });

  connection.onRequest(VerifyCallbackRequest, (p: VerifyCallbackParams, token): VerifyCallbackResult | null => {
    if (token.isCancellationRequested) return null;
    const doc = docFor(p.uri);
    if (!doc || roleOf(p.uri, doc.languageId) !== 'hcb') return null;
    return guard(log, 'verifyCallback', null, () => verifyCallback(doc));
  });

  connection.onShutdown(() => {
    scheduler.dispose();
    if (dependentsTimer) clearTimeout(dependentsTimer);
    runner.dispose();
  });
  documents.listen(connection);
  connection.listen();
}
