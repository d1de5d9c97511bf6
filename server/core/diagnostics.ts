/**
 * When diagnostics run, and where.
 *
 * Quick diagnostics run for the latest version of a document `QUICK_DELAY_MS` after the last
 * change (the connection hands over one message per turn of the event loop, so a burst of
 * changes would otherwise cost one run each), never later than `QUICK_MAX_WAIT_MS` after the
 * first change of a burst. They run on the main thread, unless the document's last run took more
 * than `OFFLOAD_QUICK_MS`: then they move to the worker (one run in flight per document, the
 * latest version next), so that typing in a very large file never stalls the server. The first
 * run of a document is cold (every cache empty) and does not count, and it takes two slow runs in
 * a row to offload: a 5,000-line file whose opening took 200 ms re-analyses an edit in 10-20 ms
 * once the JIT has warmed up, and sending its first edits to a worker that starts cold too made
 * them 100-600 ms.
 *
 * Slow diagnostics (the verifier) run in the worker `debounceMs` after the last change while
 * changes come quickly (typing), at once after an edit that follows a pause; at most one job per
 * document is in flight, a newer version cancels it.
 *
 * A result for any version but the current one is dropped. Every publication carries the
 * document version it describes: the quick diagnostics of that version, plus the slow ones once
 * they exist for that same version.
 */
import type { Connection, Diagnostic } from 'vscode-languageserver';
import type { TextDocument } from 'vscode-languageserver-textdocument';
import type { LanguageContext } from '../language';
import type { SlowJob } from '../slow/protocol';
import type { SlowHandle, SlowRunner } from '../slow/runner';
import { roleOf } from './fileKinds';
import { guard, type Logger } from './guard';
import type { LanguageRegistry } from './registry';
import type { WorkspaceIndex } from './workspace';

const QUICK_DELAY_MS = 2;
const QUICK_MAX_WAIT_MS = 40;
const OFFLOAD_QUICK_MS = 150;

interface DocState {
  quick: Diagnostic[];
  slow: Diagnostic[];
  /** Versions the quick and slow diagnostics describe (-1: none). */
  quickVersion: number;
  slowVersion: number;
  quickTimer?: NodeJS.Timeout;
  /** When the first change still waiting for quick diagnostics arrived. */
  quickSince: number;
  /** What decides offloading: the smaller of the last two main-thread runs, or the worker's last run. */
  quickCost: number;
  /** The cost of the last main-thread run alone (quickCost is the smaller of the last two). */
  lastQuickCost: number;
  quickInflight?: SlowHandle;
  quickAgain: boolean;
  /** When the previous change arrived. */
  lastChange: number;
  slowTimer?: NodeJS.Timeout;
  slowInflight?: SlowHandle;
  /** Runs of the current version lost to a worker failure (retried a couple of times). */
  slowLost: number;
}

/** How often a job lost to a worker failure (not a cancellation) is run again. */
const RETRIES = 2;

