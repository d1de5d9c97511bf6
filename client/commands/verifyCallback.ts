/** "Verify Current Hyper-callback": the language server's verifier verdict for the open `.hcb`. */
import * as vscode from 'vscode';
import type { LanguageClient } from 'vscode-languageclient/node';
import { VerifyCallbackRequest, type VerifyCallbackParams, type VerifyCallbackResult } from '../../protocol/hyperlab';

export async function verifyCallback(client: LanguageClient | undefined, output: vscode.OutputChannel, uri?: vscode.Uri): Promise<VerifyCallbackResult | undefined> {
  const doc = uri ? await vscode.workspace.openTextDocument(uri) : vscode.window.activeTextEditor?.document;
  if (!doc || (doc.languageId !== 'hcb' && !doc.fileName.endsWith('.hcb'))) {
    void vscode.window.showErrorMessage('Open a hyper-callback (.hcb) to verify it.');
    return undefined;
  }
  if (!client) {
    void vscode.window.showErrorMessage('The HyperLab language server is not running; see the HyperLab output channel.');
    return undefined;
  }
  const params: VerifyCallbackParams = { uri: client.code2ProtocolConverter.asUri(doc.uri) };
  const r = await client.sendRequest<VerifyCallbackResult>(VerifyCallbackRequest, params);
  const name = vscode.workspace.asRelativePath(doc.uri);
  const verdict = r.accepted
    ? `${name}: accepted (${r.instructions} instructions${r.worstCasePath === null ? '' : `, longest path ${r.worstCasePath}`})`
    : `${name}: rejected by the verifier`;
  output.appendLine(`— verify ${name}`);
  for (const m of r.messages) output.appendLine(m);
  output.appendLine(verdict);
  if (r.accepted) void vscode.window.showInformationMessage(verdict);
  else {
    const first = r.messages[0] ? ` ${r.messages[0]}` : '';
    // Not awaited: the command's result must not wait for the user to dismiss a notification.
    void vscode.window.showErrorMessage(`${verdict}.${first}`, 'Show Output').then((choice) => { if (choice) output.show(true); });
  }
  return r;
}
