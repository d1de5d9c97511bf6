import assert from 'node:assert/strict';
import type { Translation } from '../../protocol/hyperlab';
import { decodePte, diagramGeometry, diagramModel, diagramScene } from '../../client/model/translation';

const twoStage: Translation = {
  address: '0x80201000', gpa: '0x80201000', hpa: '0x81201000', tlb: 'miss', references: 4, fault: null,
  steps: [
    { stage: 'g', level: 2, pteAddress: '0x80400010', pte: '0x20100401', note: 'G-stage walk for the VS root' },
    { stage: 'vs', level: 2, pteAddress: '0x81400010', pte: '0x20100801' },
    { stage: 'g', level: 1, pteAddress: '0x80401008', pte: '0x2048004f' },
    { stage: 'vs', level: 1, pteAddress: '0x81402008', pte: '0x2008004f' },
  ],
};

describe('client/model/translation', () => {
  it('decodes PTE flags, leaf-ness and the target page', () => {
    const table = decodePte(0x20100401n);
    assert.deepEqual(table, { valid: true, flags: 'v-------', leaf: false, target: 0x80401000n });
    const leaf = decodePte(0x2008004fn);
    assert.equal(leaf.flags, 'vrwx--a-');
    assert.equal(leaf.leaf, true);
    assert.equal(leaf.target, 0x80200000n);
    assert.equal(decodePte(0n).valid, false);
  });
  it('a two-stage translation shows GVA → GPA → HPA and numbers every memory reference', () => {
    const m = diagramModel(twoStage, 'hex', 'vm1 vCPU 0');
    assert.deepEqual(m.addresses, [{ name: 'GVA', value: '0x80201000' }, { name: 'GPA', value: '0x80201000' }, { name: 'HPA', value: '0x81201000' }]);
    assert.deepEqual(m.stages, ['vs', 'g']);
    assert.equal(m.steps.length, 4);
    assert.match(m.steps[0].text, /^#1 G-stage \(nested\) level 2: PTE at 0x80400010 = 0x20100401 \[v-------\] → table 0x80401000 \(G-stage walk for the VS root\)$/);
    assert.match(m.steps[3].text, /leaf → page 0x80200000/);
    assert.equal(m.title, 'Translation of 0x80201000 for vm1 vCPU 0');
  });
  it('lays the G-stage steps in their own column, in reference order, each focusable', () => {
    const s = diagramScene(diagramModel(twoStage, 'dec', 'vm1 vCPU 0'));
    const steps = s.items.filter((i) => i.type === 'rect' && i.cls.startsWith('step'));
    assert.equal(steps.length, 4);
    const xs = steps.map((r) => (r.type === 'rect' ? r.x : 0));
    assert.deepEqual(xs, [xs[1] + 420, xs[1], xs[1] + 420, xs[1]], 'G-stage column right of the VS column');
    const ys = steps.map((r) => (r.type === 'rect' ? r.y : 0));
    assert.ok(ys.every((y, i) => i === 0 || y > ys[i - 1]));
    assert.ok(steps.every((r) => r.type === 'rect' && r.label));
    assert.ok(s.items.some((i) => i.type === 'text' && i.text === '2149584896'), 'decimal when asked');
    assert.ok(s.items.some((i) => i.type === 'text' && /^TLB miss · 4 memory references$/.test(i.text)));
  });
  it('narrows columns and boxes to the panel, down to what a 64-bit PTE line needs', () => {
    assert.deepEqual(diagramGeometry(2, 3), { colW: 420, boxW: 230, gap: 60 });
    const narrow = diagramGeometry(2, 3, 600);
    assert.equal(narrow.colW, 370, 'never narrower than a PTE line');
    assert.equal(narrow.gap, 36);
    assert.equal(narrow.boxW, 170);
    const s = diagramScene(diagramModel(twoStage, 'hex', 'vm1 vCPU 0'), 800);
    const steps = s.items.filter((i) => i.type === 'rect' && i.cls.startsWith('step')).map((r) => (r.type === 'rect' ? r.x : 0));
    assert.equal(steps[0] - steps[1], 380, 'columns of (800 - 40) / 2');
  });
  it('a fault marks the unreached address and says why', () => {
    const m = diagramModel({ ...twoStage, hpa: null, gpa: null, fault: 'guest-page fault at level 1', steps: [{ stage: 'vs', level: 2, pteAddress: '0x1000', pte: '0x0' }] }, 'hex', 'vm1 vCPU 0');
    const s = diagramScene(m);
    assert.ok(s.items.some((i) => i.type === 'rect' && i.cls === 'addr fault'));
    assert.ok(s.items.some((i) => i.type === 'text' && /fault: guest-page fault at level 1/.test(i.text)));
    assert.ok(s.items.some((i) => i.type === 'rect' && i.cls === 'step vs fault'));
  });
  it('a bare translation has two boxes and no walk', () => {
    const m = diagramModel({ address: '0x80000000', gpa: null, hpa: '0x80000000', tlb: 'hit', references: 0, fault: null, steps: [] }, 'hex', 'hart 0');
    assert.deepEqual(m.addresses.map((a) => a.name), ['VA', 'PA']);
    assert.ok(diagramScene(m).items.some((i) => i.type === 'text' && i.cls === 'empty'));
  });
});
