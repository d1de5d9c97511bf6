import { strict as assert } from 'node:assert';
import { build, runProgram } from '../platform/helpers';

describe('SiFive test finisher', function () {
  const store = (v: number): string => `  li t0, 0x100000\n  li t1, ${v}\n  sw t1, 0(t0)\n1: j 1b\n`;
  it('0x5555 stops with pass', function () {
    const r = runProgram(build(store(0x5555), { tohost: false })).result;
    assert.equal(r.reason, 'pass');
    assert.equal(r.instret, 4n); // lui, lui+addi, sw
  });
  it('(code<<16)|0x3333 stops with fail and the code', function () {
    const r = runProgram(build(store((42 << 16) | 0x3333), { tohost: false })).result;
    assert.equal(r.reason, 'fail');
    assert.equal(r.failCode, 42);
  });
  it('0x7777 stops with reset; other values are ignored', function () {
    assert.equal(runProgram(build(store(0x7777), { tohost: false })).result.reason, 'reset');
    const r = runProgram(build(store(0x1234), { tohost: false }), {}, 100n).result;
    assert.equal(r.reason, 'limit');
  });
});
