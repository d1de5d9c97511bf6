import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { main } from '../../simulator/cli/main';
import type { CliIO } from '../../simulator/cli/usage';
import { assemble } from '../../simulator/ebpf/asm/assembler';
import { disassemble } from '../../simulator/ebpf/asm/disasm';
import { parseConformanceFile } from '../../simulator/ebpf/conformance';
import { encodeProgram } from '../../simulator/ebpf/isa';
import { bpfConformanceDir } from './support';

function cli(args: string[]): { code: number; out: string[] } {
  const out: string[] = [];
  const io: CliIO = {
    out: (t) => out.push(t),
    console: () => undefined,
    err: (t) => out.push(t),
    readFile: (p) => fs.readFileSync(p),
    writeFile: () => undefined,
    exists: (p) => fs.existsSync(p),
  };
  return { code: main(io, args), out };
}

describe('eBPF: bpf_conformance', function () {
  this.timeout(120_000);
  const dir = bpfConformanceDir();
  const files = fs.existsSync(dir) ? fs.readdirSync(dir).filter((f) => f.endsWith('.data')) : [];

  it('finds the 313 peer files', function () {
    assert.equal(files.length, 313);
  });

  for (const engine of ['interp', 'jit']) {
    it(`hyperlab conformance bpf DIR --engine ${engine}: all pass`, function () {
      const r = cli(['conformance', 'bpf', dir, '--engine', engine]);
      assert.equal(r.out[r.out.length - 1], `${files.length} passed, 0 failed`, r.out.join('\n'));
      assert.equal(r.code, 0);
    });
  }

  it('assembles to the -- raw bytes, and disassemble → reassemble gives identical bytes', function () {
    let raws = 0;
    for (const f of files) {
      const c = parseConformanceFile(fs.readFileSync(path.join(dir, f), 'utf8'));
      const r = assemble(c.asm ?? '', { file: f });
      assert.deepEqual(r.diagnostics, [], f);
      const bytes = encodeProgram(r.program.insns);
      if (c.raw) {
        raws++;
        assert.deepEqual(Buffer.from(bytes), Buffer.from(c.raw), f);
      }
      for (const labels of [true, false]) {
        const text = disassemble(bytes, { labels }).join('\n');
        const again = assemble(text, { file: `${f} (disassembled)` });
        assert.deepEqual(again.diagnostics, [], `${f}\n${text}`);
        assert.deepEqual(Buffer.from(encodeProgram(again.program.insns)), Buffer.from(bytes), `${f}\n${text}`);
      }
    }
    assert.ok(raws >= 1);
  });

  it('reports a failing file and exits 1', function () {
    const tmp = fs.mkdtempSync(path.join(fs.realpathSync('/tmp'), 'hl-conf-'));
    fs.writeFileSync(path.join(tmp, 'bad.data'), '-- asm\nmov %r0, 1\nexit\n-- result\n0x2\n');
    fs.writeFileSync(path.join(tmp, 'good.data'), '-- asm\nmov %r0, 2\nexit\n-- result\n0x2\n');
    const r = cli(['conformance', 'bpf', tmp]);
    assert.equal(r.code, 1);
    assert.match(r.out[0], /^FAIL bad\.data: r0 = 0x1, expected 0x2/);
    assert.equal(r.out[r.out.length - 1], '1 passed, 1 failed');
    fs.rmSync(tmp, { recursive: true });
  });
});
