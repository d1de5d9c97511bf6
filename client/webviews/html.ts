/**
 * The HTML shell every HyperLab webview uses: a Content Security Policy that allows only this
 * extension's `media/` files and scripts carrying a fresh nonce, no remote content at all.
 */
import { randomBytes } from 'node:crypto';
import * as vscode from 'vscode';
import { contentSecurityPolicy } from './csp';

export function nonce(): string {
  return randomBytes(16).toString('base64');
}

/** Webview options: scripts on, and only `media/` readable. */
export function webviewOptions(extensionUri: vscode.Uri): vscode.WebviewPanelOptions & vscode.WebviewOptions {
  return {
    enableScripts: true,
    localResourceRoots: [vscode.Uri.joinPath(extensionUri, 'media')],
    retainContextWhenHidden: false,
  };
}

export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] ?? c);
}

export interface PageParts {
  title: string;
  /** Markup of the controls above the picture (static, escaped by the caller). */
  controls: string;
  /** Script files under media/, loaded in order. */
  scripts: string[];
}

export function pageHtml(webview: vscode.Webview, extensionUri: vscode.Uri, parts: PageParts): string {
  const n = nonce();
  const media = (f: string) => webview.asWebviewUri(vscode.Uri.joinPath(extensionUri, 'media', f)).toString();
  const csp = contentSecurityPolicy(webview.cspSource, n);
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="UTF-8">
<meta http-equiv="Content-Security-Policy" content="${csp}">
<meta name="viewport" content="width=device-width, initial-scale=1.0">
<link rel="stylesheet" href="${media('webview.css')}">
<title>${escapeHtml(parts.title)}</title>
</head>
<body>
<h1>${escapeHtml(parts.title)}</h1>
<div class="controls">${parts.controls}</div>
<p id="status" class="status" role="status" aria-live="polite"></p>
<div id="picture" class="picture"></div>
<p id="details" class="details" aria-live="polite"></p>
${parts.scripts.map((s) => `<script nonce="${n}" src="${media(s)}"></script>`).join('\n')}
</body>
</html>`;
}
