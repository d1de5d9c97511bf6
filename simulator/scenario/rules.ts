/**
 * Typed validation rules for JSON documents, each of which both reads a located JSON node
 * (reporting errors with exact positions) and describes itself as a JSON Schema fragment. The
 * scenario format is defined once with these rules; the loader and `schemas/hlab.schema.json`
 * are two views of that one definition, so they cannot disagree.
 */
import type { Node } from './jsonc';
import type { Diagnostic, RelatedInformation, SourceRange } from '../diagnostics';
import { didYouMean } from './suggest';

export type JsonValue = null | boolean | number | string | JsonValue[] | { [key: string]: JsonValue };

export type JsonSchemaType = 'null' | 'boolean' | 'integer' | 'number' | 'string' | 'array' | 'object';

/** The draft-07 keywords the scenario schema uses. */
export interface JsonSchema {
  $schema?: string;
  $id?: string;
  title?: string;
  description?: string;
  /** VS Code extension keyword: hover text rendered as Markdown (preferred over `description`). */
  markdownDescription?: string;
  type?: JsonSchemaType | JsonSchemaType[];
  enum?: JsonValue[];
  const?: JsonValue;
  default?: JsonValue;
  examples?: JsonValue[];
  properties?: { [key: string]: JsonSchema };
  required?: string[];
  additionalProperties?: boolean | JsonSchema;
  propertyNames?: JsonSchema;
  dependencies?: { [key: string]: string[] };
  items?: JsonSchema;
  minItems?: number;
  maxItems?: number;
  minimum?: number;
  maximum?: number;
  exclusiveMinimum?: number;
  multipleOf?: number;
  minLength?: number;
  pattern?: string;
  oneOf?: JsonSchema[];
  anyOf?: JsonSchema[];
  allOf?: JsonSchema[];
  not?: JsonSchema;
}

/** A location in the document: property names and array indices from the root. */
export type Path = readonly (string | number)[];

/** `machine.tlb.ways`, `vms[1].callbacks[0].range`; the root is `(document)`. */
export function pathText(path: Path): string {
  let out = '';
  for (const seg of path) {
    if (typeof seg === 'number') out += `[${seg}]`;
    else out += out === '' ? seg : `.${seg}`;
  }
  return out === '' ? '(document)' : out;
}

/** JSON-pointer form of a path (`/vms/1/name`), used as the key of the range table. */
export function pointer(path: Path): string {
  return path.map((s) => `/${String(s).replace(/~/g, '~0').replace(/\//g, '~1')}`).join('');
}

/** 1-based line/column conversion for one text. Columns count UTF-16 code units. */
export class LineIndex {
  private readonly starts: number[] = [0];

  constructor(text: string) {
    for (let i = 0; i < text.length; i++) {
      const c = text.charCodeAt(i);
      if (c === 10) this.starts.push(i + 1);
      else if (c === 13) {
        if (text.charCodeAt(i + 1) === 10) i++;
        this.starts.push(i + 1);
      }
    }
  }

  position(offset: number): { line: number; column: number } {
    let lo = 0;
    let hi = this.starts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (this.starts[mid] <= offset) lo = mid;
      else hi = mid - 1;
    }
    return { line: lo + 1, column: offset - this.starts[lo] + 1 };
  }
}

/** State of one document walk: where diagnostics go and where each value was found. */
export class Context {
  readonly diagnostics: Diagnostic[] = [];
  readonly ranges = new Map<string, SourceRange>();
  private readonly lines: LineIndex;

  constructor(readonly file: string, text: string) {
    this.lines = new LineIndex(text);
  }

  range(offset: number, length: number): SourceRange {
    const a = this.lines.position(offset);
    const b = this.lines.position(offset + length);
    return { file: this.file, line: a.line, column: a.column, endLine: b.line, endColumn: b.column };
  }

  nodeRange(node: Node): SourceRange {
    return this.range(node.offset, node.length);
  }

