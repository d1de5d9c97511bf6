import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { hasErrors } from '../../simulator/diagnostics';
import { parseScenario, scenarioSchema, scenarioSchemaText } from '../../simulator/scenario';
import type { JsonSchema, JsonValue } from '../../simulator/scenario/rules';
import { validate } from './mini-schema';

const root = path.resolve(import.meta.dirname, '../..');
const schemaFile = path.join(root, 'schemas/hlab.schema.json');
const schema = JSON.parse(fs.readFileSync(schemaFile, 'utf8')) as JsonSchema;

/** Every sub-schema with the path of property names leading to it (`[]` for array items, `*` for map values). */
function walk(s: JsonSchema, at: string[], visit: (s: JsonSchema, at: string[]) => void): void {
  visit(s, at);
  for (const [k, p] of Object.entries(s.properties ?? {})) walk(p, [...at, k], visit);
  if (s.items !== undefined) walk(s.items, [...at, '[]'], visit);
  if (typeof s.additionalProperties === 'object') walk(s.additionalProperties, [...at, '*'], visit);
  for (const sub of [...(s.oneOf ?? []), ...(s.anyOf ?? []), ...(s.allOf ?? [])]) walk(sub, at, visit);
}

const SAMPLE_STRINGS: Record<string, string> = {
  '\\.[sS]$': 'a.S',
  '\\.hcb$': 'c.hcb',
};

/** A value of the schema using every property, for the "loader reads all of it" check. */
function sample(s: JsonSchema, at: string[]): JsonValue {
  if (s.oneOf !== undefined && s.type === undefined) return sample(s.oneOf[0], at);
  const type = Array.isArray(s.type) ? s.type[0] : s.type;
  switch (type) {
    case 'integer':
    case 'number':
      if (at.includes('harts') || at.includes('hart')) return 1;
      if (s.exclusiveMinimum !== undefined) return s.exclusiveMinimum + 1;
      if (at[at.length - 1] === 'end') return 4096;
      return s.minimum ?? 1;
    case 'string': {
      if (s.enum !== undefined) return s.enum[0];
      if (at[at.length - 1] === 'name') return `n${at.length}`;
      for (const [p, v] of Object.entries(SAMPLE_STRINGS)) if (s.pattern?.endsWith(p)) return v;
      return 'x';
    }
    case 'boolean': return true;
    case 'array': return s.items !== undefined ? [sample(s.items, [...at, '[]'])] : [];
    case 'object': {
      const out: { [k: string]: JsonValue } = {};
      for (const [k, p] of Object.entries(s.properties ?? {})) out[k] = sample(p, [...at, k]);
      if (typeof s.additionalProperties === 'object') out.k = sample(s.additionalProperties, [...at, '*']);
      return out;
    }
    default: return 1;
  }
}

/** `/vms/0/code` → `vms.[].code` (arrays in samples have one item, maps one key `k`). */
function normalize(pointer: string): string {
  return pointer.split('/').slice(1).map((s) => (/^[0-9]+$/.test(s) ? '[]' : s === 'k' ? '*' : s)).join('.');
}

function loaderAccepts(doc: JsonValue | string): boolean {
  const text = typeof doc === 'string' ? doc : JSON.stringify(doc, null, 2);
  return !hasErrors(parseScenario(text, 'doc.hlab.json').diagnostics);
}

function schemaAccepts(doc: JsonValue): boolean {
  return validate(schema, doc).length === 0;
}

const VM = { name: 'a', code: { sources: ['a.S'] } };

/** Records open by design: the workload has known keys (`reclaim`) and free parameters beside them. */
const OPEN_RECORDS = new Set(['workload']);

