/** The hart's MMU (skeleton: translation is identity until the walker lands; the flush API is final). */
import type { FlushKind, FlushScope, MmuApi, TlbCounters, TlbGeometry } from './api';
import { DEFAULT_TLB } from './api';

export function newCounters(): TlbCounters {
  return { hits: 0, misses: 0, fetchHits: 0, fetchMisses: 0, fills: 0, evictions: 0, flushes: { sfence: 0, hfenceVvma: 0, hfenceGvma: 0, all: 0 }, walks: 0, walkRefs: 0 };
}

export class Mmu implements MmuApi {
  counters: TlbCounters = newCounters();
  constructor(readonly geometry: TlbGeometry = DEFAULT_TLB) {}
  flush(kind: FlushKind, _scope: FlushScope = {}): void {
    const f = this.counters.flushes;
    if (kind === 'sfence.vma') f.sfence++; else if (kind === 'hfence.vvma') f.hfenceVvma++; else if (kind === 'hfence.gvma') f.hfenceGvma++; else f.all++;
  }
  resetCounters(): void { this.counters = newCounters(); }
}
