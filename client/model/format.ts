/**
 * Number formatting shared by every view: addresses travel as `0x…` strings (protocol `Hex`), and
 * the user toggles between hexadecimal and decimal for all views at once.
 */
import type { Hex } from '../../protocol/hyperlab';

export type Radix = 'hex' | 'dec';

const HEX = /^0x[0-9a-f]+$/i;

/** Reads a protocol `Hex`; throws an Error quoting the text when it is not one. */
export function parseHex(text: Hex): bigint {
  if (!HEX.test(text)) throw new Error(`not a 0x… hexadecimal value: '${text}'`);
  return BigInt(text);
}

export function toHex(value: bigint): Hex {
  return `0x${value.toString(16)}`;
}

/** An address or 64-bit value in the chosen radix; a malformed value is shown as received, marked. */
export function formatValue(text: Hex, radix: Radix): string {
  if (!HEX.test(text)) return `${text} (?)`;
  const v = BigInt(text);
  return radix === 'hex' ? `0x${v.toString(16)}` : v.toString(10);
}

/**
 * A count (hits, runs, cycles) with digit grouping. Always decimal: the hex/decimal toggle is for
 * addresses and register values; nobody reads a hit count in hex.
 */
export function formatCount(n: number): string {
  return n.toLocaleString('en-US');
}

const SIZE_UNITS: [number, string][] = [[2 ** 40, 'TiB'], [2 ** 30, 'GiB'], [2 ** 20, 'MiB'], [2 ** 10, 'KiB']];

/** Page and region sizes as people say them: 4 KiB, 2 MiB, 1 GiB, 512 GiB; odd sizes in bytes. */
export function formatSize(bytes: number): string {
  for (const [unit, name] of SIZE_UNITS) {
    if (bytes >= unit && bytes % unit === 0) return `${bytes / unit} ${name}`;
  }
  return `${bytes} B`;
}

/** hits / (hits + misses) as a percentage with one decimal, or '–' before the first access. */
export function formatRate(hits: number, misses: number): string {
  const total = hits + misses;
  if (total === 0) return '–';
  return `${((hits / total) * 100).toFixed(1)}%`;
}

export type ParsedAddress = { ok: true; value: Hex } | { ok: false; error: string };

const MAX_U64 = (1n << 64n) - 1n;

/**
 * An address typed by the user: `0x8000_1000`, `0X80001000`, `2147487744`, `0o…`, `0b…`
 * (underscores allowed between digits). Returns a located reason instead of throwing so an input
 * box can show it while the user types.
 */
export function parseAddressInput(text: string): ParsedAddress {
  const t = text.trim().replace(/_/g, '');
  if (t === '') return { ok: false, error: 'Type an address, e.g. 0x80001000' };
  if (!/^(0x[0-9a-f]+|0o[0-7]+|0b[01]+|\d+)$/i.test(t)) {
    return { ok: false, error: `'${text.trim()}' is not a number (decimal or 0x…, 0o…, 0b…)` };
  }
  const v = BigInt(t.toLowerCase());
  if (v > MAX_U64) return { ok: false, error: `'${text.trim()}' does not fit in 64 bits` };
  return { ok: true, value: toHex(v) };
}
