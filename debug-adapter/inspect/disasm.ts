/**
 * `disassemble` for DAP's disassemble request and the `x/i` command: instructions read through the
 * thread's translation (RV64 without C: every instruction is 4 bytes), text as
 * simulator/riscv/disasm prints it with symbolic branch targets, the symbol and source line of
 * each address. A virtual address (a kernel in its high half) is mapped back to the link address
 * the images know through the thread's first translation stage. Unreadable memory shows as `??`.
 */
import { disassembleWord } from '../../simulator/riscv/disasm';
import type { Image } from '../../simulator/riscv/image';
import { readMemory } from './memory';
import { imagesOf, sourceAt, symbolAt, symbolText } from './symbols';
import { InspectError, type InspectTarget, type ThreadContext } from './target';
import { resolveThread, type ThreadState } from './thread';
import { walk } from './walk';

export interface DisassembledLine {
  address: bigint;
  /** The instruction word as 8 hex digits (`??` when unreadable). */
  bytes: string;
  text: string;
  symbol?: string;
  source?: { path: string; line: number };
}

export const MAX_INSTRUCTIONS = 10_000;

/**
 * Maps addresses of a thread to link addresses (identity when an image knows the address,
 * else the first-stage translation), caching one walk per page.
 */
export class LinkResolver {
  private readonly pages = new Map<bigint, bigint | null>();
  readonly images: Image[];

  constructor(private readonly t: InspectTarget, private readonly s: ThreadState) {
    this.images = imagesOf(t, s);
  }

  private known(a: bigint): boolean {
    return this.images.some((im) => im.sections.some((x) => x.alloc && a >= x.address && a < x.address + BigInt(x.size)));
  }

  link(a: bigint): bigint | undefined {
    if (this.known(a)) return a;
    const page = a >> 12n;
    let base = this.pages.get(page);
    if (base === undefined) {
      const w = walk(this.t.machine, this.s.regs, page << 12n, 'debug', { pmpHart: this.s.hart.id });
      base = w.gpa === null ? null : w.gpa;
      this.pages.set(page, base);
    }
    return base === null ? undefined : base + (a & 0xfffn);
  }

  symbol(a: bigint): string | undefined {
    const l = this.link(a);
    const s = l === undefined ? undefined : symbolAt(this.images, l);
    return s === undefined ? undefined : symbolText(s);
  }

  source(a: bigint): { path: string; line: number } | undefined {
    const l = this.link(a);
    return l === undefined ? undefined : sourceAt(this.images, l);
  }
}

export function disassemble(t: InspectTarget, ctx: ThreadContext, memoryReference: bigint, instructionOffset: number, count: number): DisassembledLine[] {
  if (!Number.isSafeInteger(instructionOffset)) throw new InspectError(`bad instruction offset ${instructionOffset}`);
  if (!Number.isInteger(count) || count < 0 || count > MAX_INSTRUCTIONS) throw new InspectError(`bad instruction count ${count} (0..${MAX_INSTRUCTIONS})`);
  const s = resolveThread(t, ctx);
  const links = new LinkResolver(t, s);
  const start = BigInt.asUintN(64, memoryReference + 4n * BigInt(instructionOffset));
  const out: DisassembledLine[] = [];
  for (let k = 0; k < count; k++) {
    const address = BigInt.asUintN(64, start + 4n * BigInt(k));
    const r = readMemory(t, ctx, address, 4, 'virtual');
    const symbol = links.symbol(address);
    const source = links.source(address);
    const extra = { ...(symbol === undefined ? {} : { symbol }), ...(source === undefined ? {} : { source }) };
    if (r.data.length < 4) { out.push({ address, bytes: '??', text: '??', ...extra }); continue; }
    const word = (r.data[0] | (r.data[1] << 8) | (r.data[2] << 16) | (r.data[3] << 24)) >>> 0;
    const d = disassembleWord(word, address, (a) => links.symbol(a));
    out.push({ address, bytes: word.toString(16).padStart(8, '0'), text: d.text, ...extra });
  }
  return out;
}
