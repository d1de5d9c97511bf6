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
 * - `guest_window()`: a pointer to offset 0 of the guest window, a read-only memory region
 *   standing for the whole range (offset k = gva range.start + k). The verifier proves every
 *   load through it lies inside the range (as for a map value) and rejects stores; at run time
 *   each load reads the guest through `read`, and a load from a page that faults reads 0 — the
 *   Linux verifier's answer for probe loads, since a callback must not take the host down
 *   because the guest unmapped a page. Without a range the helper is not offered.
 */
import type { GuestRange } from '../program';
import { Memory, RuntimeCheckError } from './memory';
import { guestWindowSize } from '../verifier/platform';
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
export const HELPER_GUEST_WINDOW = 0x1003;

const inRange = (range: GuestRange | undefined, gva: bigint, size: number): boolean => range !== undefined && gva >= range.start && gva + BigInt(size) <= range.end && gva + BigInt(size) >= gva;

function safeRead(guest: GuestMemory, gva: bigint, size: number): Uint8Array | 'fault' {
  try {
    const r = guest.read(gva, size);
    return r instanceof Uint8Array && r.length === size ? r : 'fault';
  } catch {
    return 'fault';
  }
}

/** The guest window's region in `mem`: loads read the guest at range.start + offset (0 on a fault). */
function addGuestWindow(mem: Memory, guest: GuestMemory, range: GuestRange, size: number): bigint {
  const region = mem.addLoadedRegion('guest', size, (offset, n) => {
    const bytes = safeRead(guest, range.start + BigInt(offset), n);
    const out = bytes === 'fault' ? new Uint8Array(n) : bytes;
    return new DataView(out.buffer, out.byteOffset, n);
  }, 'guest window');
  return Memory.address(region);
}

/**
 * The guest helpers bound to one guest memory and range, to add to a VM's helper table. With
 * `mem` (the VM's memory) and a range, `guest_window` is offered too.
 */
export function guestHelpers(guest: GuestMemory, range: GuestRange | undefined, mem?: Memory): Map<number, HelperImpl> {
  const h = new Map<number, HelperImpl>();
  const windowSize = guestWindowSize(range);
  if (mem && range && windowSize !== undefined) {
    const window = addGuestWindow(mem, guest, range, windowSize);
    h.set(HELPER_GUEST_WINDOW, () => window);
  }
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
