/**
 * Every custom message that crosses the boundary between the VS Code client and the two back
 * ends (DESIGN §1): DAP custom requests/events of the debug adapter, LSP custom requests of the
 * language server. Imported by both sides, so a change of shape is a type error on both.
 *
 * Only types and name constants live here: the client must not pull the simulator in at run
 * time. JSON carries no bigint, so every 64-bit address or value travels as a `0x`-prefixed hex
 * string (`Hex`); counts and virtual times fit in a JavaScript number.
 */

/** A 64-bit quantity as `0x…` lower-case hex. */
export type Hex = string;

// ---------------------------------------------------------------------------------------------
// DAP: custom requests (session.customRequest(command, args) → body)
// ---------------------------------------------------------------------------------------------

/** One custom request: its command name, argument and response body types. */
export interface DapRequest<C extends string, A, R> {
  command: C;
  /** Phantom fields: never present at run time, they carry the types. */
  args?: A;
  result?: R;
}

export interface VcpuSummary {
  /** The DAP thread id of this vCPU. */
  threadId: number;
  vm: string;
  vcpu: number;
  /** Hart it runs on now, or null when descheduled. */
  hart: number | null;
  /** 'running' | 'runnable' | 'stopped' | 'halted' | … as the hypervisor names it. */
  state: string;
  /** Current privilege ('VS', 'VU', 'HS', 'M', 'S', 'U'). */
  mode: string;
  pc: Hex;
  /** VM exits of this vCPU by reason (the VM's are the sum over its vCPUs). */
  exits: Record<string, number>;
}

export interface MachineSummary {
  /** Virtual time in cycles (the furthest hart). */
  time: number;
  instructions: number;
  harts: { id: number; mode: string; pc: Hex; virt: boolean; running: string | null }[];
  vms: { name: string; paging: string; vmid: number; state: string; vcpus: VcpuSummary[] }[];
  /** True when the session is past its end (views show the last state greyed). */
  ended: boolean;
}
export const MachineSummaryRequest = 'hyperlab/machineSummary';
export type MachineSummaryArgs = Record<string, never>;

export interface TlbEntryView {
  slot: number;
  set: number;
  way: number;
  virt: boolean;
  vmid: number;
  asid: number;
  global: boolean;
  vpn: Hex;
  ppn: Hex;
  /** Guest-physical page of a two-stage entry, else null. */
  gpn: Hex | null;
  /** Page size in bytes of the leaf (4096, 2 MiB, 1 GiB, …). */
  pageSize: number;
  /** 'rwxu' style flags, '-' for absent bits. */
  perms: string;
  /** Filled or flushed since the previous stop. */
  recent: 'filled' | null;
}
export const TlbEntriesRequest = 'hyperlab/tlbEntries';
export interface TlbEntriesArgs { hart: number; start?: number; count?: number }
export interface TlbEntries {
  hart: number;
  geometry: { entries: number; ways: number; replacement: string };
  /** Valid entries only, in slot order, paged by `start`/`count` over the valid ones. */
  entries: TlbEntryView[];
  totalValid: number;
  counters: { hits: number; misses: number; fills: number; evictions: number; flushes: number };
}

/** One node of a page-table tree. The root has `path` []. */
export interface PageTableNode {
  /** Indices from the root, to ask for this node's children. */
  path: number[];
  level: number;
  index: number;
  /** Virtual (or guest-physical for the nested table) base address this entry covers. */
  va: Hex;
  pte: Hex;
  /** Physical address the PTE points to (next table or leaf page). */
  pa: Hex;
  leaf: boolean;
  /** 'rwxugad' style flags, '-' for absent bits. */
  flags: string;
  /** Bytes covered by the entry. */
  size: number;
}
export const PageTableRequest = 'hyperlab/pageTable';
export interface PageTableArgs {
  vm: string;
  /** guest = the vCPU's VS-stage table (vsatp), nested = the VM's G-stage table (hgatp). */
  table: 'guest' | 'nested' | 'shadow';
  vcpu?: number;
  /** Node whose valid children to list; omitted = the root table. */
  path?: number[];
}
export interface PageTable {
  mode: string;
  root: Hex | null;
  children: PageTableNode[];
}

