/** A small chai-like wrapper over node:assert (the project has no chai), for readable tests. */
import { strict as assert } from 'node:assert';

export function expect<T>(actual: T, message?: string) {
  const api = {
    equal: (expected: T): void => assert.equal(actual, expected, message),
    deep: { equal: (expected: unknown): void => assert.deepEqual(actual, expected, message) },
    include: (part: string): void => assert.ok(String(actual).includes(part), message ?? `expected ${JSON.stringify(actual)} to include ${JSON.stringify(part)}`),
    have: { length: (n: number): void => assert.equal((actual as { length: number }).length, n, message ?? `expected length ${n} in ${JSON.stringify(actual)}`) },
    below: (n: number): void => assert.ok((actual as number) < n, message ?? `expected ${String(actual)} < ${n}`),
    ok: (): void => assert.ok(actual, message),
  };
  return { to: { ...api, be: api }, ...api };
}

/** A diagnostic's message as text (LSP 3.18 allows markup there; this server sends strings). */
export function messageText(m: string | { value: string }): string {
  return typeof m === 'string' ? m : m.value;
}
