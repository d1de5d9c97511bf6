/**
 * The standalone debug adapter (bundled to dist/debugAdapter.js): DAP on stdin/stdout, or with
 * `--server=PORT` on a TCP socket bound to 127.0.0.1, one session per connection (for protocol
 * tests and other DAP clients).
 */
import * as net from 'node:net';
import { HyperlabDebugSession } from './session';

function serverPort(argv: readonly string[]): number | undefined {
  const arg = argv.find((a) => a.startsWith('--server='));
  if (arg === undefined) return undefined;
  const port = Number(arg.slice('--server='.length));
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    process.stderr.write(`debugAdapter: bad port in '${arg}' (0..65535)\n`);
    process.exit(2);
  }
  return port;
}

// A bug must not take the adapter (and the user's session) down: report it and carry on.
process.on('uncaughtException', (e) => process.stderr.write(`debugAdapter: uncaught: ${e.stack ?? String(e)}\n`));
process.on('unhandledRejection', (e) => process.stderr.write(`debugAdapter: unhandled rejection: ${String(e)}\n`));

const port = serverPort(process.argv.slice(2));
if (port === undefined) {
  const session = new HyperlabDebugSession();
  session.start(process.stdin, process.stdout);
} else {
  const server = net.createServer((socket) => {
    socket.on('error', () => socket.destroy());
    const session = new HyperlabDebugSession();
    session.setRunAsServer(true);
    session.start(socket, socket);
  });
  server.listen(port, '127.0.0.1', () => {
    const a = server.address();
    process.stderr.write(`debugAdapter: listening on 127.0.0.1:${typeof a === 'object' && a !== null ? a.port : port}\n`);
  });
}
