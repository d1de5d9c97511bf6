/**
 * Source lines ↔ code addresses ↔ symbols over the loaded images (the assembler's source maps and
 * symbol tables). Images loaded from ELF files have symbols but no source map.
 */
import * as path from 'node:path';
import type { Image, ImageSymbol, SourceMapEntry } from '../../simulator/riscv/image';

export interface CodeLocation { image: number; address: bigint }
export interface SourceLocation { file: string; line: number }

const sameFile = (a: string, b: string): boolean => path.resolve(a) === path.resolve(b);

export class SourceIndex {
  /** Per image: instruction entries sorted by address. */
  private readonly code: SourceMapEntry[][];
  /** Per image: code symbols sorted by address. */
  private readonly functions: ImageSymbol[][];

  constructor(readonly images: readonly Image[]) {
    this.code = images.map((im) => im.sourceMap.filter((e) => e.isInstruction).sort((a, b) => (a.address < b.address ? -1 : a.address > b.address ? 1 : 0)));
    this.functions = images.map((im) => {
      const exec = new Set(im.sections.filter((s) => s.exec).map((s) => s.name));
      return im.symbols.filter((s) => s.section !== undefined && exec.has(s.section) && (s.kind === 'func' || s.kind === 'notype') && !/^\.L|^\d/.test(s.name))
        .sort((a, b) => (a.value < b.value ? -1 : a.value > b.value ? 1 : 0));
    });
  }

  /** Source files that have code (for the client's loaded-sources list). */
  files(): string[] {
    const out = new Set<string>();
    for (const es of this.code) for (const e of es) out.add(e.range.file);
    return [...out];
  }

  /**
   * Addresses of the first instruction of `line` in `file`; when the line has none, of the next
   * line that has (up to 20 lines on), which is the line the breakpoint moves to.
   */
  resolveLine(file: string, line: number): { line: number; locations: CodeLocation[] } | undefined {
    for (let l = line; l < line + 20; l++) {
      const locations: CodeLocation[] = [];
      this.code.forEach((es, image) => {
        let prevLine = -1;
        let prevFile = '';
        for (const e of es) {
          // The first instruction of each run of the line (a macro or a loop may spread it).
          if (e.range.line === l && sameFile(e.range.file, file) && !(prevLine === l && prevFile === e.range.file)) locations.push({ image, address: e.address });
          prevLine = e.range.line; prevFile = e.range.file;
        }
      });
      if (locations.length) return { line: l, locations };
    }
    return undefined;
  }

  /** The source line of the instruction at `address` (searched in `image` first, then all). */
  locate(address: bigint, image?: number): SourceLocation | undefined {
    const order = image === undefined ? this.code.map((_, i) => i) : [image, ...this.code.map((_, i) => i).filter((i) => i !== image)];
    for (const i of order) {
      const es = this.code[i];
      if (es === undefined) continue;
      let lo = 0, hi = es.length - 1;
      while (lo <= hi) {
        const mid = (lo + hi) >> 1;
        const e = es[mid];
        if (address < e.address) hi = mid - 1;
        else if (address >= e.address + BigInt(e.length)) lo = mid + 1;
        else return { file: e.range.file, line: e.range.line };
      }
    }
    return undefined;
  }

  /** The code symbol at or before `address` (the function it is in), with the offset. */
  symbolAt(address: bigint, image?: number): { name: string; offset: bigint; image: number } | undefined {
    const order = image === undefined ? this.functions.map((_, i) => i) : [image, ...this.functions.map((_, i) => i).filter((i) => i !== image)];
    for (const i of order) {
      const fs = this.functions[i];
      if (fs === undefined) continue;
      let best: ImageSymbol | undefined;
      for (const s of fs) { if (s.value <= address) best = s; else break; }
      if (best === undefined) continue;
      const section = this.images[i].sections.find((s) => s.name === best.section);
      if (section !== undefined && address >= section.address + BigInt(section.size)) continue;
      return { name: best.name, offset: address - best.value, image: i };
    }
    return undefined;
  }

  /** Every definition of a symbol by name, in any image. */
  symbol(name: string): CodeLocation[] {
    const out: CodeLocation[] = [];
    this.images.forEach((im, image) => { for (const s of im.symbols) if (s.name === name) out.push({ image, address: s.value }); });
    return out;
  }
}
