/**
 * Host page reclaim from an overcommitted VM (MECHANISMS M1's scenario), three strategies:
 *
 * - `blind`: the host takes the first N candidate pages and writes each to swap (it cannot know
 *   which ones the guest considers free, so it swaps free pages too: `free_swapped`).
 * - `balloon`: the host sets a balloon target of N pages and raises the VM's virtual supervisor
 *   software interrupt on vCPU 0; the guest's balloon driver asks the target (hypercall
 *   `balloon_target`, which acknowledges the interrupt), takes pages off its own free list and
 *   reports them (hypercall `balloon_report`, a batch of page frame numbers per call); the host
 *   drops each reported page (no swap). Reclaim ends when N pages were reported.
 * - `callback`: the host runs the VM's `page-reclaim` callbacks on each candidate (context: vm_id,
 *   gpa, pages_wanted, range); r0 = 1 → the guest considers the page free: dropped without a swap
 *   write. Candidates the callbacks do not declare free are left alone; if fewer than N were free,
 *   the rest is swapped like `blind` (none of those is free). No VM exit, no guest context switch.
 *
 * Candidates: the VM's guest RAM pages mapped in the G-stage, in a pseudo-random order fixed by
 * the machine seed (the same order for every VM and strategy: a host LRU knows nothing of the
 * guest's allocator). A taken page is unmapped from the G-stage (hfence.gvma on every hart);
 * a dropped page's host frame is zeroed (the guest's free page content is gone), a swapped one
 * keeps its content "on swap". When the guest touches a taken page again it takes a guest-page
 * fault (one VM exit): the page is mapped back — a swapped page costs `swapCycles` more (the swap
 * read) — counted as a refault.
 *
 * Scoring (only to measure, never to decide): `freeBitmap` is the GPA of the guest's free-page
 * bitmap (bit i of the little-endian u64 words = page GUEST_RAM_BASE + i × 4 KiB is free). A
 * swapped page whose bit is set at the time is a guest-free page needlessly swapped.
 *
 * Metrics per VM (`<vm>.reclaim.*`): `pages` (taken), `swapped` (written to swap),
 * `free_swapped`, `dropped` (taken without a swap write), `exits` (VM exits of the VM from the
 * start of the reclaim to its end, plus refaults of taken pages), `entries` (the same for VM
 * entries), `refaults`, `swap_ins`, `cycles` (virtual time the reclaim took: host work
 * (`hypervisorWork` per page taken), callback runs and swap writes for blind/callback; from the
 * balloon interrupt to the last report for balloon), `done` (1 when N pages were taken).
 */
export type ReclaimStrategy = 'blind' | 'balloon' | 'callback';
export const RECLAIM_STRATEGIES: readonly ReclaimStrategy[] = ['blind', 'balloon', 'callback'];

export interface ReclaimSpec {
  strategy: ReclaimStrategy;
  /** Pages to take. */
  pages: number;
  /** Virtual time (cycles) at which the host starts reclaiming. */
  at: number;
  /** Virtual cycles of one page written to or read from swap (default 20 000). */
  swapCycles?: number;
  /** GPA of the guest's free-page bitmap, for scoring only. */
  freeBitmap?: number;
  /** Seed of the candidate order (the scenario's machine.seed). */
  seed?: number;
}

/** Per-VM reclaim state: plain data on the Vm (captured by its snapshots). */
export interface ReclaimState {
  strategy: ReclaimStrategy;
  wanted: number;
  at: number;
  swapCycles: number;
  freeBitmap: number;
  seed: number;
  started: boolean;
  done: boolean;
  startTime: number;
  exitsAtStart: number;
  entriesAtStart: number;
  /** Balloon pages the guest has still to report. */
  balloonPending: number;
  pages: number;
  swapped: number;
  freeSwapped: number;
  dropped: number;
  exits: number;
  entries: number;
  refaults: number;
  swapIns: number;
  cycles: number;
  /** GPA (decimal string) → 1 dropped, 2 swapped: pages taken and not yet faulted back. */
  taken: Record<string, number>;
}

export function reclaimState(spec: ReclaimSpec): ReclaimState {
  return {
    strategy: spec.strategy, wanted: spec.pages, at: spec.at, swapCycles: spec.swapCycles ?? 20_000, freeBitmap: spec.freeBitmap ?? -1, seed: spec.seed ?? 0,
    started: false, done: false, startTime: 0, exitsAtStart: 0, entriesAtStart: 0, balloonPending: 0,
    pages: 0, swapped: 0, freeSwapped: 0, dropped: 0, exits: 0, entries: 0, refaults: 0, swapIns: 0, cycles: 0, taken: {},
  };
}

/** The reclaim figures as metrics (`<vm>.reclaim.*`). */
export function reclaimMetrics(name: string, r: ReclaimState): [string, number][] {
  return [
    ['pages', r.pages], ['swapped', r.swapped], ['free_swapped', r.freeSwapped], ['dropped', r.dropped], ['exits', r.exits],
    ['entries', r.entries], ['refaults', r.refaults], ['swap_ins', r.swapIns], ['cycles', r.cycles], ['done', r.done ? 1 : 0], ['wanted', r.wanted],
  ].map(([k, v]) => [`${name}.reclaim.${k}`, v as number]);
}

/** A deterministic permutation of 0..n-1 (xorshift32 from `seed`, Fisher-Yates). */
export function permutation(n: number, seed: number): number[] {
  const out = Array.from({ length: n }, (_, i) => i);
  let s = (seed ^ 0x9e3779b9) >>> 0 || 1;
  for (let i = n - 1; i > 0; i--) {
    s ^= s << 13; s >>>= 0; s ^= s >>> 17; s ^= s << 5; s >>>= 0;
    const j = s % (i + 1);
    [out[i], out[j]] = [out[j], out[i]];
  }
  return out;
}
