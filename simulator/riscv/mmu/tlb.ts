/**
 * The modelled TLB: set-associative, deterministic replacement (LRU, FIFO or a seeded xorshift
 * PRNG), entries tagged with ASID, VMID, the virtualisation mode and the global bit.
 *
 * Each entry maps one 4 KiB virtual page (a superpage is cached as the 4 KiB fragment that was
 * accessed, remembering the leaf level so that an address-specific fence drops every fragment of
 * it). For two-stage translations the entry holds the combined VA -> PA result, the guest physical
 * page, and both stages' leaf permission bits; permissions are re-checked on every hit against the
 * current privilege/SUM/MXR. A stale entry keeps being used until a fence or replacement drops it.
 */
import type { Replacement, TlbGeometry } from './api';

/** Entry flag bits (besides the stage-1 PTE byte in bits 0-7 and the G-stage PTE byte in 8-15). */
export const E_VIRT = 1 << 16, E_S1BARE = 1 << 17, E_GBARE = 1 << 18;
const PTE_G = 0x20;

export interface TlbMatch {
  /** Drop non-virtual (V=0) or virtual (V=1) entries. */
  virt: boolean;
  /** Only this VMID (virtual entries). */
  vmid?: number;
  /** Only entries mapping this 4 KiB virtual page number (any fragment of the same leaf). */
  vpn?: number;
  /** Only this ASID; global entries survive. */
  asid?: number;
  /** Only entries whose G-stage leaf maps this guest physical page number. */
  gpn?: number;
  /** Keep entries without a VS stage (vsatp was Bare): hfence.vvma does not affect them. */
  vsStageOnly?: boolean;
}

export class Tlb {
  readonly sets: number;
  readonly ways: number;
  readonly replacement: Replacement;
  readonly size: number;
  readonly valid: Uint8Array;
  readonly vpn: Float64Array;
  readonly ppn: Float64Array;
  readonly gpn: Float64Array;
  readonly asid: Int32Array;
  readonly vmid: Int32Array;
  readonly flags: Int32Array;
  /** Leaf level of the VS/S-stage PTE (0 = 4 KiB) and of the G-stage PTE. */
  readonly level: Uint8Array;
  readonly glevel: Uint8Array;
  /** LRU stamps; index `size` is a dummy slot. `clock[0]` is the stamp counter. */
  readonly stamp: Float64Array;
  readonly clock = new Float64Array(2);
  private readonly fifo: Uint32Array;
  private rng: number;
  /** Called before an entry is dropped (replacement or fence) so host-side caches follow. */
  onDrop: (slot: number) => void = () => {};
  evictions = 0;
  fills = 0;

  constructor(g: TlbGeometry) {
    const pow2 = (n: number): boolean => n > 0 && (n & (n - 1)) === 0;
    if (!pow2(g.entries) || !pow2(g.ways) || g.ways > g.entries) throw new Error(`TLB geometry: entries and ways must be powers of two with ways <= entries (got ${g.entries}/${g.ways})`);
    this.size = g.entries; this.ways = g.ways; this.sets = g.entries / g.ways; this.replacement = g.replacement;
    this.valid = new Uint8Array(this.size);
    this.vpn = new Float64Array(this.size);
    this.ppn = new Float64Array(this.size);
    this.gpn = new Float64Array(this.size);
    this.asid = new Int32Array(this.size);
    this.vmid = new Int32Array(this.size);
    this.flags = new Int32Array(this.size);
    this.level = new Uint8Array(this.size);
    this.glevel = new Uint8Array(this.size);
    this.stamp = new Float64Array(this.size + 1);
    this.fifo = new Uint32Array(this.sets);
    this.rng = (g.seed ?? 0x2545f491) >>> 0 || 1;
  }

  /** Slot holding vpn for this context, or -1. Does not touch replacement state. */
  lookup(vpn: number, virt: boolean, vmid: number, asid: number, s1bare: boolean): number {
    const base = (vpn & (this.sets - 1)) * this.ways;
    for (let s = base; s < base + this.ways; s++) {
      if (this.valid[s] === 0 || this.vpn[s] !== vpn) continue;
      const f = this.flags[s];
      if (((f & E_VIRT) !== 0) !== virt) continue;
      if (virt && (this.vmid[s] !== vmid || ((f & E_S1BARE) !== 0) !== s1bare)) continue;
      if ((f & PTE_G) === 0 && this.asid[s] !== asid) continue;
      return s;
    }
    return -1;
  }

