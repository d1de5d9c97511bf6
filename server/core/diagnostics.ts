/**
 * When diagnostics run. Quick ones run for the latest version of a document `QUICK_DELAY_MS`
 * after the last change (the connection hands over one message per turn of the event loop, so a
 * burst of changes would otherwise cost one run each), but never later than `QUICK_MAX_WAIT_MS`
 * after the first change of a burst. Slow ones (the verifier) run
 * `debounceMs` after the last change, in the slow runner; at most one job per document is in
 * flight, a newer version cancels it, and a result for any version but the current one is dropped.
 * Every publication carries the document version it describes.
 */
import type { Connection, Diagnostic } from 'vscode-languageserver';
import type { TextDocument } from 'vscode-languageserver-textdocument';
import type { LanguageContext } from '../language';
import type { SlowHandle, SlowRunner } from '../slow/runner';
import { roleOf } from './fileKinds';
import { guard, type Logger } from './guard';
import type { LanguageRegistry } from './registry';
import type { WorkspaceIndex } from './workspace';

const QUICK_DELAY_MS = 2;
const QUICK_MAX_WAIT_MS = 40;

interface DocState {
  quick: Diagnostic[];
  slow: Diagnostic[];
  /** Version the slow diagnostics describe (-1: none). */
  slowVersion: number;
  quickTimer?: NodeJS.Timeout;
  /** When the first change still waiting for quick diagnostics arrived. */
  quickSince: number;
  slowTimer?: NodeJS.Timeout;
  inflight?: { version: number; handle: SlowHandle };
}

export class DiagnosticsScheduler {
  private readonly docs = new Map<string, DocState>();

  constructor(
    private readonly connection: Connection,
    private readonly registry: LanguageRegistry,
    private readonly workspace: WorkspaceIndex,
    private readonly document: (uri: string) => TextDocument | undefined,
    private readonly context: () => LanguageContext,
    private readonly runner: SlowRunner,
    private readonly log: Logger,
    private readonly debounceMs = 30,
  ) {}

  /** The document changed (or opened): schedule both kinds. */
  changed(uri: string): void {
    const st = this.state(uri);
    if (st.slowVersion !== this.document(uri)?.version) {
      st.slow = [];
      st.slowVersion = -1;
    }
    st.inflight?.handle.cancel();
    const now = performance.now();
    if (!st.quickTimer) st.quickSince = now;
    if (!st.quickTimer || now - st.quickSince < QUICK_MAX_WAIT_MS) {
      if (st.quickTimer) clearTimeout(st.quickTimer);
      st.quickTimer = setTimeout(() => this.runQuick(uri), QUICK_DELAY_MS);
    }
    if (st.slowTimer) clearTimeout(st.slowTimer);
    st.slowTimer = setTimeout(() => this.runSlow(uri), this.debounceMs);
  }

  closed(uri: string): void {
    const st = this.docs.get(uri);
    if (st) {
      if (st.quickTimer) clearTimeout(st.quickTimer);
      if (st.slowTimer) clearTimeout(st.slowTimer);
      st.inflight?.handle.cancel();
      this.docs.delete(uri);
    }
    this.connection.sendDiagnostics({ uri, diagnostics: [] });
  }

  /** Re-run everything for every open document (settings or workspace files changed). */
  refreshAll(except?: string): void {
    for (const uri of this.docs.keys()) if (uri !== except) this.changed(uri);
  }

  openUris(): string[] {
    return [...this.docs.keys()];
  }

  private state(uri: string): DocState {
    let st = this.docs.get(uri);
    if (!st) {
      st = { quick: [], slow: [], slowVersion: -1, quickSince: 0 };
      this.docs.set(uri, st);
    }
    return st;
  }

  private runQuick(uri: string): void {
    const st = this.docs.get(uri);
    const doc = this.document(uri);
    if (!st || !doc) return;
    st.quickTimer = undefined;
    const lang = this.registry.forRole(roleOf(uri, doc.languageId));
    if (!lang) return;
    st.quick = guard(this.log, `${lang.languageId} quick diagnostics`, [], () => lang.quickDiagnostics(doc, this.context()));
    this.publish(uri, doc.version);
  }

  private runSlow(uri: string): void {
    const st = this.docs.get(uri);
    const doc = this.document(uri);
    if (!st || !doc) return;
    st.slowTimer = undefined;
    const role = roleOf(uri, doc.languageId);
    const lang = this.registry.forRole(role);
    if (!role || !lang?.slowDiagnostics) return;
    if (st.inflight) {
      // one job per document: try again once the running (now cancelled) one is done
      void st.inflight.handle.result.then(() => {
        if (!st.slowTimer && this.docs.get(uri) === st) st.slowTimer = setTimeout(() => this.runSlow(uri), 0);
      });
      return;
    }
    const version = doc.version;
    const ctx = this.context();
    const handle = this.runner.run({
      uri,
      role,
      clientLanguageId: doc.languageId,
      version,
      text: doc.getText(),
      settings: ctx.settings,
      openTexts: this.workspace.openTexts().filter(([u]) => u !== uri),
      diskUris: this.workspace.diskUris(),
      generation: this.workspace.generation,
    });
    st.inflight = { version, handle };
    void handle.result.then((diagnostics) => {
      if (st.inflight?.handle === handle) st.inflight = undefined;
      if (this.docs.get(uri) !== st) return;
      // stale: the document moved on while the job ran
      if (!diagnostics || this.document(uri)?.version !== version) return;
      st.slow = diagnostics;
      st.slowVersion = version;
      this.publish(uri, version);
    });
  }

  private publish(uri: string, version: number): void {
    const st = this.docs.get(uri);
    if (!st) return;
    const slow = st.slowVersion === version ? st.slow : [];
    this.connection.sendDiagnostics({ uri, version, diagnostics: [...st.quick, ...slow] });
  }
}
