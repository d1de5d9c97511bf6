/**
 * The execution memory model. Every region (context, stack, map values, the conformance "mem",
 * the guest window) gets its own 4 GiB slot of the 64-bit address space: the high 32 bits of
 * a pointer select the region (`REGION_HI_BASE + index`), the low 32 bits are the offset inside
 * it. Engines keep 64-bit registers as (lo, hi) int32 pairs, so a region lookup is an array
 * index and a bounds check — no BigInt, no doubles. Any access outside a region, or a store to a
 * read-only one, throws `RuntimeCheckError`.
 */

export type RuntimeCheckKind =
  | 'out-of-bounds'
  | 'read-only'
  | 'bad-helper'
  | 'helper-argument'
  | 'division-by-zero'
  | 'invalid-instruction'
  | 'call-depth'
  | 'budget'
  | 'misaligned';

/** A run-time safety check failed. `slot` is the instruction's slot when known. */
export class RuntimeCheckError extends Error {
  constructor(
    readonly kind: RuntimeCheckKind,
    message: string,
    public slot?: number,
  ) {
    super(message);
  }
}

export type RegionKind = 'context' | 'stack' | 'map-value' | 'mem' | 'guest' | 'other';

export interface Region {
  kind: RegionKind;
  name: string;
  bytes: Uint8Array;
  view: DataView;
  size: number;
  writable: boolean;
  /** High 32 bits of pointers into this region. */
  hi: number;
  /**
   * A region whose bytes are not in host memory (the guest window): every load asks it for
   * `size` bytes at `offset` (bounds already checked) and reads them from the returned view's
   * byte 0. The engines' inline paths see a 0-byte view for it and so always take the slow path.
   */
  load?: (offset: number, size: number) => DataView;
}

export const REGION_HI_BASE = 0x100;
/** High word of map handles (`lddw rX, map` yields MAP_HANDLE_HI:index). */
export const MAP_HANDLE_HI = 0xff;

const hex = (n: number): string => `0x${(n >>> 0).toString(16)}`;

export class Memory {
  readonly regions: Region[] = [];
  /** Per region index (hi - REGION_HI_BASE): views, sizes and writability, for the engines' inline fast paths. */
  readonly views: DataView[] = [];
  readonly sizes: number[] = [];
  readonly writable: boolean[] = [];
  /** Per region index: the view of a writable region, undefined for a read-only one (compiled stores). */
  readonly writableViews: (DataView | undefined)[] = [];
  /** Set by `ld64`: the high half of the last 64-bit load. */
  hi = 0;

  addRegion(kind: RegionKind, bytes: Uint8Array, writable: boolean, name: string = kind): Region {
    const r: Region = {
      kind,
      name,
      bytes,
      view: new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength),
      size: bytes.byteLength,
      writable,
      hi: REGION_HI_BASE + this.regions.length,
    };
    this.regions.push(r);
    this.views.push(r.view);
    this.sizes.push(r.size);
    this.writable.push(writable);
    this.writableViews.push(writable ? r.view : undefined);
    return r;
  }

  /**
   * A read-only region of `size` bytes served by `load` (the guest window). Its inline-path size
   * is 0, so compiled and interpreted loads always come through `ld*`, which call `load`.
   */
  addLoadedRegion(kind: RegionKind, size: number, load: (offset: number, size: number) => DataView, name: string = kind): Region {
    const empty = new Uint8Array(0);
    const r: Region = { kind, name, bytes: empty, view: new DataView(empty.buffer), size, writable: false, hi: REGION_HI_BASE + this.regions.length, load };
    this.regions.push(r);
    this.views.push(r.view);
    this.sizes.push(0);
    this.writable.push(false);
    this.writableViews.push(undefined);
    return r;
  }

  /** Replaces a region's backing bytes (same slot, same pointers). */
  rebind(r: Region, bytes: Uint8Array): void {
    r.bytes = bytes;
    r.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    r.size = bytes.byteLength;
    const k = r.hi - REGION_HI_BASE;
    this.views[k] = r.view;
    this.sizes[k] = r.size;
    this.writableViews[k] = r.writable ? r.view : undefined;
  }

  /** The 64-bit address of `offset` in region `r`, as a BigInt (for tooling and tests). */
  static address(r: Region, offset = 0): bigint {
    return (BigInt(r.hi) << 32n) + BigInt(offset);
  }

  region(hi: number, lo: number, size: number, write: boolean): Region {
    const r = this.regions[hi - REGION_HI_BASE];
    const off = lo >>> 0;
    if (r === undefined || off + size > r.size) {
      throw new RuntimeCheckError('out-of-bounds', `${write ? 'store to' : 'load from'} ${hex(hi)}_${hex(lo).slice(2).padStart(8, '0')} (${size} bytes) is outside every memory region${r ? ` (${r.name} has ${r.size} bytes)` : ''}`);
    }
    if (write && !r.writable) throw new RuntimeCheckError('read-only', `store to the read-only ${r.name} region at offset ${off}`);
    return r;
  }

  /** The view and offset to read `size` bytes at (hi, lo) from, after the bounds check. */
  private loadAt(hi: number, lo: number, size: number): [DataView, number] {
    const r = this.region(hi, lo, size, false);
    return r.load ? [r.load(lo >>> 0, size), 0] : [r.view, lo >>> 0];
  }

  ld8(hi: number, lo: number): number {
    const [v, o] = this.loadAt(hi, lo, 1);
    return v.getUint8(o);
  }
  ld16(hi: number, lo: number): number {
    const [v, o] = this.loadAt(hi, lo, 2);
    return v.getUint16(o, true);
  }
  ld32(hi: number, lo: number): number {
    const [v, o] = this.loadAt(hi, lo, 4);
    return v.getInt32(o, true);
  }
  /** Returns the low half; the high half is left in `this.hi`. */
  ld64(hi: number, lo: number): number {
    const [v, o] = this.loadAt(hi, lo, 8);
    this.hi = v.getInt32(o + 4, true);
    return v.getInt32(o, true);
  }
  st8(hi: number, lo: number, v: number): void {
    this.region(hi, lo, 1, true).bytes[lo >>> 0] = v;
  }
  st16(hi: number, lo: number, v: number): void {
    this.region(hi, lo, 2, true).view.setUint16(lo >>> 0, v, true);
  }
  st32(hi: number, lo: number, v: number): void {
    this.region(hi, lo, 4, true).view.setInt32(lo >>> 0, v, true);
  }
  st64(hi: number, lo: number, vl: number, vh: number): void {
    const r = this.region(hi, lo, 8, true);
    const o = lo >>> 0;
    r.view.setInt32(o, vl, true);
    r.view.setInt32(o + 4, vh, true);
  }

  /** Copies `size` bytes at a 64-bit pointer (for helpers). */
  read(ptr: bigint, size: number): Uint8Array {
    const hi = Number(ptr >> 32n) | 0;
    const lo = Number(ptr & 0xffffffffn) | 0;
    const [v, o] = this.loadAt(hi, lo, size);
    return new Uint8Array(v.buffer, v.byteOffset + o, size).slice();
  }
  write(ptr: bigint, data: Uint8Array): void {
    const hi = Number(ptr >> 32n) | 0;
    const lo = Number(ptr & 0xffffffffn) | 0;
    const r = this.region(hi, lo, data.length, true);
    r.bytes.set(data, lo >>> 0);
  }
}