  /** Records a use of `slot` (LRU). */
  touch(slot: number): void { this.stamp[slot] = ++this.clock[0]; }

  private victim(set: number): number {
    const base = set * this.ways;
    for (let s = base; s < base + this.ways; s++) if (this.valid[s] === 0) return s;
    if (this.replacement === 'lru') {
      let best = base;
      for (let s = base + 1; s < base + this.ways; s++) if (this.stamp[s] < this.stamp[best]) best = s;
      return best;
    }
    if (this.replacement === 'fifo') {
      const w = this.fifo[set];
      this.fifo[set] = (w + 1) % this.ways;
      return base + w;
    }
    // xorshift32
    let x = this.rng;
    x ^= x << 13; x >>>= 0; x ^= x >>> 17; x ^= x << 5; x >>>= 0;
    this.rng = x;
    return base + (x % this.ways);
  }

  fill(vpn: number, ppn: number, gpn: number, virt: boolean, vmid: number, asid: number, flags: number, level: number, glevel: number): number {
    const set = vpn & (this.sets - 1);
    const s = this.victim(set);
    if (this.valid[s]) { this.evictions++; this.onDrop(s); } else if (this.replacement === 'fifo') {
      // Filling an empty way: keep the FIFO pointer after the newest entry.
      const base = set * this.ways;
      this.fifo[set] = (s - base + 1) % this.ways;
    }
    this.valid[s] = 1; this.vpn[s] = vpn; this.ppn[s] = ppn; this.gpn[s] = gpn;
    this.flags[s] = flags | (virt ? E_VIRT : 0); this.vmid[s] = virt ? vmid : 0; this.asid[s] = asid;
    this.level[s] = level; this.glevel[s] = glevel;
    this.touch(s);
    this.fills++;
    return s;
  }

  /** Drops every entry matching `m`; returns how many. */
  flush(m: TlbMatch): number {
    let n = 0;
    for (let s = 0; s < this.size; s++) {
      if (!this.valid[s]) continue;
      const f = this.flags[s];
      if (((f & E_VIRT) !== 0) !== m.virt) continue;
      if (m.vmid !== undefined && this.vmid[s] !== m.vmid) continue;
      if (m.vsStageOnly && (f & E_S1BARE)) continue;
      if (m.asid !== undefined && ((f & PTE_G) !== 0 || this.asid[s] !== m.asid)) continue;
      if (m.vpn !== undefined) {
        const span = 2 ** (9 * this.level[s]);
        if (Math.floor(this.vpn[s] / span) !== Math.floor(m.vpn / span)) continue;
      }
      if (m.gpn !== undefined) {
        const span = 2 ** (9 * this.glevel[s]);
        if (Math.floor(this.gpn[s] / span) !== Math.floor(m.gpn / span)) continue;
      }
      this.onDrop(s);
      this.valid[s] = 0;
      n++;
    }
    return n;
  }

  /** Drops every entry; returns how many were valid. */
  flushAll(): number {
    let n = 0;
    for (let s = 0; s < this.size; s++) if (this.valid[s]) { this.onDrop(s); this.valid[s] = 0; n++; }
    return n;
  }

  /** Valid entries (for views and tests). */
  entries(): { slot: number; vpn: number; ppn: number; gpn: number; asid: number; vmid: number; virt: boolean; global: boolean; level: number }[] {
    const out = [];
    for (let s = 0; s < this.size; s++) {
      if (!this.valid[s]) continue;
      out.push({ slot: s, vpn: this.vpn[s], ppn: this.ppn[s], gpn: this.gpn[s], asid: this.asid[s], vmid: this.vmid[s], virt: (this.flags[s] & E_VIRT) !== 0, global: (this.flags[s] & PTE_G) !== 0, level: this.level[s] });
    }
    return out;
  }
}
