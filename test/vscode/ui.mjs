// The Playwright UI test: what a user sees in the workbench with the packaged extension, driven
// the way a user drives it (activity bar, keyboard, command palette). Each step is one named
// test; a failing step stops the steps that depend on it (reported as failed, with the reason).
// A screenshot of every step lands in the artifacts folder as ui-<step>.png.
//
// The workspace is test/vscode/fixtures/hyperlab-tests.code-workspace, whose launch
// configuration debugs examples/hello-vm.
import path from 'node:path';
import { repoRoot } from './env.mjs';

const WORKBENCH_TIMEOUT = 30_000;
const helloVmSource = path.join(repoRoot, 'examples', 'hello-vm', 'hello-vm.S');
const isMac = process.platform === 'darwin';
const mod = isMac ? 'Meta' : 'Control';

/**
 * @param {{ page: import('playwright-core').Page, url: string, artifacts: string, log: (...a: unknown[]) => void }} ctx
 * @returns {Promise<{ name: string, ok: boolean, error?: string }[]>}
 */
export async function runUiTests({ page, url, artifacts, log }) {
  const results = [];
  let blocked;
  const shot = (name) => page.screenshot({ path: path.join(artifacts, `ui-${name}.png`) }).catch(() => {});
  /** One named test; unless `independent`, its failure stops the steps after it. */
  async function step(name, fn, { independent = false } = {}) {
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
      results.push({ name, ok: false, error: e instanceof Error ? e.message.split('\n').slice(0, 8).join('\n      ') : String(e) });
      if (!independent) blocked = name;
    } finally {
      await shot(name.replace(/[^a-z0-9]+/gi, '-').replace(/-+$/, '').toLowerCase());
    }
  }

  const quickInput = page.locator('.quick-input-widget');
  const quickInputBox = quickInput.locator('.quick-input-box input');
  /**
   * Types into the quick input (palette, Quick Open, prompts) through its own input element:
   * keys sent to the page while the widget is still opening would land in the editor.
   */
  async function quickType(text) {
    await quickInputBox.waitFor({ state: 'visible', timeout: 10_000 });
    await quickInputBox.fill(text);
  }
  /** Runs a command through the palette by its title, as a user types it. */
  async function palette(title) {
    await page.keyboard.press('F1');
    await quickType(`>${title}`);
    // The first row must be the command, not a fuzzy neighbour.
    await quickInput.locator(`.quick-input-list .monaco-list-row[aria-label^="${title.replace(/"/g, '\\"')}"]`).first().waitFor({ timeout: 10_000 });
    await page.keyboard.press('Enter');
  }
  /** Shows the HyperLab container (a click on its activity-bar entry toggles it, so only when hidden). */
  async function showContainer() {
    const title = page.locator('.part.sidebar .composite.title h2');
    if ((await page.locator('.part.sidebar').isVisible()) && /^HyperLab/i.test((await title.first().innerText().catch(() => '')).trim())) return;
    const entry = page.locator('.activitybar [aria-label^="HyperLab"]').first();
    await entry.waitFor({ timeout: WORKBENCH_TIMEOUT });
    await entry.click();
    await page.locator('.part.sidebar .pane-header[aria-label^="Machine"]').first().waitFor({ timeout: 10_000 });
  }
  /** The body of a view pane of the HyperLab container, expanded. */
  async function viewPane(title) {
    const pane = page.locator('.part.sidebar .pane').filter({ has: page.locator(`.pane-header[aria-label^="${title}"]`) }).first();
    const header = pane.locator('.pane-header').first();
    await header.waitFor({ timeout: 10_000 });
    if ((await header.getAttribute('aria-expanded')) === 'false') await header.click();
    return pane.locator('.pane-body');
  }
  async function rowsOf(title) {
    return (await viewPane(title)).locator('.monaco-list-row');
  }
  async function waitForRowMatching(title, re, timeout = 30_000) {
    const rows = await rowsOf(title);
    const deadline = Date.now() + timeout;
    let texts = [];
    while (Date.now() < deadline) {
      texts = await rows.allInnerTexts();
      const hit = texts.find((t) => re.test(t));
      if (hit) return { hit, texts };
      await page.waitForTimeout(250);
    }
    throw new Error(`no row of ${title} matches ${re}; rows: ${JSON.stringify(texts.slice(0, 15))}`);
  }
  /**
   * The content frame of the webview whose page heading is `heading` (a webview nests two
   * iframes; with several panels open, more than one outer frame may be in the DOM at a time).
   */
  async function webview(heading) {
    const outer = page.locator('iframe.webview.ready');
    const seen = new Set();
    for (const deadline = Date.now() + 20_000; Date.now() < deadline; await page.waitForTimeout(250)) {
      const n = await outer.count();
      for (let i = 0; i < n; i++) {
        const inner = outer.nth(i).contentFrame().locator('#active-frame').contentFrame();
        const h1 = inner.locator('h1');
        const text = (await h1.count().catch(() => 0)) > 0 ? await h1.first().textContent().catch(() => null) : null;
        if (text !== null) seen.add(text);
        if (text === heading) return inner;
      }
    }
    throw new Error(`no webview with heading '${heading}' (seen: ${[...seen].join(', ') || 'none'})`);
  }

  await step('the workbench loads', async () => {
    await page.goto(url);
    await page.locator('.monaco-workbench .part.activitybar').waitFor({ timeout: WORKBENCH_TIMEOUT });
  });

  await step('the HyperLab container shows its seven views, with welcome content before any session', async () => {
    await showContainer();
    for (const title of ['Machine', 'TLB', 'Page Tables', 'Trampolines', 'Hyper-callbacks', 'Interrupts & I/O', 'Integrity']) {
      await page.locator(`.part.sidebar .pane-header[aria-label^="${title}"]`).first().waitFor({ timeout: 10_000 });
    }
    const welcome = (await viewPane('Machine')).locator('.welcome-view-content');
    await welcome.waitFor({ timeout: 10_000 });
    if (!/example/i.test(await welcome.innerText())) throw new Error(`Machine welcome content does not offer an example: ${await welcome.innerText()}`);
  });

  await step('a breakpoint is set in hello-vm.S from the keyboard', async () => {
    await page.keyboard.press(`${mod}+P`);
    await quickType('hello-vm.S');
    // Quick Open lists workspace files as the name is typed; pick hello-vm.S itself.
    const row = quickInput.locator('.quick-input-list .monaco-list-row[aria-label*="hello-vm.S"]').first();
    await row.waitFor({ timeout: 15_000 });
    await row.click();
    const tab = page.locator('.tabs-container .tab[aria-label^="hello-vm.S"]');
    await tab.waitFor({ timeout: 15_000 });
    await page.locator('.monaco-editor .view-lines').first().click();
    // The line of `add t0, t0, t1`: Sv39 is on (the guest's identity megapage), just before the
    // jump to the high half.
    const text = await (await import('node:fs/promises')).readFile(helloVmSource, 'utf8');
    const line = text.split('\n').findIndex((l) => l.trim() === 'add t0, t0, t1') + 1;
    if (line < 1) throw new Error('`add t0, t0, t1` is not in hello-vm.S any more');
    await page.keyboard.press(`${mod}+G`);
    await quickType(`:${line}`);
    await page.keyboard.press('Enter');
    const cursor = page.locator('.statusbar-item[id="status.editor.selection"]');
    await cursor.filter({ hasText: `Ln ${line},` }).waitFor({ timeout: 10_000 });
    await page.keyboard.press('F9');
    await page.locator('.monaco-editor .codicon-debug-breakpoint').first().waitFor({ timeout: 10_000 });
  });

  await step('VS Code tokenizes hello-vm.S with the riscv-guest grammar', async () => {
    // The cursor is on `add t0, t0, t1`: Home puts it on `add`; the workbench's token inspector
    // shows the TextMate scopes VS Code's own engine gave that token.
    await page.keyboard.press('Home');
    await palette('Developer: Inspect Editor Tokens and Scopes');
    const widget = page.locator('.token-inspect-widget');
    await widget.waitFor({ timeout: 10_000 });
    // It says "Loading..." until the tokenization has been captured.
    const wanted = ['riscv-guest', 'keyword.other.instruction.riscv-guest', 'source.riscv-guest'];
    let text = '';
    for (const deadline = Date.now() + 15_000; Date.now() < deadline; await page.waitForTimeout(250)) {
      text = await widget.innerText();
      if (wanted.every((w) => text.includes(w))) break;
    }
    await page.keyboard.press('Escape');
    const missing = wanted.filter((w) => !text.includes(w));
    if (missing.length) throw new Error(`token inspector lacks ${missing.join(', ')}:\n${text}`);
    await widget.waitFor({ state: 'hidden', timeout: 5_000 });
  }, { independent: true });

  await step('F5 starts the fixture\'s hello-vm launch configuration and stops at the breakpoint', async () => {
    await page.keyboard.press('F5');
    await page.locator('.debug-toolbar').waitFor({ state: 'visible', timeout: 30_000 });
    // The top stack frame's line is highlighted in the editor once the session stopped there.
    await page.locator('.monaco-editor .debug-top-stack-frame-line').first().waitFor({ timeout: 60_000 });
  });

  await step('the TLB view lists two-stage entries with their VMID', async () => {
    await showContainer();
    const { hit } = await waitForRowMatching('TLB', /→.*→/);
    if (!/VMID \d+/.test(hit)) throw new Error(`TLB row without VMID: ${hit}`);
    const hart = await waitForRowMatching('TLB', /^hart 0/);
    if (!/valid/.test(hart.hit)) throw new Error(`hart row without its valid count: ${hart.hit}`);
  });

  await step('the Page Tables view expands the guest table to its PTE rows', async () => {
    await waitForRowMatching('Page Tables', /hello/);
    const rows = await rowsOf('Page Tables');
    const guest = rows.filter({ hasText: 'VS-stage' }).first();
    await guest.waitFor({ timeout: 10_000 });
    if ((await guest.getAttribute('aria-expanded')) !== 'true') await guest.click();
    // root[256]: the high-half gigapage hello-vm.S maps onto its RAM.
    const { hit } = await waitForRowMatching('Page Tables', /^\[256\] 0x/);
    if (!/1 GiB page/.test(hit)) throw new Error(`root[256] row: ${hit}`);
  });

  await step('the Machine view shows the VM and its vCPU', async () => {
    await waitForRowMatching('Machine', /hello/);
    await waitForRowMatching('Machine', /vCPU 0/i);
  });

  await step('the translation diagram opens from the palette and draws the walk', async () => {
    await palette('HyperLab: Open Translation Diagram for Address');
    // The address prompt: translate the kernel's first page (identity-mapped by its megapage).
    // (The palette and the prompt are the same widget: wait for the prompt's own title, or the
    // first keys would land in the closing palette.)
    await quickInput.locator('.quick-input-title', { hasText: 'Translate address' }).waitFor({ timeout: 10_000 });
    await quickType('0x80000000');
    await page.keyboard.press('Enter');
    const frame = await webview('Address translation');
    const svg = frame.locator('#picture svg');
    await svg.waitFor({ timeout: 20_000 });
    const names = await frame.locator('#picture svg text.addr-name').allTextContents();
    if (names.join(',') !== 'GVA,GPA,HPA') throw new Error(`address boxes: ${names.join(',')}`);
    const values = await frame.locator('#picture svg text.addr-value').allTextContents();
    if (!values.every((v) => /^0x[0-9a-f_]+$/i.test(v))) throw new Error(`address values: ${values.join(', ')}`);
    const steps = await frame.locator('#picture svg text.step-text').count();
    if (steps < 3) throw new Error(`only ${steps} walk steps drawn`);
    const status = frame.locator('#status');
    if (await status.evaluate((e) => e.classList.contains('error'))) throw new Error(`status: ${await status.innerText()}`);
  });

  await step('the timeline opens from the palette and draws events per hart', async () => {
    await palette('HyperLab: Open Timeline');
    const frame = await webview('Timeline');
    await frame.locator('#picture svg').waitFor({ timeout: 20_000 });
    // The panel reads the trace in pages and redraws as they arrive: wait for hart 0's lane.
    await frame.locator('#picture svg text.lane-label', { hasText: /^hart 0$/ }).waitFor({ timeout: 20_000 });
    const marks = await frame.locator('#picture svg [aria-label]').count();
    if (marks < 2) throw new Error(`only ${marks} labelled marks`);
    const status = await frame.locator('#status').textContent();
    if (!/\d+ events?/.test(status ?? '')) throw new Error(`status: ${status}`);
  });

  return results;
}
