/**
 * Task type `hyperlab`: `verify` for each hyper-callback and `run` for each scenario in the
 * workspace, run by the bundled CLI, with the `$hyperlab` problem matcher putting the
 * `file:line:col: severity: message` lines into Problems.
 */
import * as fs from 'node:fs';
import * as vscode from 'vscode';
import { checkTaskDefinition, taskArgs, type HyperlabTaskDefinition } from './model/taskArgs';

export const TASK_TYPE = 'hyperlab';

function makeTask(extensionUri: vscode.Uri, folder: vscode.WorkspaceFolder | vscode.TaskScope, def: HyperlabTaskDefinition): vscode.Task {
  const cli = vscode.Uri.joinPath(extensionUri, 'dist', 'cli.js').fsPath;
  const cwd = typeof folder === 'object' ? folder.uri.fsPath : undefined;
  // The extension host's executable runs the CLI as Node (ELECTRON_RUN_AS_NODE under Electron).
  const exec = new vscode.ProcessExecution(process.execPath, [cli, ...taskArgs(def)], { ...(cwd ? { cwd } : {}), env: { ELECTRON_RUN_AS_NODE: '1' } });
  const task = new vscode.Task(def, folder, `${def.command} ${def.file}`, 'hyperlab', exec, ['$hyperlab']);
  task.group = def.command === 'verify' ? vscode.TaskGroup.Build : vscode.TaskGroup.Test;
  task.presentationOptions = { reveal: vscode.TaskRevealKind.Silent, clear: true };
  return task;
}

export class HyperlabTaskProvider implements vscode.TaskProvider {
  constructor(private readonly extensionUri: vscode.Uri) {}

  async provideTasks(): Promise<vscode.Task[]> {
    if (!fs.existsSync(vscode.Uri.joinPath(this.extensionUri, 'dist', 'cli.js').fsPath)) return [];
    const tasks: vscode.Task[] = [];
    for (const folder of vscode.workspace.workspaceFolders ?? []) {
      const find = (glob: string) => vscode.workspace.findFiles(new vscode.RelativePattern(folder, glob), '**/node_modules/**', 100);
      for (const f of await find('**/*.hcb')) tasks.push(makeTask(this.extensionUri, folder, { type: 'hyperlab', command: 'verify', file: vscode.workspace.asRelativePath(f, false) }));
      for (const f of await find('**/*.hlab.json')) tasks.push(makeTask(this.extensionUri, folder, { type: 'hyperlab', command: 'run', file: vscode.workspace.asRelativePath(f, false) }));
    }
    return tasks;
  }

  resolveTask(task: vscode.Task): vscode.Task | undefined {
    const def = task.definition as Record<string, unknown>;
    const problem = checkTaskDefinition(def);
    if (problem) {
      void vscode.window.showErrorMessage(`HyperLab task: ${problem}`);
      return undefined;
    }
    const folder = task.scope ?? vscode.TaskScope.Workspace;
    const resolved = makeTask(this.extensionUri, folder, def as unknown as HyperlabTaskDefinition);
    // VS Code requires the resolved task to keep the definition object it was given.
    return new vscode.Task(task.definition, folder, task.name, 'hyperlab', resolved.execution, ['$hyperlab']);
  }
}
