import { strict as assert } from 'node:assert';
import { execFileSync, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { runCli } from '../support/cli';
import { requireTool } from '../support/tools';

const root = path.resolve(import.meta.dirname, '../..');
const hello = ['examples/hello/hello.S', 'examples/hello/htif.S'].map((f) => path.join(root, f));

/** The CLI in-process; files it writes stay in memory so a test can inspect them. */
function cli(args: string[]): { code: number; out: string; err: string; files: Map<string, Uint8Array> } {
  const files = new Map<string, Uint8Array>();
  return { ...runCli(args, files), files };
}

function tempDir(): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), 'hyperlab-cli-'));
}

describe('hyperlab CLI', () => {
  it('prints help listing its commands', () => {
    const r = cli(['--help']);
    assert.equal(r.code, 0);
    for (const c of ['run', 'asm', 'disasm']) assert.match(r.out, new RegExp(`^  ${c} `, 'm'));
  });

  it('rejects an unknown command with exit code 2', () => {
    const r = cli(['frobnicate']);
    assert.equal(r.code, 2);
    assert.match(r.err, /unknown command 'frobnicate'/);
  });

  it('runs the hello example to a pass, printing its console output', () => {
    const r = cli(['run', ...hello]);
    assert.equal(r.code, 0, r.out + r.err);
    assert.match(r.out, /stopped: pass/);
    assert.match(r.out, /Hello from HyperLab/);
    assert.match(r.out, /instructions retired: \d+/);
  });

  it('gives the same result with the interpreter engine and in JSON', () => {
    const compiled = JSON.parse(cli(['run', '--json', ...hello]).out) as Record<string, unknown>;
    const interp = JSON.parse(cli(['run', '--json', '--engine', 'interpreter', ...hello]).out) as Record<string, unknown>;
    assert.equal(compiled.reason, 'pass');
    assert.equal(interp.reason, 'pass');
    assert.equal(interp.instret, compiled.instret);
  });

  it('exits 1 and names the failed test when tohost reports a failure', () => {
    const dir = tempDir();
    const file = path.join(dir, 'fail.S');
    fs.writeFileSync(file, '  .globl _start\n_start:\n  li a0, (3 << 1) | 1\n  la t0, tohost\n  sd a0, 0(t0)\n1: j 1b\n  .data\n  .globl tohost\ntohost: .dword 0\n');
    const r = cli(['run', file]);
    assert.equal(r.code, 1, r.out + r.err);
    assert.match(r.out, /failed test: 3/);
  });

  it('exits 2 when the instruction limit is reached', () => {
    const dir = tempDir();
    const file = path.join(dir, 'spin.S');
    fs.writeFileSync(file, '  .globl _start\n_start:\n  j _start\n');
    const r = cli(['run', '--max-instructions', '1000', file]);
    assert.equal(r.code, 2);
    assert.match(r.out, /stopped: limit/);
    assert.match(r.out, /instructions retired: 1000\b/);
  });

  it('exits 2 on a trap with no handler and says which trap', () => {
    const dir = tempDir();
    const file = path.join(dir, 'illegal.S');
    fs.writeFileSync(file, '  .globl _start\n_start:\n  .word 0\n');
    const r = cli(['run', file]);
    assert.equal(r.code, 2);
    assert.match(r.out, /stopped: trap/);
    assert.match(r.out, /illegal instruction/i);
  });

  it('reports assembly errors located at file:line:col and exits 2', () => {
    const dir = tempDir();
    const file = path.join(dir, 'bad.S');
    fs.writeFileSync(file, '_start:\n  addi a0, a0, 5000\n  frob a0\n');
    const r = cli(['run', file]);
    assert.equal(r.code, 2);
    assert.match(r.err, new RegExp(`${file.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}:2:\\d+: error: .*5000`));
    assert.match(r.err, /:3:\d+: error: .*frob/);
  });

  it('refuses files that are neither ELF nor assembly, and missing files', () => {
    const dir = tempDir();
    const file = path.join(dir, 'junk.bin');
    fs.writeFileSync(file, Buffer.from([1, 2, 3, 4, 5]));
    assert.match(cli(['run', file]).err, /not an ELF executable and not an assembly file/);
    assert.match(cli(['run', path.join(dir, 'nope.S')]).err, /no such file/);
  });

  it('rejects bad flag values clearly', () => {
    assert.match(cli(['run', '--max-instructions', 'lots', ...hello]).err, /expects a number/);
    assert.match(cli(['run', '--engine', 'warp', ...hello]).err, /--engine must be/);
    assert.match(cli(['run', '--frob', ...hello]).err, /hyperlab run: .*frob/);
  });

  it('assembles to an ELF that runs to the same result', () => {
    const out = path.join(tempDir(), 'hello.elf');
    const a = cli(['asm', ...hello, '-o', out]);
    assert.equal(a.code, 0, a.err);
    const elf = a.files.get(out);
    assert.ok(elf && elf[0] === 0x7f && elf[1] === 0x45);
    fs.writeFileSync(out, elf);
    const r = cli(['run', out]);
    assert.equal(r.code, 0, r.out + r.err);
    assert.match(r.out, /Hello from HyperLab/);
  });

  it('writes an ELF that GNU objdump disassembles with our symbols', function () {
    requireTool(this, 'riscv64-linux-gnu-objdump');
    const out = path.join(tempDir(), 'hello.elf');
    const a = cli(['asm', ...hello, '-o', out]);
    fs.writeFileSync(out, a.files.get(out) ?? new Uint8Array());
    const text = execFileSync('riscv64-linux-gnu-objdump', ['-d', out], { encoding: 'utf8' });
    assert.match(text, /<_start>:/);
    assert.match(text, /<htif_puts>:/);
    assert.doesNotMatch(text, /unknown|\.word/);
  });

  it('places sections by --section-order and --section-start', () => {
    const listing = (extra: string[]): string => cli(['asm', '--listing', ...extra, ...hello]).out;
    assert.match(listing([]), /^0000000080000000 <_start>:/m);
    const moved = listing(['--section-start', '.text=0x80100000', '--section-order', '.text,.text.init,.rodata,.bss']);
    assert.match(moved, /^0000000080100000 <htif_puts>:/m);
    const r = cli(['run', '--section-start', '.text=0x80100000', ...hello]);
    assert.equal(r.code, 0, r.out + r.err);
    assert.match(cli(['asm', '--listing', '--section-start', 'text', ...hello]).err, /--section-start expects NAME=ADDR/);
  });

  it('disassembles what it assembled, objdump-style', () => {
    const r = cli(['disasm', ...hello]);
    assert.equal(r.code, 0, r.err);
    assert.match(r.out, /<_start>:/);
    assert.match(r.out, /80000000:\s+[0-9a-f]{8}\s+auipc\s+sp,/);
  });

  describe('the bundled executable', () => {
    const bin = path.join(root, 'dist/cli.js');
    before(function () {
      // npm test builds before it tests; a bare mocha run in a fresh checkout has no bundle yet.
      if (!fs.existsSync(bin)) {
        if (process.env.CI === 'true') throw new Error('dist/cli.js is missing: npm test must build first');
        this.skip();
      }
    });
    it('runs through node with real exit codes', () => {
      const ok = spawnSync(process.execPath, [bin, 'run', ...hello], { encoding: 'utf8' });
      assert.equal(ok.status, 0, ok.stderr);
      assert.match(ok.stdout, /Hello from HyperLab/);
      const bad = spawnSync(process.execPath, [bin, 'run', '/nonexistent.S'], { encoding: 'utf8' });
      assert.equal(bad.status, 2);
      assert.match(bad.stderr, /no such file/);
    });
  });
});
