/**
 * Where the HyperLab debug adapter runs: inside the extension host (default: no process to start,
 * no serialization cost beyond DAP objects) or, with `hyperlab.debugAdapter.mode` = `external`,
 * as `node dist/debugAdapter.js` speaking DAP over stdin/stdout.
 */
import * as vscode from 'vscode';
import { createDebugSession } from '../../debug-adapter/session';

export class HyperlabAdapterFactory implements vscode.DebugAdapterDescriptorFactory {
  constructor(private readonly extensionUri: vscode.Uri) {}

  createDebugAdapterDescriptor(): vscode.DebugAdapterDescriptor {
    const mode = vscode.workspace.getConfiguration('hyperlab').get<string>('debugAdapter.mode', 'inline');
    if (mode === 'external') {
      const adapter = vscode.Uri.joinPath(this.extensionUri, 'dist', 'debugAdapter.js').fsPath;
      // The extension host's executable is Node (code-server) or Electron, which runs as Node with
      // ELECTRON_RUN_AS_NODE; either way no separate Node installation is needed.
      return new vscode.DebugAdapterExecutable(process.execPath, [adapter], { env: { ELECTRON_RUN_AS_NODE: '1' } });
    }
    return new vscode.DebugAdapterInlineImplementation(createDebugSession());
  }
}
