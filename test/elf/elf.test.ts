import { strict as assert } from 'node:assert';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ElfError, isElf, readElf, writeElf } from '../../simulator/elf';
import type { Image, ImageSection } from '../../simulator/riscv/image';
import { binutils, GNU_PREFIX, gnuBuild, nm, objdump, readelf, readelfEntry, readelfSections, requireGnu, run, tempDir } from '../support/gnu';

const SAMPLE = `
  .section .text.init, "ax", @progbits
  .globl _start
_start:
  la    sp, stack_top
  call  compute
  la    t0, tohost
  li    t1, 1
  sd    t1, 0(t0)
1: j 1b

  .section .tohost, "aw", @progbits
  .align 6
  .globl tohost
tohost: .dword 0
  .align 6
  .globl fromhost
fromhost: .dword 0

  .text
  .globl compute
  .type compute, @function
compute:
  la    a0, table
  ld    a1, 8(a0)
  addi  a1, a1, 7
  la    a2, counter
  sd    a1, 0(a2)
  ret
  .size compute, .-compute
local_helper:
  nop
  ret

  .data
  .globl table
  .type table, @object
table: .dword 1, 2, 3, 0x8000000000000000
  .size table, .-table
  .ascii "HyperLab"
message: .asciz "hello"

  .bss
  .align 4
  .type counter, @object
counter: .zero 8
  .size counter, 8
stack: .zero 4096
stack_top:
`;

function throwsElfError(bytes: Uint8Array, pattern: RegExp): void {
  assert.throws(
    () => readElf(bytes),
    (e: unknown) => {
      assert.ok(e instanceof ElfError, `expected ElfError, got ${String(e)}`);
      assert.match(e.message, pattern);
      return true;
    },
  );
}

function sectionBytes(img: Image, name: string): Uint8Array {
  const s = img.sections.find((x) => x.name === name);
  assert.ok(s, `section ${name} missing`);
  return s.data;
}

const hand = (words: number[]): Uint8Array => {
  const b = new Uint8Array(words.length * 4);
  const v = new DataView(b.buffer);
  words.forEach((w, i) => v.setUint32(i * 4, w >>> 0, true));
  return b;
};

/** A small image built by hand: code, data, bss, and symbols of every kind. */
function handImage(): Image {
  const text: ImageSection = {
    name: '.text',
    address: 0x80000000n,
    // addi a0,x0,5 ; addi a1,a0,1 ; jal x0,0 (self loop) ; ecall
    data: hand([0x00500513, 0x00150593, 0x0000006f, 0x00000073]),
    size: 16,
    alloc: true,
    write: false,
    exec: true,
    progbits: true,
    align: 4,
  };
  const rodata: ImageSection = { name: '.rodata', address: 0x80000010n, data: new Uint8Array([1, 2, 3, 4, 5, 6, 7, 8]), size: 8, alloc: true, write: false, exec: false, progbits: true, align: 8 };
  const data: ImageSection = { name: '.data', address: 0x80001000n, data: new Uint8Array([9, 8, 7, 6]), size: 4, alloc: true, write: true, exec: false, progbits: true, align: 8 };
  const bss: ImageSection = { name: '.bss', address: 0x80001008n, data: new Uint8Array(0x100), size: 0x100, alloc: true, write: true, exec: false, progbits: false, align: 8 };
  return {
    entry: 0x80000000n,
    sections: [text, rodata, data, bss],
    symbols: [
      { name: 'loop', value: 0x80000008n, size: 0, kind: 'notype', global: false, section: '.text' },
      { name: 'CONST', value: 0x1234n, size: 0, kind: 'notype', global: false },
      { name: '_start', value: 0x80000000n, size: 8, kind: 'func', global: true, section: '.text' },
      { name: 'values', value: 0x80000010n, size: 8, kind: 'object', global: true, section: '.rodata' },
      { name: 'flag', value: 0x80001000n, size: 4, kind: 'object', global: true, section: '.data' },
      { name: 'buffer', value: 0x80001008n, size: 0x100, kind: 'object', global: false, section: '.bss' },
    ],
    sourceMap: [],
  };
}

function normalise(img: Image): unknown {
  return {
    entry: img.entry,
    sections: img.sections
      .map((s) => ({ ...s, data: Array.from(s.data) }))
      .sort((a, b) => (a.address < b.address ? -1 : 1)),
    symbols: [...img.symbols].sort((a, b) => a.name.localeCompare(b.name)),
  };
}

