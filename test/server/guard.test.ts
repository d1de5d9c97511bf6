/**
 * A language bug becomes a logged error, never a dead server: an in-process server (over
 * in-memory streams, support/inProcess.ts) with a language whose every feature throws still answers every request
 * (with an empty result), logs each failure, and keeps serving the other languages.
 */
import assert from 'node:assert/strict';
import { DidOpenTextDocumentNotification } from 'vscode-languageserver-protocol/node';
import { LanguageRegistry } from '../../server/core/registry';
import { hcbLanguage } from '../../server/hcb/index';
import type { LanguageService } from '../../server/language';
import { startInProcess } from './support/inProcess';

const boom = (): never => {
  throw new Error('language bug');
};

const broken: LanguageService = {
  languageId: 'riscv-guest',
  quickDiagnostics: boom,
  slowDiagnostics: async () => boom(),
  hover: boom,
  completion: boom,
  signatureHelp: boom,
  definition: boom,
  references: boom,
  prepareRename: boom,
  rename: boom,
  documentSymbols: boom,
  workspaceSymbols: boom,
  foldingRanges: boom,
  semanticTokens: boom,
  codeActions: boom,
  codeLenses: boom,
  inlayHints: boom,
  formatting: boom,
  documentLinks: boom,
};

describe('language server: guarded language calls', function () {
  this.timeout(30000);

  it('answers every request of a throwing language with an empty result and logs the failures', async () => {
    const server = await startInProcess({ registry: new LanguageRegistry({ hcb: hcbLanguage, 'riscv-guest': broken }) });
    const { client, logs, pubs } = server;
    try {
      const uri = 'file:///virtual/broken.S';
      await client.sendNotification(DidOpenTextDocumentNotification.type, { textDocument: { uri, languageId: 'riscv-guest', version: 1, text: '  nop\n' } });
      const td = { textDocument: { uri } };
      const position = { line: 0, character: 2 };
      const answers = await Promise.all([
        client.sendRequest('textDocument/hover', { ...td, position }),
        client.sendRequest('textDocument/completion', { ...td, position }),
        client.sendRequest('textDocument/signatureHelp', { ...td, position }),
        client.sendRequest('textDocument/definition', { ...td, position }),
        client.sendRequest('textDocument/references', { ...td, position, context: { includeDeclaration: true } }),
        client.sendRequest('textDocument/prepareRename', { ...td, position }),
        client.sendRequest('textDocument/rename', { ...td, position, newName: 'x' }),
        client.sendRequest('textDocument/documentSymbol', td),
        client.sendRequest('workspace/symbol', { query: '' }),
        client.sendRequest('textDocument/foldingRange', td),
        client.sendRequest('textDocument/semanticTokens/full', td),
        client.sendRequest('textDocument/codeAction', { ...td, range: { start: position, end: position }, context: { diagnostics: [] } }),
        client.sendRequest('textDocument/codeLens', td),
        client.sendRequest('textDocument/inlayHint', { ...td, range: { start: position, end: position } }),
        client.sendRequest('textDocument/formatting', { ...td, options: { tabSize: 2, insertSpaces: true } }),
        client.sendRequest('textDocument/documentLink', td),
      ]);
      assert.deepEqual(answers, [null, [], null, [], [], null, null, [], [], [], { data: [] }, [], [], [], [], []]);
      // the quick diagnostics failed too: an empty publication, the failure logged
      await server.waitFor(() => pubs.some((p) => p.uri === uri), 'the broken file\'s publication', 10000);
      assert.deepEqual(pubs.find((p) => p.uri === uri)?.diagnostics, []);
      for (const what of ['hover', 'completion', 'references', 'semantic tokens', 'quick diagnostics', 'workspace symbols']) {
        assert.ok(logs.some((l) => l.startsWith(`riscv-guest ${what} failed: Error: language bug`)), `${what} logged`);
      }
      // and the server still serves the healthy language
      const hcbUri = 'file:///virtual/ok.hcb';
      await client.sendNotification(DidOpenTextDocumentNotification.type, { textDocument: { uri: hcbUri, languageId: 'hcb', version: 1, text: '.event tracing\n  r0 = r9\n  exit\n' } });
      await server.waitFor(() => pubs.some((p) => p.uri === hcbUri && p.diagnostics.length > 0), 'the healthy file\'s diagnostics', 20000);
      assert.match(String(pubs.find((p) => p.uri === hcbUri && p.diagnostics.length > 0)?.diagnostics[0].message), /^r9 is read before it is initialised/);
    } finally {
      await server.stop();
    }
  });
});
