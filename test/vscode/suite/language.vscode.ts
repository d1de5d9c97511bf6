/** Hover and completion through the vscode.execute*Provider commands, on the examples. */
import * as assert from 'node:assert/strict';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { examplesDir, hoverText, hyperlab, positionOf, within } from './support';

async function open(rel: string): Promise<vscode.TextDocument> {
  const doc = await vscode.workspace.openTextDocument(path.join(examplesDir, rel));
  await vscode.window.showTextDocument(doc, { preview: false });
  return doc;
}

async function hover(doc: vscode.TextDocument, at: vscode.Position): Promise<string> {
  const hovers = await vscode.commands.executeCommand<vscode.Hover[]>('vscode.executeHoverProvider', doc.uri, at);
  return hoverText(hovers ?? []);
}

async function completions(doc: vscode.TextDocument, at: vscode.Position): Promise<string[]> {
  const list = await vscode.commands.executeCommand<vscode.CompletionList>('vscode.executeCompletionItemProvider', doc.uri, at);
  return (list?.items ?? []).map((i) => (typeof i.label === 'string' ? i.label : i.label.label));
}

describe('language features', () => {
  before(async () => {
    const api = await hyperlab();
    await within(api.serverReady, 30_000, 'the language server');
  });

  it('hover on a CSR in a guest kernel names it with its number', async () => {
    const doc = await open('hello-vm/hello-vm.S');
    const text = await hover(doc, positionOf(doc, 'csrw stvec', 'csrw '.length + 1));
    assert.match(text, /stvec/);
    assert.match(text, /0x105/i, `hover was:\n${text}`);
  });

  it('hover on an instruction explains it', async () => {
    const doc = await open('hello-vm/hello-vm.S');
    // The instruction line, not the file's header comment that mentions it.
    const text = await hover(doc, positionOf(doc, '\n  sfence.vma', 3));
    assert.match(text, /sfence\.vma/, `hover was:\n${text}`);
  });

  it('hover on a helper call in a hyper-callback describes the helper', async () => {
    const doc = await open('page-reclaim/reclaim.hcb');
    const text = await hover(doc, positionOf(doc, 'call guest_read', 'call '.length + 2));
    assert.match(text, /guest_read/, `hover was:\n${text}`);
  });

  it('hover on a scenario key shows the schema\'s description', async () => {
    const doc = await open('hello-vm/hello-vm.hlab.json');
    // The JSON language server loads the schema on first use: ask again until it answers.
    let text = '';
    for (const deadline = Date.now() + 15_000; Date.now() < deadline && !/Number of harts/.test(text); ) {
      text = await hover(doc, positionOf(doc, '"harts"', 2));
      if (!/Number of harts/.test(text)) await new Promise((r) => setTimeout(r, 250));
    }
    assert.match(text, /Number of harts/, `hover was:\n${text}`);
  });

  it('completion in a guest kernel offers instructions, and CSRs after csrr', async () => {
    const doc = await open('hello-vm/hello-vm.S');
    const start = positionOf(doc, '  la sp, stack_top');
    const atLineStart = await completions(doc, start.translate(0, 2));
    for (const want of ['addi', 'csrw', 'sfence.vma']) assert.ok(atLineStart.includes(want), `missing ${want} among ${atLineStart.length} items`);
    const csrPos = positionOf(doc, 'csrw stvec, t0').translate(0, 'csrw '.length);
    const csrs = await completions(doc, csrPos);
    assert.ok(csrs.includes('stvec') && csrs.includes('vsatp'), `CSR items: ${csrs.slice(0, 20).join(', ')}…`);
  });

  it('completion after `call` in a hyper-callback offers the event\'s helpers', async () => {
    const doc = await open('page-reclaim/reclaim.hcb');
    const items = await completions(doc, positionOf(doc, 'call guest_read', 'call '.length));
    assert.ok(items.includes('guest_read'), `items: ${items.slice(0, 30).join(', ')}`);
  });
});
