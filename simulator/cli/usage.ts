/** A failure the user caused (bad file, bad flag): printed without a stack trace, exit code 2. */
export class UsageError extends Error {}

export const EXIT_OK = 0;
export const EXIT_FAIL = 1;
export const EXIT_ERROR = 2;

export interface CliIO {
  /** A line of the command's own output (a newline is added when missing). */
  out(text: string): void;
  /** Raw bytes of the simulated program's console, passed through unchanged. */
  console(byte: number): void;
  err(text: string): void;
  readFile(path: string): Uint8Array;
  writeFile(path: string, data: Uint8Array | string): void;
  exists(path: string): boolean;
}

/** Parses a decimal or 0x-prefixed integer flag value, so addresses and counts read naturally. */
export function parseInteger(flag: string, text: string): bigint {
  const t = text.replace(/_/g, '');
  if (!/^(0x[0-9a-f]+|0b[01]+|0o[0-7]+|\d+)$/i.test(t)) {
    throw new UsageError(`${flag} expects a number (decimal or 0x…), got '${text}'`);
  }
  return BigInt(t);
}