describe('ELF reader/writer', function () {
  describe('with GNU binutils', function () {
    before(function () {
      requireGnu(this);
    });

    it('reads a GNU-linked executable: entry, sections, bytes and symbols match readelf/nm', function () {
      const { elf, bytes } = gnuBuild(SAMPLE);
      const img = readElf(bytes);
      assert.equal(img.entry, readelfEntry(elf));
      assert.deepEqual(img.sourceMap, []);
      const gsecs = readelfSections(elf).filter((s) => s.flags.includes('A'));
      assert.ok(gsecs.length >= 4);
      for (const g of gsecs) {
        const s = img.sections.find((x) => x.name === g.name);
        assert.ok(s, `section ${g.name} missing from image`);
        assert.equal(s.address, g.address, g.name);
        assert.equal(s.size, g.size, g.name);
        assert.equal(s.data.length, g.size, g.name);
        assert.equal(s.exec, g.flags.includes('X'), `${g.name} exec`);
        assert.equal(s.write, g.flags.includes('W'), `${g.name} write`);
        assert.equal(s.progbits, g.type !== 'NOBITS', `${g.name} progbits`);
        assert.equal(s.align, Math.max(1, g.align), `${g.name} align`);
        if (g.type === 'NOBITS') assert.ok(s.data.every((x) => x === 0));
        else assert.deepEqual(Array.from(s.data), Array.from(bytes.subarray(g.offset, g.offset + g.size)), `${g.name} bytes`);
      }
      assert.equal(img.sections.filter((s) => !s.name.startsWith('LOAD')).length, gsecs.length);
      const gsyms = nm(elf);
      assert.equal(img.symbols.length, gsyms.length, `symbols: ${img.symbols.map((s) => s.name).join(',')}`);
      for (const g of gsyms) {
        const s = img.symbols.find((x) => x.name === g.name);
        assert.ok(s, `symbol ${g.name} missing`);
        assert.equal(s.value, g.value, g.name);
        assert.equal(s.global, g.letter === g.letter.toUpperCase(), `${g.name} binding`);
      }
      const compute = img.symbols.find((s) => s.name === 'compute');
      assert.deepEqual({ kind: compute?.kind, size: compute?.size, section: compute?.section }, { kind: 'func', size: 32, section: '.text' });
      const table = img.symbols.find((s) => s.name === 'table');
      assert.deepEqual({ kind: table?.kind, size: table?.size, section: table?.section }, { kind: 'object', size: 32, section: '.data' });
      assert.equal(img.symbols.find((s) => s.name === 'counter')?.section, '.bss');
      assert.equal(img.symbols.find((s) => s.name === 'local_helper')?.global, false);
      const data = sectionBytes(img, '.data');
      assert.equal(new DataView(data.buffer, data.byteOffset).getBigUint64(24, true), 0x8000000000000000n);
    });

    it('writes an executable that objdump disassembles with the right symbols and readelf accepts without warnings', function () {
      const dir = tempDir();
      const file = join(dir, 'hand.elf');
      writeFileSync(file, writeElf(handImage()));
      const ra = run(GNU_PREFIX + 'readelf', ['-a', '-W', file]);
      assert.equal(ra.status, 0, ra.stderr);
      assert.equal(ra.stderr, '');
      assert.doesNotMatch(ra.stdout, /warning|error|corrupt/i);
      assert.match(ra.stdout, /Type:\s+EXEC/);
      assert.match(ra.stdout, /Machine:\s+RISC-V/);
      assert.match(ra.stdout, /Flags:\s+0x0\b/);
      assert.match(ra.stdout, /Tag_RISCV_arch: "rv64i/);
      const od = run(GNU_PREFIX + 'objdump', ['-d', file]);
      assert.equal(od.status, 0, od.stderr);
      assert.equal(od.stderr, '');
      assert.doesNotMatch(od.stdout, /\(bad\)|unknown/);
      assert.match(od.stdout, /80000000 <_start>:/);
      assert.match(od.stdout, /80000008 <loop>:/);
      assert.match(od.stdout, /li\s+a0,5/);
      assert.match(od.stdout, /addi?\s+a1,a0,1/);
      assert.match(od.stdout, /j\s+80000008 <loop>/);
      assert.match(od.stdout, /ecall/);
      const syms = nm(file);
      const byName = new Map(syms.map((s) => [s.name, s]));
      assert.equal(byName.get('_start')?.letter, 'T');
      assert.equal(byName.get('loop')?.letter, 't');
      assert.equal(byName.get('values')?.letter, 'R');
      assert.equal(byName.get('flag')?.letter, 'D');
      assert.equal(byName.get('buffer')?.letter, 'b');
      assert.equal(byName.get('CONST')?.letter, 'a');
      assert.equal(byName.get('CONST')?.value, 0x1234n);
      // objcopy can turn it into a flat binary covering text..data
      const bin = join(dir, 'hand.bin');
      const oc = run(GNU_PREFIX + 'objcopy', ['-O', 'binary', file, bin]);
      assert.equal(oc.status, 0, oc.stderr);
      assert.equal(oc.stderr, '');
      assert.equal(readFileSync(bin).length, 0x1004);
    });

    it('merges contiguous sections with equal flags into one PT_LOAD', function () {
      const img = handImage();
      img.sections[1].exec = true; // .rodata now has the same flags as .text and follows it directly
      const dir = tempDir();
      const file = join(dir, 'm.elf');
      writeFileSync(file, writeElf(img));
      const out = readelf(file, ['-l', '-W']);
      const loads = out.split('\n').filter((l) => /^\s*LOAD/.test(l));
      assert.equal(loads.length, 2, out); // text+rodata, data+bss
      assert.match(out, /\.text \.rodata/);
      assert.match(out, /\.data \.bss/);
    });

    it('round-trips a GNU executable through readElf → writeElf → readElf, and GNU tools accept the rewrite', function () {
      const { dir, elf, bytes } = gnuBuild(SAMPLE);
      const img = readElf(bytes);
      const rewritten = writeElf(img);
      const again = readElf(rewritten);
      assert.deepEqual(normalise(again), normalise(img));
      const file = join(dir, 'rewritten.elf');
      writeFileSync(file, rewritten);
      const ra = run(GNU_PREFIX + 'readelf', ['-a', '-W', file]);
      assert.equal(ra.stderr, '');
      const d1 = objdump(elf).split('\n').slice(3).join('\n');
      const d2 = objdump(file).split('\n').slice(3).join('\n');
      assert.equal(d2, d1);
    });

    it('rejects a position-independent executable that needs dynamic relocation', function () {
      const { dir, obj } = gnuBuild(SAMPLE, { relocatableOnly: true });
      const pie = join(dir, 'pie.elf');
      binutils('ld', ['-pie', '-nostdlib', '-e', '_start', obj, '-o', pie]);
      throwsElfError(readFileSync(pie), /PT_DYNAMIC|dynamic/);
    });

    it('loads a file without section headers from its segments alone', function () {
      const { bytes } = gnuBuild(SAMPLE);
      const full = readElf(bytes);
      const bare = bytes.slice();
      const dv = new DataView(bare.buffer);
      dv.setBigUint64(40, 0n, true); // e_shoff
      dv.setUint16(60, 0, true); // e_shnum
      dv.setUint16(62, 0, true); // e_shstrndx
      const img = readElf(bare);
      assert.equal(img.entry, full.entry);
      assert.deepEqual(img.symbols, []);
      assert.ok(img.sections.every((s) => s.name.startsWith('LOAD')));
      // every non-zero byte of the full image is loaded at the same address
      const mem = new Map<bigint, number>();
      for (const s of img.sections) s.data.forEach((b, i) => mem.set(s.address + BigInt(i), b));
      for (const s of full.sections) s.data.forEach((b, i) => assert.equal(mem.get(s.address + BigInt(i)) ?? 0, b, `${s.name}+${i}`));
    });

    it('fuzz: byte flips anywhere in a GNU-linked executable give ElfError or an image', function () {
      this.timeout(120000);
      const { bytes } = gnuBuild(SAMPLE);
      let seed = 99;
      const rnd = (): number => {
        seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
        return seed >>> 8;
      };
      const shoff = Number(new DataView(bytes.buffer, bytes.byteOffset).getBigUint64(40, true));
      for (let i = 0; i < 3000; i++) {
        const b = bytes.slice();
        for (let k = 0; k < 1 + (rnd() % 3); k++) {
          const region = rnd() % 3;
          const pos = region === 0 ? rnd() % 0x100 : region === 1 ? shoff + (rnd() % (b.length - shoff)) : rnd() % b.length;
          b[pos] = rnd() & 0xff;
        }
        try {
          readElf(b);
        } catch (e) {
          if (!(e instanceof ElfError)) throw new Error(`round ${i}: ${String(e)}`);
        }
      }
      for (let n = 0; n < bytes.length; n += 7) {
        try {
          readElf(bytes.subarray(0, n));
        } catch (e) {
          if (!(e instanceof ElfError)) throw new Error(`truncated to ${n}: ${String(e)}`);
        }
      }
    });

    it('rejects a relocatable object with advice to link it', function () {
      const { bytes } = gnuBuild(SAMPLE, { relocatableOnly: true });
      throwsElfError(bytes, /relocatable object.*link it first/);
    });
  });

  describe('without external tools', function () {
    const valid = (): Uint8Array => writeElf(handImage());

    it('round-trips a hand-built image exactly', function () {
      const img = handImage();
      const back = readElf(writeElf(img));
      assert.deepEqual(normalise(back), normalise(img));
    });

    it('isElf looks at the magic only', function () {
      assert.equal(isElf(valid()), true);
      assert.equal(isElf(new Uint8Array([0x7f, 0x45, 0x4c])), false);
      assert.equal(isElf(new TextEncoder().encode('#!/bin/sh\n')), false);
    });

    it('explains what is wrong', function () {
      throwsElfError(new TextEncoder().encode('hello world, this is not an ELF file at all.......................'), /not an ELF file/);
      throwsElfError(new Uint8Array(0), /not an ELF file/);
      const e32 = valid();
      e32[4] = 1;
      throwsElfError(e32, /32-bit/);
      const be = valid();
      be[5] = 2;
      throwsElfError(be, /big-endian/);
      const x86 = valid();
      x86[18] = 62;
      x86[19] = 0;
      throwsElfError(x86, /x86-64/);
      const arm = valid();
      arm[18] = 183;
      throwsElfError(arm, /AArch64/);
      const rel = valid();
      rel[16] = 1;
      throwsElfError(rel, /relocatable object.*link it first/);
      throwsElfError(valid().subarray(0, 40), /truncated/);
      const v = valid();
      throwsElfError(v.subarray(0, 64 + 56 + 20), /truncated|outside the file/);
      throwsElfError(v.subarray(0, 0x1008), /outside the file/);
    });

    it('rejects segments outside the file and overlapping segments', function () {
      const img = valid();
      const dv = new DataView(img.buffer);
      // program header 1 is the first PT_LOAD
      const ph1 = 64 + 56;
      const bad = img.slice();
      new DataView(bad.buffer).setBigUint64(ph1 + 8, BigInt(img.length), true);
      throwsElfError(bad, /outside the file/);
      const ov = img.slice();
      const ph2 = 64 + 2 * 56;
      assert.equal(dv.getUint32(ph2, true), 1);
      new DataView(ov.buffer).setBigUint64(ph2 + 16, 0x80000004n, true);
      throwsElfError(ov, /overlap/);
      const huge = img.slice();
      new DataView(huge.buffer).setBigUint64(ph2 + 40, 1n << 40n, true);
      throwsElfError(huge, /limit/);
      const entry = img.slice();
      new DataView(entry.buffer).setBigUint64(24, 0x1000n, true);
      throwsElfError(entry, /entry point/);
    });

    it('fuzz: every truncation and random byte flips give ElfError or an image, nothing else', function () {
      this.timeout(120000);
      const base = valid();
      const check = (bytes: Uint8Array, what: string): void => {
        try {
          readElf(bytes);
        } catch (e) {
          if (!(e instanceof ElfError)) throw new Error(`${what}: ${String(e)}`);
        }
      };
      for (let n = 0; n < base.length; n++) {
        const cut = base.subarray(0, n);
        // anything shorter than the last loaded byte must fail
        if (n < 0x1008) assert.throws(() => readElf(cut), ElfError, `truncated to ${n}`);
        else check(cut, `truncated to ${n}`);
      }
      let seed = 12345;
      const rnd = (): number => {
        seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
        return seed;
      };
      const interesting = [0, 1, 0x7f, 0x80, 0xff];
      for (let i = 0; i < 4000; i++) {
        const b = base.slice();
        const flips = 1 + (rnd() % 4);
        for (let k = 0; k < flips; k++) {
          // bias towards headers, where the structure lives
          const pos = rnd() % 3 === 0 ? rnd() % b.length : rnd() % 0x140;
          const r = rnd();
          b[pos] = r % 2 ? interesting[r % interesting.length] : r & 0xff;
        }
        check(b, `flip round ${i}`);
      }
      // flips in the header and tables of a GNU-built file too, when available
      for (let i = 0; i < 300; i++) {
        const g = new Uint8Array(2048);
        for (let k = 0; k < g.length; k++) g[k] = rnd() & 0xff;
        g.set(base.subarray(0, 64));
        check(g, `garbage ${i}`);
      }
    });
  });
});
