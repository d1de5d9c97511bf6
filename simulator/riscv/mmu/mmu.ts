/**
 * The hart's MMU: Sv39/Sv48 (VS-stage and HS/S-stage), Sv39x4/Sv48x4 G-stage, PMP, the modelled
 * TLB and the host-side translation caches. Written from the privileged spec 1.12 and the H
 * extension 1.0.
 *
 * A/D bits: the base-spec behaviour (Svade). A leaf with A = 0, or D = 0 for a store/AMO, raises a
 * page fault (guest-page fault in the G-stage); the hardware never writes PTEs. A TLB entry caches
 * the D bit it was filled with, so after software sets D it must fence the page (as it must for any
 * PTE change) — the stale entry keeps faulting until then.
 *
 * Host-side caches (`rt/ra/rs` loads, `wt/wa/ws` stores, `ft/fa/fs` fetches): direct-mapped,
 * 256 slots indexed by the 4 KiB virtual page number, each holding the page tag, the RAM offset
 * adjustment and the TLB slot it came from. An entry is only made from a TLB entry that allowed that
 * kind of access in the current context, on a RAM page whose PMP outcome is uniform; it is dropped
 * when that TLB slot is dropped (replacement, fence) and all are dropped on any context change
 * (privilege, V, MPRV/MPP/MPV, SUM, MXR, satp/vsatp/hgatp, PMP). So they are a strict subset of the
 * modelled TLB. A hit through them counts as a TLB hit and updates the LRU stamp like any hit.
 * Translations that do not use the TLB (Bare with PMP) are cached with slot -1 and are not counted.
 */
import type { FlushKind, FlushScope, MmuApi, TlbCounters, TlbGeometry } from './api';
import { DEFAULT_TLB } from './api';
import { E_GBARE, E_S1BARE, Tlb } from './tlb';
import { Pmp, PMP_R, PMP_W, PMP_X } from './pmp';
import type { Bus } from '../../machine/bus';
import type { FlushOp, TraceBuffer, WalkStage } from '../../trace';

export const enum Acc { Fetch = 0, Load = 1, Store = 2, Amo = 3 }

const TWO32 = 4294967296;
const SAFE_HI = 0x200000;
export const HC_SIZE = 256;
const HC_MASK = HC_SIZE - 1;

const PTE_V = 1, PTE_R = 2, PTE_W = 4, PTE_X = 8, PTE_U = 16, PTE_A = 64, PTE_D = 128;

/** Exception codes. */
const C_FETCH_ACCESS = 1, C_LOAD_ACCESS = 5, C_STORE_ACCESS = 7;
const C_FETCH_PAGE = 12, C_LOAD_PAGE = 13, C_STORE_PAGE = 15;
const C_FETCH_GUEST = 20, C_LOAD_GUEST = 21, C_STORE_GUEST = 23;

const accessCause = (a: Acc): number => (a === Acc.Fetch ? C_FETCH_ACCESS : a === Acc.Load ? C_LOAD_ACCESS : C_STORE_ACCESS);
const pageCause = (a: Acc): number => (a === Acc.Fetch ? C_FETCH_PAGE : a === Acc.Load ? C_LOAD_PAGE : C_STORE_PAGE);
const guestCause = (a: Acc): number => (a === Acc.Fetch ? C_FETCH_GUEST : a === Acc.Load ? C_LOAD_GUEST : C_STORE_GUEST);
const pmpPerm = (a: Acc): number => (a === Acc.Fetch ? PMP_X : a === Acc.Load ? PMP_R : a === Acc.Store ? PMP_W : PMP_R | PMP_W);

export function newCounters(): TlbCounters {
  return { hits: 0, misses: 0, fetchHits: 0, fetchMisses: 0, fills: 0, evictions: 0, flushes: { sfence: 0, hfenceVvma: 0, hfenceGvma: 0, all: 0 }, walks: 0, walkRefs: 0 };
}

/** Pseudoinstruction written to htinst/mtinst for a guest-page fault on an implicit VS-stage PTE read (RV64). */
export const TINST_PTE_READ = 0x3000;

export class Mmu implements MmuApi {
  readonly tlb: Tlb;
  readonly pmp = new Pmp();

