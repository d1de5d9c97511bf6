/** Hart unit tests: atomics, misaligned accesses, traps, counters, self-modifying code, run limits. */
import { strict as assert } from 'node:assert';
import { Machine } from '../../../simulator/machine';
import { requireGnu } from '../../support/gnu';
import { FAIL, PASS, build, check, runBoth } from './helpers';

const DATA = `
  .section .data
  .align 6
buf: .dword 0x1122334455667788, 0x99aabbccddeeff00, 0, 0
`;

const HANDLER = `
  la t0, handler
  csrw mtvec, t0
  j main
  .align 2
handler:
  csrr s8, mcause
  csrr s9, mepc
  csrr s10, mtval
  csrw mepc, s11
  mret
main:
`;

describe('hart (both engines)', function () {
  before(function () {
    if (process.env.HART_TEST_GNU) requireGnu(this, { cpp: true });
  });

  it('LR/SC: success, failure without reservation, failure after an intervening store', function () {
    const { result } = runBoth(build(`
  la a0, buf
  lr.d t0, (a0)
  li t1, 42
  sc.d t2, t1, (a0)
${check(1, 't2', 0)}
  ld t3, 0(a0)
${check(2, 't3', 42)}
  sc.d t2, t1, (a0)
${check(3, 't2', 1)}
  lr.d t0, (a0)
  sd zero, 0(a0)
  li t1, 7
  sc.d t2, t1, (a0)
${check(4, 't2', 1)}
  ld t3, 0(a0)
${check(5, 't3', 0)}
  lr.w t0, (a0)
  sw t1, 4(a0)
  sc.w t2, t1, (a0)
${check(6, 't2', 0)}
  lr.d t0, (a0)
  addi a1, a0, 8
  sc.d t2, t1, (a1)
${check(7, 't2', 1)}
  addi a1, a0, 8
  lr.w t0, (a1)
${check(8, 't0', 0xffffffffddeeff00n)}
  li t0, -1
  sw t0, 16(a0)
  addi a1, a0, 16
  lr.w t0, (a1)
${check(9, 't0', -1)}
${PASS}${FAIL}${DATA}`));
    assert.equal(result.reason, 'pass', result.message);
  });

  it('AMOs (.w sign-extends, min/max signed and unsigned)', function () {
    const { result } = runBoth(build(`
  la a0, buf
  li t0, 0x7fffffff
  sw t0, 16(a0)
  addi a1, a0, 16
  li t1, 1
  amoadd.w t2, t1, (a1)
${check(1, 't2', 0x7fffffff)}
  lw t3, 0(a1)
${check(2, 't3', -0x80000000)}
  li t1, 5
  amoswap.w t2, t1, (a1)
${check(3, 't2', -0x80000000)}
  li t1, -3
  amomin.w t2, t1, (a1)
  lw t3, 0(a1)
${check(4, 't3', -3)}
  li t1, 7
  amominu.w t2, t1, (a1)
  lw t3, 0(a1)
${check(5, 't3', 7)}
  li t1, -1
  amomaxu.d t2, t1, (a0)
${check(6, 't2', 0x1122334455667788n)}
  ld t3, 0(a0)
${check(7, 't3', -1)}
  li t1, 3
  amomax.d t2, t1, (a0)
  ld t3, 0(a0)
${check(8, 't3', 3)}
  li t1, 0xf0
  amoor.d t2, t1, (a0)
  amoand.d t2, t1, (a0)
  li t1, 0xff
  amoxor.d zero, t1, (a0)
  ld t3, 0(a0)
${check(9, 't3', 0x0f)}
  li t1, 10
  amoadd.d t2, t1, (a0)
${check(10, 't2', 0x0f)}
  ld t3, 0(a0)
${check(11, 't3', 0x19)}
${PASS}${FAIL}${DATA}`));
    assert.equal(result.reason, 'pass', result.message);
  });

  it('misaligned loads/stores are emulated; misaligned LR/SC/AMO trap (4, 6)', function () {
    const { result } = runBoth(build(`${HANDLER}
  la a0, buf
  ld t0, 1(a0)
${check(1, 't0', 0x0011223344556677n)}
  lw t0, 6(a0)
${check(2, 't0', 0xffffffffff001122n)}
  lhu t0, 7(a0)
${check(3, 't0', 0x0011)}
  li t1, 0x0102030405060708
  sd t1, 19(a0)
  ld t0, 19(a0)
${check(4, 't0', 0x0102030405060708n)}
  lbu t0, 19(a0)
${check(5, 't0', 8)}
  la s11, r1
  addi a1, a0, 4
ins1:
  lr.d t0, (a1)
r1:
${check(6, 's8', 4)}
  bne s10, a1, fail
  la s11, r2
ins2:
  addi a1, a0, 2
  amoadd.w t0, t1, (a1)
r2:
${check(8, 's8', 6)}
  la s11, r3
  addi a1, a0, 2
ins3:
  sc.w t0, t1, (a1)
r3:
${check(9, 's8', 6)}
${PASS}${FAIL}${DATA}`));
    assert.equal(result.reason, 'pass', result.message);
  });

  it('access faults outside RAM (1, 5, 7) with mtval = address', function () {
    const { result } = runBoth(build(`${HANDLER}
  li a0, 0x1000
  la s11, r1
  ld t0, 0(a0)
r1:
${check(1, 's8', 5)}
${check(2, 's10', 0x1000)}
  la s11, r2
  sw t0, 8(a0)
r2:
${check(3, 's8', 7)}
${check(4, 's10', 0x1008)}
  la s11, r3
  li a1, 0x2000
  jalr ra, a1
r3:
${check(5, 's8', 1)}
${check(6, 's9', 0x2000)}
  la s11, r4
  li a1, -8
  ld t0, 0(a1)
r4:
${check(7, 's8', 5)}
${check(8, 's10', -8)}
${PASS}${FAIL}`));
    assert.equal(result.reason, 'pass', result.message);
  });

  it('jalr to a misaligned target traps on the jump (cause 0)', function () {
    const { result } = runBoth(build(`${HANDLER}
  la a1, tgt
  addi a1, a1, 2
  la s11, r1
j1:
  jalr ra, a1
tgt:
  nop
r1:
${check(1, 's8', 0)}
  la t0, j1
  bne s9, t0, fail
${check(2, 'ra', 0)}
${PASS}${FAIL}`));
    assert.equal(result.reason, 'pass', result.message);
  });

  it('instret counts retired instructions exactly; minstret writes are seen by the next instruction', function () {
    const { result, compiled } = runBoth(build(`
  csrr a0, instret
  nop
  nop
  csrr a1, minstret
  sub a2, a1, a0
${check(1, 'a2', 3)}
  li t0, 1000
  csrw minstret, t0
  csrr a3, minstret
${check(2, 'a3', 1000)}
  li t0, 100
1: addi t0, t0, -1
  bnez t0, 1b
  csrr a4, instret
${check(3, 'a4', 1000 + 1 + 3 + 1 + 200)}
${PASS}${FAIL}`));
    assert.equal(result.reason, 'pass', result.message);
    assert.ok(compiled.hart.compiledBlocks > 0);
  });

  it('CSRs: misa, mhartid, mtvec WARL, mepc alignment, csrrs/csrrc', function () {
    const { result } = runBoth(build(`
  csrr a0, misa
  srli a1, a0, 62
${check(1, 'a1', 2)}
  li t1, 0x101101
  and a1, a0, t1
${check(2, 'a1', 0x101101)}
  li t0, 0x80001003
  csrw mtvec, t0
  csrr a0, mtvec
${check(3, 'a0', 0x80001001)}
  li t0, 0x80001007
  csrw mepc, t0
  csrr a0, mepc
${check(4, 'a0', 0x80001004)}
  csrwi mscratch, 0x15
  csrsi mscratch, 0x2
  csrci mscratch, 0x1
  csrr a0, mscratch
${check(5, 'a0', 0x16)}
  li t0, 0xff
  csrrc a1, mscratch, t0
${check(6, 'a1', 0x16)}
  csrr a0, mscratch
${check(7, 'a0', 0)}
  csrr a0, mvendorid
  csrr a1, marchid
  or a0, a0, a1
  csrr a1, mimpid
  or a0, a0, a1
${check(8, 'a0', 0)}
${PASS}${FAIL}`));
    assert.equal(result.reason, 'pass', result.message);
  });

  it('a store into compiled code takes effect (self-modifying loop, no fence.i)', function () {
    // The loop body's "addi a0, a0, 1" is rewritten to "addi a0, a0, 100" after 5 iterations.
    const { result, compiled } = runBoth(build(`
  li a0, 0
  li t0, 10
  la t1, patch
  li t2, 0x06450513
loop:
patch:
  addi a0, a0, 1
  addi t0, t0, -1
  li t3, 5
  bne t0, t3, 2f
  sw t2, 0(t1)
2:
  bnez t0, loop
${check(1, 'a0', 5 + 5 * 100)}
${PASS}${FAIL}`));
    assert.equal(result.reason, 'pass', result.message);
    assert.ok(compiled.hart.compiledBlocks > 0);
  });

  it('fence.i flushes compiled blocks; a store in the same block as the code ends the block', function () {
    const { result } = runBoth(build(`
  la t1, here
  li t2, 0x00200593
  li a1, 1
  sw t2, 0(t1)
here:
  li a1, 1
${check(1, 'a1', 2)}
  la t1, there
  li t2, 0x00300593
  sw t2, 0(t1)
  fence.i
there:
  li a1, 1
${check(2, 'a1', 3)}
${PASS}${FAIL}`));
    assert.equal(result.reason, 'pass', result.message);
  });

  it('trap with mtvec = 0 stops with a description', function () {
    const { result } = runBoth(build(`
  nop
  .word 0xffffffff
`));
    assert.equal(result.reason, 'trap');
    assert.equal(result.trap?.cause, 2n);
    assert.equal(result.trap?.tval, 0xffffffffn);
    assert.equal(result.pc, 0x80000004n);
    assert.equal(result.instret, 1n);
    assert.equal(result.trap?.description, 'illegal instruction 0xffffffff at 0x80000004, no trap handler (mtvec = 0)');
  });

  it('ecall without handler, fail code from tohost, wfi halts', function () {
    let r = runBoth(build('  ecall')).result;
    assert.equal(r.reason, 'trap');
    assert.equal(r.trap?.cause, 11n);
    r = runBoth(build(`  li gp, 7\n  j fail\n${FAIL}`)).result;
    assert.equal(r.reason, 'fail');
    assert.equal(r.failCode, 7);
    r = runBoth(build('  nop\n  wfi\n  j .')).result;
    assert.equal(r.reason, 'halt');
    assert.equal(r.instret, 2n);
  });

  it('maxInstructions is honoured exactly by both engines, also inside a self-looping block', function () {
    const image = build('  li t0, 1000000\n1: addi t1, t1, 1\n  addi t0, t0, -1\n  bnez t0, 1b\n' + PASS);
    for (const limit of [1n, 2n, 3n, 7n, 1000n, 1001n, 29999n]) {
      const { result, compiled } = runBoth(image, limit);
      assert.equal(result.reason, 'limit');
      assert.equal(result.instret, limit);
      assert.equal(compiled.readCsr(0xb02), limit);
    }
    // Resuming after a limit continues where it stopped.
    const m = new Machine({ ramSize: 1 << 20 });
    m.load(image);
    let total = 0n;
    for (;;) {
      const r = m.run({ maxInstructions: 12345n });
      total += r.instret;
      if (r.reason !== 'limit') { assert.equal(r.reason, 'pass'); break; }
    }
    assert.equal(total, 2n + 3n * 1000000n + 4n);
  });

  it('division edge cases and W-op sign extension', function () {
    const { result } = runBoth(build(`
  li a0, -0x8000000000000000
  li a1, -1
  div t0, a0, a1
${check(1, 't0', -0x8000000000000000n)}
  rem t0, a0, a1
${check(2, 't0', 0)}
  div t0, a0, zero
${check(3, 't0', -1)}
  rem t0, a0, zero
${check(4, 't0', -0x8000000000000000n)}
  divu t0, a0, zero
${check(5, 't0', -1)}
  li a0, -0x80000000
  divw t0, a0, a1
${check(6, 't0', -0x80000000)}
  remw t0, a0, a1
${check(7, 't0', 0)}
  li a2, 0xffffffff
  divuw t0, a2, a2
${check(8, 't0', 1)}
  remuw t0, a2, zero
${check(9, 't0', -1)}
  li a2, 0x123456789
  li a3, 0x0fedcba987
  mulhu t0, a2, a3
  mul t1, a2, a3
${check(10, 't1', BigInt.asIntN(64, 0x123456789n * 0x0fedcba987n))}
${check(11, 't0', (0x123456789n * 0x0fedcba987n) >> 64n)}
  li a2, -3
  mulh t0, a2, a3
${check(12, 't0', (-3n * 0x0fedcba987n) >> 64n)}
  mulhsu t0, a2, a1
${check(13, 't0', (-3n * 0xffffffffffffffffn) >> 64n)}
  li a2, 0x7fffffff
  addiw t0, a2, 1
${check(14, 't0', -0x80000000)}
  slliw t0, a2, 1
${check(15, 't0', -2)}
  li a2, 0x100000000
  sraw t0, a1, a2
${check(16, 't0', -1)}
  li a3, 65
  sll t0, a1, a3
${check(17, 't0', -2)}
  srl t0, a1, a3
${check(18, 't0', 0x7fffffffffffffffn)}
${PASS}${FAIL}`));
    assert.equal(result.reason, 'pass', result.message);
  });
});
