import { strict as assert } from 'node:assert';
import { Machine } from '../../simulator/machine';
import { build, runProgram, FINISH } from '../platform/helpers';

const CLINT = 0x2000000n;

describe('CLINT', function () {
  it('mtime counts virtual cycles / 100 (10 MHz timebase at 1 GHz); the time CSR agrees', function () {
    // 1000 loop iterations of 2 instructions, then read mtime and time.
    const { machine, result } = runProgram(build(`
  li t0, 1000
1: addi t0, t0, -1
  bnez t0, 1b
  li t1, 0x200bff8
  ld a0, 0(t1)
  csrr a1, time
  ebreak
`, { tohost: false }));
    assert.equal(result.reason, 'trap');
    // 1 + 2000 + 1 instructions retired before the ld (cpi 1) plus the ld's device access
    // (mmioAccess = 100, charged before the read): mtime = floor(2102 / 100) = 21; the csrr
    // after the ld sees 2103 cycles.
    assert.equal(machine.getReg(10), 21n);
    assert.equal(machine.getReg(11), 21n);
  });

  it('mtimecmp raises MTIP at the exact cycle; msip drives MSIP; both registers read back', function () {
    const { machine, result } = runProgram(build(`
  li t0, 0x2004000
  li t1, 3
  sd t1, 0(t0)        # mtimecmp = 3 ticks = cycle 300
  ld t2, 0(t0)
  li gp, 1
  bne t1, t2, fail
1: csrr a0, mip
  andi a0, a0, 0x80
  beqz a0, 1b
  li t1, 0x200bff8
  ld a1, 0(t1)
  li gp, 2
  li t2, 3
  bltu a1, t2, fail
  li t2, 4
  bgtu a1, t2, fail          # 3, or 4 after the read's own device-access cost
  li t0, 0x2000000
  li t1, 1
  sw t1, 0(t0)
  csrr a0, mip
  andi a0, a0, 8
  li gp, 3
  beqz a0, fail
  lw t2, 0(t0)
  li gp, 4
  bne t1, t2, fail
  sw zero, 0(t0)
  csrr a0, mip
  andi a0, a0, 8
  li gp, 5
  bnez a0, fail
  # 32-bit halves of mtimecmp
  li t0, 0x2004000
  li t1, -1
  sw t1, 4(t0)
  csrr a0, mip
  andi a0, a0, 0x80
  li gp, 6
  bnez a0, fail
  j pass
${FINISH}`, { tohost: false }));
    assert.equal(result.reason, 'pass', `${result.message} (gp=${machine.getReg(3)}, a1=${machine.getReg(11)})`);
  });

  it('host access: register layout per hart, 32/64-bit halves, bad sizes fault, mtime writes shift the timebase', function () {
    const m = new Machine({ ramSize: 1 << 20, harts: 2 });
    m.load(build('  j .'));
    const bus = m.bus;
    const rd = (a: bigint, size: number): bigint | undefined => (bus.read(Number(a), size) ? (BigInt(bus.rhi >>> 0) << 32n) | BigInt(bus.rlo >>> 0) : undefined);
    const wr = (a: bigint, size: number, v: bigint): boolean => (bus.write(Number(a), size, Number(v & 0xffffffffn), Number(v >> 32n)) & 1) === 0;
    assert.equal(rd(CLINT + 0x4008n, 8), (1n << 64n) - 1n, 'mtimecmp resets to all ones');
    assert.ok(wr(CLINT + 4n, 4, 1n));
    assert.equal(m.harts[1].irqLines & 8, 8, 'msip[1] drives hart 1 MSIP (host write: no latency)');
    assert.equal(m.harts[0].irqLines & 8, 0);
    assert.equal(wr(CLINT + 4n, 1, 1n), false, 'byte access to msip faults');
    assert.equal(rd(CLINT + 4n, 4), 1n);
    assert.ok(wr(CLINT + 0x4008n, 4, 0n));
    assert.ok(wr(CLINT + 0x400cn, 4, 0n));
    assert.equal(m.harts[1].irqLines & 0x80, 0x80, 'mtimecmp[1] = 0 <= mtime: MTIP');
    assert.equal(m.harts[0].irqLines & 0x80, 0);
    assert.ok(wr(CLINT + 0xbff8n, 8, 1000n));
    assert.equal(rd(CLINT + 0xbff8n, 8), 1000n);
    assert.equal(rd(CLINT + 0xbffcn, 4), 0n);
    assert.ok(wr(CLINT + 0x4000n, 8, 1001n));
    assert.equal(m.harts[0].irqLines & 0x80, 0);
    const r = m.run({ maxInstructions: 99n });
    assert.equal(r.reason, 'limit');
    assert.equal(m.harts[0].irqLines & 0x80, 0, '99 cycles: not yet a tick');
    m.run({ maxInstructions: 102n }); // both harts reach cycle 100 (the event fires when all have)
    assert.equal(m.harts[0].irqLines & 0x80, 0x80, 'mtime 1001 after 100 cycles');
    assert.equal(rd(CLINT + 0xbff8n, 2), undefined, '16-bit mtime access faults');
  });
});
