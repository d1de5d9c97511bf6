/**
 * Physical memory: one main RAM region (with a fast path the harts inline) plus MMIO devices on a
 * bus. Physical addresses are JS numbers (exact below 2^53; nothing is ever mapped above that, so
 * any larger address is simply an access fault).
 *
 * Every RAM page (4 KiB) has one byte of flags in `pageFlags`. A hart's inlined store fast path
 * only writes RAM directly when the page's flag byte is 0; any flag sends the store through
 * `write()`, which handles:
 *  - PF_CODE: the page holds decoded/compiled instructions -> invalidate them (self-modifying code);
 *  - PF_WATCH: a watched address (the `tohost` word) lives on the page -> notify the watcher;
 *  - PF_RESV: an LR reservation lies on the page -> a store to it kills the reservation;
 *  - PF_SNAP: someone (simulator/snapshot) must see the page before its next write: the first
 *    write clears the flag and calls `ram.tracker.firstWrite(page)` *before* the bytes change
 *    (copy-on-write snapshots, cached page hashes). Anything that writes RAM without going through
 *    `Bus.write` must call `ram.prepareWrite(offset, length)` first, or `ram.replaced()` when it
 *    rewrites RAM wholesale (loading an image).
 */

export const PAGE_SHIFT = 12;
export const PAGE_SIZE = 1 << PAGE_SHIFT;

export const PF_CODE = 1;
export const PF_WATCH = 2;
export const PF_RESV = 4;
export const PF_SNAP = 8;

/** Result bits of `Bus.write`. */
export const W_OK = 0;
export const W_FAULT = 1;
/** The write completed but the writer must leave its compiled block (code changed, watch hit). */
export const W_BREAK = 2;

export interface MmioDevice {
  readonly name: string;
  /** `size` is 1, 2, 4 or 8; offset relative to the device base. Return undefined for an access fault. */
  read(offset: number, size: number): bigint | undefined;
  /** Return false for an access fault. */
  write(offset: number, size: number, value: bigint): boolean;
}

interface Mapping { base: number; size: number; device: MmioDevice }

export interface Watch { address: number; size: number; onWrite: (address: number, size: number) => void }

/** Observes RAM pages flagged PF_SNAP (see the file comment). */
export interface RamTracker {
  /** Page `page` is about to be written for the first time since it was flagged. */
  firstWrite(page: number): void;
  /** RAM was rewritten wholesale (image loaded): every flagged page's previous contents are gone. */
  replaced(): void;
}

/** Something holding decoded code for RAM pages (a hart); told when one of its pages is written. */
export interface CodeCacheOwner { invalidatePage(page: number): void }

export class Ram {
  readonly u8: Uint8Array;
  readonly i8: Int8Array;
  readonly u16: Uint16Array;
  readonly i16: Int16Array;
  readonly i32: Int32Array;
  readonly pageFlags: Uint8Array;
  /** For PF_CODE pages: which 32-bit words hold decoded instructions (one byte per word). */
  readonly codeWords = new Map<number, Uint8Array>();
  /** Told about the first write to each PF_SNAP page (simulator/snapshot installs it). */
  tracker: RamTracker | undefined;

  constructor(readonly base: number, readonly size: number) {
    if (size % PAGE_SIZE !== 0 || size <= 0 || size > 0x80000000) throw new Error(`RAM size must be a positive multiple of 4 KiB up to 2 GiB, got ${size}`);
    if (base % PAGE_SIZE !== 0) throw new Error('RAM base must be 4 KiB aligned');
    const buf = new ArrayBuffer(size);
    this.u8 = new Uint8Array(buf);
    this.i8 = new Int8Array(buf);
    this.u16 = new Uint16Array(buf);
    this.i16 = new Int16Array(buf);
    this.i32 = new Int32Array(buf);
    this.pageFlags = new Uint8Array(size >>> PAGE_SHIFT);
  }

  /**
   * Must precede any write to RAM bytes [offset, offset+length) that bypasses `Bus.write`: pages
   * flagged PF_SNAP lose the flag and are shown to the tracker before they change.
   */
  prepareWrite(offset: number, length: number): void {
    if (length <= 0) return;
    const pf = this.pageFlags;
    const p1 = (offset + length - 1) >>> PAGE_SHIFT;
    for (let p = offset >>> PAGE_SHIFT; p <= p1; p++) {
      if (pf[p] & PF_SNAP) { pf[p] &= ~PF_SNAP; this.tracker?.firstWrite(p); }
    }
  }

