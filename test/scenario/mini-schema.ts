/**
 * A small draft-07 validator for the keywords our schema uses, written for the agreement test:
 * it lets the test ask "does the schema accept this document?" without adding a dependency.
 * Unknown keywords make it throw, so the test notices when the schema grows a keyword this
 * validator would silently ignore.
 */
import type { JsonSchema, JsonValue } from '../../simulator/scenario/rules';

const KNOWN = new Set([
  '$schema', '$id', 'title', 'description', 'markdownDescription', 'default', 'examples', 'type', 'enum', 'const', 'properties',
  'required', 'additionalProperties', 'propertyNames', 'dependencies', 'items', 'minItems', 'maxItems',
  'minimum', 'maximum', 'exclusiveMinimum', 'multipleOf', 'minLength', 'pattern', 'oneOf', 'anyOf', 'allOf', 'not',
]);

function typeOf(v: JsonValue): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'array';
  return typeof v;
}

function matchesType(v: JsonValue, t: string): boolean {
  const actual = typeOf(v);
  if (t === 'integer') return actual === 'number' && Number.isInteger(v);
  return actual === t;
}

function isObject(v: JsonValue): v is { [key: string]: JsonValue } {
  return typeOf(v) === 'object';
}

/** Error messages (empty = valid), each prefixed by the JSON pointer of the value. */
export function validate(schema: JsonSchema, value: JsonValue, at = ''): string[] {
  for (const k of Object.keys(schema)) if (!KNOWN.has(k)) throw new Error(`mini-schema: unsupported keyword ${k} at ${at}`);
  const errs: string[] = [];
  const fail = (m: string): void => { errs.push(`${at || '/'}: ${m}`); };
  if (schema.type !== undefined) {
    const types = Array.isArray(schema.type) ? schema.type : [schema.type];
    if (!types.some((t) => matchesType(value, t))) {
      fail(`type ${types.join('|')}`);
      return errs;
    }
  }
  if (schema.enum !== undefined && !schema.enum.some((e) => JSON.stringify(e) === JSON.stringify(value))) fail('enum');
  if (schema.const !== undefined && JSON.stringify(schema.const) !== JSON.stringify(value)) fail('const');
  if (typeof value === 'number') {
    if (schema.minimum !== undefined && value < schema.minimum) fail('minimum');
    if (schema.maximum !== undefined && value > schema.maximum) fail('maximum');
    if (schema.exclusiveMinimum !== undefined && value <= schema.exclusiveMinimum) fail('exclusiveMinimum');
    if (schema.multipleOf !== undefined && value % schema.multipleOf !== 0) fail('multipleOf');
  }
  if (typeof value === 'string') {
    if (schema.minLength !== undefined && value.length < schema.minLength) fail('minLength');
    if (schema.pattern !== undefined && !new RegExp(schema.pattern, 'u').test(value)) fail('pattern');
  }
  if (Array.isArray(value)) {
    if (schema.minItems !== undefined && value.length < schema.minItems) fail('minItems');
    if (schema.maxItems !== undefined && value.length > schema.maxItems) fail('maxItems');
    const items = schema.items;
    if (items !== undefined) value.forEach((v, i) => errs.push(...validate(items, v, `${at}/${i}`)));
  }
  if (isObject(value)) {
    for (const r of schema.required ?? []) if (!(r in value)) fail(`required ${r}`);
    for (const [k, v] of Object.entries(value)) {
      const p = schema.properties?.[k];
      if (schema.propertyNames !== undefined) errs.push(...validate(schema.propertyNames, k, `${at}/${k}(name)`));
      if (p !== undefined) errs.push(...validate(p, v, `${at}/${k}`));
      else if (schema.additionalProperties === false) fail(`additional property ${k}`);
      else if (typeof schema.additionalProperties === 'object') errs.push(...validate(schema.additionalProperties, v, `${at}/${k}`));
    }
    for (const [k, needs] of Object.entries(schema.dependencies ?? {})) {
      if (k in value) for (const n of needs) if (!(n in value)) fail(`dependency ${k} -> ${n}`);
    }
  }
  if (schema.allOf !== undefined) for (const s of schema.allOf) errs.push(...validate(s, value, at));
  if (schema.anyOf !== undefined && !schema.anyOf.some((s) => validate(s, value, at).length === 0)) fail('anyOf');
  if (schema.oneOf !== undefined) {
    const n = schema.oneOf.filter((s) => validate(s, value, at).length === 0).length;
    if (n !== 1) fail(`oneOf matched ${n}`);
  }
  if (schema.not !== undefined && validate(schema.not, value, at).length === 0) fail('not');
  return errs;
}
