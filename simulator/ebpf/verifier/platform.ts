/**
 * What the verifier needs to know about the environment a program runs in: the context layout
 * (which bytes may be read or written, which slots hold packet pointers), the helpers with their
 * prototypes, and the maps. `eventPlatform` builds it from the toolchain's event tables
 * (events.ts) for `.hcb` callbacks; the PREVAIL runner builds its own test platform.
 */
import { EVENTS, HELPERS_BY_ID, HELPERS_BY_NAME, type EventName, type HelperArg } from '../events';
import type { GuestRange, MapDef } from '../program';

export type ArgKind = HelperArg | 'ctx' | 'anything' | 'const-size';

export interface HelperProto {
  id: number;
  name: string;
  args: readonly ArgKind[];
  /** `mem-or-null`: r0 points to `retSize` bytes (or the constant in argument `retSizeArg`). */
  ret: 'scalar' | 'map-value-or-null' | 'mem-or-null' | 'sock-or-null' | 'guest-window';
  retSizeArg?: number;
  retSize?: number;
}

export interface Field {
  name: string;
  offset: number;
  size: number;
  writable: boolean;
  /** Reads narrower than the field are allowed (default true). */
  narrow?: boolean;
  /** Other exact widths allowed at the field's offset. */
  wide?: number;
}

export interface CtxPointer {
  offset: number;
  size: number;
  kind: 'packet' | 'pend' | 'meta';
}

export interface Platform {
  name: string;
  ctxSize: number;
  /** Fields; when given, every context access must lie inside one field. */
  fields?: readonly Field[];
  /** Context slots whose whole-slot load yields a packet pointer (never writable). */
  ctxPointers: readonly CtxPointer[];
  /** Without fields: whether bytes outside pointer slots are writable. */
  ctxWritable: boolean;
  helpers: ReadonlyMap<number, HelperProto>;
  maps: readonly MapDef[];
  /** Map index for `lddw` with src = map fd (undefined: fds are not accepted). */
  mapByFd?(fd: number): number | undefined;
  /** Legacy packet loads (LD ABS/IND) are allowed (they need r6 = ctx). */
  legacyPacket: boolean;
  /** Big-endian target: `be` is the identity and `le` swaps. */
  bigEndian?: boolean;
  /** Socket layout: readable byte ranges of the object returned by socket lookups. */
  socketFields?: readonly Field[];
  /**
   * Numeric address range [lo, hi] of the start (offset 0) of a region of each pointer kind
   * (and of map references), when the platform guarantees one; the verifier then tracks the
   * value of pointers (`Val.addr`). PREVAIL's model: every region starts in [1, 2^31 - 2^16],
   * the packet in [4098, 2^31 - 2^16]. Absent: pointer values are unknown.
   */
  pointerAddress?: Partial<Record<'ctx' | 'stack' | 'packet' | 'pend' | 'map' | 'mem' | 'sock' | 'guest' | 'mapref', readonly [bigint, bigint]>>;
  /**
   * Bytes of the guest window (the program's registered guest range, at most 2^32 - 1: window
   * offsets are 32-bit at run time). Absent: the program has no range, and `guest_window` is refused.
   */
  guestWindow?: number;
}

export interface VerifyOptions {
  /** Division or modulo by a divisor that may be 0 (RFC 9669 defines the result). */
  divByZero: 'allow' | 'note' | 'error';
  /** A conditional branch whose condition is decided statically (one side never runs). */
  deadBranches: 'ignore' | 'warn' | 'error';
  /** r0 must be a number at the exit of the main program. */
  exitR0: boolean;
  /** Running past the last instruction: an error, or an implicit exit (test snippets). */
  fallOffEnd: 'error' | 'exit';
  /** Prove that loops terminate. */
  termination: boolean;
  /** Abstract instruction visits before giving up. */
  maxSteps: number;
  /** Distinct (call context, instruction) states before giving up. */
  maxStates: number;
  maxFrames: number;
  /** Linux-like structure rules: unreachable code and code shared between functions are errors. */
  strictStructure: boolean;
  /** A bpf-to-bpf callee starts with the caller's r0 and r6–r9 (else they are uninitialised). */
  calleeSeesCallerRegs: boolean;
  /** PREVAIL's policy: copying an uninitialised register and reading unwritten stack give unknown values (errors only on use). */
  lenientUninit: boolean;
  /** Atomic operations must be naturally aligned (PREVAIL does not check alignment). */
  alignedAtomics: boolean;
  /** Largest number of iterations a loop may be proven to run. */
  maxLoopIterations: number;
}

export const DEFAULT_OPTIONS: VerifyOptions = {
  divByZero: 'note',
  deadBranches: 'warn',
  exitR0: true,
  fallOffEnd: 'error',
  termination: true,
  maxSteps: 1_000_000,
  maxStates: 200_000,
  maxFrames: 8,
  maxLoopIterations: 1 << 20,
  strictStructure: true,
  calleeSeesCallerRegs: false,
  lenientUninit: false,
  alignedAtomics: true,
};

/** Largest guest window: run-time window offsets are the low 32 bits of a pointer. */
export const MAX_GUEST_WINDOW = 0xffffffff;

/** Bytes of the guest window over `range` (undefined: no range, or an empty one). */
export function guestWindowSize(range: GuestRange | undefined): number | undefined {
  if (!range || range.end <= range.start) return undefined;
  const len = range.end - range.start;
  return len > BigInt(MAX_GUEST_WINDOW) ? MAX_GUEST_WINDOW : Number(len);
}

/** The platform of a hyper-callback attached to `event` with the given maps and guest range. */
export function eventPlatform(event: EventName | undefined, maps: readonly MapDef[], range?: GuestRange): Platform {
  const spec = event ? EVENTS[event] : undefined;
  const helpers = new Map<number, HelperProto>();
  const names = spec ? spec.helpers : [];
  for (const n of names) {
    const h = HELPERS_BY_NAME.get(n);
    if (h) helpers.set(h.id, { id: h.id, name: h.name, args: h.args, ret: h.ret });
  }
  void HELPERS_BY_ID;
  return {
    name: event ?? 'no event',
    ctxSize: spec?.contextSize ?? 0,
    fields: spec ? spec.fields.map((f) => ({ name: f.name, offset: f.offset, size: f.size, writable: f.writable })) : [],
    ctxPointers: [],
    ctxWritable: false,
    helpers,
    maps,
    legacyPacket: false,
    guestWindow: guestWindowSize(range),
  };
}
