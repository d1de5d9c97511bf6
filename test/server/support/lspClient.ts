/**
 * A real LSP client for protocol tests: builds the bundles once (esbuild, via the project's build
 * script), starts `node dist/server.js --stdio` and talks to it over a
 * `vscode-languageserver-protocol` connection. Diagnostics notifications are collected per URI
 * so tests can wait for the publication of a given document version.
 */
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { buildSync } from 'esbuild';
import { pathToFileURL } from 'node:url';
import {
  ConfigurationRequest, createProtocolConnection, RegistrationRequest, type Registration, DidChangeTextDocumentNotification, DidCloseTextDocumentNotification, DidOpenTextDocumentNotification,
  ExitNotification, InitializedNotification, InitializeRequest, PublishDiagnosticsNotification, ShutdownRequest, StreamMessageReader,
  StreamMessageWriter, type Diagnostic, type InitializeResult, type ProtocolConnection, type PublishDiagnosticsParams,
  type TextDocumentContentChangeEvent,
} from 'vscode-languageserver-protocol/node';

export const ROOT = join(import.meta.dirname, '..', '..', '..');
let built = false;

/**
 * Bundles the server and its verifier worker once per test process, with the options of
 * scripts/build.mjs (only these two entries, so other parts of the tree cannot break the build).
 */
export function ensureBuilt(): void {
  if (built) return;
  mkdirSync(join(ROOT, 'dist'), { recursive: true });
  writeFileSync(join(ROOT, 'dist', 'package.json'), '{ "type": "commonjs" }\n');
  for (const [entry, out] of [['server/main.ts', 'dist/server.js'], ['server/slow/worker.ts', 'dist/serverWorker.js']]) {
    buildSync({
      entryPoints: [join(ROOT, entry)],
      outfile: join(ROOT, out),
      bundle: true,
      platform: 'node',
      target: 'node20',
      format: 'cjs',
      sourcemap: true,
      logLevel: 'error',
      mainFields: ['module', 'main'],
      define: { HYPERLAB_VERSION: JSON.stringify('test') },
    });
  }
  built = true;
}

export interface ClientOptions {
  workspaceFolder?: string;
  settings?: Record<string, unknown>;
  /** Capabilities: workspace/configuration pulls answered with `settings`. */
  configuration?: boolean;
}

export class LspClient {
  readonly connection: ProtocolConnection;
  readonly child: ChildProcessWithoutNullStreams;
  readonly published = new Map<string, PublishDiagnosticsParams[]>();
  private readonly waiters: { uri: string; test: (p: PublishDiagnosticsParams) => boolean; resolve: (p: PublishDiagnosticsParams) => void }[] = [];
  /** The server's stderr output and log messages. */
  readonly stderr: string[] = [];
  /** Capabilities the server registered dynamically. */
  readonly registrations: Registration[] = [];
  private readonly versions = new Map<string, number>();
  /** Publications received for a URI before its latest open (older sessions of the same file). */
  private readonly openedAt = new Map<string, number>();
  initializeResult?: InitializeResult;

  constructor(private readonly options: ClientOptions = {}) {
    ensureBuilt();
    this.child = spawn(process.execPath, [join(ROOT, 'dist', 'server.js'), '--stdio'], { cwd: ROOT, stdio: 'pipe' });
    this.child.stderr.on('data', (d: Buffer) => this.stderr.push(d.toString()));
    this.connection = createProtocolConnection(new StreamMessageReader(this.child.stdout), new StreamMessageWriter(this.child.stdin));
    this.connection.onNotification(PublishDiagnosticsNotification.type, (p) => {
      const list = this.published.get(p.uri) ?? [];
      list.push(p);
      this.published.set(p.uri, list);
      for (let k = this.waiters.length - 1; k >= 0; k--) {
        const w = this.waiters[k];
        if (w.uri === p.uri && w.test(p)) {
          this.waiters.splice(k, 1);
          w.resolve(p);
        }
      }
    });
    this.connection.onRequest(ConfigurationRequest.type, (p) => p.items.map(() => this.options.settings ?? {}));
    this.connection.onRequest(RegistrationRequest.type, (p) => {
      this.registrations.push(...p.registrations);
    });
    this.connection.onNotification('window/logMessage', (m: { message: string }) => {
      this.stderr.push(m.message);
    });
    this.connection.listen();
  }