  report(severity: Diagnostic['severity'], range: SourceRange, message: string, code: string, related?: RelatedInformation[]): void {
    const d: Diagnostic = { severity, message, range, code };
    if (related !== undefined && related.length > 0) d.related = related;
    this.diagnostics.push(d);
  }

  error(node: Node, message: string, code: string, related?: RelatedInformation[]): void {
    this.report('error', this.nodeRange(node), message, code, related);
  }

  warning(node: Node, message: string, code: string): void {
    this.report('warning', this.nodeRange(node), message, code);
  }
}

/** The value node of property `key` of an object node, if present (the last one if repeated). */
export function propertyValue(node: Node, key: string): Node | undefined {
  if (node.type !== 'object') return undefined;
  let found: Node | undefined;
  for (const prop of node.children ?? []) {
    const k = prop.children?.[0];
    if (k !== undefined && k.value === key) found = prop.children?.[1];
  }
  return found;
}

/** Where to point at an object as a whole: its property key if it has one, else its opening brace. */
export function objectAnchor(node: Node): Node {
  const parent = node.parent;
  if (parent !== undefined && parent.type === 'property' && parent.children?.[0] !== undefined) return parent.children[0];
  return { type: node.type, offset: node.offset, length: 1 };
}

/** "a string", "the number 3.5", "an array"... for type errors. */
export function describeNode(node: Node): string {
  switch (node.type) {
    case 'string': return `the string ${JSON.stringify(node.value)}`;
    case 'number': return `the number ${String(node.value)}`;
    case 'boolean': return String(node.value);
    case 'null': return 'null';
    case 'array': return 'an array';
    case 'object': return 'an object';
    default: return 'something else';
  }
}

/** Plain JSON value of a node (for open objects). */
export function nodeToJson(node: Node): JsonValue {
  switch (node.type) {
    case 'object': {
      const out: { [key: string]: JsonValue } = {};
      for (const prop of node.children ?? []) {
        const [k, v] = prop.children ?? [];
        if (k !== undefined && v !== undefined) out[String(k.value)] = nodeToJson(v);
      }
      return out;
    }
    case 'array': return (node.children ?? []).map(nodeToJson);
    case 'string': return String(node.value);
    case 'number': return Number(node.value);
    case 'boolean': return node.value === true;
    default: return null;
  }
}

/** Post-check run after a value has been read: may report errors and may reject the value. */
export type Check<T> = (value: T, node: Node, cx: Context, path: Path) => boolean | void;

/**
 * A rule reads one JSON value into a typed value, reporting every problem to the context.
 * It returns undefined when the value is unusable (an error has then been reported).
 */
export abstract class Rule<T> {
  /** Hover text carried by the schema fragment of this rule (fields add their own). */
  description?: string;

  /** Draft-07 schema fragment accepting (a superset of) what `read` accepts. */
  abstract schema(): JsonSchema;

  /** Reads a node; undefined means invalid and reported. Call through {@link readNode}. */
  abstract read(node: Node, cx: Context, path: Path): T | undefined;

  /** A rule that transforms the value once read (returning undefined rejects it). */
  map<U>(f: (value: T, node: Node, cx: Context, path: Path) => U | undefined): Rule<U> {
    return new MappedRule(this, f);
  }

  /** A rule that runs extra checks the schema cannot express; `false` rejects the value. */
  check(f: Check<T>): Rule<T> {
    return new MappedRule(this, (v, n, cx, p) => (f(v, n, cx, p) === false ? undefined : v));
  }

  /** Sets the hover text shown where this rule is used as an array item or map value. */
  describe(text: string): this {
    this.description = text;
    return this;
  }
}

class MappedRule<T, U> extends Rule<U> {
  constructor(private readonly inner: Rule<T>, private readonly f: (value: T, node: Node, cx: Context, path: Path) => U | undefined) {
    super();
  }

