/**
 * bpf_conformance test files (`*.data`): sections introduced by `-- NAME` lines. `asm` (ubpf
 * syntax), `raw` (one 64-bit hex word per slot, as the little-endian value of the slot), `mem`
 * (hex bytes handed to the program in r1 with r2 = length), `result` (expected r0, hex), `error`
 * (an expected load/run error). Other sections (`c`, `no register offset`) are informative.
 */
export interface ConformanceCase {
  sections: Map<string, string>;
  /** 1-based line of the first line of each section's body. */
  lines: Map<string, number>;
  asm?: string;
  raw?: Uint8Array;
  mem: Uint8Array;
  result?: bigint;
  error?: string;
}

export function parseConformanceFile(text: string): ConformanceCase {
  const sections = new Map<string, string>();
  const lines = new Map<string, number>();
  let current: string | undefined;
  let body: string[] = [];
  const flush = (): void => {
    if (current !== undefined) sections.set(current, body.join('\n'));
  };
  text.split(/\r?\n/).forEach((line, k) => {
    const m = /^-- (.*)$/.exec(line);
    if (m) {
      flush();
      current = m[1].trim();
      body = [];
      lines.set(current, k + 2);
    } else if (current !== undefined) body.push(line);
  });
  flush();
  const c: ConformanceCase = { sections, lines, mem: new Uint8Array(0) };
  const asm = sections.get('asm');
  if (asm !== undefined) c.asm = asm;
  const raw = sections.get('raw');
  if (raw !== undefined) {
    const words = raw.split(/\s+/).filter((w) => /^0x[0-9a-f]+$/i.test(w));
    const bytes = new Uint8Array(words.length * 8);
    const view = new DataView(bytes.buffer);
    words.forEach((w, k) => view.setBigUint64(k * 8, BigInt(w), true));
    c.raw = bytes;
  }
  const mem = sections.get('mem');
  if (mem !== undefined) {
    const hex = mem.replace(/#.*$/gm, '').split(/\s+/).filter((w) => w.length > 0);
    c.mem = Uint8Array.from(hex.map((h) => parseInt(h, 16)));
  }
  const result = sections.get('result');
  if (result !== undefined && result.trim() !== '') c.result = BigInt.asUintN(64, BigInt(result.trim().split(/\s+/)[0]));
  const error = sections.get('error');
  if (error !== undefined) c.error = error.trim();
  return c;
}