  async initialize(): Promise<InitializeResult> {
    const folder = this.options.workspaceFolder;
    this.initializeResult = await this.connection.sendRequest(InitializeRequest.type, {
      processId: process.pid,
      rootUri: folder ? pathToFileURL(folder).toString() : null,
      workspaceFolders: folder ? [{ uri: pathToFileURL(folder).toString(), name: 'ws' }] : null,
      capabilities: {
        workspace: { configuration: this.options.configuration ?? false, didChangeWatchedFiles: { dynamicRegistration: true } },
        textDocument: { publishDiagnostics: { relatedInformation: true, versionSupport: true } },
      },
      initializationOptions: this.options.settings ? { hyperlab: this.options.settings } : undefined,
    });
    await this.connection.sendNotification(InitializedNotification.type, {});
    return this.initializeResult;
  }

  async open(uri: string, languageId: string, text: string, version = 1): Promise<void> {
    this.versions.set(uri, version);
    this.openedAt.set(uri, this.published.get(uri)?.length ?? 0);
    await this.connection.sendNotification(DidOpenTextDocumentNotification.type, { textDocument: { uri, languageId, version, text } });
  }

  /** Sends a change; returns the new version. */
  async change(uri: string, changes: TextDocumentContentChangeEvent[]): Promise<number> {
    const version = (this.versions.get(uri) ?? 0) + 1;
    this.versions.set(uri, version);
    await this.connection.sendNotification(DidChangeTextDocumentNotification.type, { textDocument: { uri, version }, contentChanges: changes });
    return version;
  }

  async close(uri: string): Promise<void> {
    await this.connection.sendNotification(DidCloseTextDocumentNotification.type, { textDocument: { uri } });
  }

  version(uri: string): number {
    return this.versions.get(uri) ?? 0;
  }

  /** The next (or an already received) publication for `uri` that passes `test`. */
  diagnostics(uri: string, test: (p: PublishDiagnosticsParams) => boolean, timeoutMs = 10000): Promise<PublishDiagnosticsParams> {
    const seen = (this.published.get(uri) ?? []).find(test);
    if (seen) return Promise.resolve(seen);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no matching diagnostics for ${uri} within ${timeoutMs} ms; got ${JSON.stringify(this.published.get(uri)?.slice(-2))}\n${this.stderr.join('')}`)), timeoutMs);
      this.waiters.push({ uri, test, resolve: (p) => (clearTimeout(timer), resolve(p)) });
    });
  }

  /**
   * The diagnostics of `version` once complete. A `.hcb` document is published twice per version
   * (the assembler's at once, then with the verifier's); other languages once.
   */
  async settled(uri: string, version = this.version(uri), timeoutMs = 15000): Promise<Diagnostic[]> {
    const wanted = uri.endsWith('.hcb') ? 2 : 1;
    const since = this.openedAt.get(uri) ?? 0;
    const ofVersion = (): PublishDiagnosticsParams[] => (this.published.get(uri) ?? []).slice(since).filter((p) => p.version === version);
    const deadline = Date.now() + timeoutMs;
    while (ofVersion().length < wanted) {
      if (Date.now() > deadline) throw new Error(`diagnostics of ${uri} v${version} incomplete after ${timeoutMs} ms\n${this.stderr.join('')}`);
      await new Promise((r) => setTimeout(r, 5));
    }
    const all = ofVersion();
    return all[all.length - 1].diagnostics;
  }

  request<R>(method: string, params: unknown): Promise<R> {
    return this.connection.sendRequest(method, params) as Promise<R>;
  }

  async stop(): Promise<void> {
    try {
      await Promise.race([this.connection.sendRequest(ShutdownRequest.type), new Promise((r) => setTimeout(r, 2000))]);
      await this.connection.sendNotification(ExitNotification.type);
    } catch {
      // the server may already be gone
    }
    this.connection.dispose();
    if (this.child.exitCode === null) {
      await new Promise<void>((resolve) => {
        const t = setTimeout(() => (this.child.kill('SIGKILL'), resolve()), 2000);
        this.child.once('exit', () => (clearTimeout(t), resolve()));
      });
    }
  }
}

export function fileUri(path: string): string {
  return pathToFileURL(path).toString();
}