  schema(): JsonSchema {
    const s = this.inner.schema();
    return this.description !== undefined ? { ...s, description: this.description } : s;
  }

  read(node: Node, cx: Context, path: Path): U | undefined {
    const v = this.inner.read(node, cx, path);
    return v === undefined ? undefined : this.f(v, node, cx, path);
  }
}

/** Reads a node with a rule, recording the node's range under its path. */
export function readNode<T>(rule: Rule<T>, node: Node, cx: Context, path: Path): T | undefined {
  cx.ranges.set(pointer(path), cx.nodeRange(node));
  return rule.read(node, cx, path);
}

function typeError(node: Node, cx: Context, path: Path, expected: string): undefined {
  cx.error(node, `${pathText(path)} must be ${expected}, got ${describeNode(node)}`, 'type');
  return undefined;
}

function quoteList(values: readonly string[]): string {
  return values.map((v) => `'${v}'`).join(', ');
}

// ---------------------------------------------------------------------------------------------
// Scalars

export interface StringOptions<E extends string> {
  enum?: readonly E[];
  pattern?: RegExp;
  /** What the pattern means, for the error message ("a .hcb file name"). */
  patternHint?: string;
  minLength?: number;
}

export class StringRule<E extends string = string> extends Rule<E> {
  constructor(private readonly opts: StringOptions<E> = {}) {
    super();
  }

  schema(): JsonSchema {
    const s: JsonSchema = { type: 'string' };
    if (this.opts.enum !== undefined) s.enum = [...this.opts.enum];
    if (this.opts.pattern !== undefined) s.pattern = this.opts.pattern.source;
    if (this.opts.minLength !== undefined) s.minLength = this.opts.minLength;
    if (this.description !== undefined) s.description = this.description;
    return s;
  }

  read(node: Node, cx: Context, path: Path): E | undefined {
    if (node.type !== 'string') return typeError(node, cx, path, this.opts.enum ? `one of ${quoteList(this.opts.enum)}` : 'a string');
    const v = String(node.value);
    if (this.opts.enum !== undefined && !(this.opts.enum as readonly string[]).includes(v)) {
      cx.error(node, `${pathText(path)} must be one of ${quoteList(this.opts.enum)}, got '${v}'${didYouMean(v, this.opts.enum)}`, 'enum');
      return undefined;
    }
    if (this.opts.minLength !== undefined && v.length < this.opts.minLength) {
      cx.error(node, `${pathText(path)} must not be empty`, 'range');
      return undefined;
    }
    if (this.opts.pattern !== undefined && !this.opts.pattern.test(v)) {
      cx.error(node, `${pathText(path)} must be ${this.opts.patternHint ?? `a string matching ${this.opts.pattern.source}`}, got '${v}'`, 'format');
      return undefined;
    }
    return v as E;
  }
}

export interface NumberOptions {
  integer?: boolean;
  min?: number;
  max?: number;
  /** Lower bound that is itself excluded. */
  exclusiveMin?: number;
}

export class NumberRule extends Rule<number> {
  constructor(private readonly opts: NumberOptions = {}) {
    super();
  }

  schema(): JsonSchema {
    const s: JsonSchema = { type: this.opts.integer ? 'integer' : 'number' };
    if (this.opts.min !== undefined) s.minimum = this.opts.min;
    if (this.opts.exclusiveMin !== undefined) s.exclusiveMinimum = this.opts.exclusiveMin;
    if (this.opts.max !== undefined) s.maximum = this.opts.max;
    if (this.description !== undefined) s.description = this.description;
    return s;
  }