  /** RAM is about to be rewritten wholesale (image load): drops every PF_SNAP flag and tells the tracker. */
  replaced(): void {
    const pf = this.pageFlags;
    for (let p = 0; p < pf.length; p++) pf[p] &= ~PF_SNAP;
    this.tracker?.replaced();
  }
}

const littleEndian = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

export class Bus {
  readonly ram: Ram;
  private readonly mappings: Mapping[] = [];
  private readonly watches: Watch[] = [];
  readonly codeOwners: CodeCacheOwner[] = [];
  /**
   * Per hart: the reservation set of its last LR — exactly the bytes the LR read
   * (physical address, or -1 for none) — and its size.
   */
  readonly reservations: number[] = [];
  private readonly reservationSizes: number[] = [];
  /** Out values of `read` (raw, zero-extended for sub-word sizes). */
  rlo = 0;
  rhi = 0;

  constructor(ramBase: number, ramSize: number) {
    if (!littleEndian) throw new Error('HyperLab needs a little-endian host');
    this.ram = new Ram(ramBase, ramSize);
  }

  addDevice(base: number, size: number, device: MmioDevice): void {
    for (const m of this.mappings) if (base < m.base + m.size && m.base < base + size) throw new Error(`device ${device.name} overlaps ${m.device.name}`);
    if (base < this.ram.base + this.ram.size && this.ram.base < base + size) throw new Error(`device ${device.name} overlaps RAM`);
    this.mappings.push({ base, size, device });
  }

  addWatch(w: Watch): void {
    this.watches.push(w);
    this.markFlag(w.address, w.size, PF_WATCH);
  }

  /** Removes one watch added with addWatch (a debugger's data breakpoint); its pages stay flagged (a flag only costs the slow path). */
  removeWatch(w: Watch): void {
    const i = this.watches.indexOf(w);
    if (i >= 0) this.watches.splice(i, 1);
  }

  clearWatches(): void {
    this.watches.length = 0;
    const pf = this.ram.pageFlags;
    for (let i = 0; i < pf.length; i++) pf[i] &= ~PF_WATCH;
  }

  private markFlag(address: number, size: number, flag: number): void {
    const r = this.ram;
    for (let a = address; a < address + size; a += 1) {
      const o = a - r.base;
      if (o >= 0 && o < r.size) r.pageFlags[o >>> PAGE_SHIFT] |= flag;
    }
  }

  /** Offset of `pa` in RAM if [pa, pa+size) lies inside RAM, else -1. */
  ramOffset(pa: number, size: number): number {
    const o = pa - this.ram.base;
    return o >= 0 && o + size <= this.ram.size ? o : -1;
  }

  private device(pa: number, size: number): Mapping | undefined {
    for (const m of this.mappings) if (pa >= m.base && pa + size <= m.base + m.size) return m;
    return undefined;
  }

  /** Physical read of 1/2/4/8 bytes; the access may be misaligned inside RAM. Result in rlo/rhi. */
  read(pa: number, size: number): boolean {
    const o = this.ramOffset(pa, size);
    if (o >= 0) {
      const u8 = this.ram.u8;
      if (size === 8) {
        this.rlo = u8[o] | (u8[o + 1] << 8) | (u8[o + 2] << 16) | (u8[o + 3] << 24);
        this.rhi = u8[o + 4] | (u8[o + 5] << 8) | (u8[o + 6] << 16) | (u8[o + 7] << 24);
      } else {
        let v = 0;
        for (let i = size - 1; i >= 0; i--) v = (v << 8) | u8[o + i];
        this.rlo = v; this.rhi = 0;
      }
      return true;
    }
    const m = this.device(pa, size);
    if (!m) return false;
    const v = m.device.read(pa - m.base, size);
    if (v === undefined) return false;
    this.rlo = Number(BigInt.asIntN(32, v));
    this.rhi = Number(BigInt.asIntN(32, v >> 32n));
    return true;
  }

