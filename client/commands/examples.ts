/** "Open Example…" and "New Scenario from Template…": both start from the shipped examples. */
import * as path from 'node:path';
import * as vscode from 'vscode';
import { checkScenarioName, copyExample, listExamples, type Example } from '../model/examples';

function exampleRoots(extensionUri: vscode.Uri): string[] {
  const roots = [vscode.Uri.joinPath(extensionUri, 'examples').fsPath];
  for (const f of vscode.workspace.workspaceFolders ?? []) roots.push(path.join(f.uri.fsPath, 'examples'));
  return [...new Set(roots)];
}

async function pickExample(extensionUri: vscode.Uri, title: string, id?: string): Promise<Example | undefined> {
  // The workspace's copy wins over the extension's when both have the example.
  const byId = new Map<string, Example>();
  for (const root of exampleRoots(extensionUri)) for (const e of listExamples(root)) byId.set(e.id, e);
  const examples = [...byId.values()];
  if (examples.length === 0) {
    void vscode.window.showErrorMessage('No HyperLab examples found (looked in the extension and in the workspace\'s examples/ folder).');
    return undefined;
  }
  if (id) {
    const found = byId.get(id);
    if (found) return found;
    void vscode.window.showErrorMessage(`No example '${id}'; the examples are ${[...byId.keys()].join(', ')}.`);
    return undefined;
  }
  const picked = await vscode.window.showQuickPick(
    examples.map((e) => ({ label: e.id, description: e.title, detail: e.description, example: e })),
    { title, matchOnDescription: true, matchOnDetail: true },
  );
  return picked?.example;
}

export async function openExample(extensionUri: vscode.Uri, id?: string): Promise<vscode.TextEditor | undefined> {
  const e = await pickExample(extensionUri, 'Open a HyperLab example', id);
  if (!e) return undefined;
  return vscode.window.showTextDocument(vscode.Uri.file(e.scenario));
}

export async function newScenario(extensionUri: vscode.Uri): Promise<vscode.TextEditor | undefined> {
  const folder = vscode.workspace.workspaceFolders?.[0];
  if (!folder) {
    void vscode.window.showErrorMessage('Open a folder first: the new scenario is created in it.');
    return undefined;
  }
  const e = await pickExample(extensionUri, 'New scenario: start from which example?');
  if (!e) return undefined;
  const name = await vscode.window.showInputBox({
    title: 'New scenario',
    prompt: `Name (a folder ${folder.name}/NAME/ is created with NAME.hlab.json and ${e.id}'s sources)`,
    value: `my-${e.id}`,
    validateInput: checkScenarioName,
  });
  if (!name) return undefined;
  try {
    const scenario = copyExample(e, path.join(folder.uri.fsPath, name), name);
    return vscode.window.showTextDocument(vscode.Uri.file(scenario));
  } catch (err) {
    void vscode.window.showErrorMessage(err instanceof Error ? err.message : String(err));
    return undefined;
  }
}