  read(node: Node, cx: Context, path: Path): number | undefined {
    const what = this.opts.integer ? 'an integer' : 'a number';
    if (node.type !== 'number') return typeError(node, cx, path, what);
    const v = Number(node.value);
    if (this.opts.integer && !Number.isInteger(v)) return typeError(node, cx, path, what);
    const { min, max, exclusiveMin } = this.opts;
    const low = min !== undefined && v < min;
    const high = max !== undefined && v > max;
    const exLow = exclusiveMin !== undefined && v <= exclusiveMin;
    if (low || high || exLow) {
      let bound: string;
      if (exclusiveMin !== undefined) bound = max !== undefined ? `greater than ${exclusiveMin} and at most ${max}` : `greater than ${exclusiveMin}`;
      else if (min !== undefined && max !== undefined) bound = `between ${min} and ${max}`;
      else if (min !== undefined) bound = `at least ${min}`;
      else bound = `at most ${String(max)}`;
      cx.error(node, `${pathText(path)} must be ${bound}, got ${v}`, 'range');
      return undefined;
    }
    return v;
  }
}

export class BooleanRule extends Rule<boolean> {
  schema(): JsonSchema {
    return this.description !== undefined ? { type: 'boolean', description: this.description } : { type: 'boolean' };
  }

  read(node: Node, cx: Context, path: Path): boolean | undefined {
    if (node.type !== 'boolean') return typeError(node, cx, path, 'true or false');
    return node.value === true;
  }
}

/** Any JSON value, kept as is (open parts of the format). */
export class JsonRule extends Rule<JsonValue> {
  schema(): JsonSchema {
    return this.description !== undefined ? { description: this.description } : {};
  }

  read(node: Node): JsonValue {
    return nodeToJson(node);
  }
}

export type Scalar = number | string | boolean;

/** A number, string or boolean (parameters of mechanisms and devices). */
export class ScalarRule extends Rule<Scalar> {
  schema(): JsonSchema {
    const s: JsonSchema = { type: ['number', 'string', 'boolean'] };
    if (this.description !== undefined) s.description = this.description;
    return s;
  }

  read(node: Node, cx: Context, path: Path): Scalar | undefined {
    if (node.type === 'number') return Number(node.value);
    if (node.type === 'string') return String(node.value);
    if (node.type === 'boolean') return node.value === true;
    return typeError(node, cx, path, 'a number, string or boolean');
  }
}

const SIZE_UNITS: { readonly [unit: string]: number } = {
  '': 1, B: 1, K: 1024, KiB: 1024, M: 1024 ** 2, MiB: 1024 ** 2, G: 1024 ** 3, GiB: 1024 ** 3,
};
const SIZE_PATTERN = /^([0-9]+)\s*(B|K|KiB|M|MiB|G|GiB)?$/;

/** Parses "64MiB", "512 K", "4096" into bytes (binary units); undefined if malformed. */
export function parseSize(text: string): number | undefined {
  const m = SIZE_PATTERN.exec(text.trim());
  if (m === null) return undefined;
  return Number(m[1]) * SIZE_UNITS[m[2] ?? ''];
}

/** Formats a byte count the way sizes are written in scenarios ("64MiB"). */
export function formatSize(bytes: number): string {
  for (const [unit, n] of [['GiB', 1024 ** 3], ['MiB', 1024 ** 2], ['KiB', 1024]] as const) {
    if (bytes >= n && bytes % n === 0) return `${bytes / n}${unit}`;
  }
  return `${bytes}B`;
}

/** A byte count: a number, or a string with a binary unit ("64MiB", "2G", "512KiB"). */
export class SizeRule extends Rule<number> {
  constructor(private readonly min: number, private readonly max: number, private readonly multipleOf: number) {
    super();
  }

  schema(): JsonSchema {
    const s: JsonSchema = {
      oneOf: [
        { type: 'integer', minimum: this.min, maximum: this.max, multipleOf: this.multipleOf },
        { type: 'string', pattern: SIZE_PATTERN.source },
      ],
    };
    if (this.description !== undefined) s.description = this.description;
    return s;
  }

