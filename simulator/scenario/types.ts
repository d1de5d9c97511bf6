/**
 * A loaded scenario (`*.hlab.json`): every value typed, every default applied. Sizes are bytes,
 * times are virtual cycles, addresses are bigint (guest addresses may use all 64 bits).
 */
import type { SourceRange } from '../diagnostics';
import type { CostModel, CostName } from '../cost/model';
import type { JsonValue, Scalar } from './rules';

export const PAGING_MODES = ['nested', 'shadow', 'shadow-accelerated'] as const;
/** How a VM's guest-physical memory is translated (DESIGN §4). */
export type PagingMode = (typeof PAGING_MODES)[number];

export const TLB_REPLACEMENTS = ['lru', 'fifo', 'random'] as const;
export type TlbReplacement = (typeof TLB_REPLACEMENTS)[number];

/** Geometry of one hart's TLB. */
export interface TlbGeometry {
  entries: number;
  /** Associativity; `entries / ways` sets. `ways === entries` is fully associative. */
  ways: number;
  replacement: TlbReplacement;
  /** Seed of the replacement's random choices (used only by `random`). */
  seed: number;
}

export interface MachineConfig {
  harts: number;
  /** Host physical memory in bytes. */
  memory: number;
  /** The TLB of each hart, index = hart id (length `harts`). */
  tlb: TlbGeometry[];
  /** Instructions a hart runs before the simulator turns to the next hart. */
  quantum: number;
  /** Seed of every pseudo-random choice in the run. */
  seed: number;
  /** The cost model: defaults with the scenario's overrides applied. */
  costs: CostModel;
  /** Only the overrides the scenario wrote. */
  costOverrides: Partial<Record<CostName, number>>;
}

/** Code built from assembly sources and placed at `base`. */
export interface AssemblyImage {
  format: 'assembly';
  sources: string[];
  entry: string;
  base: bigint;
}

/** Code from an ELF executable, loaded at its own addresses. */
export interface ElfImage {
  format: 'elf';
  elf: string;
  /** Symbol to start at; undefined = the ELF header's entry point. */
  entry?: string;
}

export type CodeImage = AssemblyImage | ElfImage;

/** A half-open address range [start, end). */
export interface AddressRange {
  start: bigint;
  end: bigint;
}

export const CALLBACK_EVENTS = ['page-reclaim', 'vcpu-preemption', 'io-submission', 'tracing'] as const;
export type CallbackEvent = (typeof CALLBACK_EVENTS)[number];

export interface CallbackConfig {
  /** The `.hcb` file, as written (relative to the scenario file). */
  file: string;
  event: CallbackEvent;
  /** Guest-virtual range the callback may read. */
  range: AddressRange;
}

export const DEVICE_TYPES = ['uart', 'block', 'passthrough-dma'] as const;
export type DeviceType = (typeof DEVICE_TYPES)[number];

export interface DeviceConfig {
  type: DeviceType;
  /** Unique in the VM; defaults to the type. */
  name: string;
  params: Record<string, Scalar>;
}

export interface VmConfig {
  name: string;
  vcpus: number;
  /** Guest-physical memory in bytes. */
  memory: number;
  paging: PagingMode;
  code: CodeImage;
  callbacks: CallbackConfig[];
  devices: DeviceConfig[];
}

export const MECHANISM_NAMES = [
  'hyper-callbacks', 'trampolines', 'shootdowns', 'calibrated-interrupts', 'containment-32bit',
  'code-integrity', 'guest-integrity', 'live-migration', 'fault-tolerance', 'secret-registers',
] as const;
export type MechanismName = (typeof MECHANISM_NAMES)[number];

export interface HypervisorConfig {
  /** Default paging mode of the VMs. */
  paging: PagingMode;
  /** Virtual cycles a vCPU runs before the scheduler may switch to another on the same hart. */
  timeslice: number;
  /** Mechanisms switched on, each with its parameters. */
  mechanisms: Partial<Record<MechanismName, Record<string, Scalar>>>;
}

export type PrivilegeMode = 'M' | 'S';

export interface ProgramConfig {
  code: CodeImage;
  /** Privilege mode the program starts in (S: SBI firmware is provided natively). */
  mode: PrivilegeMode;
}

export interface StopConfig {
  /** Total instructions retired by all harts (guest and host) before the run stops. */
  maxInstructions: number;
  /** Virtual cycles before the run stops; undefined = no limit. */
  maxTime?: number;
  /** Stop when a program writes the tohost word. */
  onTohost: boolean;
}

export const COMPARE_OPS = ['<', '<=', '==', '>=', '>', '!='] as const;
export type CompareOp = (typeof COMPARE_OPS)[number];

/** `metric op value`. */
export interface ValueExpectation {
  metric: string;
  op: CompareOp;
  value: number;
  metricOther?: undefined;
  /** Where the assertion is written, for messages. */
  source?: SourceRange;
}

/** `metric op factor × metricOther`. */
export interface RatioExpectation {
  metric: string;
  op: CompareOp;
  metricOther: string;
  factor: number;
  value?: undefined;
  source?: SourceRange;
}

export type Expectation = ValueExpectation | RatioExpectation;

interface ScenarioCommon {
  name?: string;
  description?: string;
  machine: MachineConfig;
  /** Open for later: what the guests are asked to do. */
  workload: Record<string, JsonValue>;
  stop: StopConfig;
  expect: Expectation[];
}

/** A program running on the bare machine, no hypervisor. */
export interface BareMetalScenario extends ScenarioCommon {
  kind: 'bare-metal';
  program: ProgramConfig;
}

/** VMs under the hypervisor. */
export interface HypervisorScenario extends ScenarioCommon {
  kind: 'hypervisor';
  hypervisor: HypervisorConfig;
  vms: VmConfig[];
}

export type Scenario = BareMetalScenario | HypervisorScenario;
