/**
 * CLINT (the SiFive core-local interruptor, register-compatible with the ACLINT MSWI + MTIMER
 * devices laid out as QEMU virt does at 0x2000000):
 *
 * | offset | register | |
 * |---|---|---|
 * | 0x0000 + 4*h | msip[h] | bit 0 drives hart h's MSIP line; other bits read 0 |
 * | 0x4000 + 8*h | mtimecmp[h] | 64-bit; MTIP of hart h = (mtime >= mtimecmp[h]) |
 * | 0xbff8 | mtime | 64-bit, counts at the timebase (virtual cycles / cyclesPerTick) |
 *
 * 64-bit registers accept 8-byte accesses and 4-byte accesses to either half. mtime is derived
 * from virtual time, never stored: mtime = floor(cycles / cyclesPerTick) + offset, where a write to
 * mtime changes the offset. Each hart's compare is an event at the exact cycle where mtime reaches
 * mtimecmp, so MTIP rises at an instruction boundary at that cycle. mtimecmp resets to all ones
 * (no interrupt), as on QEMU.
 *
 * A software interrupt written by one hart for another reaches the target `ipiLatency` cycles
 * later (the register reads back at once); writes for oneself and clears take effect at once.
 */
import type { MmioDevice } from '../machine/bus';
import type { EventId } from '../machine/events';
import { IRQ, type Platform } from './platform';

export const CLINT_BASE = 0x2000000;
export const CLINT_SIZE = 0x10000;
const MTIMECMP = 0x4000;
const MTIME = 0xbff8;
const ALL_ONES = (1n << 64n) - 1n;

export class Clint implements MmioDevice {
  readonly name = 'clint';
  private readonly msip: Uint8Array;
  private readonly mtimecmp: bigint[];
  private readonly timerEvents: (EventId | undefined)[];
  private offset = 0n;

  constructor(private readonly platform: Platform) {
    const n = platform.hartCount;
    this.msip = new Uint8Array(n);
    this.mtimecmp = new Array<bigint>(n).fill(ALL_ONES);
    this.timerEvents = new Array<EventId | undefined>(n).fill(undefined);
  }

  reset(): void {
    for (let h = 0; h < this.msip.length; h++) {
      this.msip[h] = 0;
      this.mtimecmp[h] = ALL_ONES;
      this.platform.setIrqLine(h, IRQ.MSIP, false, this.name);
      this.update(h);
    }
    this.offset = 0n;
  }

  /** Current mtime (as seen by the hart executing now). */
  mtime(): bigint {
    return BigInt.asUintN(64, BigInt(Math.floor(this.platform.now() / this.platform.cyclesPerTick)) + this.offset);
  }

  /** The cycle at which mtime reaches `value`, or undefined if beyond any run (2^53 cycles). */
  cycleOf(value: bigint): number | undefined {
    const at = (value - this.offset) * BigInt(this.platform.cyclesPerTick);
    return at > BigInt(Number.MAX_SAFE_INTEGER) ? undefined : Number(at < 0n ? 0n : at);
  }

  getMtimecmp(hart: number): bigint { return this.mtimecmp[hart]; }

  setMtimecmp(hart: number, value: bigint): void {
    this.mtimecmp[hart] = BigInt.asUintN(64, value);
    this.update(hart);
  }

  /** Recomputes hart h's MTIP line and (re)schedules its compare event. */
  private update(h: number): void {
    const p = this.platform;
    const ev = this.timerEvents[h];
    if (ev !== undefined) { p.cancel(ev); this.timerEvents[h] = undefined; }
    const cmp = this.mtimecmp[h];
    if (this.mtime() >= cmp) { p.setIrqLine(h, IRQ.MTIP, true, this.name); return; }
    p.setIrqLine(h, IRQ.MTIP, false, this.name);
    const at = this.cycleOf(cmp);
    if (at === undefined) return; // beyond any run
    this.timerEvents[h] = p.schedule(at, () => { this.timerEvents[h] = undefined; this.update(h); }, `clint.mtimecmp[${h}]`);
  }

  read(offset: number, size: number): bigint | undefined {
    const n = this.msip.length;
    if (offset < MTIMECMP) {
      const h = offset >>> 2;
      if (size !== 4 || (offset & 3) !== 0 || h >= n) return offset < 4 * n ? undefined : 0n;
      return BigInt(this.msip[h]);
    }
    if (offset >= MTIMECMP && offset < MTIMECMP + 8 * n) return this.half(this.mtimecmp[(offset - MTIMECMP) >>> 3], offset & 7, size);
    if (offset >= MTIME && offset < MTIME + 8) return this.half(this.mtime(), offset - MTIME, size);
    return size <= 8 && offset + size <= CLINT_SIZE ? 0n : undefined;
  }

  private half(v: bigint, at: number, size: number): bigint | undefined {
    if (size === 8 && at === 0) return v;
    if (size === 4 && (at === 0 || at === 4)) return (v >> BigInt(at * 8)) & 0xffffffffn;
    return undefined;
  }

  private merge(old: bigint, at: number, size: number, value: bigint): bigint | undefined {
    if (size === 8 && at === 0) return value;
    if (size !== 4 || (at !== 0 && at !== 4)) return undefined;
    const sh = BigInt(at * 8);
    return (old & ~(0xffffffffn << sh)) | ((value & 0xffffffffn) << sh);
  }

  write(offset: number, size: number, value: bigint): boolean {
    const n = this.msip.length;
    const p = this.platform;
    if (offset < MTIMECMP) {
      const h = offset >>> 2;
      if (size !== 4 || (offset & 3) !== 0) return false;
      if (h >= n) return true;
      this.writeMsip(h, Number(value & 1n));
      return true;
    }
    if (offset >= MTIMECMP && offset < MTIMECMP + 8 * n) {
      const h = (offset - MTIMECMP) >>> 3;
      const v = this.merge(this.mtimecmp[h], offset & 7, size, value);
      if (v === undefined) return false;
      this.setMtimecmp(h, v);
      return true;
    }
    if (offset >= MTIME && offset < MTIME + 8) {
      const v = this.merge(this.mtime(), offset - MTIME, size, value);
      if (v === undefined) return false;
      this.offset = v - BigInt(Math.floor(p.now() / p.cyclesPerTick));
      for (let h = 0; h < n; h++) this.update(h);
      return true;
    }
    return size <= 8 && offset + size <= CLINT_SIZE;
  }

  private writeMsip(h: number, bit: number): void {
    const p = this.platform;
    this.msip[h] = bit;
    const from = p.currentHart();
    if (bit === 0 || from === h || from < 0) { p.setIrqLine(h, IRQ.MSIP, bit === 1, this.name); return; }
    const now = p.now();
    p.noteIpi(from, h, 'clint');
    p.schedule(now + p.costs.ipiLatency, () => p.setIrqLine(h, IRQ.MSIP, this.msip[h] === 1, this.name), `clint.msip[${h}]`);
  }
}
