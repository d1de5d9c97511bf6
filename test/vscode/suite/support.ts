/**
 * Helpers for the extension-host tests: the extension and its API, paths of the repository
 * (the bundle lives in out/vscode-test/, two levels below the root), waiting for diagnostics to
 * settle, and watching a debug session's DAP traffic.
 */
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { HyperlabApi, ViewItemSnapshot } from '../../../client/api';

export const EXTENSION_ID = 'hyperlab.hyperlab';

/**
 * A folder of the open workspace by name. The runner opens a throwaway copy of the repository's
 * test workspace (fixtures/hyperlab-tests.code-workspace: folders 'fixtures' and 'examples'), so
 * the paths come from the workspace, never from where the repository is.
 */
function workspaceFolder(name: string): string {
  const f = vscode.workspace.workspaceFolders?.find((w) => w.name === name);
  if (!f) throw new Error(`the workspace has no '${name}' folder (open test/vscode/fixtures/hyperlab-tests.code-workspace)`);
  return f.uri.fsPath;
}
export const examplesDir = workspaceFolder('examples');
export const fixturesDir = workspaceFolder('fixtures');
/** The root the two folders share (the copy's stand-in for the repository root). */
export const repoRoot = path.resolve(examplesDir, '..');

export async function hyperlab(): Promise<HyperlabApi> {
  const ext = vscode.extensions.getExtension<HyperlabApi>(EXTENSION_ID);
  if (!ext) throw new Error(`${EXTENSION_ID} is not installed`);
  return ext.activate();
}

/** Resolves with `p`, or rejects after `ms` with a message saying what was awaited. */
export function within<T>(p: PromiseLike<T>, ms: number, what: string): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms waiting for ${what}`)), ms);
    Promise.resolve(p).then(
      (v) => (clearTimeout(timer), resolve(v)),
      (e: unknown) => (clearTimeout(timer), reject(e)),
    );
  });
}

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/**
 * Opens a file and waits until its diagnostics have appeared and stayed unchanged for `quietMs`
 * (the server publishes cheap diagnostics at once and debounced ones later), up to `timeoutMs`.
 * With `expectSome: false` an empty list that stays empty for quietMs also counts as settled.
 */
export async function settledDiagnostics(file: string, { quietMs = 1500, timeoutMs = 30_000, expectSome = true } = {}): Promise<vscode.Diagnostic[]> {
  const uri = vscode.Uri.file(file);
  const doc = await vscode.workspace.openTextDocument(uri);
  await vscode.window.showTextDocument(doc, { preview: false });
  const started = Date.now();
  let last = '';
  let lastChange = Date.now();
  for (;;) {
    const now = vscode.languages.getDiagnostics(uri);
    const key = JSON.stringify(now.map(diagnosticLine));
    if (key !== last) {
      last = key;
      lastChange = Date.now();
    }
    const quiet = Date.now() - lastChange >= quietMs;
    if (quiet && (now.length > 0 || !expectSome) && Date.now() - started >= quietMs) return now;
    if (Date.now() - started > timeoutMs) {
      if (expectSome && now.length === 0) throw new Error(`no diagnostics for ${path.relative(repoRoot, file)} within ${timeoutMs} ms`);
      return now;
    }
    await sleep(100);
  }
}

/** `line:col-line:col severity message` with 1-based lines and columns, as an editor shows them. */
export function diagnosticLine(d: vscode.Diagnostic): string {
  const sev = ['error', 'warning', 'info', 'hint'][d.severity];
  const r = d.range;
  return `${r.start.line + 1}:${r.start.character + 1}-${r.end.line + 1}:${r.end.character + 1} ${sev} ${d.message}`;
}

/** The 0-based position of the `nth` occurrence of `needle` in a document (+ `offset` chars). */
export function positionOf(doc: vscode.TextDocument, needle: string, offset = 0, nth = 0): vscode.Position {
  let at = -1;
  for (let i = 0; i <= nth; i++) {
    at = doc.getText().indexOf(needle, at + 1);
    if (at < 0) throw new Error(`'${needle}' (#${i + 1}) not found in ${doc.uri.fsPath}`);
  }
  return doc.positionAt(at + offset);
}

/** Plain text of hover contents, whatever form the provider returned. */
export function hoverText(hovers: vscode.Hover[]): string {
  return hovers
    .flatMap((h) => h.contents)
    .map((c) => (typeof c === 'string' ? c : 'value' in c ? c.value : ''))
    .join('\n');
}

/** Depth-first flattening of a view snapshot, with each row's depth. */
export function flatten(items: ViewItemSnapshot[], depth = 0): (ViewItemSnapshot & { depth: number })[] {
  return items.flatMap((i) => [{ ...i, depth }, ...flatten(i.children ?? [], depth + 1)]);
}

/** A DAP message as the tracker sees it (only the fields these tests read). */
export interface DapMessage {
  type: string;
  event?: string;
  command?: string;
  success?: boolean;
  message?: string;
  body?: Record<string, unknown>;
}

/**
 * Records the DAP messages of hyperlab sessions (adapter → client) and lets a test wait for one.
 * Created before the session starts; dispose() after.
 */
export class DapWatcher implements vscode.Disposable {
  readonly messages: DapMessage[] = [];
  private readonly waiters: { pred: (m: DapMessage) => boolean; resolve: (m: DapMessage) => void }[] = [];
  private readonly registration: vscode.Disposable;

  constructor() {
    this.registration = vscode.debug.registerDebugAdapterTrackerFactory('hyperlab', {
      createDebugAdapterTracker: () => ({
        onDidSendMessage: (m: DapMessage) => {
          this.messages.push(m);
          for (const w of [...this.waiters]) {
            if (w.pred(m)) {
              this.waiters.splice(this.waiters.indexOf(w), 1);
              w.resolve(m);
            }
          }
        },
      }),
    });
  }

  /** The next message (after now, or already seen from index `since`) matching `pred`. */
  next(pred: (m: DapMessage) => boolean, what: string, ms = 30_000, since = this.messages.length): Promise<DapMessage> {
    const seen = this.messages.slice(since).find(pred);
    if (seen) return Promise.resolve(seen);
    return within(new Promise<DapMessage>((resolve) => this.waiters.push({ pred, resolve })), ms, what);
  }

  nextStop(what: string, ms = 30_000, since = this.messages.length): Promise<DapMessage> {
    return this.next((m) => m.type === 'event' && m.event === 'stopped', what, ms, since);
  }

  dispose(): void {
    this.registration.dispose();
  }
}
