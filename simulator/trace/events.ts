/**
 * The machine's one event stream (DESIGN §3 "Trace"). Every part of the machine reports what it
 * does as a {@link TraceEvent}; metrics, views, the timeline and scenario assertions all read them.
 *
 * Time: `time` is the virtual time in cycles of the emitting hart when the event happened, as a
 * JavaScript `number`. Numbers are exact up to 2^53 cycles (about 104 days of virtual time at the
 * nominal 1 GHz), far beyond any run, and are much cheaper than bigint on hot paths and in JSON.
 * Addresses are `bigint`, since guest and host addresses use all 64 bits.
 */
import type { Diagnostic } from '../diagnostics';

/** Privilege levels as the hypervisor extension names them. */
export type Privilege = 'M' | 'HS' | 'S' | 'U' | 'VS' | 'VU';

/** Fields every event has. */
export interface EventBase {
  /** Virtual cycles of the emitting hart. */
  time: number;
  /** Hart that emitted the event. */
  hart: number;
  /** Name of the VM concerned, if any (as in the scenario). */
  vm?: string;
  /** vCPU index within `vm`, if any. */
  vcpu?: number;
}

/** A trap taken (exception or interrupt) into a handler of the machine, firmware or a guest. */
export interface TrapEvent extends EventBase {
  kind: 'trap';
  /** `mcause`/`scause`/`vscause` code without the interrupt bit. */
  cause: number;
  interrupt: boolean;
  from: Privilege;
  to: Privilege;
  pc: bigint;
  tval: bigint;
}

export const VM_EXIT_REASONS = [
  'ecall', 'guest-page-fault', 'virtual-instruction', 'illegal-instruction', 'interrupt', 'timer', 'wfi',
  'mmio', 'page-table-write', 'satp-write', 'fence', 'preemption', 'other',
] as const;
/**
 * Why a guest left for the hypervisor: `ecall` (hypercall or SBI call from VS mode),
 * `guest-page-fault` (G-stage fault, causes 20/21/23), `virtual-instruction` (cause 22),
 * `illegal-instruction`, `interrupt` (a host interrupt), `timer`, `wfi`, `mmio` (emulated device
 * access), `page-table-write` (write to a write-protected guest page-table page, shadow paging),
 * `satp-write` and `fence` (trapped by `hstatus.VTVM`), `preemption` (timeslice end), `other`.
 */
export type VmExitReason = (typeof VM_EXIT_REASONS)[number];

export interface VmExitEvent extends EventBase {
  kind: 'vm-exit';
  reason: VmExitReason;
  pc: bigint;
  /** Free text for views, e.g. the hypercall number or faulting address. */
  detail?: string;
}

export interface VmEntryEvent extends EventBase {
  kind: 'vm-entry';
  pc: bigint;
}

/** The translation stage: `single` (no virtualization), `vs` (guest stage), `g` (G-stage). */
export type WalkStage = 'single' | 'vs' | 'g';

/** An entry installed in a hart's TLB. */
export interface TlbFillEvent extends EventBase {
  kind: 'tlb-fill';
  stage: WalkStage;
  /** Virtual (or guest-physical, for `g`) address of the page. */
  va: bigint;
  /** Physical address of the page. */
  pa: bigint;
  /** Page size in bytes (4 KiB, 2 MiB, 1 GiB, ...). */
  pageSize: number;
  asid: number;
  vmid: number;
  /** Permissions, e.g. "rwx-u" (r, w, x, then u for user; "-" where absent). */
  perm: string;
  /** True when the fill evicted a valid entry. */
  evicted: boolean;
}

export const FLUSH_OPS = ['sfence.vma', 'hfence.vvma', 'hfence.gvma', 'full'] as const;
export type FlushOp = (typeof FLUSH_OPS)[number];

/** TLB entries removed by a fence (local, or on behalf of another hart through RFENCE/IPI). */
export interface TlbFlushEvent extends EventBase {
  kind: 'tlb-flush';
  op: FlushOp;
  /** Address operand (virtual, or guest-physical for `hfence.gvma`); absent = all addresses. */
  address?: bigint;
  /** ASID operand; absent = all address spaces. */
  asid?: number;
  /** VMID operand (hfence); absent = all VMs. */
  vmid?: number;
  /** Entries actually removed. */
  entries: number;
  /** Hart that asked for the flush when it is a remote one. */
  initiator?: number;
}

/**
 * One page-table walk, started by one TLB miss. For `vs` walks `references` counts every memory
 * reference including the G-stage ones the walk needed; `g` is a walk of the G-stage alone
 * (guest-physical to host-physical, e.g. with `vsatp` Bare or for the hypervisor's own accesses).
 */
