/**
 * What a device sees of the machine: virtual time, the event queue, the harts' interrupt lines,
 * the cost model and the trace. The machine implements it; tests can implement it with a stub.
 */
import type { CostModel } from '../cost';
import type { TraceBuffer } from '../trace';
import type { EventId } from '../machine/events';

/** mip bit numbers of the interrupt lines (privileged spec, mip/mie layout). */
export const IRQ = { SSIP: 1, MSIP: 3, STIP: 5, MTIP: 7, SEIP: 9, MEIP: 11 } as const;

export interface Platform {
  /** Virtual time in cycles as seen by the hart executing now (the machine clock between runs). */
  now(): number;
  /** Index of the hart whose instruction is accessing the device, or -1 (debugger, host). */
  currentHart(): number;
  /** Number of harts. */
  readonly hartCount: number;
  /** Cycles per tick of `mtime` (the timebase divisor). */
  readonly cyclesPerTick: number;
  readonly costs: CostModel;
  readonly trace: TraceBuffer;
  schedule(time: number, fn: () => void, label: string): EventId;
  cancel(id: EventId): void;
  /** Drives one interrupt line (a mip bit) of a hart; `source` names the device for the trace. */
  setIrqLine(hart: number, bit: number, level: boolean, source: string): void;
  /** Records an inter-processor interrupt sent (metrics and trace); delivery is the caller's. */
  noteIpi(from: number, target: number, via: 'clint' | 'sbi'): void;
}
