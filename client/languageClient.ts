/**
 * Starts the bundled language server (dist/server.js) over Node IPC for `.hcb`, RISC-V guest
 * sources and `*.hlab.json` scenarios, passes the `hyperlab.*` settings, and follows
 * `hyperlab.server.trace`.
 */
import * as fs from 'node:fs';
import * as vscode from 'vscode';
import { SERVER_NODE_OPTIONS } from '../protocol/server-launch';
import { LanguageClient, Trace, TransportKind, type LanguageClientOptions, type ServerOptions } from 'vscode-languageclient/node';

export const SCENARIO_PATTERN = '**/*.hlab.json';

function settingsForServer(): { kernelChecks: Record<string, boolean>; inlayHints: boolean } {
  const cfg = vscode.workspace.getConfiguration('hyperlab');
  return { kernelChecks: cfg.get<Record<string, boolean>>('kernelChecks', {}), inlayHints: cfg.get<boolean>('inlayHints.enabled', false) };
}

function traceSetting(): Trace {
  return Trace.fromString(vscode.workspace.getConfiguration('hyperlab').get<string>('server.trace', 'off'));
}

export interface StartedClient {
  client: LanguageClient | undefined;
  ready: Promise<void>;
}

export function startLanguageClient(context: vscode.ExtensionContext, output: vscode.LogOutputChannel): StartedClient {
  const serverModule = vscode.Uri.joinPath(context.extensionUri, 'dist', 'server.js').fsPath;
  if (!fs.existsSync(serverModule)) {
    const error = new Error(`HyperLab language server not found at ${serverModule} (run npm run build)`);
    output.appendLine(error.message);
    const ready = Promise.reject(error);
    ready.catch(() => undefined); // reported through the output channel; callers may still await it
    return { client: undefined, ready };
  }
  const serverOptions: ServerOptions = {
    run: { module: serverModule, transport: TransportKind.ipc, options: { execArgv: [...SERVER_NODE_OPTIONS] } },
    debug: { module: serverModule, transport: TransportKind.ipc, options: { execArgv: [...SERVER_NODE_OPTIONS, '--nolazy', '--inspect=6010'] } },
  };
  const clientOptions: LanguageClientOptions = {
    documentSelector: [
      { scheme: 'file', language: 'hcb' },
      { scheme: 'file', language: 'riscv-guest' },
      { scheme: 'file', language: 'json', pattern: SCENARIO_PATTERN },
      { scheme: 'file', language: 'jsonc', pattern: SCENARIO_PATTERN },
      { scheme: 'untitled', language: 'hcb' },
      { scheme: 'untitled', language: 'riscv-guest' },
    ],
    initializationOptions: { hyperlab: settingsForServer() },
    synchronize: {
      // didChangeConfiguration on every hyperlab.* change; the server pulls the section itself.
      configurationSection: 'hyperlab',
      fileEvents: vscode.workspace.createFileSystemWatcher('**/*.{S,s,hcb,h,hlab.json}'),
    },
    outputChannel: output,
    traceOutputChannel: output,
  };
  const client = new LanguageClient('hyperlab', 'HyperLab Language Server', serverOptions, clientOptions);
  const ready = client.start().then(() => client.setTrace(traceSetting()));
  ready.catch((e: unknown) => output.appendLine(`The HyperLab language server did not start: ${e instanceof Error ? e.message : String(e)}`));
  context.subscriptions.push(
    vscode.workspace.onDidChangeConfiguration((e) => {
      if (e.affectsConfiguration('hyperlab.server.trace') && client.isRunning()) void client.setTrace(traceSetting());
    }),
  );
  return { client, ready };
}