  read(node: Node, cx: Context, path: Path): number | undefined {
    let bytes: number | undefined;
    if (node.type === 'number' && Number.isInteger(node.value)) bytes = Number(node.value);
    else if (node.type === 'string') {
      bytes = parseSize(String(node.value));
      if (bytes === undefined) {
        cx.error(node, `${pathText(path)} must be a size such as 4096, "64MiB" or "2GiB" (units B, K/KiB, M/MiB, G/GiB), got '${String(node.value)}'`, 'format');
        return undefined;
      }
    } else return typeError(node, cx, path, 'a size in bytes (a number, or a string such as "64MiB")');
    if (bytes < this.min || bytes > this.max) {
      cx.error(node, `${pathText(path)} must be between ${formatSize(this.min)} and ${formatSize(this.max)}, got ${formatSize(bytes)}`, 'range');
      return undefined;
    }
    if (bytes % this.multipleOf !== 0) {
      cx.error(node, `${pathText(path)} must be a multiple of ${formatSize(this.multipleOf)}, got ${bytes} bytes`, 'range');
      return undefined;
    }
    return bytes;
  }
}

const ADDRESS_PATTERN = /^(0[xX][0-9a-fA-F](_?[0-9a-fA-F])*|[0-9]+)$/;
const MAX_ADDRESS = (1n << 64n) - 1n;

/** A 64-bit address: a non-negative integer, or a string in hex ("0x8000_0000") or decimal. */
export class AddressRule extends Rule<bigint> {
  schema(): JsonSchema {
    const s: JsonSchema = {
      oneOf: [
        { type: 'integer', minimum: 0, maximum: Number.MAX_SAFE_INTEGER },
        { type: 'string', pattern: ADDRESS_PATTERN.source },
      ],
    };
    if (this.description !== undefined) s.description = this.description;
    return s;
  }

  read(node: Node, cx: Context, path: Path): bigint | undefined {
    let v: bigint;
    if (node.type === 'number') {
      const n = Number(node.value);
      if (!Number.isInteger(n) || n < 0) return typeError(node, cx, path, 'an address (a non-negative integer or a hex string such as "0x80000000")');
      if (!Number.isSafeInteger(n)) {
        cx.error(node, `${pathText(path)} is too large for an exact JSON number; write it as a hex string`, 'range');
        return undefined;
      }
      v = BigInt(n);
    } else if (node.type === 'string') {
      const t = String(node.value);
      if (!ADDRESS_PATTERN.test(t)) {
        cx.error(node, `${pathText(path)} must be an address such as "0x80000000", got '${t}'`, 'format');
        return undefined;
      }
      v = BigInt(t.replace(/_/g, ''));
    } else return typeError(node, cx, path, 'an address (a non-negative integer or a hex string such as "0x80000000")');
    if (v > MAX_ADDRESS) {
      cx.error(node, `${pathText(path)} does not fit in 64 bits`, 'range');
      return undefined;
    }
    return v;
  }
}

// ---------------------------------------------------------------------------------------------
// Containers

export class ArrayRule<T> extends Rule<T[]> {
  constructor(private readonly item: Rule<T>, private readonly opts: { minItems?: number; maxItems?: number } = {}) {
    super();
  }

  schema(): JsonSchema {
    const s: JsonSchema = { type: 'array', items: this.item.schema() };
    if (this.opts.minItems !== undefined) s.minItems = this.opts.minItems;
    if (this.opts.maxItems !== undefined) s.maxItems = this.opts.maxItems;
    if (this.description !== undefined) s.description = this.description;
    return s;
  }

