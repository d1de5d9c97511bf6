/**
 * Public contract of a hart's MMU for the rest of the machine (SBI RFENCE, the hypervisor, views).
 *
 * `flush(kind, scope)` has exactly the semantics of the corresponding fence instruction executed
 * on that hart:
 *  - 'sfence.vma': non-virtualised (V=0, HS/S-level) translations. `vaddr` undefined = every
 *    address (rs1 = x0); `asid` undefined = every address space including global entries
 *    (rs2 = x0); with an `asid`, global entries survive.
 *  - 'hfence.vvma': VS-stage translations of the guest `vmid` (undefined = the hart's current
 *    hgatp.VMID, as the instruction does); `vaddr`/`asid` as for sfence.vma (guest virtual address,
 *    guest ASID).
 *  - 'hfence.gvma': G-stage translations. `gpa` undefined = every guest physical address;
 *    `vmid` undefined = every VMID. Combined (two-stage) entries that depend on the G-stage
 *    mapping of `gpa` are dropped too.
 *  - 'all': everything (reset, tests).
 * An SBI remote sfence.vma requested by a kernel running in VS-mode must be issued as
 * 'hfence.vvma' with the guest's VMID (that is what sfence.vma does when executed with V=1).
 */
export type FlushKind = 'sfence.vma' | 'hfence.vvma' | 'hfence.gvma' | 'all';

export interface FlushScope {
  asid?: number;
  /** Virtual address (guest virtual for hfence.vvma); any address inside the page. */
  vaddr?: bigint;
  vmid?: number;
  /** Guest physical address for hfence.gvma (the instruction's rs1 is GPA >> 2; pass the GPA itself). */
  gpa?: bigint;
}

export type Replacement = 'lru' | 'fifo' | 'random';

export interface TlbGeometry {
  /** Total entries (power of two). */
  entries: number;
  /** Associativity (power of two, divides entries; entries === ways is fully associative). */
  ways: number;
  replacement: Replacement;
  /** Seed of the deterministic PRNG for 'random' replacement. */
  seed?: number;
}

export const DEFAULT_TLB: TlbGeometry = { entries: 64, ways: 4, replacement: 'lru' };

/** Per-hart translation counters (monotonic; `resetCounters()` zeroes them). */
export interface TlbCounters {
  /** Data (load/store/AMO, incl. hlv/hsv) lookups that hit. */
  hits: number;
  misses: number;
  /** Instruction-fetch lookups (compiled engine: one per basic block entered; interpreter: one per instruction). */
  fetchHits: number;
  fetchMisses: number;
  fills: number;
  /** Entries dropped by replacement. */
  evictions: number;
  flushes: { sfence: number; hfenceVvma: number; hfenceGvma: number; all: number };
  /** Page-table walks started (one per miss that needs translation). */
  walks: number;
  /** Memory references made by walks (every VS-stage and every G-stage PTE read). */
  walkRefs: number;
}

export interface MmuApi {
  flush(kind: FlushKind, scope?: FlushScope): void;
  readonly counters: TlbCounters;
  resetCounters(): void;
}
