/** The packaged extension is installed, activates, and contributes what the contract names. */
import * as assert from 'node:assert/strict';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { EXTENSION_ID, fixturesDir, hyperlab, within } from './support';

const COMMANDS = [
  'hyperlab.verifyCallback',
  'hyperlab.runScenario',
  'hyperlab.openTranslationDiagram',
  'hyperlab.openTimeline',
  'hyperlab.newScenario',
  'hyperlab.toggleHex',
  'hyperlab.openExample',
  'hyperlab.translateAddress',
  'hyperlab.refreshViews',
];

describe('activation', () => {
  it('is installed and activates with its API', async () => {
    const api = await hyperlab();
    assert.equal(vscode.extensions.getExtension(EXTENSION_ID)?.isActive, true);
    assert.equal(typeof api.viewItems, 'function');
  });

  it('starts the language server', async () => {
    const api = await hyperlab();
    await within(api.serverReady, 30_000, 'the language server to start');
  });

  it('registers every command of the contract', async () => {
    await hyperlab();
    const all = new Set(await vscode.commands.getCommands(true));
    assert.deepEqual(COMMANDS.filter((c) => !all.has(c)), []);
  });

  it('gives .hcb, .S and scenario files their languages', async () => {
    const langs = await vscode.languages.getLanguages();
    for (const id of ['hcb', 'riscv-guest']) assert.ok(langs.includes(id), `language ${id} is not registered`);
    const hcb = await vscode.workspace.openTextDocument(path.join(fixturesDir, 'errors', 'bad.hcb'));
    assert.equal(hcb.languageId, 'hcb');
    const asm = await vscode.workspace.openTextDocument(path.join(fixturesDir, 'errors', 'bad.S'));
    assert.equal(asm.languageId, 'riscv-guest');
  });

  it('rejects an unknown view id, naming the known ones', async () => {
    const api = await hyperlab();
    await assert.rejects(api.viewItems('hyperlab.nope'), /hyperlab\.tlb/);
  });
});