  /** Invalid items are reported and left out. */
  read(node: Node, cx: Context, path: Path): T[] | undefined {
    if (node.type !== 'array') return typeError(node, cx, path, 'an array');
    const items = node.children ?? [];
    const { minItems, maxItems } = this.opts;
    if (minItems !== undefined && items.length < minItems) {
      cx.error(node, minItems === 1 ? `${pathText(path)} must not be empty` : `${pathText(path)} must have at least ${minItems} items`, 'range');
      return undefined;
    }
    if (maxItems !== undefined && items.length > maxItems) {
      cx.error(node, `${pathText(path)} must have at most ${maxItems} items, got ${items.length}`, 'range');
      return undefined;
    }
    const out: T[] = [];
    items.forEach((child, i) => {
      const v = readNode(this.item, child, cx, [...path, i]);
      if (v !== undefined) out.push(v);
    });
    return out;
  }
}

/**
 * An object whose keys are free (up to a key pattern) and whose values follow one rule:
 * parameter tables. `additionalProperties` is then the value schema rather than `false`.
 */
export class MapRule<T> extends Rule<Record<string, T>> {
  constructor(private readonly value: Rule<T>, private readonly keyPattern?: RegExp) {
    super();
  }

  schema(): JsonSchema {
    const s: JsonSchema = { type: 'object', additionalProperties: this.value.schema() };
    if (this.keyPattern !== undefined) s.propertyNames = { pattern: this.keyPattern.source };
    if (this.description !== undefined) s.description = this.description;
    return s;
  }

  read(node: Node, cx: Context, path: Path): Record<string, T> | undefined {
    if (node.type !== 'object') return typeError(node, cx, path, 'an object');
    const out: Record<string, T> = {};
    const seen = new Set<string>();
    for (const prop of node.children ?? []) {
      const [k, vnode] = prop.children ?? [];
      if (k === undefined || vnode === undefined) continue;
      const key = String(k.value);
      if (seen.has(key)) {
        cx.error(k, `duplicate property '${key}' in ${pathText(path)}`, 'duplicate-property');
        continue;
      }
      seen.add(key);
      if (this.keyPattern !== undefined && !this.keyPattern.test(key)) {
        cx.error(k, `'${key}' is not a valid name in ${pathText(path)} (expected ${this.keyPattern.source})`, 'format');
        continue;
      }
      const v = readNode(this.value, vnode, cx, [...path, key]);
      if (v !== undefined) out[key] = v;
    }
    return out;
  }
}

/**
 * One of several rules, chosen by the JSON type of the value (a name or a table of names, a
 * number or a hex string): each alternative's schema has a distinct `type`. The schema is their
 * `oneOf`; a value of no alternative's type is reported as not `expected`.
 */
export class UnionRule<T> extends Rule<T> {
  private readonly alternatives: readonly Rule<T>[];

  constructor(private readonly expected: string, alternatives: readonly Rule<T>[]) {
    super();
    this.alternatives = alternatives;
  }

  schema(): JsonSchema {
    const s: JsonSchema = { oneOf: this.alternatives.map((r) => r.schema()) };
    if (this.description !== undefined) s.description = this.description;
    return s;
  }

  read(node: Node, cx: Context, path: Path): T | undefined {
    const type: string[] = node.type === 'number' ? ['number', 'integer'] : [node.type];
    for (const rule of this.alternatives) {
      const t = rule.schema().type;
      if (t !== undefined && (Array.isArray(t) ? t : [t]).some((x) => type.includes(x))) return rule.read(node, cx, path);
    }
    return typeError(node, cx, path, this.expected);
  }
}

// Object fields: required, optional, or with a default.

export interface RequiredField<T> {
  readonly mode: 'required';
  readonly rule: Rule<T>;
  readonly description: string;
}

export interface DefaultField<T> {
  readonly mode: 'default';
  readonly rule: Rule<T>;
  readonly description: string;
  readonly value: () => T;
  /** The default as written in JSON, shown in the schema. */
  readonly json?: JsonValue;
}

export interface OptionalField<T> {
  readonly mode: 'optional';
  readonly rule: Rule<T>;
  readonly description: string;
}

export type Field<T> = RequiredField<T> | DefaultField<T> | OptionalField<T>;