export class DiagnosticsScheduler {
  private readonly docs = new Map<string, DocState>();
  private disposed = false;

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
    if (this.disposed) return;
    const st = this.state(uri);
    st.slowInflight?.cancel();
    st.slowLost = 0;
    const now = performance.now();
    if (!st.quickTimer) st.quickSince = now;
    if (!st.quickTimer || now - st.quickSince < QUICK_MAX_WAIT_MS) {
      if (st.quickTimer) clearTimeout(st.quickTimer);
      st.quickTimer = setTimeout(() => this.runQuick(uri), QUICK_DELAY_MS);
    }
    if (st.slowTimer) clearTimeout(st.slowTimer);
    const typing = now - st.lastChange < 2 * this.debounceMs;
    st.lastChange = now;
    st.slowTimer = setTimeout(() => this.runSlow(uri), typing ? this.debounceMs : QUICK_DELAY_MS);
  }

  closed(uri: string): void {
    this.forget(uri);
    this.send(uri, undefined, []);
  }

  /** The server shuts down: no timer may fire afterwards. */
  dispose(): void {
    this.disposed = true;
    for (const uri of [...this.docs.keys()]) this.forget(uri);
  }

  private forget(uri: string): void {
    const st = this.docs.get(uri);
    if (!st) return;
    if (st.quickTimer) clearTimeout(st.quickTimer);
    if (st.slowTimer) clearTimeout(st.slowTimer);
    st.slowInflight?.cancel();
    this.docs.delete(uri);
  }

  private send(uri: string, version: number | undefined, diagnostics: Diagnostic[]): void {
    if (this.disposed) return;
    try {
      void this.connection.sendDiagnostics(version === undefined ? { uri, diagnostics } : { uri, version, diagnostics }).catch(() => undefined);
    } catch {
      // the connection closed under us (the client went away): nothing to publish to
    }
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
      st = { quick: [], slow: [], quickVersion: -1, slowVersion: -1, quickSince: 0, quickCost: 0, lastQuickCost: 0, quickAgain: false, lastChange: -Infinity, slowLost: 0 };
      this.docs.set(uri, st);
    }
    return st;
  }

  private job(kind: SlowJob['kind'], uri: string, doc: TextDocument): SlowJob | undefined {
    const role = roleOf(uri, doc.languageId);
    if (!role) return undefined;
    const ctx = this.context();
    return {
      kind,
      uri,
      role,
      clientLanguageId: doc.languageId,
      version: doc.version,
      text: doc.getText(),
      settings: ctx.settings,
      openTexts: this.workspace.openTexts().filter(([u]) => u !== uri),
      diskUris: this.workspace.diskUris(),
      generation: this.workspace.generation,
    };
  }

  private runQuick(uri: string): void {
    const st = this.docs.get(uri);
    const doc = this.document(uri);
    if (!st || !doc) return;
    st.quickTimer = undefined;
    const lang = this.registry.forRole(roleOf(uri, doc.languageId));
    if (!lang) return;
    if (st.quickCost > OFFLOAD_QUICK_MS && this.runner.kind === 'worker') {
      this.runQuickInWorker(uri, st, doc);
      return;
    }
    const t0 = performance.now();
    const diagnostics = guard(this.log, `${lang.languageId} quick diagnostics`, [], () => lang.quickDiagnostics(doc, this.context()));
    // A document's first analysis starts with nothing cached (no lines parsed, nothing expanded),
    // so it says little about what an edit costs: only later runs decide whether to offload, and
    // only two slow runs in a row (the first edits also run before the JIT has optimised them).
    const cost = performance.now() - t0;
    st.quickCost = st.quickVersion < 0 ? 0 : Math.min(cost, st.lastQuickCost);
    st.lastQuickCost = st.quickVersion < 0 ? 0 : cost;
    this.setQuick(uri, st, doc.version, diagnostics);
  }

  private runQuickInWorker(uri: string, st: DocState, doc: TextDocument): void {
    if (st.quickInflight) {
      st.quickAgain = true;
      return;
    }
    const job = this.job('quick', uri, doc);
    if (!job) return;
    const handle = this.runner.run(job);
    st.quickInflight = handle;
    void handle.result.then((r) => {
      st.quickInflight = undefined;
      if (this.docs.get(uri) !== st) return;
      if (r) {
        st.quickCost = r.millis;
        if (this.document(uri)?.version === job.version) this.setQuick(uri, st, job.version, r.diagnostics);
      } else {
        // the worker failed or was restarted: run this one on the main thread rather than lose it
        st.quickCost = 0;
        st.quickAgain = true;
      }
      if (st.quickAgain) {
        st.quickAgain = false;
        this.runQuick(uri);
      }
    });
  }

  private setQuick(uri: string, st: DocState, version: number, diagnostics: Diagnostic[]): void {
    st.quick = diagnostics;
    st.quickVersion = version;
    this.publish(uri, version);
  }

  private runSlow(uri: string): void {
    const st = this.docs.get(uri);
    const doc = this.document(uri);
    if (!st || !doc) return;
    st.slowTimer = undefined;
    const lang = this.registry.forRole(roleOf(uri, doc.languageId));
    if (!lang?.slowDiagnostics) return;
    if (st.slowInflight) {
      // one job per document: try again once the running (now cancelled) one is done
      void st.slowInflight.result.then(() => {
        if (!st.slowTimer && this.docs.get(uri) === st) st.slowTimer = setTimeout(() => this.runSlow(uri), 0);
      });
      return;
    }
    const job = this.job('slow', uri, doc);
    if (!job) return;
    const handle = this.runner.run(job);
    st.slowInflight = handle;
    let cancelled = false;
    const cancel = handle.cancel;
    handle.cancel = () => {
      cancelled = true;
      cancel();
    };
    void handle.result.then((r) => {
      if (st.slowInflight === handle) st.slowInflight = undefined;
      if (this.docs.get(uri) !== st) return;
      // stale: the document moved on while the job ran
      if (this.document(uri)?.version !== job.version) return;
      if (!r) {
        // lost to a worker failure or restart (another document's job), not cancelled: run it again
        if (!cancelled && st.slowLost++ < RETRIES && !st.slowTimer) st.slowTimer = setTimeout(() => this.runSlow(uri), QUICK_DELAY_MS);
        return;
      }
      st.slow = r.diagnostics;
      st.slowVersion = job.version;
      this.publish(uri, job.version);
    });
  }

  /** Publishes what is known of `version`: nothing stale is ever shown at shifted positions. */
  private publish(uri: string, version: number): void {
    const st = this.docs.get(uri);
    if (!st) return;
    const quick = st.quickVersion === version ? st.quick : [];
    const slow = st.slowVersion === version ? st.slow : [];
    this.send(uri, version, [...quick, ...slow]);
  }
}
