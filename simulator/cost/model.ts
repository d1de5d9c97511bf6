/**
 * The cycle cost model: how many virtual cycles each thing the machine does takes. Virtual time is
 * the sum of these costs, so a run is deterministic and its timings are comparable between
 * configurations (the point of every mechanism scenario), not a prediction of real hardware.
 *
 * The model's nominal clock is 1 GHz ({@link NOMINAL_FREQUENCY_HZ}), so one cycle reads as one
 * nanosecond when a figure is compared with a published one. The defaults describe a small
 * in-order RV64 core without caches beyond what the costs imply; a scenario overrides any of them
 * under `machine.costs`.
 */
import { didYouMean } from '../scenario/suggest';

/** Virtual cycles per second: one cycle is one nanosecond. */
export const NOMINAL_FREQUENCY_HZ = 1_000_000_000;

/** Largest accepted cost (one virtual second): anything larger is almost certainly a typo. */
export const MAX_COST = NOMINAL_FREQUENCY_HZ;

/**
 * Every cost, in virtual cycles. Fields are plain numbers so the machine reads `costs.load`
 * on its hot path without a lookup. All values are non-negative integers.
 */
export interface CostModel {
  // Instruction classes (charged once per retired instruction of the class).
  readonly alu: number;
  readonly mul: number;
  readonly div: number;
  readonly load: number;
  readonly store: number;
  readonly branchTaken: number;
  readonly branchNotTaken: number;
  readonly jump: number;
  readonly csr: number;
  readonly fence: number;
  readonly amo: number;
  // Address translation.
  readonly tlbHit: number;
  readonly tlbMiss: number;
  readonly walkReference: number;
  // Privilege transitions and virtualization.
  readonly trapEntry: number;
  readonly trapReturn: number;
  readonly vmExit: number;
  readonly vmEntry: number;
  readonly hypervisorWork: number;
  readonly sbiCall: number;
  // Between harts.
  readonly ipiLatency: number;
  readonly interruptDelivery: number;
  readonly cacheLineTransfer: number;
  // Devices.
  readonly mmioAccess: number;
  readonly dmaPerLine: number;
  readonly blockService: number;
  readonly acceleratorPteUpdate: number;
  // Hyper-callbacks.
  readonly callbackInvoke: number;
  readonly callbackInstruction: number;
}

export type CostName = keyof CostModel;

/** A cost's default and the reason for it, as shown in hovers and `hyperlab` help. */
export interface CostDefinition {
  readonly value: number;
  readonly description: string;
}

/**
 * The one table of defaults. The `description` says what the cost covers and where the
 * default comes from; it is also the JSON schema's hover text for `machine.costs.<name>`.
 */