export function required<T>(rule: Rule<T>, description: string): RequiredField<T> {
  return { mode: 'required', rule, description };
}

export function optional<T>(rule: Rule<T>, description: string): OptionalField<T> {
  return { mode: 'optional', rule, description };
}

/** A field that takes `value()` when absent (or invalid, after the error is reported). */
export function withDefault<T>(rule: Rule<T>, value: () => T, description: string, json?: JsonValue): DefaultField<T> {
  return json === undefined ? { mode: 'default', rule, description, value } : { mode: 'default', rule, description, value, json };
}

export type Fields = { readonly [key: string]: Field<unknown> };

type FieldValue<F> = F extends Field<infer T> ? T : never;
type OptionalKeys<F extends Fields> = { [K in keyof F]: F[K] extends OptionalField<unknown> ? K : never }[keyof F];
type PresentKeys<F extends Fields> = Exclude<keyof F, OptionalKeys<F>>;

/** The value an object rule produces for its fields. */
export type ObjectValue<F extends Fields> =
  { -readonly [K in PresentKeys<F>]: FieldValue<F[K]> } & { -readonly [K in OptionalKeys<F>]?: FieldValue<F[K]> };

export interface ObjectOptions {
  /** Each group: exactly one of these keys must be present. */
  exactlyOne?: readonly (readonly string[])[];
  /** Each pair: the two keys may not both be present. The message says why. */
  conflicts?: readonly { readonly keys: readonly [string, string]; readonly reason: string }[];
  /** Key → keys that must be present with it. */
  requires?: { readonly [key: string]: readonly string[] };
  /**
   * An open record: properties other than the fields are read with this rule (and described by
   * its schema as `additionalProperties`) instead of being rejected. For parts of the format that
   * are free beyond the keys the simulator knows (the workload).
   */
  rest?: Rule<unknown>;
}

/** A record with known properties; anything else is an error (`additionalProperties: false`) unless `rest` reads it. */
export class ObjectRule<F extends Fields> extends Rule<ObjectValue<F>> {
  constructor(readonly fields: F, private readonly opts: ObjectOptions = {}) {
    super();
  }

