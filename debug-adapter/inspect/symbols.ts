/**
 * Symbols and source lines of the loaded images, for a thread: the images of its VM first (one
 * image per VM, in the hypervisor's order), else every image. Addresses are link addresses
 * (physical or guest-physical); a virtual pc is mapped back through the thread's translation.
 */
import type { Image, ImageSymbol } from '../../simulator/riscv/image';
import type { InspectTarget } from './target';
import type { ThreadState } from './thread';

export function imagesOf(t: InspectTarget, s: ThreadState | undefined): Image[] {
  const hv = t.hypervisor;
  if (s?.vm !== undefined && hv !== undefined && t.images.length === hv.vms.length) {
    const own = t.images[s.vm.index];
    return own === undefined ? t.images : [own];
  }
  return t.images;
}

const listed = (s: ImageSymbol): boolean => !s.name.startsWith('.L') && !s.name.includes('\u0002') && s.kind !== 'section';

export function findSymbolIn(images: readonly Image[], name: string): ImageSymbol | undefined {
  for (const im of images) {
    const s = im.symbols.find((x) => x.name === name && x.kind !== 'section');
    if (s !== undefined) return s;
  }
  return undefined;
}

/** The closest symbol at or below `address` inside the same section: `name` or `name+0x10`. */
export function symbolAt(images: readonly Image[], address: bigint): { name: string; offset: bigint } | undefined {
  for (const im of images) {
    const sec = im.sections.find((x) => x.alloc && address >= x.address && address < x.address + BigInt(Math.max(x.size, 1)));
    if (sec === undefined) continue;
    let best: ImageSymbol | undefined;
    for (const s of im.symbols) {
      if (!listed(s) || s.section !== sec.name || s.value > address) continue;
      if (best === undefined || s.value > best.value || (s.value === best.value && s.global && !best.global)) best = s;
    }
    if (best !== undefined) return { name: best.name, offset: address - best.value };
  }
  return undefined;
}

export const symbolText = (s: { name: string; offset: bigint }): string => (s.offset === 0n ? s.name : `${s.name}+0x${s.offset.toString(16)}`);

/** The source line of the instruction or data item at a link address. */
export function sourceAt(images: readonly Image[], address: bigint): { path: string; line: number } | undefined {
  for (const im of images) {
    const map = im.sourceMap;
    let lo = 0, hi = map.length - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      const e = map[mid];
      if (address < e.address) hi = mid - 1;
      else if (address >= e.address + BigInt(Math.max(e.length, 1))) lo = mid + 1;
      else return { path: e.range.file, line: e.range.line };
    }
  }
  return undefined;
}
