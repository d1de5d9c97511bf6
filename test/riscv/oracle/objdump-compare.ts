/**
 * Compares our disassembly with `objdump -d` text. Normalisation, each a deliberate difference:
 * objdump's `# comment` and `<symbol>` annotations are dropped, and our pc-relative targets
 * carry a `0x` prefix that objdump omits.
 */
import type { DecodedText } from '../../../simulator/riscv/disasm';

export interface ObjdumpComparison {
  total: number;
  same: number;
  differences: string[];
}

const normalise = (s: string): string =>
  s
    .replace(/\s*#.*$/, '')
    .replace(/\s*<[^>]*>/g, '')
    .trim()
    .replace(/\s+/g, ' ');

export function compareWithObjdump(objdump: string, ours: (address: bigint) => DecodedText): ObjdumpComparison {
  const out: ObjdumpComparison = { total: 0, same: 0, differences: [] };
  for (const line of objdump.split('\n')) {
    const m = /^\s*([0-9a-f]+):\s+([0-9a-f]{8})\s+(.*)$/.exec(line);
    if (!m) continue;
    const address = BigInt(`0x${m[1]}`);
    const theirs = normalise(m[3]);
    if (theirs.startsWith('.insn') || m[2] === '00000000') continue; // zero fill between jump-range edges
    const d = ours(address);
    const mine = normalise(`${d.mnemonic} ${d.operands.replace(/\b0x([0-9a-f]{8,})\b/g, '$1')}`);
    out.total++;
    if (mine === theirs) out.same++;
    else out.differences.push(`${m[1]}: objdump '${theirs}' ours '${mine}'`);
  }
  return out;
}