  // --- translation context (written by the hart on every change; see Hart.ctxChanged) ---
  /** satp: mode (0 Bare, 8 Sv39, 9 Sv48), root physical address, ASID. */
  sMode = 0; sRoot = 0; sAsid = 0;
  vsMode = 0; vsRoot = 0; vsAsid = 0;
  /** hgatp: mode (0, 8 Sv39x4, 9 Sv48x4), root, VMID. */
  gMode = 0; gRoot = 0; vmid = 0;
  /** mstatus.SUM/MXR and vsstatus.SUM/MXR. */
  sum = 0; mxr = 0; vsum = 0; vmxr = 0;

  // --- fault out-values ---
  fCause = 0;
  fTval = 0n;
  fTval2 = 0n;
  fTinst = 0;
  fGva = false;

  // --- host caches ---
  readonly rt = new Float64Array(HC_SIZE).fill(NaN);
  readonly ra = new Float64Array(HC_SIZE);
  readonly rs = new Int32Array(HC_SIZE);
  readonly wt = new Float64Array(HC_SIZE).fill(NaN);
  readonly wa = new Float64Array(HC_SIZE);
  readonly ws = new Int32Array(HC_SIZE);
  readonly ft = new Float64Array(HC_SIZE).fill(NaN);
  readonly fa = new Float64Array(HC_SIZE);
  readonly fs = new Int32Array(HC_SIZE);

  private hits = 0; private misses = 0; private fetchHits = 0; private fetchMisses = 0;
  private walks = 0; private walkRefs = 0;
  private readonly flushes = { sfence: 0, hfenceVvma: 0, hfenceGvma: 0, all: 0 };
  private fillBase = 0; private evictBase = 0;

  // --- trace (walk, tlb-fill, tlb-flush events; built only when the kind is enabled) ---
  private trace: TraceBuffer | undefined;
  private traceHart = 0;
  private traceTime: () => number = () => 0;

  constructor(readonly bus: Bus, readonly geometry: TlbGeometry = DEFAULT_TLB) {
    this.tlb = new Tlb(geometry);
    this.tlb.onDrop = (s) => this.dropHost(s);
  }

  get counters(): TlbCounters {
    // clock[1] counts data hits taken through the compiled fast path.
    return {
      hits: this.hits + this.tlb.clock[1], misses: this.misses, fetchHits: this.fetchHits, fetchMisses: this.fetchMisses,
      fills: this.tlb.fills - this.fillBase, evictions: this.tlb.evictions - this.evictBase, flushes: { ...this.flushes },
      walks: this.walks, walkRefs: this.walkRefs,
    };
  }

  resetCounters(): void {
    this.hits = 0; this.misses = 0; this.fetchHits = 0; this.fetchMisses = 0; this.walks = 0; this.walkRefs = 0;
    this.tlb.clock[1] = 0;
    this.fillBase = this.tlb.fills; this.evictBase = this.tlb.evictions;
    this.flushes.sfence = 0; this.flushes.hfenceVvma = 0; this.flushes.hfenceGvma = 0; this.flushes.all = 0;
  }

  /** Events go to `trace`, tagged with hart `hart` and stamped with `time()` (virtual cycles). */
  setTrace(trace: TraceBuffer | undefined, hart: number, time: () => number): void {
    this.trace = trace; this.traceHart = hart; this.traceTime = time;
  }

  /** Drops all host-cache entries (context change). */
  clearHost(): void { this.rt.fill(NaN); this.wt.fill(NaN); this.ft.fill(NaN); }

  private dropHost(slot: number): void {
    const k = this.tlb.vpn[slot] & HC_MASK;
    if (this.rs[k] === slot) this.rt[k] = NaN;
    if (this.ws[k] === slot) this.wt[k] = NaN;
    if (this.fs[k] === slot) this.ft[k] = NaN;
  }

  /** A fetch translated through the host cache: a TLB hit on `slot` (-1: Bare, not counted). */
  fetchHit(slot: number): void {
    if (slot >= 0) { this.fetchHits++; if (this.tlb.replacement === 'lru') this.tlb.touch(slot); }
  }