export interface WalkEvent extends EventBase {
  kind: 'walk';
  stage: WalkStage;
  va: bigint;
  access: 'r' | 'w' | 'x';
  references: number;
  /** Set when the walk ended in a fault instead of a translation. */
  fault?: 'page-fault' | 'guest-page-fault' | 'access-fault';
}

/** An inter-processor interrupt sent by `hart` to `target`. */
export interface IpiEvent extends EventBase {
  kind: 'ipi';
  target: number;
  via: 'clint' | 'sbi' | 'hypervisor';
}

/** An interrupt becoming pending at `hart` (taken later as a trap). */
export interface InterruptEvent extends EventBase {
  kind: 'interrupt';
  /** Interrupt cause code (1/5/9 software/timer/external for S, 2/6/10 for VS, ...). */
  cause: number;
  /** Injected into a guest by the hypervisor rather than raised by hardware. */
  virtual: boolean;
  /** Device that raised it, if any. */
  source?: string;
}

/** Text a program wrote to a console (UART, SBI DBCN or HTIF). */
export interface ConsoleEvent extends EventBase {
  kind: 'console';
  text: string;
}

export interface CallbackRunEvent extends EventBase {
  kind: 'callback-run';
  /** The callback's file as registered. */
  callback: string;
  event: string;
  instructions: number;
  cycles: number;
  /** r0 on return. */
  result: bigint;
  /** Lines the callback wrote with trace_printk during this run, if any. */
  output?: string[];
}

export interface CallbackRejectedEvent extends EventBase {
  kind: 'callback-rejected';
  callback: string;
  /** The verifier's findings, as the editor shows them. */
  diagnostics: Diagnostic[];
}

export type TrampolineMode = 'retpoline' | 'learning' | 'inline' | 'outline' | 'search';

/** A call site's trampoline rewritten (through the code-integrity TCB). */
export interface TrampolinePatchEvent extends EventBase {
  kind: 'trampoline-patch';
  site: bigint;
  mode: TrampolineMode;
  /** Targets promoted to direct calls, likeliest first. */
  targets: bigint[];
}

export interface IntegrityAlertEvent extends EventBase {
  kind: 'integrity-alert';
  address: bigint;
  /** What was attempted, e.g. "write to kernel text". */
  what: string;
  /** True when the access was prevented (not only reported). */
  blocked: boolean;
}

/** Something a device did: `what` names the operation ("submit", "complete", "irq"...). */
export interface DeviceEvent extends EventBase {
  kind: 'device';
  device: string;
  what: string;
  /** Optional figure (queue depth, bytes, command id). */
  value?: number;
}

export type TraceEvent =
  | TrapEvent | VmExitEvent | VmEntryEvent | TlbFillEvent | TlbFlushEvent | WalkEvent | IpiEvent
  | InterruptEvent | ConsoleEvent | CallbackRunEvent | CallbackRejectedEvent | TrampolinePatchEvent
  | IntegrityAlertEvent | DeviceEvent;

export type TraceKind = TraceEvent['kind'];

/** The event type of a kind. */
export type TraceEventOf<K extends TraceKind> = Extract<TraceEvent, { kind: K }>;

export const TRACE_KINDS: readonly TraceKind[] = [
  'trap', 'vm-exit', 'vm-entry', 'tlb-fill', 'tlb-flush', 'walk', 'ipi', 'interrupt', 'console',
  'callback-run', 'callback-rejected', 'trampoline-patch', 'integrity-alert', 'device',
];

const EXCEPTION_NAMES: readonly string[] = [
  'instruction_misaligned', 'instruction_access_fault', 'illegal_instruction', 'breakpoint',
  'load_misaligned', 'load_access_fault', 'store_misaligned', 'store_access_fault',
  'ecall_from_u', 'ecall_from_s', 'ecall_from_vs', 'ecall_from_m',
  'instruction_page_fault', 'load_page_fault', 'reserved_14', 'store_page_fault',
  'reserved_16', 'reserved_17', 'reserved_18', 'reserved_19',
  'instruction_guest_page_fault', 'load_guest_page_fault', 'virtual_instruction', 'store_guest_page_fault',
];

const INTERRUPT_NAMES: readonly string[] = [
  'reserved_0', 'supervisor_software', 'virtual_supervisor_software', 'machine_software',
  'reserved_4', 'supervisor_timer', 'virtual_supervisor_timer', 'machine_timer',
  'reserved_8', 'supervisor_external', 'virtual_supervisor_external', 'machine_external',
  'supervisor_guest_external',
];

/** Metric-friendly name of a trap cause (`load_page_fault`, `supervisor_timer`, `cause_42`). */
export function causeName(interrupt: boolean, cause: number): string {
  const table = interrupt ? INTERRUPT_NAMES : EXCEPTION_NAMES;
  return table[cause] ?? `${interrupt ? 'interrupt' : 'cause'}_${cause}`;
}
