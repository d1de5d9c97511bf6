/**
 * Call stacks from the assembler's symbols: frame 0 is the pc; callers come from the frame-pointer
 * chain (the RISC-V convention: `ra` saved at fp-8, the caller's fp at fp-16) when `s0` holds a
 * plausible frame pointer, else from `ra` alone (a leaf that saved nothing). Memory is read
 * through the thread's own translation with the inspection layer (no side effects).
 */
import { readMemory, resolveThread, type InspectTarget, type ThreadContext } from '../inspect';
import type { SourceIndex, SourceLocation } from './source-map';

export interface Frame {
  pc: bigint;
  /** `symbol+0x10`, or the bare address when no symbol covers it. */
  name: string;
  source: SourceLocation | undefined;
}

const MAX_FRAMES = 32;
const hex = (v: bigint): string => `0x${v.toString(16)}`;

function read64(t: InspectTarget, ctx: ThreadContext, address: bigint): bigint | undefined {
  try {
    const r = readMemory(t, ctx, address, 8, 'virtual');
    if (r.data.length < 8) return undefined;
    let v = 0n;
    for (let i = 7; i >= 0; i--) v = (v << 8n) | BigInt(r.data[i]);
    return v;
  } catch {
    return undefined;
  }
}

/** Maps a code address the thread runs at to the address its image links it at (identity, or a high-half alias undone). */
export type ToLink = (va: bigint) => bigint;

function frameAt(index: SourceIndex, pc: bigint, image: number, toLink: ToLink): Frame {
  const link = toLink(pc);
  const sym = index.symbolAt(link, image);
  const name = sym === undefined ? hex(pc) : sym.offset === 0n ? sym.name : `${sym.name}+${hex(sym.offset)}`;
  return { pc, name, source: index.locate(link, image) };
}

/** Return addresses point after the call: show the call's line (pc - 4). */
function callerFrame(index: SourceIndex, ret: bigint, image: number, toLink: ToLink): Frame {
  const f = frameAt(index, ret, image, toLink);
  return { ...f, source: index.locate(toLink(ret) - 4n, image) ?? f.source };
}

export function unwind(t: InspectTarget, ctx: ThreadContext, index: SourceIndex, image: number, toLink: ToLink = (va) => va): Frame[] {
  const s = resolveThread(t, ctx);
  const pc = s.getPc();
  const frames: Frame[] = [frameAt(index, pc, image, toLink)];
  const isCode = (a: bigint): boolean => a !== 0n && (a & 3n) === 0n && index.symbolAt(toLink(a), image) !== undefined;
  const sp = s.getReg(2);
  let fp = s.getReg(8);
  // A frame pointer lies at or above sp (stacks grow down) and not absurdly far.
  const plausible = (f: bigint, below: bigint): boolean => f > below && f - below < 1n << 20n && (f & 7n) === 0n;
  const seen = new Set<bigint>();
  if (plausible(fp, sp - 1n)) {
    while (frames.length < MAX_FRAMES && plausible(fp, sp - 1n) && !seen.has(fp)) {
      seen.add(fp);
      const ra = read64(t, ctx, fp - 8n);
      const prev = read64(t, ctx, fp - 16n);
      if (ra === undefined || !isCode(ra)) break;
      frames.push(callerFrame(index, ra, image, toLink));
      if (prev === undefined || prev <= fp) break;
      fp = prev;
    }
  }
  if (frames.length === 1) {
    const ra = s.getReg(1);
    const here = index.symbolAt(toLink(pc), image);
    const caller = index.symbolAt(toLink(ra), image);
    if (isCode(ra) && ra !== pc && (here === undefined || caller === undefined || caller.name !== here.name)) frames.push(callerFrame(index, ra, image, toLink));
  }
  return frames;
}
