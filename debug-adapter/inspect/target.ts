/**
 * What the inspection layer reads from, and the one error type it throws.
 *
 * The functions of this folder are pure reads of machine state (plus the two explicit writes,
 * `setRegister` and `writeMemory`, which go through the machine's own write paths). They never
 * walk page tables through the MMU, never fill a TLB, never bump a counter, never emit a trace
 * event and never advance virtual time, so inspecting a stopped machine leaves its state hash
 * unchanged.
 */
import type { Machine } from '../../simulator/machine';
import type { Hypervisor } from '../../simulator/hypervisor';
import type { Image } from '../../simulator/riscv/image';
import type { TraceBuffer } from '../../simulator/trace';

export interface InspectTarget {
  machine: Machine;
  /** The hypervisor of a VM scenario; undefined on bare metal. */
  hypervisor: Hypervisor | undefined;
  /**
   * Loaded images (symbols and source maps). Under a hypervisor, `images[i]` is the image of
   * `hypervisor.vms[i]` when there is one image per VM; otherwise every image is searched.
   */
  images: Image[];
  /** The machine's trace ring (the debug adapter creates the machine with a recording buffer). */
  trace: TraceBuffer;
}

/**
 * What a DAP thread stands for: a hart (bare metal), or a VM's vCPU. A vCPU may be descheduled;
 * its registers then live in the vCPU's saved context and `hart` is only a hint (the vCPU's own
 * placement wins when it runs).
 */
export interface ThreadContext { hart: number; vm?: string; vcpu?: number }

/** A request the inspection layer cannot satisfy; `column` (1-based) locates it in an expression or command. */
export class InspectError extends Error {
  constructor(message: string, readonly column?: number) {
    super(message);
    this.name = 'InspectError';
  }
}

export const hex = (v: bigint | number): string => `0x${BigInt.asUintN(64, BigInt(v)).toString(16)}`;
