/** Integer register names: `x0`..`x31` and the psABI names (`fp` is an alias of `s0`). */
export const ABI_NAMES: readonly string[] = [
  'zero', 'ra', 'sp', 'gp', 'tp', 't0', 't1', 't2',
  's0', 's1', 'a0', 'a1', 'a2', 'a3', 'a4', 'a5',
  'a6', 'a7', 's2', 's3', 's4', 's5', 's6', 's7',
  's8', 's9', 's10', 's11', 't3', 't4', 't5', 't6',
];

const byName = new Map<string, number>();
ABI_NAMES.forEach((n, i) => {
  byName.set(n, i);
  byName.set(`x${i}`, i);
});
byName.set('fp', 8);

/** Register number for a name, or undefined. Case-sensitive, as GNU as is. */
export function registerNumber(name: string): number | undefined {
  return byName.get(name);
}

export function registerName(n: number): string {
  return ABI_NAMES[n & 31];
}
