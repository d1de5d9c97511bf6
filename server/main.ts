/**
 * Entry of the HyperLab language server (bundled to dist/server.js). The transport comes from the
 * command line, as every LSP client passes it: `--stdio`, `--node-ipc` (vscode-languageclient's
 * default for Node servers) or `--socket=N`.
 */
import { createConnection, ProposedFeatures } from 'vscode-languageserver/node';
import { startServer } from './core/server';

startServer(createConnection(ProposedFeatures.all));
