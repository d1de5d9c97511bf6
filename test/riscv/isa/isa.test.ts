/**
 * Runs every self-checking ISA program (programs.ts) on the HyperLab machine, on both engines,
 * built two ways:
 *   (a) GNU cpp + as + ld (with linker relaxation) → ELF → our readElf;
 *   (b) our assembler, straight from the sources; its bytes must equal GNU's (without relaxation)
 *       at the same section addresses.
 * A copy with a wrong expected value must fail with its test number, either way. The programs
 * themselves are checked against QEMU by qemu.test.ts.
 */
import { strict as assert } from 'node:assert';
import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { assemble, type AsmOptions } from '../../../simulator/riscv/asm';
import type { Image } from '../../../simulator/riscv/image';
import { Machine, type Engine } from '../../../simulator/machine';
import { requireGnu } from '../../support/gnu';
import { BROKEN, gnuProgram, ISA_DIR, PROGRAMS, programSource, testLine } from './programs';

const ENGINES: Engine[] = ['compiled', 'interpreter'];
const MAX_INSTRUCTIONS = 20_000_000n;
const SECTION_ORDER = ['.text.init', '.tohost', '.text', '.rodata', '.data', '.bss'];

function runImage(image: Image, engine: Engine, file: string): void {
  const m = new Machine({ engine });
  m.load(image);
  const r = m.run({ maxInstructions: MAX_INSTRUCTIONS });
  if (file === BROKEN.file) {
    assert.deepEqual({ reason: r.reason, failCode: r.failCode }, { reason: 'fail', failCode: BROKEN.failingTest }, `${file} on the ${engine} engine: ${r.message}`);
    return;
  }
  assert.equal(r.reason, 'pass', `${file} on the ${engine} engine: ${r.reason}${testLine(file, r.failCode)}: ${r.message}`);
}

/** Our assembler on a program; `.include "env.S"` is read from this folder. */
function ourImage(file: string, text: string, sectionAddresses?: AsmOptions['sectionAddresses']): Image {
  const result = assemble([{ path: join(ISA_DIR, file), text }], {
    readFile: (p: string) => {
      const full = resolve(ISA_DIR, p);
      return existsSync(full) ? readFileSync(full, 'utf8') : undefined;
    },
    base: 0x80000000n,
    sectionOrder: SECTION_ORDER,
    sectionAddresses,
  });
  const errors = result.diagnostics.filter((d) => d.severity === 'error');
  const where = errors.slice(0, 10).map((d) => `${d.range.file}:${d.range.line}:${d.range.column}: ${d.message}`);
  assert.ok(result.image && errors.length === 0, `${file} does not assemble:\n${where.join('\n')}`);
  return result.image;
}

/** Fails at the first byte where two images differ, naming the word there. */
function assertSameBytes(file: string, ours: Image, gnu: Image): void {
  for (const g of gnu.sections) {
    const o = ours.sections.find((x) => x.name === g.name);
    assert.ok(o, `${file}: section ${g.name} missing`);
    assert.equal(o.address, g.address, `${file}: ${g.name} address`);
    for (let i = 0; i < Math.max(o.size, g.size); i++) {
      if (o.data[i] === g.data[i]) continue;
      const at = i & ~3;
      const word = (d: Uint8Array): string =>
        Array.from(d.subarray(at, at + 4))
          .reverse()
          .map((b) => b.toString(16).padStart(2, '0'))
          .join('');
      assert.fail(`${file} ${g.name}: first difference at 0x${(g.address + BigInt(at)).toString(16)}: ours ${word(o.data)}, GNU ${word(g.data)} (sizes ${o.size} / ${g.size})`);
    }
  }
}

const cache = new Map<string, Image>();
function cached(key: string, make: () => Image): Image {
  let image = cache.get(key);
  if (!image) cache.set(key, (image = make()));
  return image;
}

describe('ISA self-checking programs', function () {
  this.timeout(120000);

  describe('built with GNU cpp + as + ld, loaded with readElf', function () {
    before(function () {
      requireGnu(this, { cpp: true });
    });

    for (const file of PROGRAMS) {
      for (const engine of ENGINES) {
        it(`${file} passes on the ${engine} engine`, function () {
          runImage(cached(`gnu ${file}`, () => gnuProgram(file, { relax: true }).image), engine, file);
        });
      }
    }

    it(`a copy with a wrong expected value fails test ${BROKEN.failingTest}`, function () {
      const image = gnuProgram(BROKEN.file, { text: BROKEN.text(), relax: true }).image;
      for (const engine of ENGINES) runImage(image, engine, BROKEN.file);
    });
  });

  describe('built with the HyperLab assembler', function () {
    for (const file of PROGRAMS) {
      for (const engine of ENGINES) {
        it(`${file} passes on the ${engine} engine`, function () {
          runImage(cached(`ours ${file}`, () => ourImage(file, programSource(file))), engine, file);
        });
      }
    }

    for (const file of PROGRAMS) {
      it(`${file}: same bytes as GNU as + ld (no relaxation) at the same section addresses`, function () {
        requireGnu(this, { cpp: true });
        const gnu = gnuProgram(file).image;
        const addresses: Record<string, bigint> = {};
        for (const s of gnu.sections) addresses[s.name] = s.address;
        assertSameBytes(file, ourImage(file, programSource(file), addresses), gnu);
      });
    }

    it(`a copy with a wrong expected value fails test ${BROKEN.failingTest}`, function () {
      const image = ourImage(BROKEN.file, BROKEN.text());
      for (const engine of ENGINES) runImage(image, engine, BROKEN.file);
    });
  });
});
