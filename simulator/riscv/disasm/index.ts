/** RV64 disassembler: single words and objdump-style listings of a linked Image. */
import type { Image, ImageSymbol } from '../image';
import { decode } from './decode';

export interface DecodedText {
  mnemonic: string;
  operands: string;
  text: string;
  length: 4;
}

export function disassembleWord(word: number, address: bigint, symbolize?: (addr: bigint) => string | undefined): DecodedText {
  const d = decode(word, address);
  let text = d.operands ? `${d.mnemonic}\t${d.operands}` : d.mnemonic;
  if (d.target !== undefined && symbolize) {
    const name = symbolize(d.target);
    if (name) text += ` <${name}>`;
  }
  return { mnemonic: d.mnemonic, operands: d.operands, text, length: 4 };
}

const isListed = (s: ImageSymbol): boolean => !s.name.startsWith('.L') && !s.name.includes('\u0002') && s.section !== undefined;

/** `name` or `name+0x10` for the closest symbol at or below `addr` in the same section. */
export function symbolizer(image: Image): (addr: bigint) => string | undefined {
  const syms = image.symbols.filter(isListed).sort((a, b) => (a.value < b.value ? -1 : a.value > b.value ? 1 : 0));
  return (addr) => {
    const sec = image.sections.find((s) => addr >= s.address && addr < s.address + BigInt(s.size));
    if (!sec) return undefined;
    let best: ImageSymbol | undefined;
    for (const s of syms) if (s.section === sec.name && s.value <= addr) best = s;
    if (!best) return undefined;
    return best.value === addr ? best.name : `${best.name}+0x${(addr - best.value).toString(16)}`;
  };
}

const pad = (v: bigint, n: number): string => v.toString(16).padStart(n, '0');

export function disassembleImage(image: Image): string {
  const sym = symbolizer(image);
  const lines: string[] = [];
  for (const sec of image.sections) {
    if (!sec.exec || !sec.progbits) continue;
    lines.push('', `Disassembly of section ${sec.name}:`);
    const heads = new Map<bigint, string[]>();
    for (const s of image.symbols) {
      if (isListed(s) && s.section === sec.name) heads.set(s.value, [...(heads.get(s.value) ?? []), s.name]);
    }
    if (!heads.has(sec.address)) heads.set(sec.address, [sec.name]);
    for (let off = 0; off + 4 <= sec.size; off += 4) {
      const addr = sec.address + BigInt(off);
      for (const h of heads.get(addr) ?? []) lines.push('', `${pad(addr, 16)} <${h}>:`);
      const word = (sec.data[off] | (sec.data[off + 1] << 8) | (sec.data[off + 2] << 16) | (sec.data[off + 3] << 24)) >>> 0;
      const d = disassembleWord(word, addr, sym);
      lines.push(`${addr.toString(16).padStart(8, ' ')}:\t${pad(BigInt(word), 8)}          \t${d.text}`);
    }
  }
  return lines.join('\n') + '\n';
}
