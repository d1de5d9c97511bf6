/**
 * Activation: the language client, the debugger, the views, the panels' commands and the task
 * provider. Returns the extension's API (client/api.ts).
 */
import * as vscode from 'vscode';
import type { HyperlabApi } from './api';
import { registerCommands } from './commands/registerCommands';
import { registerDebugger } from './debug/registerDebugger';
import { startLanguageClient } from './languageClient';
import { HyperlabSessions } from './session';
import { HyperlabTaskProvider, TASK_TYPE } from './tasks';
import { registerViews } from './views/registerViews';

export function activate(context: vscode.ExtensionContext): HyperlabApi {
  const output = vscode.window.createOutputChannel('HyperLab', { log: true });
  const sessions = new HyperlabSessions();
  context.subscriptions.push(output, sessions);

  const started = startLanguageClient(context, output);
  registerDebugger(context, sessions);
  const views = registerViews(context, sessions);
  registerCommands({ context, sessions, output, client: () => started.client });
  context.subscriptions.push(vscode.tasks.registerTaskProvider(TASK_TYPE, new HyperlabTaskProvider(context.extensionUri)));

  return {
    serverReady: started.ready,
    viewItems: (viewId) => views.viewItems(viewId),
  };
}

export function deactivate(): void {
  // Everything, the language client included, is stopped through context.subscriptions.
}