export const COST_DEFINITIONS: { readonly [K in CostName]: CostDefinition } = {
  alu: { value: 1, description: 'Integer ALU instruction (add, shifts, logic, compares, lui, auipc). Default: single-cycle integer pipeline.' },
  mul: { value: 3, description: 'mul/mulh*/mulw. Default: a pipelined multiplier with a latency of a few cycles, as small in-order cores have.' },
  div: { value: 20, description: 'div/rem and their W forms. Default: an iterative divider; 20 sits in the usual 2-64 cycle range of such units.' },
  load: { value: 2, description: 'Load that hits the first-level cache (caches are not modelled, so every load does). Default: 2-cycle load-to-use latency.' },
  store: { value: 1, description: 'Store. Default: a store buffer hides the memory write, leaving one issue cycle.' },
  branchTaken: { value: 3, description: 'Conditional branch that is taken. Default: one issue cycle plus a 2-cycle fetch redirect; no branch predictor is modelled.' },
  branchNotTaken: { value: 1, description: 'Conditional branch that falls through. Default: costs only its issue cycle.' },
  jump: { value: 2, description: 'jal/jalr. Default: issue cycle plus a 1-cycle redirect (targets of direct jumps are known early).' },
  csr: { value: 5, description: 'CSR read/write/set/clear. Default: CSR accesses serialise the pipeline, a handful of cycles.' },
  fence: { value: 10, description: 'fence, fence.i, sfence.vma, hfence.* (the flush itself; invalidation work is in the TLB model). Default: pipeline and store-buffer drain.' },
  amo: { value: 10, description: 'Atomic memory operation or lr/sc. Default: a read-modify-write that must own the line, several times a plain store.' },
  tlbHit: { value: 0, description: 'Extra cost of a TLB hit. Default: 0, the lookup overlaps the cache access already charged by load/store.' },
  tlbMiss: { value: 5, description: 'Fixed cost of a TLB miss before its walk references (starting the walker, refilling the entry). Default: a few cycles of bookkeeping.' },
  walkReference: { value: 20, description: 'Each page-table memory reference of a walk (all stages). Default: roughly a second-level-cache hit, since page-walk caches are not modelled.' },
  trapEntry: { value: 20, description: 'Taking a trap or interrupt into a handler (pipeline flush, cause/epc/tval updates). Default: a pipeline refill plus CSR writes.' },
  trapReturn: { value: 10, description: 'mret/sret back to the interrupted code. Default: a pipeline refill, cheaper than entry as no cause is recorded.' },
  vmExit: { value: 500, description: 'Switching from a guest (VS/VU) to the hypervisor, on top of trapEntry: saving guest state. Default: half of a ~1000-cycle exit/entry round trip, the order of magnitude reported for hardware virtualization.' },
  vmEntry: { value: 500, description: 'Switching from the hypervisor back into a guest (restoring guest state). Default: the other half of the ~1000-cycle round trip.' },
  hypervisorWork: { value: 200, description: 'Work of the (TypeScript) hypervisor per handled exit or hypercall, which otherwise takes no virtual time. Default: a short handler path.' },
  sbiCall: { value: 100, description: 'Work of the native SBI firmware per ecall it serves, on top of the trap. Default: a short firmware path.' },
  ipiLatency: { value: 500, description: 'From a software-interrupt write (CLINT msip or SBI IPI) to the interrupt pending at the target hart. Default: cross-core interrupts take a few hundred nanoseconds on real systems.' },
  interruptDelivery: { value: 50, description: 'From a device raising its line to the interrupt pending at the hart, through the interrupt controller. Default: an on-chip controller hop.' },
  cacheLineTransfer: { value: 100, description: 'Moving one cache line of scenario-shared memory from one hart to another. Default: a cross-core cache-to-cache transfer is of the order of 100 cycles.' },
  mmioAccess: { value: 100, description: 'A load or store to a device register (uncached, over the interconnect). Default: of the order of a cross-core transfer.' },
  dmaPerLine: { value: 10, description: 'A device moving one 64-byte line by DMA. Default: streaming transfer, cheaper per line than a single CPU miss.' },
  blockService: { value: 10_000, description: 'Service time of one block-device command before it completes. Default: 10 microseconds, a low-latency NVMe device.' },
  acceleratorPteUpdate: { value: 30, description: 'Shadow-page-table accelerator turning one guest page-table write into a shadow-PTE update (M3). Default: a few device-side memory references.' },
  callbackInvoke: { value: 50, description: 'Entering and leaving a hyper-callback (context set-up, no guest context switch). Default: a function call plus argument marshalling.' },
  callbackInstruction: { value: 1, description: 'Each eBPF instruction a hyper-callback executes. Default: callbacks are compiled to native code, about one cycle per instruction.' },
};

/** Cost names in table order. */
export const COST_NAMES: readonly CostName[] = Object.keys(COST_DEFINITIONS) as CostName[];

function defaults(): { [K in CostName]: number } {
  const out = {} as { [K in CostName]: number };
  for (const name of COST_NAMES) out[name] = COST_DEFINITIONS[name].value;
  return out;
}

/** The default cost model (frozen). */
export const DEFAULT_COSTS: CostModel = Object.freeze(defaults());

export function isCostName(name: string): name is CostName {
  return Object.prototype.hasOwnProperty.call(COST_DEFINITIONS, name);
}

/** Why a cost name is not accepted, or undefined if it is a cost. */
export function checkCostName(name: string): string | undefined {
  if (isCostName(name)) return undefined;
  return `unknown cost '${name}'${didYouMean(name, COST_NAMES)}`;
}

/** Why a value is not acceptable for a cost, or undefined if it is. */
export function checkCostValue(name: string, value: unknown): string | undefined {
  if (typeof value !== 'number' || !Number.isFinite(value)) return `cost '${name}' must be a number of cycles`;
  if (!Number.isInteger(value)) return `cost '${name}' must be a whole number of cycles, got ${value}`;
  if (value < 0 || value > MAX_COST) return `cost '${name}' must be between 0 and ${MAX_COST} cycles, got ${value}`;
  return undefined;
}

export interface CostProblem {
  /** The override's name as given. */
  readonly name: string;
  readonly message: string;
}

export interface ResolvedCosts {
  /** Defaults with every valid override applied (invalid ones are ignored). */
  readonly model: CostModel;
  readonly problems: readonly CostProblem[];
}

/**
 * Applies overrides (name → cycles) to the defaults, checking every name and value.
 * The scenario loader reports the same checks with source positions.
 */
export function resolveCostModel(overrides: Readonly<Record<string, unknown>> = {}): ResolvedCosts {
  const model = defaults();
  const problems: CostProblem[] = [];
  for (const [name, value] of Object.entries(overrides)) {
    const message = checkCostName(name) ?? checkCostValue(name, value);
    if (message !== undefined) problems.push({ name, message });
    else if (isCostName(name)) model[name] = value as number;
  }
  return { model: Object.freeze(model), problems };
}
