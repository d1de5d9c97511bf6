/**
 * Runs every self-checking ISA program (`*.S` here, except env.S) on the HyperLab machine, on
 * both engines, built two ways:
 *   (a) GNU cpp + as + ld with the shared link.ld → ELF → readElf;
 *   (b) the HyperLab assembler, straight from the sources.
 * The programs themselves are validated against QEMU by qemu-check.sh.
 */
import { strict as assert } from 'node:assert';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join, resolve } from 'node:path';
import { readElf } from '../../../simulator/elf';
import type { Image, ImageSection } from '../../../simulator/riscv/image';
import { Machine } from '../../../simulator/machine';
import type { Engine } from '../../../simulator/machine';

const HERE = import.meta.dirname;
const LINK_LD = '/work/shared/bench/riscv/link.ld';
const MARCH = ['-march=rv64ima_zicsr_zifencei', '-mabi=lp64'];
const ENGINES: Engine[] = ['compiled', 'interpreter'];
const MAX_INSTRUCTIONS = 20_000_000n;

const programs = readdirSync(HERE)
  .filter((f) => f.endsWith('.S') && f !== 'env.S')
  .sort();

function sh(cmd: string, args: string[], cwd?: string): string | undefined {
  const r = spawnSync(cmd, args, { encoding: 'utf8', cwd });
  if (r.status !== 0) return `${cmd} ${args.join(' ')}: ${r.error?.message ?? ''}${r.stderr}${r.stdout}`;
  return undefined;
}

function haveGnu(): boolean {
  return ['cpp', 'riscv64-linux-gnu-as', 'riscv64-linux-gnu-ld'].every(
    (t) => spawnSync(t, ['--version'], { encoding: 'utf8' }).status === 0,
  );
}

/** The source line that starts test number n in a program, for failure messages. */
function testLine(file: string, n: number | undefined): string {
  if (n === undefined) return '';
  const lines = readFileSync(join(HERE, file), 'utf8').split('\n');
  const re = new RegExp(`^\\s*(TEST\\w*)\\s+${n}\\b`);
  const i = lines.findIndex((l) => re.test(l));
  return i < 0 ? ` (test ${n})` : ` (test ${n}, ${file}:${i + 1}: ${lines[i].trim()})`;
}

/** A wrong expected value for test 5 of rv64ui-alu.S: the program must then fail test 5. */
const BROKEN_FROM = 'TEST_RR 5, add, 0x7fffffffffffffff,';
const BROKEN_TO = 'TEST_RR 5, add, 0x7ffffffffffffffe,';

function runImage(image: Image, engine: Engine, file: string, expectFail?: number): void {
  const m = new Machine({ engine });
  m.load(image);
  const r = m.run({ maxInstructions: MAX_INSTRUCTIONS });
  if (expectFail !== undefined) {
    assert.deepEqual({ reason: r.reason, failCode: r.failCode }, { reason: 'fail', failCode: expectFail }, r.message);
    return;
  }
  assert.equal(r.reason, 'pass', `${file} on the ${engine} engine: ${r.reason}${testLine(file, r.failCode)}: ${r.message}`);
}

