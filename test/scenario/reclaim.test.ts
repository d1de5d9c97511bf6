/**
 * `workload.reclaim` in the scenario spec and schema: the page-reclaim example validates with
 * both, every wrong reclaim field is rejected by both and located by the loader (the language
 * server's diagnostics), and the runner still receives the object as written.
 */
import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { hasErrors, type Diagnostic } from '../../simulator/diagnostics';
import { parseScenario } from '../../simulator/scenario';
import type { JsonSchema, JsonValue } from '../../simulator/scenario/rules';
import { validate } from './mini-schema';

const root = path.resolve(import.meta.dirname, '../..');
const schema = JSON.parse(fs.readFileSync(path.join(root, 'schemas/hlab.schema.json'), 'utf8')) as JsonSchema;
const EXAMPLE = path.join(root, 'examples/page-reclaim/page-reclaim.hlab.json');

const VMS = [
  { name: 'blind', code: { sources: ['guest.S'] } },
  { name: 'cb', code: { sources: ['guest.S'] } },
];

function doc(reclaim: JsonValue): { [k: string]: JsonValue } {
  return { vms: VMS, workload: { reclaim } };
}

/** The loader's errors as `line:column-endColumn code message`, with the text they point at. */
function located(text: string): { at: string; code?: string; message: string; text: string }[] {
  const lines = text.split('\n');
  return parseScenario(text, 'r.hlab.json')
    .diagnostics.filter((d: Diagnostic) => d.severity === 'error')
    .map((d) => ({
      at: `${d.range.line}:${d.range.column}-${d.range.endColumn}`,
      code: d.code,
      message: d.message,
      text: d.range.line === d.range.endLine ? lines[d.range.line - 1].slice(d.range.column - 1, d.range.endColumn - 1) : '',
    }));
}