  /** Physical write of 1/2/4/8 bytes (low `size` bytes of lo/hi). Returns W_* bits. */
  write(pa: number, size: number, lo: number, hi: number): number {
    const r = this.ram;
    const o = this.ramOffset(pa, size);
    if (o >= 0) {
      const u8 = r.u8;
      const p0 = o >>> PAGE_SHIFT, p1 = (o + size - 1) >>> PAGE_SHIFT;
      if ((r.pageFlags[p0] | r.pageFlags[p1]) & PF_SNAP) r.prepareWrite(o, size);
      for (let i = 0; i < size; i++) u8[o + i] = i < 4 ? lo >>> (8 * i) : hi >>> (8 * (i - 4));
      let res = W_OK;
      for (let p = p0; p <= p1; p++) if (r.pageFlags[p] !== 0) res |= this.flagged(p, pa, size);
      return res;
    }
    const m = this.device(pa, size);
    if (!m) return W_FAULT;
    const v = (BigInt(hi >>> 0) << 32n) | BigInt(lo >>> 0);
    return m.device.write(pa - m.base, size, BigInt.asUintN(size * 8, v)) ? W_OK : W_FAULT;
  }

  private flagged(page: number, pa: number, size: number): number {
    const r = this.ram;
    const f = r.pageFlags[page];
    let res = W_OK;
    if (f & PF_RESV) this.killReservations(pa, size);
    if (f & PF_CODE) {
      const words = r.codeWords.get(page);
      const pageStart = r.base + page * PAGE_SIZE;
      let hit = words === undefined;
      if (words) {
        const lo = Math.max(pa - pageStart, 0), hi = Math.min(pa + size - pageStart, PAGE_SIZE);
        for (let w = lo >>> 2; w <= (hi - 1) >>> 2; w++) if (words[w]) { hit = true; break; }
      }
      if (hit) {
        for (const owner of this.codeOwners) owner.invalidatePage(page);
        r.codeWords.delete(page);
        r.pageFlags[page] &= ~PF_CODE;
        res |= W_BREAK;
      }
    }
    if (f & PF_WATCH) {
      for (const w of this.watches) if (pa < w.address + w.size && w.address < pa + size) { w.onWrite(pa, size); res |= W_BREAK; }
    }
    return res;
  }

  /** Marks the 4-byte word at physical RAM address `pa` as holding decoded code. */
  markCode(pa: number): void {
    const r = this.ram;
    const o = pa - r.base;
    const page = o >>> PAGE_SHIFT;
    let words = r.codeWords.get(page);
    if (!words) { words = new Uint8Array(PAGE_SIZE >>> 2); r.codeWords.set(page, words); }
    words[(o & (PAGE_SIZE - 1)) >>> 2] = 1;
    r.pageFlags[page] |= PF_CODE;
  }

  /** Drops all code marks (fence.i, load). */
  clearCode(): void {
    const r = this.ram;
    for (const page of r.codeWords.keys()) r.pageFlags[page] &= ~PF_CODE;
    r.codeWords.clear();
  }

  reserve(hart: number, pa: number, size: number): void {
    const old = this.reservations[hart] ?? -1;
    this.reservations[hart] = pa;
    this.reservationSizes[hart] = size;
    this.refreshResvFlag(old);
    this.markFlag(pa, 1, PF_RESV);
  }

  /**
   * SC check: does `hart` hold a reservation for the `size` bytes at pa (same address, inside the
   * reserved bytes)? Always clears the hart's reservation.
   */
  takeReservation(hart: number, pa: number, size: number): boolean {
    const g = this.reservations[hart] ?? -1;
    this.reservations[hart] = -1;
    this.refreshResvFlag(g);
    return g >= 0 && g === pa && size <= this.reservationSizes[hart];
  }

  /** Any store (any hart, device or debugger) overlapping a reservation set kills that reservation. */
  private killReservations(pa: number, size: number): void {
    for (let h = 0; h < this.reservations.length; h++) {
      const g = this.reservations[h];
      if (g >= 0 && pa < g + this.reservationSizes[h] && g < pa + size) { this.reservations[h] = -1; this.refreshResvFlag(g); }
    }
  }

  private refreshResvFlag(g: number): void {
    if (g < 0) return;
    const o = g - this.ram.base;
    if (o < 0 || o >= this.ram.size) return;
    const page = o >>> PAGE_SHIFT;
    for (const other of this.reservations) if (other >= 0 && ((other - this.ram.base) >>> PAGE_SHIFT) === page) return;
    this.ram.pageFlags[page] &= ~PF_RESV;
  }
}
