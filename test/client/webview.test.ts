import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import { contentSecurityPolicy } from '../../client/webviews/csp';

const media = new URL('../../media/', import.meta.url);

describe('webview content security', () => {
  it('the CSP allows only the extension origin and nonce\'d scripts', () => {
    const csp = contentSecurityPolicy('https://file+.vscode-resource.vscode-cdn.net', 'abc123==');
    assert.match(csp, /^default-src 'none'; /);
    assert.match(csp, /script-src 'nonce-abc123=='$/);
    assert.doesNotMatch(csp, /unsafe-(inline|eval)/);
    assert.throws(() => contentSecurityPolicy('x', "a' 'unsafe-inline"), /base64/);
  });
  it('the webview scripts and style load nothing remote, use no inline styles or innerHTML, and only theme colours', () => {
    const files = readdirSync(media).filter((f) => f.endsWith('.js') || f.endsWith('.css'));
    assert.deepEqual(files.sort(), ['scene.js', 'timeline.js', 'translation.js', 'webview.css']);
    for (const f of files) {
      const text = readFileSync(new URL(f, media), 'utf8');
      assert.doesNotMatch(text, /https?:\/\/(?!www\.w3\.org\/2000\/svg)/, `${f} names a remote URL`);
      assert.doesNotMatch(text, /innerHTML|outerHTML|insertAdjacentHTML|eval\(|new Function/, `${f} builds markup from strings`);
      assert.doesNotMatch(text, /\.style\.|setAttribute\('style'/, `${f} sets inline styles (blocked by the CSP)`);
      if (f.endsWith('.css')) {
        const colours = text.match(/#[0-9a-f]{3,8}\b|rgba?\(|hsla?\(/gi) ?? [];
        assert.deepEqual(colours, [], `${f} hard-codes colours instead of --vscode-* variables`);
      }
    }
  });
});