describe('scenario workload.reclaim', () => {
  it('the page-reclaim example validates against the schema and loads without errors', () => {
    const text = fs.readFileSync(EXAMPLE, 'utf8');
    assert.deepEqual(validate(schema, JSON.parse(text) as JsonValue), []);
    const r = parseScenario(text, EXAMPLE);
    assert.deepEqual(r.diagnostics, []);
    // the runner reads it as written
    assert.deepEqual(r.scenario.workload.reclaim, {
      pages: 64, at: 3000000, swapCycles: 20000, freeBitmap: '0x8000f000',
      strategy: { blind: 'blind', balloon: 'balloon', callback: 'callback' },
    });
    // and the loader recorded where each reclaim field is, for the runner's own messages
    for (const p of ['/workload/reclaim/pages', '/workload/reclaim/strategy/balloon', '/workload/reclaim/freeBitmap']) assert.ok(r.ranges.has(p), p);
  });

  it('describes every reclaim field for completion and hover', () => {
    const workload = schema.properties?.workload;
    const reclaim = workload?.properties?.reclaim;
    assert.ok(reclaim !== undefined);
    assert.deepEqual(Object.keys(reclaim.properties ?? {}), ['pages', 'at', 'strategy', 'swapCycles', 'freeBitmap']);
    assert.deepEqual(reclaim.required, ['pages', 'strategy']);
    assert.equal(reclaim.additionalProperties, false);
    assert.equal(reclaim.properties?.at.default, 1000000);
    assert.equal(reclaim.properties?.swapCycles.default, 20000);
    const strategy = reclaim.properties?.strategy;
    assert.deepEqual(strategy?.oneOf?.map((s) => s.type), ['object', 'string']);
    assert.deepEqual(strategy?.oneOf?.[1].enum, ['blind', 'balloon', 'callback']);
    // other workload parameters stay free
    assert.equal(typeof workload?.additionalProperties, 'object');
  });

  describe('schema and loader agree', () => {
    // [title, reclaim object, schema accepts, loader accepts]: the loader may be stricter than the
    // schema (checks a schema cannot express), never more lenient.
    const cases: [string, JsonValue, boolean, boolean][] = [
      ['one strategy for all VMs', { pages: 8, strategy: 'callback' }, true, true],
      ['per-VM strategies, every field, hex strings', { pages: '0x40', at: '0x10', swapCycles: 0, freeBitmap: '0X8000F000', strategy: { blind: 'blind', cb: 'callback' } }, true, true],
      ['pages missing', { strategy: 'blind' }, false, false],
      ['strategy missing', { pages: 1 }, false, false],
      ['zero pages', { pages: 0, strategy: 'blind' }, false, false],
      ['negative start', { pages: 1, at: -1, strategy: 'blind' }, false, false],
      ['fractional swap cost', { pages: 1, swapCycles: 1.5, strategy: 'blind' }, false, false],
      ['decimal string', { pages: '64', strategy: 'blind' }, false, false],
      ['hex start beyond exact numbers', { pages: 1, at: '0x20000000000000', strategy: 'blind' }, true, false],
      ['pages beyond exact numbers', { pages: 2 ** 60, strategy: 'blind' }, true, false],
      ['unknown strategy', { pages: 1, strategy: 'swap' }, false, false],
      ['unknown strategy for one VM', { pages: 1, strategy: { cb: 'swap' } }, false, false],
      ['strategy as an array', { pages: 1, strategy: ['blind'] }, false, false],
      ['misspelt field', { pages: 1, strategy: 'blind', swapcycles: 5 }, false, false],
      ['not an object', 64, false, false],
    ];
    for (const [title, reclaim, schemaOk, loaderOk] of cases) {
      it(title, () => {
        const d = doc(reclaim);
        assert.equal(validate(schema, d).length === 0, schemaOk, `schema: ${validate(schema, d).join('; ')}`);
        assert.equal(!hasErrors(parseScenario(JSON.stringify(d, null, 2), 'r.hlab.json').diagnostics), loaderOk, 'loader');
      });
    }
  });

  it('locates a wrong reclaim field at the value or key it concerns', () => {
    const text = [
      '{',
      '  "vms": [{ "name": "blind", "code": { "sources": ["g.S"] } }],',
      '  "workload": {',
      '    "reclaim": { "pages": 0, "strategy": "swap", "swapcycles": 5 }',
      '  }',
      '}',
    ].join('\n');
    assert.deepEqual(located(text), [
      { at: '4:27-28', code: 'range', message: 'workload.reclaim.pages must be at least 1, got 0', text: '0' },
      { at: '4:42-48', code: 'enum', message: "workload.reclaim.strategy must be one of 'blind', 'balloon', 'callback', got 'swap'", text: '"swap"' },
      { at: '4:50-62', code: 'unknown-property', message: "unknown property 'swapcycles' in workload.reclaim; did you mean 'swapCycles'?", text: '"swapcycles"' },
    ]);
  });

  it('checks with the whole document what a schema cannot: the VMs a per-VM strategy names', () => {
    const text = JSON.stringify(doc({ pages: 4, strategy: { blind: 'blind', nosuch: 'balloon' } }), null, 2);
    const errors = located(text);
    assert.equal(errors.length, 1);
    assert.equal(errors[0].code, 'unknown-vm');
    assert.equal(errors[0].text, '"nosuch"');
    assert.equal(errors[0].message, "workload.reclaim.strategy: no VM named 'nosuch' (VMs: blind, cb)");
    // the schema alone accepts it (it cannot know the VM names)
    assert.deepEqual(validate(schema, JSON.parse(text) as JsonValue), []);
  });

  it('reports reclaim in a bare-metal scenario at the key: there are no VMs to take pages from', () => {
    const text = JSON.stringify({ program: { code: { sources: ['a.S'] } }, workload: { reclaim: { pages: 1, strategy: 'blind' } } }, null, 2);
    const errors = located(text);
    assert.deepEqual(errors.map((e) => [e.code, e.text]), [['no-vms', '"reclaim"']]);
  });

  it('keeps other workload parameters free', () => {
    const d = { vms: VMS, workload: { threads: 2, pages: [1, 10], reclaim: { pages: 1, strategy: 'blind' } } };
    assert.deepEqual(validate(schema, d), []);
    const r = parseScenario(JSON.stringify(d), 'w.hlab.json');
    assert.deepEqual(r.diagnostics, []);
    assert.deepEqual(r.scenario.workload, d.workload);
  });
});
