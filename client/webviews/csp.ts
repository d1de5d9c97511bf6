/**
 * The webviews' Content Security Policy: nothing by default; styles, images and fonts only from
 * the extension's own webview origin (`media/`); scripts only with this page's nonce. No
 * 'unsafe-inline', no 'unsafe-eval', no remote origin.
 */
export function contentSecurityPolicy(cspSource: string, nonce: string): string {
  if (!/^[A-Za-z0-9+/=]+$/.test(nonce)) throw new Error(`a CSP nonce must be base64, got '${nonce}'`);
  return [
    "default-src 'none'",
    `style-src ${cspSource}`,
    `img-src ${cspSource}`,
    `font-src ${cspSource}`,
    `script-src 'nonce-${nonce}'`,
  ].join('; ');
}
