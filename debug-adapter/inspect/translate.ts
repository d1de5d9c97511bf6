/**
 * `translate` (the Page Tables view's "translate address" and the `pt` command): the software walk
 * of an address in a thread's context, every PTE read of both stages, and whether the hart's TLB
 * holds the page now (a lookup that touches no replacement state).
 */
import type { Translation, TranslateArgs, WalkStep } from '../../protocol/hyperlab';
import { InspectError, hex, type InspectTarget, type ThreadContext } from './target';
import { resolveThread, type ThreadState } from './thread';
import { atpAsid, atpMode, atpVmid, walk, type WalkAccess, type WalkResult } from './walk';

/** Parses a `0x…` (or decimal) address of a view request. */
export function parseHex(text: unknown, what = 'address'): bigint {
  if (typeof text !== 'string') throw new InspectError(`bad ${what}: expected a 0x… string`);
  const s = text.trim();
  if (!/^(0[xX][0-9a-fA-F]+|[0-9]+)$/.test(s)) throw new InspectError(`bad ${what} '${text}': expected 0x… hex or decimal`);
  const v = BigInt(s);
  if (v >= 1n << 64n) throw new InspectError(`${what} ${text} does not fit in 64 bits`);
  return v;
}

/** The TLB slot of the hart that would translate `va` in this thread's context now, or -1. */
export function tlbSlotFor(s: ThreadState, va: bigint): number {
  const r = s.regs;
  const s1mode = r.virt ? atpMode(r.vsatp) : r.priv === 3 ? 0 : atpMode(r.satp);
  if (!r.virt && s1mode === 0) return -1;
  // The MMU keys entries by the signed 64-bit page number (high-half addresses are negative).
  const vpn = Number(BigInt.asIntN(64, va) >> 12n);
  const asid = r.virt ? atpAsid(r.vsatp) : atpAsid(r.satp);
  return s.hart.mmu.tlb.lookup(vpn, r.virt, atpVmid(r.hgatp), asid, r.virt && s1mode === 0);
}

export function toSteps(w: WalkResult): WalkStep[] {
  return w.steps.map((st) => ({ stage: st.stage, level: st.level, pteAddress: hex(st.pteAddress), pte: hex(st.pte), ...(st.note === undefined ? {} : { note: st.note }) }));
}

export function walkFor(t: InspectTarget, ctx: ThreadContext, address: bigint, access: WalkAccess): { s: ThreadState; w: WalkResult } {
  const s = resolveThread(t, ctx);
  return { s, w: walk(t.machine, s.regs, address, access, { pmpHart: s.hart.id }) };
}

export function translate(t: InspectTarget, ctx: ThreadContext, args: TranslateArgs): Translation {
  const address = parseHex(args.address);
  const access = args.access ?? 'read';
  if (!['read', 'write', 'execute'].includes(access)) throw new InspectError(`bad access '${String(access)}' (read, write or execute)`);
  const { s, w } = walkFor(t, ctx, address, access);
  return {
    address: hex(address),
    gpa: s.regs.virt && w.gpa !== null ? hex(w.gpa) : null,
    hpa: w.pa === null ? null : hex(w.pa),
    tlb: tlbSlotFor(s, address) >= 0 ? 'hit' : 'miss',
    steps: toSteps(w),
    references: w.references,
    fault: w.fault,
  };
}
