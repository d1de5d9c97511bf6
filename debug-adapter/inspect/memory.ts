/**
 * Memory as a thread sees it: 'virtual' through the thread's current translation (software walk,
 * see walk.ts), 'physical' = machine (host) physical, 'guest-physical' = a vCPU's guest-physical
 * space through its VM's G-stage.
 *
 * Only RAM is read or written: device registers have side effects on read (a UART receive
 * register pops a byte), so they count as unreadable. Reads copy RAM bytes directly; writes go
 * through `Machine.writeMemory` (the bus), which keeps compiled code, LR/SC reservations, watches
 * and copy-on-write snapshots coherent.
 *
 * Guest RAM the hypervisor has not mapped in the G-stage yet (it maps pages on first touch) is
 * read and written at the host address the hypervisor would map it to, so a debugger sees what
 * the guest would see on its first access.
 */
import { InspectError, hex, type InspectTarget, type ThreadContext } from './target';
import { resolveThread, type ThreadState } from './thread';
import { walk, type WalkResult } from './walk';

export type AddressSpace = 'virtual' | 'physical' | 'guest-physical';

/** Largest single read or write (the Memory Inspector asks for a few KiB at a time). */
export const MAX_TRANSFER = 16 * 1024 * 1024;
const PAGE = 4096n;

/** Translates one address of a space for a debug access: the physical address, or why not. */
export function debugTranslate(t: InspectTarget, s: ThreadState, address: bigint, space: AddressSpace): { pa: bigint } | { error: string; walk?: WalkResult } {
  const a = BigInt.asUintN(64, address);
  if (space === 'physical') return { pa: a };
  const vm = s.vm;
  const gFallback = vm === undefined ? undefined : (gpa: bigint): bigint | undefined => {
    if (gpa > BigInt(Number.MAX_SAFE_INTEGER)) return undefined;
    const h = vm.hpaOf(Number(gpa));
    return h === undefined ? undefined : BigInt(h);
  };
  if (space === 'guest-physical') {
    if (vm === undefined) throw new InspectError('guest-physical addresses exist only for a VM thread');
    const w = walk(t.machine, { ...s.regs, virt: true, vsatp: 0n, priv: 1 }, a, 'debug', { pmpHart: s.hart.id, gFallback });
    return w.pa === null ? { error: w.fault ?? 'no translation', walk: w } : { pa: w.pa };
  }
  const w = walk(t.machine, s.regs, a, 'debug', { pmpHart: s.hart.id, gFallback });
  return w.pa === null ? { error: w.fault ?? 'no translation', walk: w } : { pa: w.pa };
}

function checkLength(length: number): void {
  if (!Number.isInteger(length) || length < 0) throw new InspectError(`bad length ${length}: a non-negative integer is needed`);
  if (length > MAX_TRANSFER) throw new InspectError(`${length} bytes is too much at once (at most ${MAX_TRANSFER})`);
}

/** RAM offset of [pa, pa + n) or -1. */
function ramOffset(t: InspectTarget, pa: bigint, n: number): number {
  const ram = t.machine.bus.ram;
  if (pa < BigInt(ram.base) || pa + BigInt(n) > BigInt(ram.base + ram.size)) return -1;
  return Number(pa) - ram.base;
}

/** Splits [address, address + length) at page boundaries (of the space), translating each piece. */
function* pieces(t: InspectTarget, s: ThreadState, address: bigint, length: number, space: AddressSpace): Generator<{ at: number; n: number; pa: bigint } | { at: number; error: string }> {
  let done = 0;
  while (done < length) {
    const a = BigInt.asUintN(64, address + BigInt(done));
    const n = Math.min(length - done, Number(PAGE - (a % PAGE)));
    const r = debugTranslate(t, s, a, space);
    if ('error' in r) { yield { at: done, error: r.error }; return; }
    yield { at: done, n, pa: r.pa };
    done += n;
  }
}

export interface MemoryRead {
  /** The bytes readable from the start. */
  data: Uint8Array;
  /** Bytes after them that could not be read. */
  unreadable: number;
  /** Why the read stopped early, if it did. */
  reason?: string;
}

export function readMemory(t: InspectTarget, ctx: ThreadContext, address: bigint, length: number, space: AddressSpace): MemoryRead {
  checkLength(length);
  const s = resolveThread(t, ctx);
  const out = new Uint8Array(length);
  const u8 = t.machine.bus.ram.u8;
  let got = 0;
  let reason: string | undefined;
  for (const p of pieces(t, s, address, length, space)) {
    if ('error' in p) { reason = p.error; break; }
    const o = ramOffset(t, p.pa, p.n);
    if (o < 0) {
      // Part of the piece may still be RAM (a range running off the end of RAM).
      let k = 0;
      while (k < p.n && ramOffset(t, p.pa + BigInt(k), 1) >= 0) { out[p.at + k] = u8[ramOffset(t, p.pa + BigInt(k), 1)]; k++; }
      got += k;
      reason = `no RAM at physical ${hex(p.pa + BigInt(k))}`;
      break;
    }
    out.set(u8.subarray(o, o + p.n), p.at);
    got += p.n;
  }
  return { data: out.slice(0, got), unreadable: length - got, ...(reason === undefined ? {} : { reason }) };
}

/**
 * Writes bytes through the thread's translation (or physically) and returns how many were
 * written; throws when not even the first byte can be written, with the reason.
 */
export function writeMemory(t: InspectTarget, ctx: ThreadContext, address: bigint, data: Uint8Array, space: AddressSpace): number {
  checkLength(data.length);
  const s = resolveThread(t, ctx);
  let written = 0;
  let reason: string | undefined;
  for (const p of pieces(t, s, address, data.length, space)) {
    if ('error' in p) { reason = p.error; break; }
    let n = p.n;
    while (n > 0 && ramOffset(t, p.pa, n) < 0) n--;
    if (n > 0) t.machine.writeMemory(p.pa, data.subarray(p.at, p.at + n));
    written += n;
    if (n < p.n) { reason = `no RAM at physical ${hex(p.pa + BigInt(n))}`; break; }
  }
  if (written === 0 && data.length > 0) throw new InspectError(`cannot write ${hex(address)}: ${reason ?? 'not writable'}`);
  return written;
}

/** Reads `size` (1, 2, 4, 8) little-endian bytes, or throws with the reason. */
export function readValue(t: InspectTarget, ctx: ThreadContext, address: bigint, size: number, space: AddressSpace = 'virtual', column?: number): bigint {
  const r = readMemory(t, ctx, address, size, space);
  if (r.data.length < size) throw new InspectError(`cannot read ${size} byte${size === 1 ? '' : 's'} at ${hex(address)}: ${r.reason ?? 'unreadable'}`, column);
  let v = 0n;
  for (let i = size - 1; i >= 0; i--) v = (v << 8n) | BigInt(r.data[i]);
  return v;
}