describe('scenario schema', () => {
  it('is the file generated from the loader rules (run `npx tsx simulator/scenario/generate-schema.ts` after changing them)', () => {
    assert.equal(fs.readFileSync(schemaFile, 'utf8'), scenarioSchemaText());
    assert.deepEqual(schema, scenarioSchema());
  });

  it('is draft-07, closes every record and describes every property', () => {
    assert.equal(schema.$schema, 'http://json-schema.org/draft-07/schema#');
    const problems: string[] = [];
    walk(schema, [], (s, at) => {
      if (s.type === 'object' && s.properties !== undefined && s.additionalProperties !== false && !OPEN_RECORDS.has(at.join('.'))) problems.push(`${at.join('.')}: record without additionalProperties: false`);
      if (s.type === 'object' && s.properties === undefined && typeof s.additionalProperties !== 'object') problems.push(`${at.join('.')}: map without a value schema`);
      for (const [k, p] of Object.entries(s.properties ?? {})) {
        if (typeof p.description !== 'string' || p.description.length < 10) problems.push(`${[...at, k].join('.')}: no description`);
      }
    });
    assert.deepEqual(problems, []);
  });

  it('every schema property is read by the loader, and nothing else', () => {
    const schemaPaths = new Set<string>();
    walk(schema, [], (s, at) => {
      for (const k of Object.keys(s.properties ?? {})) schemaPaths.add([...at, k].join('.'));
      if (typeof s.additionalProperties === 'object') schemaPaths.add([...at, '*'].join('.'));
      if (s.items !== undefined) schemaPaths.add([...at, '[]'].join('.'));
    });
    const full = sample(schema, []) as { [k: string]: JsonValue };
    // Two documents between them use every property: one with VMs, one bare-metal.
    const withVms = { ...full };
    delete withVms.program;
    const bare = { ...full };
    delete bare.vms;
    delete bare.hypervisor;
    const seen = new Set<string>();
    for (const doc of [withVms, bare]) {
      const r = parseScenario(JSON.stringify(doc, null, 2), 'sample.hlab.json');
      const wrong = r.diagnostics.filter((d) => d.code === 'unknown-property' || d.code === 'type');
      assert.deepEqual(wrong.map((d) => d.message), []);
      for (const p of r.ranges.keys()) if (p !== '') seen.add(normalize(p));
    }
    // Sample values that follow a oneOf branch are recorded at the property itself.
    const missing = [...schemaPaths].filter((p) => !seen.has(p));
    assert.deepEqual(missing, [], 'schema properties the loader did not read');
    const extra = [...seen].filter((p) => !schemaPaths.has(p));
    assert.deepEqual(extra, [], 'values the loader read that the schema does not describe');
  });

  it('a misspelt property is rejected by both, at every level', () => {
    let checked = 0;
    const base = { machine: { tlb: {}, tlbPerHart: [{ hart: 0 }], costs: {} }, hypervisor: { mechanisms: {} },
      vms: [{ ...VM, callbacks: [{ file: 'c.hcb', event: 'tracing', range: { start: 0, end: 1 } }], devices: [{ type: 'uart' }] }],
      stop: {}, expect: [{ metric: 'm', op: '<', value: 1 }] } as { [k: string]: JsonValue };
    const objects: { [k: string]: JsonValue }[] = [];
    const collect = (v: JsonValue): void => {
      if (Array.isArray(v)) v.forEach(collect);
      else if (v !== null && typeof v === 'object') {
        objects.push(v);
        Object.values(v).forEach(collect);
      }
    };
    collect(base);
    assert.ok(schemaAccepts(base) && loaderAccepts(base), 'base document is valid');
    for (const o of objects) {
      o.bogusKey = 1;
      const text = JSON.stringify(base);
      assert.equal(schemaAccepts(base), false, text);
      const d = parseScenario(text, 'x').diagnostics;
      assert.equal(d.length, 1, text);
      assert.equal(d[0].code, 'unknown-property');
      assert.equal(d[0].range.column, text.indexOf('"bogusKey"') + 1);
      delete o.bogusKey;
      checked++;
    }
    assert.equal(checked, 14);
  });

  describe('agrees with the loader on documents', () => {
    // [title, document, schema accepts, loader accepts]. The loader may be stricter than the schema
    // (checks a schema cannot express), never more lenient.
    const cases: [string, JsonValue | string, boolean, boolean][] = [
      ['minimal VMs', { vms: [VM] }, true, true],
      ['minimal bare metal', { program: { code: { elf: 'k.elf' }, mode: 'S' } }, true, true],
      ['everything optional', { $schema: 'x', name: 'n', description: 'd', machine: { harts: 64, memory: '1GiB', tlb: { entries: 8, ways: 8, replacement: 'random', seed: 9 }, quantum: 1, seed: 3, costs: { alu: 0, blockService: 5 } }, hypervisor: { paging: 'nested', timeslice: 5, mechanisms: { trampolines: { k: 4, relearn: 'yes', on: true } } }, vms: [VM], workload: { anything: { nested: [1, 'x', null] } }, stop: { maxInstructions: 1, maxTime: 2, onTohost: false }, expect: [{ metric: 'a.b', op: '!=', value: -1.5 }, { metric: 'a', op: '==', metricOther: 'b' }] }, true, true],
      ['fixture: two VMs', fs.readFileSync(path.join(import.meta.dirname, 'fixtures/shootdown-two-vms.hlab.json'), 'utf8'), true, true],
      ['fixture: bare metal', fs.readFileSync(path.join(import.meta.dirname, 'fixtures/bare-metal-hello.hlab.json'), 'utf8'), true, true],
      ['neither vms nor program', {}, false, false],
      ['both vms and program', { vms: [VM], program: { code: { elf: 'k' } } }, false, false],
      ['hypervisor with program', { hypervisor: {}, program: { code: { elf: 'k' } } }, false, false],
      ['unknown top-level property', { vms: [VM], extra: 1 }, false, false],
      ['harts out of range', { machine: { harts: 65 }, vms: [VM] }, false, false],
      ['harts not an integer', { machine: { harts: 2.5 }, vms: [VM] }, false, false],
      ['memory not page-aligned', { machine: { memory: 1048577 }, vms: [VM] }, false, false],
      ['memory with a bad unit', { machine: { memory: '64MB' }, vms: [VM] }, false, false],
      ['empty vms', { vms: [] }, false, false],
      ['sources and elf', { vms: [{ name: 'a', code: { sources: ['a.S'], elf: 'k' } }] }, false, false],
      ['elf with base', { vms: [{ name: 'a', code: { elf: 'k', base: 0 } }] }, false, false],
      ['source not .S', { vms: [{ name: 'a', code: { sources: ['a.c'] } }] }, false, false],
      ['callback not .hcb', { vms: [{ ...VM, callbacks: [{ file: 'c.bpf', event: 'tracing', range: { start: 0, end: 1 } }] }] }, false, false],
      ['unknown event', { vms: [{ ...VM, callbacks: [{ file: 'c.hcb', event: 'x', range: { start: 0, end: 1 } }] }] }, false, false],
      ['bad op', { vms: [VM], expect: [{ metric: 'm', op: '=', value: 1 }] }, false, false],
      ['value and metricOther', { vms: [VM], expect: [{ metric: 'm', op: '<', value: 1, metricOther: 'n' }] }, false, false],
      ['factor without metricOther', { vms: [VM], expect: [{ metric: 'm', op: '<', value: 1, factor: 2 }] }, false, false],
      ['non-positive factor', { vms: [VM], expect: [{ metric: 'm', op: '<', metricOther: 'n', factor: 0 }] }, false, false],
      ['unknown cost', { machine: { costs: { foo: 1 } }, vms: [VM] }, false, false],
      ['negative cost', { machine: { costs: { load: -1 } }, vms: [VM] }, false, false],
      ['unknown mechanism', { hypervisor: { mechanisms: { foo: {} } }, vms: [VM] }, false, false],
      ['bad VM name', { vms: [{ name: '1a', code: { elf: 'k' } }] }, false, false],
      ['bad address string', { program: { code: { sources: ['a.S'], base: '0xg' } } }, false, false],
      ['bad device type', { vms: [{ ...VM, devices: [{ type: 'gpu' }] }] }, false, false],
      // Schema-valid, rejected by the loader's own checks:
      ['shadow paging (not implemented)', { hypervisor: { paging: 'shadow' }, vms: [VM] }, true, false],
      ['shadow-accelerated paging (not implemented)', { vms: [{ ...VM, paging: 'shadow-accelerated' }] }, true, false],
      ['ways not dividing entries', { machine: { tlb: { entries: 64, ways: 3 } }, vms: [VM] }, true, false],
      ['per-hart TLB of a missing hart', { machine: { harts: 1, tlbPerHart: [{ hart: 1 }] }, vms: [VM] }, true, false],
      ['duplicate VM names', { vms: [VM, VM] }, true, false],
      ['duplicate device names', { vms: [{ ...VM, devices: [{ type: 'uart' }, { type: 'block', name: 'uart' }] }] }, true, false],
      ['overlapping callback ranges', { vms: [{ ...VM, callbacks: [{ file: 'a.hcb', event: 'tracing', range: { start: 0, end: 10 } }, { file: 'b.hcb', event: 'page-reclaim', range: { start: 9, end: 20 } }] }] }, true, false],
      ['empty range', { vms: [{ ...VM, callbacks: [{ file: 'a.hcb', event: 'tracing', range: { start: 10, end: 10 } }] }] }, true, false],
      ['memory string out of range', { machine: { memory: '100G' }, vms: [VM] }, true, false],
      ['reserved VM name', { vms: [{ name: 'tlb', code: { elf: 'k' } }] }, true, false],
      ['address over 64 bits', { program: { code: { sources: ['a.S'], base: '0x10000000000000000' } } }, true, false],
    ];
    for (const [title, doc, schemaOk, loaderOk] of cases) {
      it(title, () => {
        const value: JsonValue = typeof doc === 'string' ? (JSON.parse(doc) as JsonValue) : doc;
        assert.equal(schemaAccepts(value), schemaOk, `schema: ${validate(schema, value).join('; ')}`);
        assert.equal(loaderAccepts(doc), loaderOk, 'loader');
      });
    }
  });
});
