/**
 * bpf_conformance test files (`*.data`): sections introduced by `-- NAME` lines. `asm` (ubpf
 * syntax), `raw` (one 64-bit hex word per slot, as the little-endian value of the slot), `mem`
 * (hex bytes handed to the program in r1 with r2 = length), `result` (expected r0, hex), `error`
 * (an expected load/run error). Other sections (`c`, `no register offset`) are informative.
 */
import { assemble } from './asm/assembler';
import { decodeProgram, encodeProgram } from './isa';
import { Memory } from './vm/memory';
import { Vm, type EngineKind } from './vm/vm';

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

export interface ConformanceOutcome {
  ok: boolean;
  /** Why it failed (one line). */
  message?: string;
  r0?: bigint;
  executed?: number;
}

/** Runs one bpf_conformance case on an engine. */
export function runConformanceCase(c: ConformanceCase, engine: EngineKind, file = '<case>', budget = 10_000_000): ConformanceOutcome {
  let bytes: Uint8Array;
  try {
    if (c.asm !== undefined && c.asm.trim() !== '') {
      const r = assemble(c.asm, { file, lineOffset: (c.lines.get('asm') ?? 1) - 1 });
      const errors = r.diagnostics.filter((d) => d.severity === 'error');
      if (errors.length > 0) {
        if (c.error !== undefined) return { ok: true };
        const d = errors[0];
        return { ok: false, message: `assembly failed: ${d.range.file}:${d.range.line}:${d.range.column}: ${d.message}` };
      }
      bytes = encodeProgram(r.program.insns);
      if (c.raw && !Buffer.from(bytes).equals(Buffer.from(c.raw))) return { ok: false, message: 'assembled bytes differ from the -- raw section' };
    } else if (c.raw) bytes = c.raw;
    else return { ok: false, message: 'no -- asm or -- raw section' };
    const insns = decodeProgram(bytes);
    const vm = new Vm(insns);
    let r1 = 0n;
    if (c.mem.length > 0) r1 = Memory.address(vm.mem.addRegion('mem', c.mem.slice(), true));
    const res = vm.run(engine, r1, BigInt(c.mem.length), budget);
    if (c.error !== undefined) return { ok: false, message: `expected error '${c.error}' but r0 = 0x${res.r0.toString(16)}`, r0: res.r0 };
    if (c.result !== undefined && res.r0 !== c.result) return { ok: false, message: `r0 = 0x${res.r0.toString(16)}, expected 0x${c.result.toString(16)}`, r0: res.r0 };
    return { ok: true, r0: res.r0, executed: res.executed };
  } catch (e) {
    if (c.error !== undefined) return { ok: true };
    return { ok: false, message: e instanceof Error ? e.message : String(e) };
  }
}
