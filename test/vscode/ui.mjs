// The Playwright UI test: what a user sees in the workbench with the packaged extension. Each
// step is one named test; a step that fails stops the steps that depend on it (they are reported
// as failed with the reason). Screenshots of every step land in the artifacts folder.
import path from 'node:path';

const WORKBENCH_TIMEOUT = 30_000;

/**
 * @param {{ page: import('playwright-core').Page, url: string, artifacts: string, log: (...a: unknown[]) => void }} ctx
 * @returns {Promise<{ name: string, ok: boolean, error?: string }[]>}
 */
export async function runUiTests({ page, url, artifacts, log }) {
  const results = [];
  let blocked;
  const shot = (name) => page.screenshot({ path: path.join(artifacts, `ui-${name}.png`) }).catch(() => {});
  async function step(name, fn) {
    if (blocked) {
      results.push({ name, ok: false, error: `not run: '${blocked}' failed` });
      return;
    }
    const started = Date.now();
    try {
      await fn();
      results.push({ name, ok: true });
      log(`ui: ${name} (${Date.now() - started} ms)`);
    } catch (e) {
      results.push({ name, ok: false, error: e instanceof Error ? e.message.split('\n').slice(0, 6).join('\n      ') : String(e) });
      blocked = name;
    } finally {
      await shot(name.replace(/[^a-z0-9]+/gi, '-').toLowerCase());
    }
  }

  await step('the workbench loads', async () => {
    await page.goto(url);
    await page.locator('.monaco-workbench .part.activitybar').waitFor({ timeout: WORKBENCH_TIMEOUT });
  });

  await step('the HyperLab container opens with its views', async () => {
    const entry = page.locator('.activitybar [aria-label^="HyperLab"]');
    await entry.first().waitFor({ timeout: WORKBENCH_TIMEOUT });
    await entry.first().click();
    for (const title of ['Machine', 'TLB', 'Page Tables']) {
      await page.locator(`.part.sidebar .pane-header[aria-label^="${title}"]`).first().waitFor({ timeout: 10_000 });
    }
  });

  return results;
}
