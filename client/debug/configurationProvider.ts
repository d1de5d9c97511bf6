/**
 * Makes F5 work on an open `.S`, `.hcb` or scenario file without a launch.json, offers the
 * initial configurations, and lists the workspace's scenarios as dynamic configurations.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { programKind, resolveLaunch, scenarioFor, type LaunchConfig } from '../model/launch';
import { DEBUG_TYPE } from '../session';

export class HyperlabConfigurationProvider implements vscode.DebugConfigurationProvider {
  provideDebugConfigurations(): vscode.DebugConfiguration[] {
    return [{ type: DEBUG_TYPE, request: 'launch', name: 'HyperLab: debug the current file', program: '${file}', stopOnEntry: true }];
  }

  resolveDebugConfiguration(_folder: vscode.WorkspaceFolder | undefined, config: vscode.DebugConfiguration): vscode.DebugConfiguration | undefined {
    const doc = vscode.window.activeTextEditor?.document;
    const active = doc && doc.uri.scheme === 'file' ? { fileName: doc.fileName, languageId: doc.languageId } : undefined;
    const r = resolveLaunch(config as Partial<LaunchConfig>, active);
    if (!r.ok) {
      void vscode.window.showErrorMessage(r.error);
      return undefined; // cancels the launch; the message says what to do
    }
    const filledFromEditor = active !== undefined && r.config.program === active.fileName;
    const kind = active ? programKind(active.fileName, active.languageId) : null;
    if (filledFromEditor && active && (kind === 'assembly' || kind === 'callback')) {
      const scenario = scenarioFor(active.fileName, scenariosNextTo(active.fileName));
      if (scenario) return { ...r.config, program: scenario, name: `HyperLab: ${path.basename(scenario)}` };
    }
    return r.config;
  }
}

function scenariosNextTo(file: string): { path: string; text: string }[] {
  const dir = path.dirname(file);
  try {
    return fs.readdirSync(dir).filter((f) => f.endsWith('.hlab.json')).map((f) => ({ path: path.join(dir, f), text: fs.readFileSync(path.join(dir, f), 'utf8') }));
  } catch {
    return []; // an unreadable folder: debug the file itself
  }
}

/** One launch configuration per scenario in the workspace, for the Run and Debug drop-down. */
export class HyperlabDynamicConfigurations implements vscode.DebugConfigurationProvider {
  async provideDebugConfigurations(folder: vscode.WorkspaceFolder | undefined): Promise<vscode.DebugConfiguration[]> {
    const include = folder ? new vscode.RelativePattern(folder, '**/*.hlab.json') : '**/*.hlab.json';
    const files = await vscode.workspace.findFiles(include, '**/node_modules/**', 50);
    return files
      .sort((a, b) => a.fsPath.localeCompare(b.fsPath))
      .map((f) => ({ type: DEBUG_TYPE, request: 'launch', name: `HyperLab: ${vscode.workspace.asRelativePath(f)}`, program: f.fsPath, stopOnEntry: true }));
  }
}
