/**
 * Map storage: every map's values live in one memory region of max_entries × value_size bytes,
 * so a pointer returned by `map_lookup_elem` is an ordinary region pointer. Array maps index by
 * the u32 key; hash maps keep a key → slot table and a free list.
 */
import type { MapDef } from '../program';
import type { Memory, Region } from './memory';

export class BpfMap {
  readonly region: Region;
  private readonly slots = new Map<string, number>();
  private readonly free: number[] = [];

  constructor(
    readonly def: MapDef,
    mem: Memory,
  ) {
    this.region = mem.addRegion('map-value', new Uint8Array(def.maxEntries * def.valueSize), true, `map ${def.name}`);
    if (def.type === 'hash') for (let k = def.maxEntries - 1; k >= 0; k--) this.free.push(k);
  }

  private keyString(key: Uint8Array): string {
    return Buffer.from(key).toString('hex');
  }

  /** Byte offset of the value in the region, or -1. */
  lookup(key: Uint8Array): number {
    if (this.def.type === 'array') {
      const k = new DataView(key.buffer, key.byteOffset, 4).getUint32(0, true);
      return k < this.def.maxEntries ? k * this.def.valueSize : -1;
    }
    const s = this.slots.get(this.keyString(key));
    return s === undefined ? -1 : s * this.def.valueSize;
  }

  /** 0, or a negative errno (-2 ENOENT, -7 E2BIG, -17 EEXIST, -22 EINVAL). */
  update(key: Uint8Array, value: Uint8Array, flags: bigint): number {
    if (flags > 2n) return -22;
    if (this.def.type === 'array') {
      if (flags === 1n) return -17;
      const off = this.lookup(key);
      if (off < 0) return -7;
      this.region.bytes.set(value, off);
      return 0;
    }
    const ks = this.keyString(key);
    let s = this.slots.get(ks);
    if (s !== undefined && flags === 1n) return -17;
    if (s === undefined) {
      if (flags === 2n) return -2;
      s = this.free.pop();
      if (s === undefined) return -7;
      this.slots.set(ks, s);
    }
    this.region.bytes.set(value, s * this.def.valueSize);
    return 0;
  }

  delete(key: Uint8Array): number {
    if (this.def.type === 'array') return -22;
    const ks = this.keyString(key);
    const s = this.slots.get(ks);
    if (s === undefined) return -2;
    this.slots.delete(ks);
    this.free.push(s);
    this.region.bytes.fill(0, s * this.def.valueSize, (s + 1) * this.def.valueSize);
    return 0;
  }

  get size(): number {
    return this.def.type === 'array' ? this.def.maxEntries : this.slots.size;
  }
}