export interface WalkStep {
  stage: 'vs' | 'g' | 'single';
  level: number;
  /** Address of the PTE read. */
  pteAddress: Hex;
  pte: Hex;
  /** The guest-physical address of a VS-stage PTE, translated through the G-stage first. */
  note?: string;
}
export const TranslateRequest = 'hyperlab/translate';
export interface TranslateArgs { address: Hex; threadId?: number; access?: 'read' | 'write' | 'execute' }
export interface Translation {
  address: Hex;
  /** GVA→GPA result of the first stage (or null when it faulted or is bare). */
  gpa: Hex | null;
  /** Final physical address, or null on a fault. */
  hpa: Hex | null;
  tlb: 'hit' | 'miss';
  steps: WalkStep[];
  /** Memory references the walk needed (every PTE read, both stages). */
  references: number;
  fault: string | null;
}

export interface CallbackView {
  id: number;
  vm: string;
  /** Source file of the program (absolute), when known, for "open source". */
  file: string | null;
  event: string;
  verdict: 'accepted' | 'rejected';
  runs: number;
  instructions: number;
  cycles: number;
  range: [Hex, Hex];
}
export const CallbacksRequest = 'hyperlab/callbacks';
export type CallbacksArgs = Record<string, never>;
export interface Callbacks { callbacks: CallbackView[]; rejected: number }

export interface InterruptState {
  harts: { hart: number; mip: Hex; mie: Hex; hvip: Hex | null; pending: string[] }[];
  devices: { name: string; state: Record<string, string | number> }[];
}
export const InterruptsRequest = 'hyperlab/interrupts';
export type InterruptsArgs = Record<string, never>;

/** A trace event as JSON: the simulator's TraceEvent with bigint fields as Hex. */
export interface TraceRecord {
  kind: string;
  time: number;
  hart: number;
  vm?: string;
  vcpu?: number;
  [field: string]: string | number | boolean | string[] | undefined;
}
export const TraceRequest = 'hyperlab/trace';
export interface TraceArgs { since?: number; kinds?: string[]; limit?: number }
export interface Trace { events: TraceRecord[]; until: number; truncated: boolean }

/** Sent on every stop and a few times a second while running. */
export const StateChangedEvent = 'hyperlab/stateChanged';
export interface StateChanged { reason: 'stopped' | 'running' | 'ended'; time: number }

export type HyperlabDapRequests =
  | DapRequest<typeof MachineSummaryRequest, MachineSummaryArgs, MachineSummary>
  | DapRequest<typeof TlbEntriesRequest, TlbEntriesArgs, TlbEntries>
  | DapRequest<typeof PageTableRequest, PageTableArgs, PageTable>
  | DapRequest<typeof TranslateRequest, TranslateArgs, Translation>
  | DapRequest<typeof CallbacksRequest, CallbacksArgs, Callbacks>
  | DapRequest<typeof InterruptsRequest, InterruptsArgs, InterruptState>
  | DapRequest<typeof TraceRequest, TraceArgs, Trace>;

// ---------------------------------------------------------------------------------------------
// LSP: custom requests of the language server
// ---------------------------------------------------------------------------------------------

/** The verifier's verdict for one `.hcb` document (the "verify current callback" command). */
export const VerifyCallbackRequest = 'hyperlab/verifyCallback';
export interface VerifyCallbackParams { uri: string }
export interface VerifyCallbackResult {
  accepted: boolean;
  instructions: number;
  /** Longest path in instructions the verifier found, or null when rejected. */
  worstCasePath: number | null;
  /** Diagnostics as `file:line:col: severity: message`, as `hyperlab verify` prints them. */
  messages: string[];
}
