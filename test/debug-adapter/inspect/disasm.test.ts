/** disassemble against simulator/riscv/disasm, with symbols, source lines, offsets and unreadable memory. */
import { strict as assert } from 'node:assert';
import { disassembleWord, symbolizer } from '../../../simulator/riscv/disasm';
import { disassemble } from '../../../debug-adapter/inspect';
import { build } from './helpers';

describe('inspect: disassembly', () => {
  it('every word of hello\'s text: the disassembler\'s text, the symbol and the source line of the assembler\'s map', () => {
    const b = build('hello/hello.hlab.json');
    const image = b.target.images[0];
    const sym = symbolizer(image);
    let checked = 0;
    for (const sec of image.sections.filter((s) => s.exec && s.progbits)) {
      const n = sec.size / 4;
      const lines = disassemble(b.target, { hart: 0 }, sec.address, 0, n);
      assert.equal(lines.length, n);
      lines.forEach((l, k) => {
        const off = 4 * k;
        const word = (sec.data[off] | (sec.data[off + 1] << 8) | (sec.data[off + 2] << 16) | (sec.data[off + 3] << 24)) >>> 0;
        assert.equal(l.address, sec.address + BigInt(off));
        assert.equal(l.bytes, word.toString(16).padStart(8, '0'));
        assert.equal(l.text, disassembleWord(word, l.address, sym).text);
        assert.equal(l.symbol, sym(l.address));
        const src = image.sourceMap.find((e) => l.address >= e.address && l.address < e.address + BigInt(e.length));
        assert.deepEqual(l.source, src === undefined ? undefined : { path: src.range.file, line: src.range.line });
        checked++;
      });
    }
    assert.ok(checked > 20);
    const first = disassemble(b.target, { hart: 0 }, image.entry, 0, 1)[0];
    assert.equal(first.symbol, '_start');
    assert.match(first.source?.path ?? '', /hello\.S$/);
  });

  it('instruction offsets around a reference, and ?? where memory cannot be read', () => {
    const b = build('hello/hello.hlab.json');
    const entry = b.target.images[0].entry;
    const around = disassemble(b.target, { hart: 0 }, entry + 8n, -2, 5);
    assert.deepEqual(around.map((l) => l.address), [entry, entry + 4n, entry + 8n, entry + 12n, entry + 16n]);
    const before = disassemble(b.target, { hart: 0 }, b.target.machine.ramBase, -2, 3);
    assert.deepEqual(before.map((l) => [l.bytes, l.text]).slice(0, 2), [['??', '??'], ['??', '??']], 'below RAM');
    assert.notEqual(before[2].text, '??');
    assert.throws(() => disassemble(b.target, { hart: 0 }, entry, 0, -1), /bad instruction count/);
  });

  it('a high-half guest kernel: code read through its translation, symbols and lines of the link addresses', () => {
    const b = build('hello-vm/hello-vm.hlab.json');
    b.run(300);
    const ctx = { hart: 0, vm: 'hello', vcpu: 0 };
    const pc = b.target.machine.harts[0].getPc();
    assert.ok(pc > 0xffffffc000000000n);
    const [l] = disassemble(b.target, ctx, pc, 0, 1);
    const image = b.target.images[0];
    const link = pc - 0xffffffbf80000000n; // the kernel's KOFF
    const sec = image.sections.find((s) => link >= s.address && link < s.address + BigInt(s.size));
    assert.ok(sec);
    const o = Number(link - sec.address);
    const word = (sec.data[o] | (sec.data[o + 1] << 8) | (sec.data[o + 2] << 16) | (sec.data[o + 3] << 24)) >>> 0;
    assert.equal(l.bytes, word.toString(16).padStart(8, '0'));
    assert.equal(l.symbol, symbolizer(image)(link));
    assert.match(l.symbol ?? '', /^puts/);
    assert.equal(l.source?.line, image.sourceMap.find((e) => e.address === link)?.range.line);
    const branch = disassemble(b.target, ctx, pc, 0, 8).find((x) => x.text.startsWith('beqz') || x.text.startsWith('j\t'));
    assert.match(branch?.text ?? '', /<puts\+0x[0-9a-f]+>$/, 'branch targets are named');
  });
});
