/**
 * Hyper-callback events (DESIGN §2, MECHANISMS M1): what a callback attaches to. The event fixes
 * the layout of the context that r1 points to on entry and the helper functions it may call.
 * The verifier reads these tables for types; the engines use the helper ids and signatures.
 *
 * Stability: additive changes only (the verifier codes against these shapes).
 */

export type EventName = 'page-reclaim' | 'vcpu-preemption' | 'io-submission' | 'tracing';
export const EVENT_NAMES: readonly EventName[] = ['page-reclaim', 'vcpu-preemption', 'io-submission', 'tracing'];

/** One field of an event's context. All fields are little-endian integers. */
export interface ContextField {
  name: string;
  offset: number;
  size: 1 | 2 | 4 | 8;
  /** Whether the callback may store to it (results it hands back to the hypervisor). */
  writable: boolean;
  description: string;
}

export interface EventSpec {
  name: EventName;
  description: string;
  /** Bytes of the context struct (r1 on entry points to it). */
  contextSize: number;
  fields: readonly ContextField[];
  /** Names of the helpers (keys of HELPERS_BY_NAME) the callback may call. */
  helpers: readonly string[];
  /** What the hypervisor does with r0. */
  returns: string;
}

/**
 * Argument kinds of helper functions, as the verifier checks them:
 * - `scalar`: any number (no pointer);
 * - `map`: a map reference (from `lddw rX, map` / map-fd / map-idx);
 * - `map-key`: pointer to initialised readable memory of the map's key size;
 * - `map-value`: pointer to initialised readable memory of the map's value size;
 * - `mem`: pointer to initialised readable memory whose size is the next argument;
 * - `uninit-mem`: pointer to writable memory (stack or map value) whose size is the next argument;
 * - `size`: a constant-bounded size (> 0) of the preceding `mem`/`uninit-mem` argument;
 * - `size-or-zero`: like `size` but 0 is allowed;
 * - `guest-addr`: a scalar guest virtual address (checked at run time against the `.range`).
 */
export type HelperArg = 'scalar' | 'map' | 'map-key' | 'map-value' | 'mem' | 'uninit-mem' | 'size' | 'size-or-zero' | 'guest-addr';

/**
 * What r0 holds after the call: a number, a pointer to a map value that may be null, or a
 * pointer to the start of the guest window (the registered range, read-only; never null).
 */
export type HelperRet = 'scalar' | 'map-value-or-null' | 'guest-window';

export interface HelperSpec {
  id: number;
  name: string;
  args: readonly HelperArg[];
  ret: HelperRet;
  description: string;
}

/** Helper ids: the generic map/time helpers keep their Linux numbers; HyperLab's own start at 0x1000. */
export const HELPERS: readonly HelperSpec[] = [
  { id: 1, name: 'map_lookup_elem', args: ['map', 'map-key'], ret: 'map-value-or-null', description: 'pointer to the value stored under key, or 0' },
  { id: 2, name: 'map_update_elem', args: ['map', 'map-key', 'map-value', 'scalar'], ret: 'scalar', description: 'store value under key (flags: 0 any, 1 only new, 2 only existing); 0 or a negative error' },
  { id: 3, name: 'map_delete_elem', args: ['map', 'map-key'], ret: 'scalar', description: 'remove key; 0 or a negative error' },
  { id: 5, name: 'ktime_get_ns', args: [], ret: 'scalar', description: 'simulated time in nanoseconds' },
  { id: 6, name: 'trace_printk', args: ['mem', 'size', 'scalar', 'scalar', 'scalar'], ret: 'scalar', description: 'append a formatted line to the callback trace' },
  { id: 7, name: 'get_prandom_u32', args: [], ret: 'scalar', description: 'a deterministic pseudo-random 32-bit number' },
  { id: 8, name: 'get_smp_processor_id', args: [], ret: 'scalar', description: 'the host hart running the callback' },
  {
    id: 0x1000,
    name: 'guest_read',
    args: ['uninit-mem', 'size', 'guest-addr'],
    ret: 'scalar',
    description: 'copy size bytes from a guest virtual address inside the registered range (through the guest page tables); 0 or a negative error, the buffer zeroed on error',
  },
  { id: 0x1001, name: 'guest_read_u64', args: ['guest-addr'], ret: 'scalar', description: 'the 8 bytes at a guest virtual address inside the registered range, or 0 when it cannot be read' },
  { id: 0x1002, name: 'guest_translate', args: ['guest-addr'], ret: 'scalar', description: 'the guest physical address of a guest virtual address inside the range, or -1' },
  {
    id: 0x1003,
    name: 'guest_window',
    args: [],
    ret: 'guest-window',
    description:
      'a read-only pointer to the start of the registered guest range: loads through it (within the range, proven by the verifier) read guest memory through the guest page tables; a load from an unmapped page reads 0',
  },
];

