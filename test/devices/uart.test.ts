import { strict as assert } from 'node:assert';
import { Machine } from '../../simulator/machine';
import { build, runProgram, FINISH } from '../platform/helpers';

const UART = 0x10000000;

function setup(input?: string): { m: Machine; out: number[]; rd: (o: number) => number; wr: (o: number, v: number) => void } {
  const out: number[] = [];
  const m = new Machine({ ramSize: 1 << 20, console: (b) => out.push(b), input });
  m.load(build('  j .'));
  const rd = (o: number): number => { assert.ok(m.bus.read(UART + o, 1)); return m.bus.rlo & 0xff; };
  const wr = (o: number, v: number): void => { assert.equal(m.bus.write(UART + o, 1, v, 0) & 1, 0); };
  return { m, out, rd, wr };
}

describe('16550 UART', function () {
  it('THR goes to the console; LSR shows THRE|TEMT; LCR.DLAB maps the divisor latch; SCR holds a byte', function () {
    const { m, out, rd, wr } = setup();
    wr(0, 0x41);
    assert.deepEqual(out, [0x41]);
    assert.equal(rd(5), 0x60);
    wr(3, 0x83); wr(0, 0x0c); wr(1, 0x00); // 9600 baud at 1.8432 MHz
    assert.equal(m.uart?.divisor, 12);
    assert.equal(rd(0), 0x0c);
    wr(3, 0x03);
    wr(0, 0x42);
    assert.deepEqual(out, [0x41, 0x42], 'DLAB off: THR again');
    wr(7, 0x5a);
    assert.equal(rd(7), 0x5a);
    assert.equal(rd(6), 0xb0, 'MSR: DCD|DSR|CTS');
    assert.equal(rd(2), 0x01, 'IIR: no interrupt, FIFOs off');
    wr(2, 0x07);
    assert.equal(rd(2), 0xc1, 'IIR: FIFOs on');
  });

  it('RX from the host queue: LSR.DR, RBR; IER.ERBFI raises PLIC source 10; IIR ids; THRE interrupt; loopback', function () {
    const { m, rd, wr, out } = setup('hi');
    const plic = m.plic;
    assert.ok(plic);
    assert.equal(rd(5) & 1, 1);
    assert.equal(plic.isPending(10), false, 'interrupts disabled');
    wr(1, 0x01);
    assert.equal(plic.isPending(10), true);
    assert.equal(rd(2) & 0x0f, 0x04, 'received data available');
    assert.equal(rd(0), 0x68);
    assert.equal(rd(0), 0x69);
    assert.equal(rd(5) & 1, 0);
    assert.equal(rd(2) & 0x0f, 0x01);
    wr(1, 0x03); // ETBEI: THR is empty -> THRE interrupt
    assert.equal(rd(2) & 0x0f, 0x02);
    assert.equal(rd(2) & 0x0f, 0x01, 'reading IIR cleared the THRE indication');
    wr(4, 0x10); // loopback
    wr(0, 0x55);
    assert.deepEqual(out, [], 'loopback does not transmit');
    assert.equal(rd(2) & 0x0f, 0x04);
    assert.equal(rd(0), 0x55);
    m.pushInput('x');
    assert.equal(rd(0), 0x78);
  });

  it('a program prints through THR, polling LSR.THRE', function () {
    const { result, console } = runProgram(build(`
  li s0, 0x10000000
  la s1, msg
1: lbu a0, 0(s1)
  beqz a0, pass
2: lbu t0, 5(s0)
  andi t0, t0, 0x20
  beqz t0, 2b
  sb a0, 0(s0)
  addi s1, s1, 1
  j 1b
${FINISH}
  .section .rodata
msg: .asciz "hello, uart\\n"
`, { tohost: false }));
    assert.equal(result.reason, 'pass', result.message);
    assert.equal(console, 'hello, uart\n');
  });
});
