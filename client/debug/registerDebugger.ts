/** The `hyperlab` debugger: adapter factory, configuration providers, and a tracker for stops. */
import * as vscode from 'vscode';
import { DEBUG_TYPE, type HyperlabSessions } from '../session';
import { HyperlabAdapterFactory } from './adapterFactory';
import { HyperlabConfigurationProvider, HyperlabDynamicConfigurations } from './configurationProvider';

interface DapMessage { type?: string; event?: string; command?: string; body?: { reason?: string } }

export function registerDebugger(context: vscode.ExtensionContext, sessions: HyperlabSessions): void {
  let dapLog: vscode.LogOutputChannel | undefined;
  context.subscriptions.push(
    vscode.debug.registerDebugAdapterDescriptorFactory(DEBUG_TYPE, new HyperlabAdapterFactory(context.extensionUri)),
    vscode.debug.registerDebugConfigurationProvider(DEBUG_TYPE, new HyperlabConfigurationProvider(), vscode.DebugConfigurationProviderTriggerKind.Initial),
    vscode.debug.registerDebugConfigurationProvider(DEBUG_TYPE, new HyperlabDynamicConfigurations(), vscode.DebugConfigurationProviderTriggerKind.Dynamic),
    vscode.debug.registerDebugAdapterTrackerFactory(DEBUG_TYPE, {
      createDebugAdapterTracker(session) {
        const trace = session.configuration.trace === true;
        if (trace && !dapLog) {
          dapLog = vscode.window.createOutputChannel('HyperLab DAP', { log: true });
          context.subscriptions.push(dapLog);
        }
        return {
          // Views refresh on every stop, not only on hyperlab/stateChanged: a stop must never
          // leave them one state behind.
          onDidSendMessage(m: DapMessage) {
            if (m.type === 'event' && m.event === 'stopped') sessions.notifyStopped(session, m.body?.reason === 'end');
            if (trace) dapLog?.info(`← ${JSON.stringify(m)}`);
          },
          onWillReceiveMessage(m: DapMessage) {
            if (trace) dapLog?.info(`→ ${JSON.stringify(m)}`);
          },
          onError(e: Error) {
            dapLog?.error(`adapter error: ${e.message}`);
          },
        };
      },
    }),
  );
  // The walkthrough's "set a breakpoint" step completes on this context key.
  const updateBreakpointContext = () => {
    const has = vscode.debug.breakpoints.some((b) => b instanceof vscode.SourceBreakpoint && /\.(s|hcb)$/i.test(b.location.uri.path));
    void vscode.commands.executeCommand('setContext', 'hyperlab.hasBreakpoint', has);
  };
  updateBreakpointContext();
  context.subscriptions.push(vscode.debug.onDidChangeBreakpoints(updateBreakpointContext));
}
