/**
 * A language server started in this process over in-memory streams, with a protocol client on the
 * other end that records log messages and diagnostics publications: for tests that need to give
 * the server options a spawned `dist/server.js` cannot take (a registry, worker settings).
 */
import { PassThrough } from 'node:stream';
import { createConnection, ProposedFeatures } from 'vscode-languageserver/node';
import {
  createProtocolConnection, InitializedNotification, InitializeRequest, LogMessageNotification, PublishDiagnosticsNotification,
  ShutdownRequest, StreamMessageReader, StreamMessageWriter, type ProtocolConnection, type PublishDiagnosticsParams,
} from 'vscode-languageserver-protocol/node';
import { startServer, type ServerOptions } from '../../../server/core/server';

export interface InProcessServer {
  client: ProtocolConnection;
  /** Every `window/logMessage` text, in order. */
  logs: string[];
  /** Every diagnostics publication, in order. */
  pubs: PublishDiagnosticsParams[];
  /** Resolves once `test` holds (polled), or fails after `ms` saying what it waited for, with the logs. */
  waitFor(test: () => boolean, what: string, ms?: number): Promise<void>;
  stop(): Promise<void>;
}

/** Starts the server with `options` and initialises it. */
export async function startInProcess(options: ServerOptions): Promise<InProcessServer> {
  const toServer = new PassThrough();
  const toClient = new PassThrough();
  const serverConnection = createConnection(ProposedFeatures.all, new StreamMessageReader(toServer), new StreamMessageWriter(toClient));
  startServer(serverConnection, options);
  const client = createProtocolConnection(new StreamMessageReader(toClient), new StreamMessageWriter(toServer));
  const logs: string[] = [];
  const pubs: PublishDiagnosticsParams[] = [];
  client.onNotification(LogMessageNotification.type, (m) => {
    logs.push(m.message);
  });
  client.onNotification(PublishDiagnosticsNotification.type, (p) => {
    pubs.push(p);
  });
  client.listen();
  await client.sendRequest(InitializeRequest.type, { processId: null, rootUri: null, workspaceFolders: null, capabilities: {} });
  await client.sendNotification(InitializedNotification.type, {});
  return {
    client,
    logs,
    pubs,
    async waitFor(test, what, ms = 45000) {
      const deadline = Date.now() + ms;
      while (!test()) {
        if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}; logs: ${logs.join('\n')}`);
        await new Promise((r) => setTimeout(r, 10));
      }
    },
    async stop() {
      await client.sendRequest(ShutdownRequest.type).catch(() => undefined);
      client.dispose();
      serverConnection.dispose();
    },
  };
}
