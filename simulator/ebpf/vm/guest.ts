/**
 * The guest-window helpers (events.ts ids 0x1000-0x1002): a callback reads guest virtual memory
 * through an interface the hypervisor provides, which walks the guest's own page tables. Every
 * access is limited to the program's permitted guest range (the `.range` directive,
 * HcbProgram.range: [start, end)); a program without one may read nothing.
 *
 * Contract (all three never throw for a guest-side problem, whatever the guest memory does):
 * - `guest_read(dst, size, gva)`: copies `size` bytes at `gva` to `dst` (stack or map value,
 *   writable, checked like a store: a bad `dst` is a RuntimeCheckError of the program, as any
 *   bad store). Returns 0, or GUEST_EACCES (-13) when [gva, gva+size) is not inside the range,
 *   or GUEST_EFAULT (-14) when the guest memory reports a fault (or throws, or answers with the
 *   wrong length); on an error `dst` is zeroed. size 0 returns 0 and touches nothing.
 * - `guest_read_u64(gva)`: the little-endian u64 at gva, or 0 when it cannot be read (outside
 *   the range or a fault).
 * - `guest_translate(gva)`: the guest physical address of gva, or -1 (all ones) when gva is
 *   outside the range, the guest memory has no `translate`, or translation faults.
 */
import type { GuestRange } from '../program';
import { RuntimeCheckError } from './memory';
import { ptrOf, u64, type HelperImpl } from './vm';

/** Guest virtual memory as the hypervisor exposes it (translation through the guest's page tables). */
export interface GuestMemory {
  /** `length` bytes at `gva`, or 'fault' when some page is not mapped or not readable. */
  read(gva: bigint, length: number): Uint8Array | 'fault';
  /** The guest physical address of `gva`, or 'fault'. */
  translate?(gva: bigint): bigint | 'fault';
}

export const GUEST_EACCES = -13;
export const GUEST_EFAULT = -14;

export const HELPER_GUEST_READ = 0x1000;
export const HELPER_GUEST_READ_U64 = 0x1001;
export const HELPER_GUEST_TRANSLATE = 0x1002;

const inRange = (range: GuestRange | undefined, gva: bigint, size: number): boolean => range !== undefined && gva >= range.start && gva + BigInt(size) <= range.end && gva + BigInt(size) >= gva;

function safeRead(guest: GuestMemory, gva: bigint, size: number): Uint8Array | 'fault' {
  try {
    const r = guest.read(gva, size);
    return r instanceof Uint8Array && r.length === size ? r : 'fault';
  } catch {
    return 'fault';
  }
}

/** The three guest helpers bound to one guest memory and range, to add to a VM's helper table. */
export function guestHelpers(guest: GuestMemory, range: GuestRange | undefined): Map<number, HelperImpl> {
  const h = new Map<number, HelperImpl>();
  h.set(HELPER_GUEST_READ, (a, env) => {
    const size = a[4] >>> 0;
    if (a[5] !== 0) throw new RuntimeCheckError('helper-argument', `guest_read: size ${u64(a, 2)} is too large`);
    if (size === 0) return 0;
    const [hi, lo] = ptrOf(a, 1);
    const dst = env.mem.region(hi, lo, size, true);
    const off = lo >>> 0;
    const gva = u64(a, 3);
    const fail = (code: number): number => {
      dst.bytes.fill(0, off, off + size);
      return code;
    };
    if (!inRange(range, gva, size)) return fail(GUEST_EACCES);
    const bytes = safeRead(guest, gva, size);
    if (bytes === 'fault') return fail(GUEST_EFAULT);
    dst.bytes.set(bytes, off);
    return 0;
  });
  h.set(HELPER_GUEST_READ_U64, (a) => {
    const gva = u64(a, 1);
    if (!inRange(range, gva, 8)) return 0;
    const bytes = safeRead(guest, gva, 8);
    if (bytes === 'fault') return 0;
    return new DataView(bytes.buffer, bytes.byteOffset, 8).getBigUint64(0, true);
  });
  h.set(HELPER_GUEST_TRANSLATE, (a) => {
    const gva = u64(a, 1);
    if (!inRange(range, gva, 1) || !guest.translate) return -1;
    try {
      const gpa = guest.translate(gva);
      return typeof gpa === 'bigint' ? BigInt.asUintN(64, gpa) : -1;
    } catch {
      return -1;
    }
  });
  return h;
}
