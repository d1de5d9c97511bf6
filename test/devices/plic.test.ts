import { strict as assert } from 'node:assert';
import { Machine } from '../../simulator/machine';
import { build } from '../platform/helpers';

const PLIC = 0xc000000;

function setup(harts = 2): { m: Machine; rd: (a: number) => number; wr: (a: number, v: number) => void } {
  const m = new Machine({ ramSize: 1 << 20, harts, costs: { interruptDelivery: 0 } });
  m.load(build('  j .'));
  const rd = (a: number): number => { assert.ok(m.bus.read(PLIC + a, 4)); return m.bus.rlo >>> 0; };
  const wr = (a: number, v: number): void => { assert.equal(m.bus.write(PLIC + a, 4, v, 0) & 1, 0); };
  return { m, rd, wr };
}
const SEIP = 1 << 9, MEIP = 1 << 11;

describe('PLIC', function () {
  it('priority, enable, threshold gate the context lines (M = 2h, S = 2h+1)', function () {
    const { m, rd, wr } = setup();
    const plic = m.plic;
    assert.ok(plic);
    plic.setSource(5, true);
    assert.equal(rd(0x1000), 1 << 5, 'pending bit');
    assert.equal(m.harts[0].irqLines & (SEIP | MEIP), 0, 'priority 0: never');
    wr(5 * 4, 3);
    assert.equal(rd(5 * 4), 3);
    assert.equal(m.harts[0].irqLines & (SEIP | MEIP), 0, 'not enabled');
    wr(0x2000 + 0x80 * 1, 1 << 5); // hart 0 S context
    assert.equal(rd(0x2080), 1 << 5);
    assert.equal(m.harts[0].irqLines & SEIP, SEIP);
    assert.equal(m.harts[0].irqLines & MEIP, 0);
    wr(0x200000 + 0x1000 * 1, 3); // threshold 3 masks priority 3
    assert.equal(m.harts[0].irqLines & SEIP, 0);
    wr(0x200000 + 0x1000 * 1, 2);
    assert.equal(m.harts[0].irqLines & SEIP, SEIP);
    wr(0x2000 + 0x80 * 2, 1 << 5); // hart 1 M context
    assert.equal(m.harts[1].irqLines & MEIP, MEIP);
    wr(8 * 4, 9);
    assert.equal(rd(8 * 4), 1, 'priority is WARL (3 bits)');
  });

  it('claim returns the best source (priority, then lowest id) and clears pending; complete re-arms a held line', function () {
    const { m, rd, wr } = setup();
    const plic = m.plic;
    assert.ok(plic);
    for (const id of [3, 7, 9]) wr(id * 4, id === 3 ? 1 : 4);
    wr(0x2080, (1 << 3) | (1 << 7) | (1 << 9));
    plic.setSource(3, true); plic.setSource(7, true); plic.setSource(9, true);
    const claim = 0x200000 + 0x1000 + 4;
    assert.equal(rd(claim), 7, 'priority 4, lowest id');
    assert.equal(rd(claim), 9);
    assert.equal(rd(claim), 3);
    assert.equal(rd(claim), 0, 'nothing left');
    assert.equal(m.harts[0].irqLines & SEIP, 0);
    plic.setSource(7, false);
    wr(claim, 7); // line low at completion: stays idle
    assert.equal(rd(0x1000) & (1 << 7), 0);
    wr(claim, 9); // line still high: pending again
    assert.equal(rd(0x1000) & (1 << 9), 1 << 9);
    assert.equal(m.harts[0].irqLines & SEIP, SEIP);
    wr(0x2080, 1 << 3);
    wr(claim, 9); // not enabled: ignored (9 was not in flight anyway)
    assert.equal(rd(claim), 0, '9 is pending but no longer enabled; 3 is in flight');
    assert.equal(m.bus.read(PLIC + 4, 1), false, 'byte access faults');
  });

  it('a rising line reaches the hart interruptDelivery cycles later; a claim lowers it at once', function () {
    const m = new Machine({ ramSize: 1 << 20, costs: { interruptDelivery: 50 } });
    m.load(build('  j .'));
    const plic = m.plic;
    assert.ok(plic);
    assert.equal(m.bus.write(PLIC + 4 * 4, 4, 1, 0), 0);
    assert.equal(m.bus.write(PLIC + 0x2080, 4, 1 << 4, 0), 0);
    plic.setSource(4, true);
    assert.equal(m.harts[0].irqLines & SEIP, 0, 'not yet');
    m.run({ maxInstructions: 49n });
    assert.equal(m.harts[0].irqLines & SEIP, 0, 'cycle 49');
    m.run({ maxInstructions: 2n });
    assert.equal(m.harts[0].irqLines & SEIP, SEIP, 'cycle 50');
    assert.ok(m.bus.read(PLIC + 0x201004, 4));
    assert.equal(m.bus.rlo, 4);
    assert.equal(m.harts[0].irqLines & SEIP, 0, 'claimed: low at once');
  });
});