  /**
   * `countAs`: sfence.vma executed with V=1 acts as hfence.vvma on the current VMID but is
   * counted as an sfence.
   */
  flush(kind: FlushKind, scope: FlushScope = {}, countAs: FlushKind = kind): void {
    const f = this.flushes;
    if (countAs === 'sfence.vma') f.sfence++; else if (countAs === 'hfence.vvma') f.hfenceVvma++; else if (countAs === 'hfence.gvma') f.hfenceGvma++; else f.all++;
    const vpn = scope.vaddr === undefined ? undefined : Number(BigInt.asIntN(64, scope.vaddr) >> 12n);
    let dropped: number;
    switch (kind) {
      case 'sfence.vma':
        dropped = this.tlb.flush({ virt: false, vpn, asid: scope.asid });
        break;
      case 'hfence.vvma':
        dropped = this.tlb.flush({ virt: true, vmid: scope.vmid ?? this.vmid, vpn, asid: scope.asid, vsStageOnly: true });
        break;
      case 'hfence.gvma':
        if (scope.gpa === undefined) dropped = this.tlb.flush({ virt: true, vmid: scope.vmid });
        else {
          // Entries whose final G-stage leaf maps the page, and (conservatively, which the spec
          // allows) every entry with a VS stage of that VMID, since its walk may have read VS-stage
          // PTEs through the changed G-stage mapping.
          dropped = this.tlb.flush({ virt: true, vmid: scope.vmid, gpn: Number(scope.gpa >> 12n) });
          dropped += this.tlb.flush({ virt: true, vmid: scope.vmid, vsStageOnly: true });
        }
        break;
      default:
        dropped = this.tlb.flushAll();
    }
    this.clearHost();
    const t = this.trace;
    if (t !== undefined && t.enabled('tlb-flush')) {
      const op: FlushOp = kind === 'all' ? 'full' : kind;
      const address = kind === 'hfence.gvma' ? scope.gpa : scope.vaddr;
      const vmid = kind === 'hfence.vvma' ? scope.vmid ?? this.vmid : scope.vmid;
      t.emit({
        kind: 'tlb-flush', time: this.traceTime(), hart: this.traceHart, op, entries: dropped,
        ...(address === undefined ? {} : { address: BigInt.asUintN(64, address) }),
        ...(scope.asid === undefined ? {} : { asid: scope.asid }),
        ...(vmid === undefined ? {} : { vmid }),
      });
    }
  }

  private fault(cause: number, tval: bigint, gva: boolean, tval2 = 0n, tinst = 0): -1 {
    this.fCause = cause; this.fTval = tval; this.fGva = gva; this.fTval2 = tval2; this.fTinst = tinst;
    return -1;
  }

  /** Physical read of a PTE (implicit access: PMP checked as an S-mode read). Returns false on access fault. */
  private readPte(pa: number): boolean {
    this.walkRefs++;
    if (pa >= 2 ** 53 || !this.pmp.check(pa, 8, 1, PMP_R)) return false;
    return this.bus.read(pa, 8);
  }

  /**
   * G-stage translation of a guest physical address (`gpa` < 2^50). Returns the physical address
   * or -1 with `gErr` = 1 guest-page fault / 2 access fault. `gLeaf`/`gLevel` describe the leaf.
   */
  private gErr = 0;
  private gLeaf = 0;
  private gLevel = 0;
  private gstage(gpa: number, acc: Acc, hlvx: boolean): number {
    if (this.gMode === 0) { this.gLeaf = 0xff; this.gLevel = 0; return gpa; }
    const levels = this.gMode === 8 ? 3 : 4;
    const widthBits = levels === 3 ? 41 : 50;
    if (gpa >= 2 ** widthBits) { this.gErr = 1; return -1; }
    let a = this.gRoot;
    for (let i = levels - 1; i >= 0; i--) {
      const idx = i === levels - 1 ? Math.floor(gpa / 2 ** (12 + 9 * i)) : Math.floor(gpa / 2 ** (12 + 9 * i)) % 512;
      if (!this.readPte(a + idx * 8)) { this.gErr = 2; return -1; }
      const lo = this.bus.rlo, hi = this.bus.rhi;
      if (!(lo & PTE_V) || (lo & (PTE_R | PTE_W)) === PTE_W || (hi >>> 22) !== 0) { this.gErr = 1; return -1; }
      const ppn = (hi & 0x3fffff) * 4194304 + (lo >>> 10);
      if (lo & (PTE_R | PTE_X)) {
        // Leaf: G-stage accesses are U-mode accesses.
        const span = 2 ** (9 * i);
        if (ppn % span !== 0) { this.gErr = 1; return -1; }
        if (!(lo & PTE_U) || !(lo & PTE_A)) { this.gErr = 1; return -1; }
        if (!gPermOk(lo, acc, hlvx, this.mxr)) { this.gErr = 1; return -1; }
        this.gLeaf = lo & 0xff; this.gLevel = i;
        const page = ppn + (Math.floor(gpa / 4096) % span);
        return page * 4096 + (gpa % 4096);
      }
      if (i === 0) { this.gErr = 1; return -1; }
      a = ppn * 4096;
    }
    this.gErr = 1;
    return -1;
  }

