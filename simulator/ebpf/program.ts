/**
 * A hyper-callback program as the toolchain hands it to the verifier and the engines: the
 * instructions, the maps it declares (referenced from `lddw` with src = PSEUDO_MAP_IDX /
 * PSEUDO_MAP_IDX_VALUE and imm = index into `maps`), the event it attaches to and the guest range
 * its helpers may read.
 *
 * Stability: additive changes only.
 */
import type { EventName } from './events';
import type { Insn } from './isa';

export type MapType = 'array' | 'hash';
export const MAP_TYPES: readonly MapType[] = ['array', 'hash'];

export interface MapDef {
  name: string;
  type: MapType;
  keySize: number;
  valueSize: number;
  maxEntries: number;
}

/** Guest virtual address range [start, end) the callback's helpers may read. */
export interface GuestRange {
  start: bigint;
  end: bigint;
}

export interface HcbProgram {
  insns: Insn[];
  maps: MapDef[];
  event?: EventName;
  range?: GuestRange;
}