describe('ISA self-checking programs', function () {
  this.timeout(120000);

  const images = new Map<string, Image>();
  let buildDir = '';

  /** GNU cpp'ed sources in buildDir → as → ld (optionally without linker relaxation) → readElf. */
  function gnuImage(file: string, opts: { cache?: boolean; noRelax?: boolean } = {}): Image {
    const key = `${file}${opts.noRelax ? ' no-relax' : ''}`;
    const cached = images.get(key);
    if (cached && opts.cache !== false) return cached;
    const name = basename(file, '.S');
    const out = `${name}${opts.noRelax ? '.norelax' : ''}.elf`;
    const err =
      sh('riscv64-linux-gnu-as', [...MARCH, `${name}.S`, '-o', `${name}.o`], buildDir) ??
      sh('riscv64-linux-gnu-ld', ['-T', LINK_LD, '-nostdlib', ...(opts.noRelax ? ['--no-relax'] : []), `${name}.o`, '-o', out], buildDir);
    if (err) throw new Error(err);
    const image = readElf(readFileSync(join(buildDir, out)));
    if (opts.cache !== false) images.set(key, image);
    return image;
  }

  describe('built with GNU as + ld, loaded with readElf', function () {

    before(function () {
      if (!haveGnu()) {
        console.log('    (skipped: cpp / riscv64-linux-gnu-as / riscv64-linux-gnu-ld not installed)');
        this.skip();
      }
      buildDir = mkdtempSync(join(tmpdir(), 'hyperlab-isa-'));
      for (const f of readdirSync(HERE).filter((x) => x.endsWith('.S'))) {
        const err = sh('cpp', ['-P', '-x', 'assembler-with-cpp', join(HERE, f), '-o', join(buildDir, f)]);
        if (err) throw new Error(err);
      }
    });

    for (const file of programs) {
      for (const engine of ENGINES) {
        it(`${file} passes on the ${engine} engine`, function () {
          runImage(gnuImage(file), engine, file);
        });
      }
    }

    it('a copy with a wrong expected value fails with its test number', function () {
      const text = readFileSync(join(buildDir, 'rv64ui-alu.S'), 'utf8');
      assert.ok(text.includes(BROKEN_FROM));
      writeFileSync(join(buildDir, 'broken.S'), text.replace(BROKEN_FROM, BROKEN_TO));
      const image = gnuImage('broken.S', { cache: false });
      for (const engine of ENGINES) runImage(image, engine, 'broken.S', 5);
    });
  });

  describe('built with the HyperLab assembler', function () {
    type Assemble = typeof import('../../../simulator/riscv/asm/index').assemble;
    let assemble: Assemble | undefined;
    const images = new Map<string, Image>();

    before(async function () {
      const path = resolve(HERE, '../../../simulator/riscv/asm/index.ts');
      if (!existsSync(path)) throw new Error(`the assembler is missing: ${path}`);
      assemble = (await import('../../../simulator/riscv/asm/index')).assemble;
    });

    function ourImage(file: string, text = readFileSync(join(HERE, file), 'utf8')): Image {
      const cached = images.get(file);
      if (cached) return cached;
      assert.ok(assemble);
      const result = assemble([{ path: join(HERE, file), text }], {
        readFile: (p: string) => {
          const full = resolve(HERE, p);
          return existsSync(full) ? readFileSync(full, 'utf8') : existsSync(p) ? readFileSync(p, 'utf8') : undefined;
        },
        base: 0x80000000n,
        sectionOrder: ['.text.init', '.tohost', '.text', '.rodata', '.data', '.bss'],
      });
      const errors = result.diagnostics.filter((d) => d.severity === 'error');
      assert.ok(
        result.image && errors.length === 0,
        `${file} does not assemble:\n${errors
          .slice(0, 10)
          .map((d) => `${d.range.file}:${d.range.line}:${d.range.column}: ${d.message}`)
          .join('\n')}`,
      );
      images.set(file, result.image);
      return result.image;
    }

    for (const file of programs) {
      for (const engine of ENGINES) {
        it(`${file} passes on the ${engine} engine`, function () {
          runImage(ourImage(file), engine, file);
        });
      }
    }

    for (const file of programs) {
      it(`${file}: same bytes as GNU as + ld at the same section addresses`, function () {
        if (!buildDir) this.skip(); // GNU tools not available
        const gnu = gnuImage(file, { noRelax: true });
        assert.ok(assemble);
        const addresses: Record<string, bigint> = {};
        for (const s of gnu.sections) addresses[s.name] = s.address;
        const text = readFileSync(join(HERE, file), 'utf8');
        const result = assemble([{ path: join(HERE, file), text }], {
          readFile: (p: string) => (existsSync(resolve(HERE, p)) ? readFileSync(resolve(HERE, p), 'utf8') : undefined),
          base: 0x80000000n,
          sectionOrder: ['.text.init', '.tohost', '.text', '.rodata', '.data', '.bss'],
          sectionAddresses: addresses,
        });
        assert.ok(result.image, result.diagnostics.map((d) => d.message).slice(0, 5).join('\n'));
        for (const g of gnu.sections) {
          const o: ImageSection | undefined = result.image.sections.find((x) => x.name === g.name);
          assert.ok(o, `section ${g.name} missing`);
          assert.equal(o.address, g.address, `${g.name} address`);
          const n = Math.max(o.size, g.size);
          for (let i = 0; i < n; i++) {
            if (o.data[i] !== g.data[i]) {
              const at = g.address + BigInt(i & ~3);
              const word = (d: Uint8Array): string =>
                Array.from(d.subarray(i & ~3, (i & ~3) + 4))
                  .reverse()
                  .map((b) => b.toString(16).padStart(2, '0'))
                  .join('');
              assert.fail(`${file} ${g.name}: first difference at 0x${at.toString(16)}: ours ${word(o.data)}, GNU ${word(g.data)} (sizes ${o.size} / ${g.size})`);
            }
          }
        }
      });
    }

    it('a copy with a wrong expected value fails with its test number', function () {
      const text = readFileSync(join(HERE, 'rv64ui-alu.S'), 'utf8');
      assert.ok(text.includes(BROKEN_FROM));
      const image = ourImage('broken.S', text.replace(BROKEN_FROM, BROKEN_TO));
      for (const engine of ENGINES) runImage(image, engine, 'broken.S', 5);
    });
  });
});