  /**
   * Translates the 64-bit virtual address (lo, hi) for an access of privilege `priv` (0 U, 1 S,
   * 3 M) with virtualisation `virt`. Returns the physical address (RAM or device) after PMP, or
   * -1 with the exception in fCause/fTval/fTval2/fTinst/fGva. Fills the host caches unless
   * `hostCache` is false (hlv/hlvx/hsv: a context other than the hart's current one). `size`: bytes
   * of the (naturally aligned) access, all of which PMP must allow through one entry.
   */
  translate(lo: number, hi: number, acc: Acc, priv: number, virt: boolean, hlvx = false, hostCache = true, size = 1): number {
    const s1mode = virt ? this.vsMode : priv === 3 ? 0 : this.sMode;
    if (!virt && s1mode === 0) {
      if (hi < 0 || hi >= SAFE_HI) return this.fault(accessCause(acc), pair(lo, hi), false);
      const pa = hi * TWO32 + (lo >>> 0);
      if (!this.pmp.check(pa, size, priv, pmpPerm(acc))) return this.fault(accessCause(acc), pair(lo, hi), false);
      this.hostFill(pa, pa, acc, priv, -1);
      return pa;
    }
    let va: number;
    if (s1mode !== 0) {
      const top = s1mode === 8 ? hi >> 6 : hi >> 15; // bits 63..38 (Sv39) / 63..47 (Sv48) must all equal
      if (top !== 0 && top !== -1) return this.fault(pageCause(acc), pair(lo, hi), virt);
      va = hi * TWO32 + (lo >>> 0);
    } else {
      // V=1 with vsatp Bare: the guest physical address is the address itself; it must fit the G-stage.
      const bits = this.gMode === 8 ? 41 : this.gMode === 9 ? 50 : 0;
      if (bits === 0) {
        if (hi < 0 || hi >= SAFE_HI) return this.fault(accessCause(acc), pair(lo, hi), true);
      } else if (hi < 0 || hi * TWO32 + (lo >>> 0) >= 2 ** bits) {
        return this.fault(guestCause(acc), pair(lo, hi), true, BigInt.asUintN(64, pair(lo, hi)) >> 2n, 0);
      }
      va = hi * TWO32 + (lo >>> 0);
    }
    const vpn = Math.floor(va / 4096);
    const asid = virt ? this.vsAsid : this.sAsid;
    const tlb = this.tlb;
    let slot = tlb.lookup(vpn, virt, this.vmid, asid, virt && s1mode === 0);
    if (slot >= 0) {
      if (acc === Acc.Fetch) this.fetchHits++; else this.hits++;
      tlb.touch(slot);
      const f = tlb.flags[slot];
      if (!(f & E_S1BARE) && !s1PermOk(f & 0xff, acc, priv, hlvx, virt ? this.vsum : this.sum, virt ? (this.vmxr | this.mxr) : this.mxr)) {
        return this.fault(pageCause(acc), pair(lo, hi), virt);
      }
      if (virt && !(f & E_GBARE) && !gPermOk((f >> 8) & 0xff, acc, hlvx, this.mxr)) {
        const gpa = tlb.gpn[slot] * 4096 + (va % 4096 + 4096) % 4096;
        return this.fault(guestCause(acc), pair(lo, hi), true, BigInt(gpa) >> 2n, 0);
      }
    } else {
      if (acc === Acc.Fetch) this.fetchMisses++; else this.misses++;
      const t = this.trace;
      if (t === undefined || !(t.enabled('walk') || t.enabled('tlb-fill'))) slot = this.walk(lo, hi, va, vpn, acc, priv, virt, hlvx, s1mode);
      else slot = this.tracedWalk(lo, hi, va, vpn, acc, priv, virt, hlvx, s1mode);
      if (slot === -1) return -1;
    }
    const ppn = tlb.ppn[slot];
    if (ppn >= 2 ** 41) return this.fault(accessCause(acc), pair(lo, hi), virt);
    const off = (va % 4096 + 4096) % 4096;
    const pa = ppn * 4096 + off;
    // Priv 1.12 3.7.1: "The matching PMP entry must match all bytes of an access, or the access
    // fails": check the whole access (`size` bytes, naturally aligned, so within one page).
    if (!this.pmp.check(pa, size, priv, pmpPerm(acc))) return this.fault(accessCause(acc), pair(lo, hi), virt);
    // Only translations of the hart's own current context may enter the host caches: an hlv/hsv
    // translation (V=1, SPVP) must not be found later by an ordinary HS/U access to the same address.
    if (hostCache && !hlvx && slot >= 0) this.hostFill(va, pa, acc, priv, slot);
    return pa;
  }

