/**
 * A second, independent LSP client: Debian's Neovim (0.7) runs headless, starts the server over
 * stdio with `vim.lsp.start_client`, opens a callback and records every publishDiagnostics it
 * receives. The diagnostics it gets must be those `hyperlab verify` prints.
 * Skips only when nvim is absent and CI is not `true` (scripts/install-test-deps.sh installs it).
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync, copyFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCli } from '../support/cli';
import { ensureBuilt, ROOT } from './support/lspClient';

const CLIENT_LUA = `
local server, file, out = os.getenv('HL_SERVER'), os.getenv('HL_FILE'), os.getenv('HL_OUT')
local pubs = {}
local id = vim.lsp.start_client({
  name = 'hyperlab',
  cmd = { 'node', server, '--stdio' },
  root_dir = vim.fn.fnamemodify(file, ':h'),
  handlers = {
    ['textDocument/publishDiagnostics'] = function(_, result)
      table.insert(pubs, result)
    end,
  },
})
vim.cmd('edit ' .. file)
vim.lsp.buf_attach_client(0, id)
-- the assembler's publication comes first, the verifier's second (same version)
vim.wait(20000, function() return #pubs >= 2 end, 20)
local f = io.open(out, 'w')
f:write(vim.fn.json_encode(pubs))
f:close()
vim.lsp.stop_client(id)
vim.wait(2000, function() return vim.lsp.client_is_stopped(id) end, 20)
vim.cmd('qa!')
`;

interface NvimDiagnostic {
  range: { start: { line: number; character: number } };
  message: string;
  relatedInformation?: { location: { range: { start: { line: number; character: number } } }; message: string }[];
}

describe('language server: Neovim as a headless LSP client', function () {
  this.timeout(60000);
  const hasNvim = spawnSync('nvim', ['--version'], { encoding: 'utf8' }).status === 0;

  before(function () {
    if (!hasNvim) {
      if (process.env.CI === 'true') throw new Error('nvim is not installed (scripts/install-test-deps.sh installs neovim)');
      this.skip();
    }
    ensureBuilt();
  });

  it('receives the same diagnostics that `hyperlab verify` prints', () => {
    const dir = mkdtempSync(join(tmpdir(), 'hyperlab-nvim-'));
    try {
      const file = join(dir, 'uninit.hcb');
      copyFileSync(join(ROOT, 'test', 'server', 'fixtures', 'uninit.hcb'), file);
      const lua = join(dir, 'client.lua');
      const out = join(dir, 'pubs.json');
      writeFileSync(lua, CLIENT_LUA);
      const r = spawnSync('nvim', ['--headless', '--clean', '-u', 'NONE', '-c', `luafile ${lua}`], {
        env: { ...process.env, HL_SERVER: join(ROOT, 'dist', 'server.js'), HL_FILE: file, HL_OUT: out, XDG_STATE_HOME: dir, XDG_DATA_HOME: dir, XDG_CACHE_HOME: dir },
        encoding: 'utf8',
        timeout: 45000,
      });
      assert.equal(r.status, 0, `nvim failed: ${r.stderr}${r.stdout}`);
      const pubs = JSON.parse(readFileSync(out, 'utf8')) as { diagnostics: NvimDiagnostic[]; version?: number }[];
      assert.ok(pubs.length >= 2, JSON.stringify(pubs));
      const last = pubs[pubs.length - 1].diagnostics;
      const got = last.map((d) => ({
        where: `${d.range.start.line + 1}:${d.range.start.character + 1}`,
        message: d.message,
        related: (d.relatedInformation ?? []).map((x) => `${x.location.range.start.line + 1}:${x.location.range.start.character + 1}: ${x.message}`),
      }));
      const cli = runCli(['verify', file]).out.split('\n');
      const expected: typeof got = [];
      for (const line of cli) {
        const main = /^.*?:(\d+):(\d+): error: (.*)$/.exec(line);
        const rel = /^ {4}.*?:(\d+):(\d+): (.*)$/.exec(line);
        if (rel) expected[expected.length - 1].related.push(`${rel[1]}:${rel[2]}: ${rel[3]}`);
        else if (main) expected.push({ where: `${main[1]}:${main[2]}`, message: main[3], related: [] });
      }
      assert.equal(expected.length, 2);
      assert.deepEqual(got, expected);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
