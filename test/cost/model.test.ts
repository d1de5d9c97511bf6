import { strict as assert } from 'node:assert';
import { COST_DEFINITIONS, COST_NAMES, DEFAULT_COSTS, MAX_COST, resolveCostModel } from '../../simulator/cost';

describe('cost model', () => {
  it('has one default per cost, each a non-negative integer with a reason', () => {
    assert.ok(COST_NAMES.length >= 25);
    for (const name of COST_NAMES) {
      const def = COST_DEFINITIONS[name];
      assert.ok(Number.isInteger(def.value) && def.value >= 0, name);
      assert.match(def.description, /Default/, `${name} says where its default comes from`);
      assert.equal(DEFAULT_COSTS[name], def.value);
    }
    for (const required of ['alu', 'mul', 'div', 'load', 'store', 'branchTaken', 'branchNotTaken', 'jump', 'csr', 'fence', 'amo',
      'tlbHit', 'tlbMiss', 'walkReference', 'vmExit', 'vmEntry', 'trapEntry', 'ipiLatency', 'interruptDelivery', 'cacheLineTransfer', 'mmioAccess', 'blockService']) {
      assert.ok((COST_NAMES as readonly string[]).includes(required), required);
    }
    assert.ok(Object.isFrozen(DEFAULT_COSTS));
  });

  it('applies valid overrides and reports bad ones', () => {
    const { model, problems } = resolveCostModel({ vmExit: 800, ipiLatency: 0 });
    assert.deepEqual(problems, []);
    assert.equal(model.vmExit, 800);
    assert.equal(model.ipiLatency, 0);
    assert.equal(model.load, DEFAULT_COSTS.load);
    assert.equal(DEFAULT_COSTS.vmExit, COST_DEFINITIONS.vmExit.value, 'defaults untouched');

    const bad = resolveCostModel({ vmexit: 1, load: -1, store: 1.5, alu: '2', div: MAX_COST + 1, zzzz: 3 });
    assert.deepEqual(bad.problems, [
      { name: 'vmexit', message: "unknown cost 'vmexit'; did you mean 'vmExit'?" },
      { name: 'load', message: `cost 'load' must be between 0 and ${MAX_COST} cycles, got -1` },
      { name: 'store', message: "cost 'store' must be a whole number of cycles, got 1.5" },
      { name: 'alu', message: "cost 'alu' must be a number of cycles" },
      { name: 'div', message: `cost 'div' must be between 0 and ${MAX_COST} cycles, got ${MAX_COST + 1}` },
      { name: 'zzzz', message: "unknown cost 'zzzz'" },
    ]);
    assert.deepEqual(bad.model, DEFAULT_COSTS, 'invalid overrides are ignored');
  });

  it('with no overrides is the defaults', () => {
    assert.deepEqual(resolveCostModel().model, DEFAULT_COSTS);
  });
});