export const HELPERS_BY_ID: ReadonlyMap<number, HelperSpec> = new Map(HELPERS.map((h) => [h.id, h]));
export const HELPERS_BY_NAME: ReadonlyMap<string, HelperSpec> = new Map(HELPERS.flatMap((h) => [[h.name, h] as const, [`bpf_${h.name}`, h] as const]));

const COMMON = ['map_lookup_elem', 'map_update_elem', 'map_delete_elem', 'ktime_get_ns', 'trace_printk', 'get_prandom_u32', 'get_smp_processor_id', 'guest_read', 'guest_read_u64', 'guest_translate', 'guest_window'];

const f = (name: string, offset: number, size: 1 | 2 | 4 | 8, description: string, writable = false): ContextField => ({ name, offset, size, writable, description });

export const EVENTS: Readonly<Record<EventName, EventSpec>> = {
  'page-reclaim': {
    name: 'page-reclaim',
    description: 'the host is about to reclaim a page of the VM; the callback says whether the guest considers it free',
    contextSize: 40,
    fields: [
      f('vm_id', 0, 8, 'the VM being reclaimed from'),
      f('gpa', 8, 8, 'guest physical address of the candidate page'),
      f('pages_wanted', 16, 8, 'pages the host still has to reclaim'),
      f('range_start', 24, 8, 'start of the registered guest range'),
      f('range_end', 32, 8, 'end (exclusive) of the registered guest range'),
    ],
    helpers: COMMON,
    returns: '1 if the guest considers the page free (drop it without swapping), 0 otherwise',
  },
  'vcpu-preemption': {
    name: 'vcpu-preemption',
    description: 'the host is about to preempt a vCPU; the callback says whether it holds a lock',
    contextSize: 40,
    fields: [
      f('vm_id', 0, 8, 'the VM'),
      f('vcpu_id', 8, 4, 'the vCPU to be preempted'),
      f('reserved', 12, 4, 'zero'),
      f('pc', 16, 8, 'guest program counter of the vCPU'),
      f('sp', 24, 8, 'guest stack pointer of the vCPU'),
      f('ran_ns', 32, 8, 'nanoseconds the vCPU has run in this slice'),
    ],
    helpers: COMMON,
    returns: '1 to defer the preemption (the vCPU holds a lock), 0 to preempt',
  },
  'io-submission': {
    name: 'io-submission',
    description: 'the guest submitted an I/O request; the callback prioritises it',
    contextSize: 32,
    fields: [
      f('vm_id', 0, 8, 'the VM'),
      f('vcpu_id', 8, 4, 'submitting vCPU'),
      f('op', 12, 4, '0 read, 1 write, 2 flush'),
      f('sector', 16, 8, 'first sector'),
      f('length', 24, 4, 'bytes'),
      f('flags', 28, 4, 'request flags; the callback may set bit 0 (urgent)', true),
    ],
    helpers: COMMON,
    returns: 'the priority (0 lowest)',
  },
  tracing: {
    name: 'tracing',
    description: 'a tracepoint of the simulated hypervisor fired',
    contextSize: 48,
    fields: [
      f('vm_id', 0, 8, 'the VM'),
      f('vcpu_id', 8, 4, 'the vCPU'),
      f('event_id', 12, 4, 'which tracepoint'),
      f('arg0', 16, 8, 'tracepoint argument 0'),
      f('arg1', 24, 8, 'tracepoint argument 1'),
      f('arg2', 32, 8, 'tracepoint argument 2'),
      f('arg3', 40, 8, 'tracepoint argument 3'),
    ],
    helpers: COMMON,
    returns: 'ignored (0 by convention)',
  },
};

export function isEventName(s: string): s is EventName {
  return (EVENT_NAMES as readonly string[]).includes(s);
}

/** The field covering [offset, offset+size), if the access lies within a single field. */
export function contextFieldAt(event: EventSpec, offset: number, size: number): ContextField | undefined {
  return event.fields.find((fl) => offset >= fl.offset && offset + size <= fl.offset + fl.size);
}
