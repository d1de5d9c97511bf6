/**
 * Copy-on-write RAM for snapshots, and cached per-page hashes, on top of the bus's PF_SNAP flag.
 *
 * A page "armed" with PF_SNAP has not been written since it was armed. Its first write goes
 * through `Bus.write` (the harts' inlined store fast path only handles pages whose flag byte is 0)
 * or `Ram.prepareWrite`, which clear the flag and call {@link PageTracker.firstWrite} *before* the
 * bytes change. The tracker then
 *  - copies the page into the newest snapshot's layer, if that layer does not hold it yet, and
 *  - forgets the page's cached hash.
 *
 * Layers: snapshot k keeps, for every page first written after it was taken (and before the next
 * snapshot, or now), the page's contents at the time of snapshot k. The contents of page p at
 * snapshot k are therefore found in the first of layers k, k+1, ..., newest that holds p, else in
 * RAM now (p has not been written since snapshot k). Taking a snapshot only arms every page (one
 * flag byte per 4 KiB page); restoring one copies back exactly the pages held by it and the newer
 * layers, i.e. the pages written since.
 */
import { PAGE_SHIFT, PAGE_SIZE, PF_SNAP, type Ram, type RamTracker } from '../machine/bus';

export type Layer = Map<number, Uint8Array>;

export class PageTracker implements RamTracker {
  /** Layers, oldest first; copies go into the last. */
  readonly layers: Layer[] = [];
  /** Bytes copied into layers by first writes (the cost of keeping snapshots). */
  bytesCopied = 0;
  /** Bytes copied back into RAM by restores. */
  bytesRestored = 0;
  /** Bumped whenever RAM is rewritten wholesale (an image load): older layers are void. */
  epoch = 0;
  private readonly hashLo: Uint32Array;
  private readonly hashHi: Uint32Array;
  /** Page hash cached and valid (page armed since it was hashed). */
  private readonly hashed: Uint8Array;

  private constructor(readonly ram: Ram) {
    const pages = ram.size >>> PAGE_SHIFT;
    this.hashLo = new Uint32Array(pages);
    this.hashHi = new Uint32Array(pages);
    this.hashed = new Uint8Array(pages);
    ram.tracker = this;
  }

  /** The RAM's tracker (installed on first use). */
  static of(ram: Ram): PageTracker {
    const t = ram.tracker;
    if (t instanceof PageTracker) return t;
    if (t !== undefined) throw new Error('RAM already has another tracker');
    return new PageTracker(ram);
  }

  get pages(): number { return this.hashed.length; }

  firstWrite(page: number): void {
    this.hashed[page] = 0;
    const n = this.layers.length;
    if (n === 0) return;
    const top = this.layers[n - 1];
    if (top.has(page)) return;
    const o = page << PAGE_SHIFT;
    top.set(page, this.ram.u8.slice(o, o + PAGE_SIZE));
    this.bytesCopied += PAGE_SIZE;
  }

  replaced(): void {
    this.hashed.fill(0);
    this.layers.length = 0;
    this.epoch++;
  }

  /** Flags every page PF_SNAP (O(pages) flag bytes, no copying). */
  armAll(): void {
    const pf = this.ram.pageFlags;
    for (let p = 0; p < pf.length; p++) pf[p] |= PF_SNAP;
  }

  /** Starts a new (empty) newest layer and arms every page. */
  pushLayer(): Layer {
    const l: Layer = new Map();
    this.layers.push(l);
    this.armAll();
    return l;
  }

  /**
   * Drops layer i, handing the pages it holds to the layer before it where that one lacks them
   * (they describe the older snapshot too: the page had not changed in between).
   */
  dropLayer(i: number): void {
    const l = this.layers[i];
    if (i > 0) {
      const prev = this.layers[i - 1];
      for (const [p, data] of l) if (!prev.has(p)) prev.set(p, data);
    }
    this.layers.splice(i, 1);
  }

  /**
   * Puts RAM back as it was when layer i was started: copies back the pages held by layers
   * i..newest (first holder wins), drops the newer layers, empties layer i (RAM now equals it)
   * and re-arms every page. Returns the pages copied.
   */
  rewindTo(i: number): number {
    const u8 = this.ram.u8;
    const done = new Set<number>();
    for (let k = i; k < this.layers.length; k++) {
      for (const [p, data] of this.layers[k]) {
        if (done.has(p)) continue;
        done.add(p);
        u8.set(data, p << PAGE_SHIFT);
        this.hashed[p] = 0;
      }
    }
    this.layers.length = i + 1;
    this.layers[i].clear();
    this.bytesRestored += done.size * PAGE_SIZE;
    this.armAll();
    return done.size;
  }

  /** Bytes held by all layers. */
  get bytesHeld(): number {
    let n = 0;
    for (const l of this.layers) n += l.size * PAGE_SIZE;
    return n;
  }

  /**
   * Hash of page p (two 32-bit lanes), cached until the page is written: hashing arms the page,
   * so its next write invalidates the cache (and, with snapshots, copies it as any first write).
   */
  pageHash(p: number): [number, number] {
    if (this.hashed[p] && (this.ram.pageFlags[p] & PF_SNAP)) return [this.hashLo[p], this.hashHi[p]];
    const w = this.ram.i32;
    let a = 0x811c9dc5 ^ p, b = 0x9e3779b9 ^ Math.imul(p, 0x85ebca6b);
    for (let i = p << (PAGE_SHIFT - 2), end = i + (PAGE_SIZE >>> 2); i < end; i++) {
      const x = w[i];
      a = Math.imul(a ^ x, 0x01000193);
      b = Math.imul(b ^ x, 0x5bd1e995);
      b ^= b >>> 15;
    }
    a >>>= 0; b >>>= 0;
    this.hashLo[p] = a; this.hashHi[p] = b; this.hashed[p] = 1;
    this.ram.pageFlags[p] |= PF_SNAP;
    return [a, b];
  }
}