  /** Page walk (both stages) for a TLB miss; fills the TLB (entries keep the raw leaf bits, checked on every hit). Returns the slot or -1 (fault recorded). */
  private walk(lo: number, hi: number, va: number, vpn: number, acc: Acc, priv: number, virt: boolean, hlvx: boolean, s1mode: number): number {
    this.walks++;
    const tval = pair(lo, hi);
    let gpa: number;
    let s1 = 0xff, level = 0, flags = 0;
    if (s1mode === 0) {
      gpa = va; flags |= E_S1BARE;
    } else {
      const levels = s1mode === 8 ? 3 : 4;
      let a = virt ? this.vsRoot : this.sRoot;
      let leaf = -1, ppn = 0;
      for (let i = levels - 1; i >= 0; i--) {
        const idx = vpnIndex(lo, hi, i);
        let pteAddr = a + idx * 8;
        if (virt) {
          const gp = pteAddr;
          pteAddr = this.gstage(gp, Acc.Load, false);
          if (pteAddr < 0) {
            if (this.gErr === 2) return this.fault(accessCause(acc), tval, true);
            return this.fault(guestCause(acc), tval, true, BigInt(gp) >> 2n, TINST_PTE_READ);
          }
        }
        if (!this.readPte(pteAddr)) return this.fault(accessCause(acc), tval, virt);
        const plo = this.bus.rlo, phi = this.bus.rhi;
        if (!(plo & PTE_V) || (plo & (PTE_R | PTE_W)) === PTE_W || (phi >>> 22) !== 0) return this.fault(pageCause(acc), tval, virt);
        ppn = (phi & 0x3fffff) * 4194304 + (plo >>> 10);
        if (plo & (PTE_R | PTE_X)) { leaf = plo & 0xff; level = i; break; }
        if (i === 0) return this.fault(pageCause(acc), tval, virt);
        a = ppn * 4096;
      }
      const span = 2 ** (9 * level);
      if (ppn % span !== 0) return this.fault(pageCause(acc), tval, virt); // misaligned superpage
      s1 = leaf;
      if (!s1PermOk(s1, acc, priv, hlvx, virt ? this.vsum : this.sum, virt ? (this.vmxr | this.mxr) : this.mxr)) return this.fault(pageCause(acc), tval, virt);
      const low = level === 0 ? 0 : level === 3 ? (lo >>> 12) + (hi & 0x7f) * 1048576 : (lo >>> 12) % span;
      gpa = (ppn + low) * 4096 + (lo & 4095);
    }
    let ppnFinal: number, g = 0xff, glevel = 0, gpn = vpn;
    if (virt) {
      gpn = Math.floor(gpa / 4096);
      const pa = this.gstage(gpa, acc, hlvx);
      if (pa < 0) {
        if (this.gErr === 2) return this.fault(accessCause(acc), tval, true);
        return this.fault(guestCause(acc), tval, true, BigInt(gpa) >> 2n, 0);
      }
      if (this.gMode === 0) flags |= E_GBARE;
      g = this.gLeaf; glevel = this.gLevel;
      ppnFinal = Math.floor(pa / 4096);
    } else {
      flags |= E_GBARE;
      ppnFinal = Math.floor(gpa / 4096);
    }
    const asid = virt ? this.vsAsid : this.sAsid;
    return this.tlb.fill(vpn, ppnFinal, gpn, virt, this.vmid, asid, flags | s1 | (g << 8), level, glevel);
  }

