/** Every `hyperlab.*` command of package.json, wired to its feature. */
import * as vscode from 'vscode';
import type { LanguageClient } from 'vscode-languageclient/node';
import type { ViewNode } from '../model/tree';
import type { HyperlabSessions } from '../session';
import { TimelinePanel } from '../webviews/timelinePanel';
import { TranslationPanel } from '../webviews/translationPanel';
import { newScenario, openExample } from './examples';
import { addressFromEditor, askAddress, threadFor } from './pickAddress';
import { runScenario } from './runScenario';
import { verifyCallback } from './verifyCallback';

export interface CommandDeps {
  context: vscode.ExtensionContext;
  sessions: HyperlabSessions;
  output: vscode.OutputChannel;
  client: () => LanguageClient | undefined;
}

/** A view row passed by a context-menu action, or an address string from another caller. */
type AddressArg = ViewNode | string | undefined;

function isViewNode(a: unknown): a is ViewNode {
  return typeof a === 'object' && a !== null && 'id' in a && 'label' in a;
}

async function openDiagram(deps: CommandDeps, arg: AddressArg): Promise<void> {
  const { sessions, context } = deps;
  if (sessions.phase === 'none') {
    void vscode.window.showErrorMessage('Start a HyperLab debug session first: translations are read from the running machine.');
    return;
  }
  let address = typeof arg === 'string' ? arg : '';
  let vm: string | undefined;
  let vcpu: number | undefined;
  let hart: number | undefined;
  if (isViewNode(arg) && arg.data) {
    if (typeof arg.data.address === 'string') address = arg.data.address;
    if (typeof arg.data.vm === 'string') vm = arg.data.vm;
    if (typeof arg.data.vcpu === 'number') vcpu = arg.data.vcpu;
    if (typeof arg.data.hart === 'number') hart = arg.data.hart;
  }
  if (!address) {
    const asked = await askAddress(addressFromEditor());
    if (!asked) return;
    address = asked;
  }
  let threadId: number | null = null;
  try {
    threadId = await threadFor(sessions, { vm, vcpu, hart });
  } catch {
    // The panel reports the machine's state itself; without it, translate on the default hart.
  }
  TranslationPanel.show(context.extensionUri, sessions, { address, threadId, access: 'read' });
}

export function registerCommands(deps: CommandDeps): void {
  const { context, sessions, output } = deps;
  const problems = vscode.languages.createDiagnosticCollection('hyperlab-run');
  const radixItem = vscode.window.createStatusBarItem('hyperlab.radix', vscode.StatusBarAlignment.Right, 10);
  radixItem.name = 'HyperLab number format';
  radixItem.command = 'hyperlab.toggleHex';
  const showRadix = () => {
    radixItem.text = sessions.radix === 'hex' ? 'HyperLab: 0x' : 'HyperLab: 123';
    radixItem.tooltip = `HyperLab views show addresses in ${sessions.radix === 'hex' ? 'hexadecimal' : 'decimal'}; click to switch`;
    if (sessions.phase === 'none') radixItem.hide();
    else radixItem.show();
  };
  showRadix();
  const reg = (id: string, fn: (...args: never[]) => unknown) => context.subscriptions.push(vscode.commands.registerCommand(id, fn));
  context.subscriptions.push(problems, radixItem, sessions.onDidChange(showRadix));

  reg('hyperlab.verifyCallback', (uri?: vscode.Uri) => verifyCallback(deps.client(), output, uri instanceof vscode.Uri ? uri : undefined));
  reg('hyperlab.runScenario', (uri?: vscode.Uri) => runScenario(context.extensionUri, output, problems, uri instanceof vscode.Uri ? uri : undefined));
  reg('hyperlab.openTranslationDiagram', (arg?: AddressArg) => openDiagram(deps, arg));
  reg('hyperlab.translateAddress', (arg?: AddressArg) => openDiagram(deps, arg));
  reg('hyperlab.openTimeline', () => {
    if (sessions.phase === 'none') {
      void vscode.window.showErrorMessage('Start a HyperLab debug session first: the timeline is read from the running machine.');
      return;
    }
    TimelinePanel.show(context.extensionUri, sessions);
  });
  reg('hyperlab.newScenario', () => newScenario(context.extensionUri));
  reg('hyperlab.openExample', (id?: string) => openExample(context.extensionUri, typeof id === 'string' ? id : undefined));
  reg('hyperlab.toggleHex', () => sessions.toggleRadix());
  reg('hyperlab.refreshViews', () => sessions.refresh());
}
