/**
 * Field-level capture of a component's own state: every own property holding *data* — primitives
 * (number, bigint, boolean, string, undefined, null), typed arrays, arrays and plain objects made
 * only of data — is deep-copied; everything else (functions, class instances such as the bus or
 * an MMU, Maps, objects holding callbacks) is left alone and handled by whoever owns it.
 *
 * This is how the hart, MMU, TLB, PMP, devices and the machine are captured: a field added to one
 * of them later is captured without anyone having to remember to list it. Restoring writes typed
 * arrays and arrays in place (they are `readonly` references others may hold) and replaces the
 * other fields with fresh copies, so a saved state can be restored any number of times.
 */

type TypedArray =
  | Int8Array | Uint8Array | Uint8ClampedArray | Int16Array | Uint16Array | Int32Array | Uint32Array
  | Float32Array | Float64Array | BigInt64Array | BigUint64Array;

const NOT_DATA = Symbol('not data');

function isTyped(v: unknown): v is TypedArray {
  return ArrayBuffer.isView(v) && !(v instanceof DataView);
}

function isPlain(v: object): boolean {
  const proto: unknown = Object.getPrototypeOf(v);
  return proto === Object.prototype || proto === null;
}

/** A deep copy of `v` if it is data (see the file comment), else NOT_DATA. */
function cloneData(v: unknown): unknown {
  if (v === null || v === undefined) return v;
  const t = typeof v;
  if (t === 'number' || t === 'bigint' || t === 'boolean' || t === 'string') return v;
  if (t !== 'object') return NOT_DATA;
  if (isTyped(v)) return v.slice();
  if (ArrayBuffer.isView(v)) return NOT_DATA;
  if (Array.isArray(v)) {
    const out: unknown[] = [];
    for (const e of v) {
      const c = cloneData(e);
      if (c === NOT_DATA) return NOT_DATA;
      out.push(c);
    }
    return out;
  }
  if (!isPlain(v)) return NOT_DATA;
  const out: Record<string, unknown> = {};
  for (const [k, e] of Object.entries(v)) {
    const c = cloneData(e);
    if (c === NOT_DATA) return NOT_DATA;
    out[k] = c;
  }
  return out;
}

/** Captured data fields of one object, by property name. */
export type FieldState = ReadonlyMap<string, unknown>;

/** Deep copies of `obj`'s own data fields, except those named in `skip`. */
export function captureFields(obj: object, skip: readonly string[] = []): FieldState {
  const out = new Map<string, unknown>();
  for (const [k, v] of Object.entries(obj)) {
    if (skip.includes(k)) continue;
    const c = cloneData(v);
    if (c !== NOT_DATA) out.set(k, c);
  }
  return out;
}

/** Puts captured fields back (typed arrays and arrays in place). */
export function restoreFields(obj: object, state: FieldState): void {
  const o = obj as Record<string, unknown>;
  for (const [k, v] of state) {
    const cur = o[k];
    // A callback or a component reference (undefined when captured, attached since) stays.
    if (typeof cur === 'function' || (typeof cur === 'object' && cur !== null && !isTyped(cur) && !Array.isArray(cur) && !isPlain(cur))) continue;
    if (isTyped(cur) && isTyped(v) && cur.length === v.length) {
      (cur as { set(a: ArrayLike<unknown>): void }).set(v as ArrayLike<unknown>);
    } else if (Array.isArray(cur) && Array.isArray(v)) {
      cur.length = 0;
      for (const e of v) cur.push(cloneData(e));
    } else o[k] = cloneData(v);
  }
}

/** A canonical text of a captured state (bigint as `123n`, typed arrays as arrays), for hashing. */
export function canonical(v: unknown): string {
  return JSON.stringify(v, (_k, x: unknown) => {
    if (typeof x === 'bigint') return `${x}n`;
    if (x instanceof Map) return Object.fromEntries([...(x as Map<string, unknown>).entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
    if (isTyped(x)) return Array.from(x as ArrayLike<unknown>, (e) => (typeof e === 'bigint' ? `${e}n` : Number.isNaN(e) ? 'NaN' : e));
    if (typeof x === 'number' && !Number.isFinite(x)) return String(x);
    return x;
  });
}