  /** `walk` plus its walk and tlb-fill events (when those kinds are enabled). */
  private tracedWalk(lo: number, hi: number, va: number, vpn: number, acc: Acc, priv: number, virt: boolean, hlvx: boolean, s1mode: number): number {
    const refs0 = this.walkRefs, evict0 = this.tlb.evictions;
    const slot = this.walk(lo, hi, va, vpn, acc, priv, virt, hlvx, s1mode);
    const t = this.trace;
    if (t === undefined) return slot;
    const stage: WalkStage = !virt ? 'single' : s1mode === 0 ? 'g' : 'vs';
    if (t.enabled('walk')) {
      const access = acc === Acc.Fetch ? 'x' : acc === Acc.Load ? 'r' : 'w';
      const c = this.fCause;
      const fault = slot >= 0 ? undefined : c >= 20 ? 'guest-page-fault' : c >= 12 ? 'page-fault' : 'access-fault';
      t.emit({
        kind: 'walk', time: this.traceTime(), hart: this.traceHart, stage, va: pair(lo, hi), access, references: this.walkRefs - refs0,
        ...(fault === undefined ? {} : { fault }),
      });
    }
    if (slot >= 0 && t.enabled('tlb-fill')) {
      const tlb = this.tlb;
      const f = tlb.flags[slot];
      const s1 = f & E_S1BARE ? 0xff : f & 0xff;
      const perm = `${s1 & PTE_R ? 'r' : '-'}${s1 & PTE_W ? 'w' : '-'}${s1 & PTE_X ? 'x' : '-'}-${s1 & PTE_U && !(f & E_S1BARE) ? 'u' : '-'}`;
      t.emit({
        kind: 'tlb-fill', time: this.traceTime(), hart: this.traceHart, stage, va: BigInt.asUintN(64, BigInt(vpn) * 4096n),
        pa: BigInt(tlb.ppn[slot]) * 4096n, pageSize: 4096 * 2 ** (9 * tlb.level[slot]), asid: tlb.asid[slot], vmid: tlb.vmid[slot], perm,
        evicted: tlb.evictions !== evict0,
      });
    }
    return slot;
  }

  private hostFill(va: number, pa: number, acc: Acc, priv: number, slot: number): void {
    const o = pa - this.bus.ram.base;
    if (o < 0 || o >= this.bus.ram.size) return;
    const pageVa = Math.floor(va / 4096);
    const pagePa = pa - (pa % 4096);
    if (!this.pmp.check(pagePa, 4096, priv, pmpPerm(acc))) return; // PMP not uniform over the page
    const k = pageVa & HC_MASK;
    const adj = (o - (pa % 4096)) - pageVa * 4096;
    if (acc === Acc.Fetch) { this.ft[k] = pageVa; this.fa[k] = adj; this.fs[k] = slot; } else if (acc === Acc.Load) { this.rt[k] = pageVa; this.ra[k] = adj; this.rs[k] = slot; } else { this.wt[k] = pageVa; this.wa[k] = adj; this.ws[k] = slot; }
  }
}

function pair(lo: number, hi: number): bigint { return (BigInt(hi >>> 0) << 32n) | BigInt(lo >>> 0); }

/** VA bits of level i's VPN index (9 bits at 12 + 9i). */
function vpnIndex(lo: number, hi: number, i: number): number {
  switch (i) {
    case 0: return (lo >>> 12) & 511;
    case 1: return (lo >>> 21) & 511;
    case 2: return ((lo >>> 30) | (hi << 2)) & 511;
    default: return (hi >>> 7) & 511;
  }
}

/** Stage-1 (S/VS) leaf permission check, incl. A and D (Svade). */
export function s1PermOk(pte: number, acc: Acc, priv: number, hlvx: boolean, sum: number, mxr: number): boolean {
  if (!(pte & PTE_A)) return false;
  if (pte & PTE_U) {
    if (priv === 1 && (acc === Acc.Fetch || !sum)) return false;
  } else if (priv === 0) return false;
  switch (acc) {
    case Acc.Fetch: return (pte & PTE_X) !== 0;
    case Acc.Load: return hlvx ? (pte & PTE_X) !== 0 : (pte & PTE_R) !== 0 || (mxr !== 0 && (pte & PTE_X) !== 0);
    default: return (pte & PTE_W) !== 0 && (pte & PTE_D) !== 0;
  }
}

/** G-stage leaf permission check (U already required), incl. A and D. */
function gPermOk(pte: number, acc: Acc, hlvx: boolean, mxr: number): boolean {
  if (!(pte & PTE_A)) return false;
  switch (acc) {
    case Acc.Fetch: return (pte & PTE_X) !== 0;
    case Acc.Load: return hlvx ? (pte & PTE_X) !== 0 : (pte & PTE_R) !== 0 || (mxr !== 0 && (pte & PTE_X) !== 0);
    default: return (pte & PTE_W) !== 0 && (pte & PTE_D) !== 0;
  }
}