  schema(): JsonSchema {
    const properties: { [key: string]: JsonSchema } = {};
    const req: string[] = [];
    for (const [key, field] of Object.entries(this.fields)) {
      // Plain text for generic JSON tools, Markdown (code spans) for VS Code hovers.
      const s: JsonSchema = { ...field.rule.schema(), description: field.description.replace(/`/g, ''), markdownDescription: field.description };
      if (field.mode === 'default' && field.json !== undefined) s.default = field.json;
      properties[key] = s;
      if (field.mode === 'required') req.push(key);
    }
    const s: JsonSchema = { type: 'object' };
    if (this.description !== undefined) s.description = this.description;
    s.properties = properties;
    if (req.length > 0) s.required = req;
    s.additionalProperties = this.opts.rest !== undefined ? this.opts.rest.schema() : false;
    const all: JsonSchema[] = [];
    for (const group of this.opts.exactlyOne ?? []) all.push({ oneOf: group.map((k) => ({ required: [k] })) });
    for (const c of this.opts.conflicts ?? []) all.push({ not: { required: [...c.keys] } });
    if (all.length === 1) Object.assign(s, all[0]);
    else if (all.length > 1) s.allOf = all;
    if (this.opts.requires !== undefined) {
      s.dependencies = {};
      for (const [k, v] of Object.entries(this.opts.requires)) s.dependencies[k] = [...v];
    }
    return s;
  }

  read(node: Node, cx: Context, path: Path): ObjectValue<F> | undefined {
    if (node.type !== 'object') return typeError(node, cx, path, 'an object');
    const present = new Map<string, { key: Node; value: Node }>();
    const others = new Map<string, Node>();
    const known = Object.keys(this.fields);
    for (const prop of node.children ?? []) {
      const [k, v] = prop.children ?? [];
      if (k === undefined || v === undefined) continue;
      const key = String(k.value);
      if (present.has(key) || others.has(key)) {
        cx.error(k, `duplicate property '${key}' in ${pathText(path)}`, 'duplicate-property');
        continue;
      }
      if (!Object.prototype.hasOwnProperty.call(this.fields, key)) {
        if (this.opts.rest !== undefined) others.set(key, v);
        else cx.error(k, `unknown property '${key}' in ${pathText(path)}${didYouMean(key, known)}`, 'unknown-property');
        continue;
      }
      present.set(key, { key: k, value: v });
    }

    let ok = true;
    for (const group of this.opts.exactlyOne ?? []) {
      const here = group.filter((k) => present.has(k)).sort((a, b) => (present.get(a)?.key.offset ?? 0) - (present.get(b)?.key.offset ?? 0));
      if (here.length === 0) {
        cx.error(objectAnchor(node), `${pathText(path)} needs one of ${quoteList(group)}`, 'missing-property');
        ok = false;
      } else if (here.length > 1) {
        const second = present.get(here[1]);
        if (second !== undefined) cx.error(second.key, `${pathText(path)} may have only one of ${quoteList(group)}`, 'conflicting-properties');
        ok = false;
      }
    }
    for (const c of this.opts.conflicts ?? []) {
      const [a, b] = c.keys;
      const bn = present.get(b);
      if (present.has(a) && bn !== undefined) {
        cx.error(bn.key, `'${b}' cannot be used with '${a}' in ${pathText(path)}: ${c.reason}`, 'conflicting-properties');
        ok = false;
      }
    }
    for (const [k, needs] of Object.entries(this.opts.requires ?? {})) {
      const kn = present.get(k);
      if (kn === undefined) continue;
      for (const n of needs) {
        if (!present.has(n)) {
          cx.error(kn.key, `'${k}' in ${pathText(path)} needs '${n}'`, 'missing-property');
          ok = false;
        }
      }
    }

    const out: Record<string, unknown> = {};
    for (const [key, field] of Object.entries(this.fields)) {
      const p = present.get(key);
      if (p === undefined) {
        if (field.mode === 'required') {
          cx.error(objectAnchor(node), `${pathText(path)} is missing required property '${key}'`, 'missing-property');
          ok = false;
        } else if (field.mode === 'default') out[key] = field.value();
        continue;
      }
      const v = readNode(field.rule, p.value, cx, [...path, key]);
      if (v !== undefined) out[key] = v;
      else if (field.mode === 'default') out[key] = field.value();
      else if (field.mode === 'required') ok = false;
    }
    const rest = this.opts.rest;
    if (rest !== undefined) {
      for (const [key, v] of others) {
        const value = readNode(rest, v, cx, [...path, key]);
        if (value !== undefined) out[key] = value;
      }
    }
    return ok ? (out as ObjectValue<F>) : undefined;
  }
}

// Short constructors.

export const str = <E extends string = string>(opts?: StringOptions<E>): StringRule<E> => new StringRule<E>(opts);
export const int = (min?: number, max?: number): NumberRule => new NumberRule({ integer: true, min, max });
export const num = (opts: NumberOptions): NumberRule => new NumberRule(opts);
export const bool = (): BooleanRule => new BooleanRule();
export const arrayOf = <T>(item: Rule<T>, opts?: { minItems?: number; maxItems?: number }): ArrayRule<T> => new ArrayRule(item, opts);
export const object = <F extends Fields>(fields: F, opts?: ObjectOptions): ObjectRule<F> => new ObjectRule(fields, opts);
export const mapOf = <T>(value: Rule<T>, keyPattern?: RegExp): MapRule<T> => new MapRule(value, keyPattern);
export const union = <T>(expected: string, ...alternatives: Rule<T>[]): UnionRule<T> => new UnionRule(expected, alternatives);
