/**
 * GNU as is the encoding oracle: the generated corpus must assemble to byte-identical .text
 * and .data; our disassembly must reassemble to the same words and read like objdump's.
 */
import { strict as assert } from 'node:assert';
import { assemble } from '../../../simulator/riscv/asm';
import type { Image } from '../../../simulator/riscv/image';
import { disassembleWord } from '../../../simulator/riscv/disasm';
import { generateCorpus } from './corpus';
import { gnuBuild, gnuToolsAvailable, type GnuBuild } from '../../support/gnu';
import { compareWithObjdump } from './objdump-compare';

const BASE = 0x80000000n;

function word(data: Uint8Array, off: number): number {
  return (data[off] | (data[off + 1] << 8) | (data[off + 2] << 16) | (data[off + 3] << 24)) >>> 0;
}

const hex8 = (w: number): string => w.toString(16).padStart(8, '0');

describe('GNU as oracle (riscv64-linux-gnu-as 2.40)', function () {
  this.timeout(60000);
  const source = generateCorpus();
  const lines = source.split('\n');
  let gnu: GnuBuild;
  let image: Image;

  before(function () {
    if (!gnuToolsAvailable()) {
      console.log('    skipped: riscv64-linux-gnu-{as,ld,objcopy,objdump} not installed (apt-get install binutils-riscv64-linux-gnu)');
      this.skip();
    }
    gnu = gnuBuild(source);
    const r = assemble([{ path: 'corpus.s', text: source }]);
    assert.deepEqual(r.diagnostics.filter((d) => d.severity === 'error').map((d) => `${d.range.line}:${d.range.column} ${d.message}`), []);
    image = r.image as Image;
  });

  it(`corpus has at least 3000 lines (${lines.length})`, () => {
    assert.ok(lines.length >= 3000);
  });

  it('.text and .data are byte-identical to GNU as + ld', () => {
    const text = image.sections.find((s) => s.name === '.text');
    const data = image.sections.find((s) => s.name === '.data');
    assert.ok(text && data);
    assert.equal(text.address, BASE);
    const diffs: string[] = [];
    for (let off = 0; off < Math.max(text.size, gnu.text.length); off += 4) {
      const ours = word(text.data, off);
      const theirs = word(gnu.text, off);
      if (ours !== theirs && diffs.length < 10) {
        const addr = BASE + BigInt(off);
        const entry = image.sourceMap.find((e) => e.address <= addr && addr < e.address + BigInt(e.length));
        const ln = entry ? `line ${entry.range.line}: ${lines[entry.range.line - 1].trim()}` : '(no source line)';
        diffs.push(`0x${addr.toString(16)} ${ln}\n      ours ${hex8(ours)}  gnu ${hex8(theirs)}`);
      }
    }
    const instructions = image.sourceMap.filter((e) => e.isInstruction).length;
    console.log(`    ${lines.length} corpus lines, ${instructions} instructions, ${text.size} text bytes: ${diffs.length === 0 ? '100% identical' : 'differences'}`);
    assert.deepEqual(diffs, []);
    assert.equal(text.size, gnu.text.length, 'text size');
    assert.deepEqual([...data.data], [...gnu.data], '.data bytes');
  });

  it('disassembleWord output reassembles to the same words', () => {
    const text = image.sections.find((s) => s.name === '.text') as Image['sections'][number];
    const insns = image.sourceMap.filter((e) => e.isInstruction);
    const src = insns.map((e) => disassembleWord(word(text.data, Number(e.address - BASE)), e.address));
    // One instruction per line, each placed at its original address so pc-relative operands hold.
    const body: string[] = ['\t.text'];
    let at = BASE;
    insns.forEach((e, i) => {
      if (e.address !== at) body.push(`\t.skip ${e.address - at}`);
      body.push(`\t${src[i].mnemonic} ${src[i].operands}`);
      at = e.address + 4n;
    });
    const r = assemble([{ path: 'reasm.s', text: body.join('\n') }]);
    assert.deepEqual(r.diagnostics.filter((d) => d.severity === 'error').slice(0, 5).map((d) => `${d.message}: ${body[d.range.line - 1]}`), []);
    const re = r.image?.sections.find((s) => s.name === '.text') as Image['sections'][number];
    const bad: string[] = [];
    insns.forEach((e, i) => {
      const off = Number(e.address - BASE);
      if (word(re.data, off) !== word(text.data, off) && bad.length < 10) bad.push(`${src[i].text}: ${hex8(word(text.data, off))} -> ${hex8(word(re.data, off))}`);
    });
    assert.deepEqual(bad, []);
  });

  it('disassembly text matches objdump -d (mnemonics and operands)', () => {
    const text = image.sections.find((s) => s.name === '.text') as Image['sections'][number];
    const result = compareWithObjdump(gnu.objdump, (addr) => disassembleWord(word(text.data, Number(addr - BASE)), addr));
    console.log(`    objdump comparison: ${result.same}/${result.total} instructions identical`);
    assert.deepEqual(result.differences.slice(0, 10), []);
  });
});
