/** The packaged extension is installed, activates, and hands out its API. */
import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import type { HyperlabApi } from '../../../client/api';

export const EXTENSION_ID = 'hyperlab.hyperlab';

describe('activation', () => {
  it('is installed and activates with its API', async () => {
    const ext = vscode.extensions.getExtension<HyperlabApi>(EXTENSION_ID);
    assert.ok(ext, `${EXTENSION_ID} is not installed`);
    const api = await ext.activate();
    assert.equal(ext.isActive, true);
    assert.equal(typeof api.viewItems, 'function');
  });
});
