import { strict as assert } from 'node:assert';
import { assemble } from '../../../simulator/riscv/asm';
import { disassembleImage, disassembleWord } from '../../../simulator/riscv/disasm';
import type { Image } from '../../../simulator/riscv/image';

describe('RV64 disassembler', () => {
  it('prints objdump-style aliases and symbolised targets', () => {
    assert.equal(disassembleWord(0x00000013, 0n).text, 'nop');
    assert.equal(disassembleWord(0x00008067, 0n).text, 'ret');
    assert.equal(disassembleWord(0xf1402573, 0n).text, 'csrr\ta0,mhartid');
    const j = disassembleWord(0xffdff06f, 0x80000040n, (a) => (a === 0x8000003cn ? 'park' : undefined));
    assert.deepEqual(j, { mnemonic: 'j', operands: '0x8000003c', text: 'j\t0x8000003c <park>', length: 4 });
    assert.equal(disassembleWord(0xffffffff, 0n).text, '.word\t0xffffffff');
  });

  it('lists an image with symbol headers', () => {
    const r = assemble([{ path: 'a.s', text: '.globl _start\n_start: nop\nloop: j loop\n' }]);
    const out = disassembleImage(r.image as Image);
    assert.match(out, /Disassembly of section \.text:/);
    assert.match(out, /0000000080000000 <_start>:\n80000000:\t00000013 {10}\tnop/);
    assert.match(out, /80000004:\t0000006f {10}\tj\t0x80000004 <loop>/);
  });
});
