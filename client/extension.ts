/**
 * Activation: the language client, the debugger, the views, the panels' commands and the task
 * provider. Returns the extension's API (client/api.ts).
 */
import * as vscode from 'vscode';
import type { LanguageClient } from 'vscode-languageclient/node';
import type { HyperlabApi } from './api';
import { registerCommands } from './commands/registerCommands';
import { registerDebugger } from './debug/registerDebugger';
import { startLanguageClient } from './languageClient';
import { HyperlabSessions } from './session';
import { HyperlabTaskProvider, TASK_TYPE } from './tasks';
import { registerViews } from './views/registerViews';

/** Kept so that deactivate can wait for the server to shut down cleanly. */
let languageClient: LanguageClient | undefined;

export function activate(context: vscode.ExtensionContext): HyperlabApi {
  const output = vscode.window.createOutputChannel('HyperLab', { log: true });
  const sessions = new HyperlabSessions();
  context.subscriptions.push(output, sessions);

  const started = startLanguageClient(context, output);
  languageClient = started.client;
  registerDebugger(context, sessions);
  const views = registerViews(context, sessions);
  registerCommands({ context, sessions, output, client: () => started.client });
  context.subscriptions.push(vscode.tasks.registerTaskProvider(TASK_TYPE, new HyperlabTaskProvider(context.extensionUri)));

  return {
    serverReady: started.ready,
    viewItems: (viewId) => views.viewItems(viewId),
  };
}

export async function deactivate(): Promise<void> {
  // VS Code waits for this promise: the server gets its shutdown/exit instead of being killed.
  // Everything else is disposed through context.subscriptions.
  if (languageClient?.isRunning()) await languageClient.stop();
  languageClient = undefined;
}
