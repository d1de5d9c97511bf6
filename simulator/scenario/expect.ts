/** Checking a scenario's `expect` assertions against the metrics of a run. */
import type { CompareOp, Expectation } from './types';

export interface ExpectationResult {
  expectation: Expectation;
  pass: boolean;
  /** The metric's value, undefined when the run produced no such metric. */
  actual?: number;
  /** The value compared with (`value`, or `factor × metricOther`). */
  expected?: number;
  /** One readable line: `vm_exits.total = 120, expected <= 100`. */
  line: string;
}

export function compare(a: number, op: CompareOp, b: number): boolean {
  switch (op) {
    case '<': return a < b;
    case '<=': return a <= b;
    case '==': return a === b;
    case '>=': return a >= b;
    case '>': return a > b;
    case '!=': return a !== b;
  }
}

function fmt(v: number): string {
  if (Number.isInteger(v)) return String(v);
  return String(Number(v.toPrecision(6)));
}

/**
 * Evaluates each assertion. A metric the run did not produce fails the assertion (a typo in a
 * metric name must not pass silently), with a line saying which metric is missing.
 */
export function evaluateExpectations(expect: readonly Expectation[], metrics: ReadonlyMap<string, number>): ExpectationResult[] {
  return expect.map((e): ExpectationResult => {
    const actual = metrics.get(e.metric);
    if (e.metricOther === undefined) {
      if (actual === undefined) return { expectation: e, pass: false, expected: e.value, line: `${e.metric} is not a metric of this run, expected ${e.op} ${fmt(e.value)}` };
      return { expectation: e, pass: compare(actual, e.op, e.value), actual, expected: e.value, line: `${e.metric} = ${fmt(actual)}, expected ${e.op} ${fmt(e.value)}` };
    }
    const other = metrics.get(e.metricOther);
    const rhs = e.factor === 1 ? e.metricOther : `${fmt(e.factor)} × ${e.metricOther}`;
    const missing = [actual === undefined ? e.metric : undefined, other === undefined ? e.metricOther : undefined].filter((m) => m !== undefined);
    if (actual === undefined || other === undefined) {
      const what = missing.length === 1 ? `${missing[0]} is not a metric` : `${missing.join(' and ')} are not metrics`;
      return { expectation: e, pass: false, line: `${what} of this run, expected ${e.metric} ${e.op} ${rhs}` };
    }
    const expected = e.factor * other;
    const otherText = e.factor === 1 ? `${e.metricOther} = ${fmt(other)}` : `${rhs} = ${fmt(e.factor)} × ${fmt(other)} = ${fmt(expected)}`;
    return { expectation: e, pass: compare(actual, e.op, expected), actual, expected, line: `${e.metric} = ${fmt(actual)}, expected ${e.op} ${otherText}` };
  });
}
