/**
 * Differential test: random straight-line ALU/M/load/store programs (encoded directly, no
 * assembler) on the compiled engine and the interpreter must leave identical state.
 */
import { strict as assert } from 'node:assert';
import { Machine } from '../../../simulator/machine';
import type { Image } from '../../../simulator/riscv/image';

/** Small deterministic PRNG (xorshift32) so failures reproduce. */
function rng(seed: number): () => number {
  let s = seed >>> 0 || 1;
  return () => { s ^= s << 13; s >>>= 0; s ^= s >>> 17; s ^= s << 5; s >>>= 0; return s; };
}

const r = (f7: number, rs2: number, rs1: number, f3: number, rd: number, op: number): number => ((f7 << 25) | (rs2 << 20) | (rs1 << 15) | (f3 << 12) | (rd << 7) | op) >>> 0;
const i = (imm: number, rs1: number, f3: number, rd: number, op: number): number => (((imm & 0xfff) << 20) | (rs1 << 15) | (f3 << 12) | (rd << 7) | op) >>> 0;
const s = (imm: number, rs2: number, rs1: number, f3: number): number => ((((imm >> 5) & 0x7f) << 25) | (rs2 << 20) | (rs1 << 15) | (f3 << 12) | ((imm & 31) << 7) | 0x23) >>> 0;

const EDGE = [0n, 1n, -1n, 2n, -2n, 0x7fffffffn, 0x80000000n, -0x80000000n, 0xffffffffn, 0x100000000n, 0x7fffffffffffffffn, -0x8000000000000000n, 0x123456789abcdefn, 31n, 32n, 63n, 64n];

function program(seed: number, n: number): { image: Image; regs: bigint[] } {
  const rand = rng(seed);
  const words: number[] = [];
  const regs: bigint[] = [0n];
  for (let k = 1; k < 32; k++) regs.push(rand() % 3 === 0 ? EDGE[rand() % EDGE.length] : (BigInt(rand()) << 32n) | BigInt(rand()));
  const reg = (): number => 1 + (rand() % 29); // x1..x29 (x30 = data base, x31 spare)
  for (let k = 0; k < n; k++) {
    const kind = rand() % 6;
    const rd = rand() % 8 === 0 ? 0 : reg(), a = reg(), b = reg();
    const imm = (rand() % 4096) - 2048;
    if (kind === 0) { // OP: base and M, all funct3
      const f7 = [0, 0x20, 1][rand() % 3];
      const f3 = rand() % 8;
      if (f7 === 0x20 && f3 !== 0 && f3 !== 5) { words.push(r(0, b, a, f3, rd, 0x33)); continue; }
      words.push(r(f7, b, a, f3, rd, 0x33));
    } else if (kind === 1) { // OP-32
      const choice = [[0, 0], [0, 1], [0, 5], [0x20, 0], [0x20, 5], [1, 0], [1, 4], [1, 5], [1, 6], [1, 7]][rand() % 10];
      words.push(r(choice[0], b, a, choice[1], rd, 0x3b));
    } else if (kind === 2) { // OP-IMM
      const f3 = rand() % 8;
      if (f3 === 1) words.push(i(rand() % 64, a, 1, rd, 0x13));
      else if (f3 === 5) words.push(i((rand() % 2 ? 0x400 : 0) | (rand() % 64), a, 5, rd, 0x13));
      else words.push(i(imm, a, f3, rd, 0x13));
    } else if (kind === 3) { // OP-IMM-32
      const f3 = [0, 1, 5][rand() % 3];
      if (f3 === 0) words.push(i(imm, a, 0, rd, 0x1b));
      else words.push(i((f3 === 5 && rand() % 2 ? 0x400 : 0) | (rand() % 32), a, f3, rd, 0x1b));
    } else if (kind === 4) { // store to the data page (x30), any alignment
      const f3 = rand() % 4;
      words.push(s(rand() % 256, b, 30, f3));
    } else { // load from the data page
      const f3 = rand() % 7;
      words.push(i(rand() % 256, 30, f3, rd, 0x03));
    }
  }
  words.push(0x00100073); // ebreak -> trap stop (mtvec = 0)
  const data = new Uint8Array(words.length * 4);
  new DataView(data.buffer).setUint32(0, 0, true);
  words.forEach((w, k) => new DataView(data.buffer).setUint32(k * 4, w, true));
  const image: Image = { entry: 0x80000000n, sections: [{ name: '.text', address: 0x80000000n, data, size: data.length, alloc: true, write: false, exec: true, progbits: true, align: 4 }], symbols: [], sourceMap: [] };
  return { image, regs };
}

describe('hart: random differential test (compiled vs interpreter)', function () {
  for (let seed = 1; seed <= 40; seed++) {
    it(`seed ${seed}`, function () {
      const { image, regs } = program(seed * 7919, 300);
      const ms = (['compiled', 'interpreter'] as const).map((engine) => {
        const m = new Machine({ engine, ramSize: 1 << 20 });
        m.load(image);
        regs.forEach((v, k) => m.setReg(k, v));
        m.setReg(30, 0x80080000n);
        return m;
      });
      const [a, b] = ms.map((m) => m.run({ maxInstructions: 10_000n }));
      assert.deepEqual(a, b);
      assert.equal(a.reason, 'trap');
      assert.equal(a.trap?.cause, 3n);
      for (let k = 0; k < 32; k++) assert.equal(ms[0].getReg(k), ms[1].getReg(k), `x${k}`);
      assert.deepEqual(ms[0].readMemory(0x80080000n, 512), ms[1].readMemory(0x80080000n, 512));
      assert.ok(ms[0].hart.compiledBlocks > 0);
    });
  }
});
