/**
 * Hyper-callbacks (MECHANISMS M1, DESIGN §4): eBPF programs a guest hands to the hypervisor, which
 * verifies them with the editor's verifier (simulator/ebpf/verifier), compiles them and runs them
 * on host events with no guest context switch.
 *
 * Where programs come from:
 * - the `register_callback` hypercall (hypercalls.ts FID 16): the bytecode is read from guest
 *   *physical* memory (a0 = GPA, a1 = length in bytes, a multiple of 8, at most 64 KiB; it must
 *   lie in guest RAM), decoded (`decodeProgram`), verified for the event's platform
 *   (`eventPlatform(event, [])` + `verify`: raw bytecode declares no maps, so any map reference
 *   is rejected); the range a3..a4 (guest-virtual, [start, end)) limits its guest helpers;
 * - a scenario's `callbacks` entries: the `.hcb` file is assembled (simulator/ebpf/asm) and
 *   verified with `verifyHcb`, its `.event` and `.range` replaced by the scenario's, and
 *   registered at boot the same way ({@link CallbackRegistry.registerProgram}).
 * A rejected program emits a `callback-rejected` trace event with the verifier's diagnostics and
 * counts `callbacks.rejected` / `<vm>.callbacks.rejected`.
 *
 * Running: {@link CallbackRegistry.run} builds the event's context (events.ts layout), runs the
 * program on the engine the hypervisor was given ('jit' by default, 'interp'), with at most
 * {@link CALLBACK_BUDGET} instructions, and the guest-window helpers bound to a
 * {@link GuestWindow} of the VM: a software walk of the vCPU's `vsatp` (Sv39, or Bare) followed
 * by the VM's G-stage table (a GPA whose page is not mapped in the G-stage — never touched, or
 * reclaimed — is a fault: a helper never maps or swaps in a page). Every read is limited to the
 * registered range (the helpers check it before the walk). A walk failure, an out-of-range read,
 * a run-time check of the program (bad store, budget) never reach the host: the helper returns
 * its error code, or the run ends with `error` set and r0 = 0 (the event's safe default), counted
 * as `callbacks.errors`.
 *
 * Costs and metrics: each run charges `callbackInvoke + instructions × callbackInstruction`
 * virtual cycles to the hart the event happens on (no VM exit, no entry); it counts
 * `callbacks.runs|instructions|cycles`, `callbacks.by_event.<event>`, the same per VM
 * (`<vm>.callbacks.*`) and per callback (`<vm>.callbacks.<id>.runs|instructions|cycles`), and
 * emits `callback-run` (name, event, instructions, cycles, r0).
 *
 * Snapshots: {@link CallbackRegistry.captureState} holds every registration (VM, id, name,
 * event, range, instructions, maps' contents, counters, get_prandom_u32's state) and the next id;
 * restoring rebuilds the engines from the instructions.
 */
import type { Diagnostic } from '../diagnostics';
import { EVENT_NAMES, EVENTS, type EventName } from '../ebpf/events';
import { IsaError, decodeProgram, type Insn } from '../ebpf/isa';
import type { GuestRange, HcbProgram } from '../ebpf/program';
import { RuntimeCheckError } from '../ebpf/vm/memory';
import type { GuestMemory } from '../ebpf/vm/guest';
import { Vm as BpfVm, defaultHelpers, type EngineKind } from '../ebpf/vm/vm';
import { Prandom } from '../ebpf/vm/prandom';
import { HELPERS_BY_NAME } from '../ebpf/events';
import type { CompilerFacts } from '../ebpf/vm/facts';
import { verifierFacts } from '../ebpf/verifier/facts';
import type { Region } from '../ebpf/vm/memory';
import { verify, verifyHcb } from '../ebpf/verifier';
import { eventPlatform } from '../ebpf/verifier/platform';
import type { AsmResult } from '../ebpf/asm/assembler';
import type { Machine } from '../machine';
import { metricSegment } from '../trace';
import type { HostMemory } from './gstage';
import { PAGE_SIZE } from './gstage';
import type { Vm } from './vm';


const KTIME_GET_NS = HELPERS_BY_NAME.get('ktime_get_ns')?.id ?? 5;
/** Instructions one callback run may execute before it is stopped (an error, r0 = 0). */
export const CALLBACK_BUDGET = 100_000;
/** Largest bytecode the hypercall accepts (8192 instructions). */
export const CALLBACK_MAX_BYTES = 64 * 1024;
/** Event numbers of the hypercall ABI (a2 of register_callback). */
export const CALLBACK_EVENT_CODES: readonly EventName[] = EVENT_NAMES;

/** Guest virtual memory of one VM as a callback sees it: vsatp walk + G-stage, never faulting the host. */
export class GuestWindow implements GuestMemory {
  constructor(private readonly vm: Vm, private readonly mem: HostMemory, private readonly vsatp: bigint) {}

  /** Host address of a guest-physical address through the G-stage (undefined: not mapped / not RAM). */
  private hostOf(gpa: bigint): number | undefined {
    if (gpa < 0n || gpa > BigInt(Number.MAX_SAFE_INTEGER)) return undefined;
    const a = Number(gpa);
    if (!this.vm.inRam(a)) return undefined;
    return this.vm.gstage.lookup(a)?.hpa;
  }

  /** Sv39 (or Bare) walk of the guest's own tables; every table access goes through the G-stage. */
  translate(gva: bigint): bigint | 'fault' {
    const mode = Number((this.vsatp >> 60n) & 0xfn);
    const va = BigInt.asUintN(64, gva);
    if (mode === 0) return va;
    if (mode !== 8) return 'fault';
    const top = va >> 38n;
    if (top !== 0n && top !== (1n << 26n) - 1n) return 'fault'; // not sign-extended from bit 38
    let table = (this.vsatp & ((1n << 44n) - 1n)) << 12n;
    for (let level = 2; level >= 0; level--) {
      const vpn = (va >> BigInt(12 + 9 * level)) & 0x1ffn;
      const at = this.hostOf(table + vpn * 8n);
      if (at === undefined) return 'fault';
      const pte = this.mem.read64(at);
      const v = pte & 1n, r = (pte >> 1n) & 1n, w = (pte >> 2n) & 1n, x = (pte >> 3n) & 1n;
      if (v === 0n || (r === 0n && w === 1n)) return 'fault';
      const ppn = (pte >> 10n) & ((1n << 44n) - 1n);
      if (r === 1n || x === 1n) {
        if (r === 0n) return 'fault'; // execute-only: not readable
        const low = 12n + 9n * BigInt(level);
        if (level > 0 && (ppn & ((1n << (9n * BigInt(level))) - 1n)) !== 0n) return 'fault'; // misaligned superpage
        return ((ppn << 12n) & ~((1n << low) - 1n)) | (va & ((1n << low) - 1n));
      }
      table = ppn << 12n;
    }
    return 'fault';
  }

  read(gva: bigint, length: number): Uint8Array | 'fault' {
    const out = new Uint8Array(length);
    let done = 0;
    while (done < length) {
      const va = gva + BigInt(done);
      const gpa = this.translate(va);
      if (gpa === 'fault') return 'fault';
      const host = this.hostOf(gpa);
      if (host === undefined) return 'fault';
      const n = Math.min(length - done, PAGE_SIZE - Number(gpa % BigInt(PAGE_SIZE)));
      out.set(this.mem.bytes(host, n), done);
      done += n;
    }
    return out;
  }
}

/** Per-callback counters (captured in snapshots). */
export interface CallbackStats { runs: number; instructions: number; cycles: number; errors: number }

/** One registered callback. */
export class Callback {
  readonly stats: CallbackStats = { runs: 0, instructions: 0, cycles: 0, errors: 0 };
  /** The engine, built on the first run (and after a snapshot restore). */
  engineVm: BpfVm | undefined;
  ctx: Region | undefined;
  /** The GuestWindow the guest helpers read through; replaced before each run. */
  window: GuestWindow | undefined;
  /** What the verifier proved about the program, for the compiler (derived from the program, not state). */
  facts: CompilerFacts | undefined;
  /**
   * get_prandom_u32's generator: state of the callback, not of its engine (which a snapshot
   * restore rebuilds), so snapshots capture it and a debugger replays a run from the state the
   * run starts with (read it in CallbackObserver.beforeRun).
   */
  readonly prandom = new Prandom();

  constructor(
    readonly vmIndex: number,
    readonly id: number,
    /** File name (scenario) or `hypercall@<gpa>`. */
    readonly name: string,
    readonly event: EventName,
    readonly range: GuestRange,
    readonly program: HcbProgram,
  ) {}
}

export type RegisterOutcome = { ok: true; id: number } | { ok: false; code: 'invalid-param' | 'invalid-address' | 'denied'; diagnostics: Diagnostic[] };

export interface RunOutcome {
  r0: bigint;
  instructions: number;
  cycles: number;
  /** Why the run stopped early (the result is then 0). */
  error?: string;
}

/**
 * Sees each callback run just before it happens, with its inputs: the context bytes, the guest
 * memory as the run will read it, the hart (a debugger records runs that reach breakpoints).
 * It must not change the machine: the run that follows is the one the machine makes anyway.
 * Whatever else the run depends on is the callback's (`cb.prandom.state`: get_prandom_u32's
 * state, the engine's map contents), as it is now, before the run.
 */
export interface CallbackObserver {
  beforeRun(cb: Callback, ctx: Uint8Array, guest: GuestMemory, hart: number): void;
}

/** What a snapshot holds of one registration. */
interface CallbackSnapshot {
  vmIndex: number; id: number; name: string; event: EventName; start: bigint; end: bigint;
  insns: Insn[]; maps: HcbProgram['maps']; mapBytes: Uint8Array[]; hashSlots: (HashState | null)[]; stats: CallbackStats;
  /** get_prandom_u32's state (Prandom.state). */
  prandom: number;
  /** Immutable, derived from the program: shared, not copied. */
  facts: CompilerFacts | undefined;
}
export interface CallbackRegistryState { nextId: number; callbacks: CallbackSnapshot[] }

/** Every VM's callbacks. */
export class CallbackRegistry {
  private readonly list: Callback[] = [];
  private nextId = 1;

  constructor(private readonly machine: Machine, private readonly mem: HostMemory, private readonly vms: readonly Vm[], readonly engine: EngineKind = 'jit') {}

  /** The callbacks of a VM (all events, registration order), or of one event. */
  of(vm: Vm, event?: EventName): Callback[] {
    return this.list.filter((c) => c.vmIndex === vm.index && (event === undefined || c.event === event));
  }

  get all(): readonly Callback[] { return this.list; }

  /** The hypercall path: bytecode at a guest-physical address. */
  registerFromGuest(vm: Vm, gpa: bigint, length: bigint, eventCode: bigint, start: bigint, end: bigint): RegisterOutcome {
    const name = `hypercall@0x${gpa.toString(16)}`;
    const event = eventCode >= 0n && eventCode < BigInt(CALLBACK_EVENT_CODES.length) ? CALLBACK_EVENT_CODES[Number(eventCode)] : undefined;
    const fail = (code: 'invalid-param' | 'invalid-address' | 'denied', message: string, what: string): RegisterOutcome => {
      const diagnostics: Diagnostic[] = [{ severity: 'error', code: `callback/${what}`, message, range: { file: name, line: 1, column: 1, endLine: 1, endColumn: 1 } }];
      this.rejected(vm, name, diagnostics);
      return { ok: false, code, diagnostics };
    };
    if (event === undefined) return fail('invalid-param', `unknown event number ${eventCode} (0 page-reclaim, 1 vcpu-preemption, 2 io-submission, 3 tracing)`, 'event');
    if (end <= start) return fail('invalid-param', `empty guest range [0x${start.toString(16)}, 0x${end.toString(16)})`, 'range');
    if (length === 0n || length % 8n !== 0n || length > BigInt(CALLBACK_MAX_BYTES)) return fail('invalid-param', `bytecode length ${length} is not a non-zero multiple of 8 of at most ${CALLBACK_MAX_BYTES}`, 'length');
    const n = Number(length);
    if (gpa > BigInt(Number.MAX_SAFE_INTEGER) || !vm.inRam(Number(gpa), n)) return fail('invalid-address', `bytecode [0x${gpa.toString(16)}, +${n}) is not in guest RAM`, 'address');
    const a = Number(gpa);
    const bytes = this.mem.bytes(vm.hostBase + (a - 0x80000000), n).slice();
    let insns: Insn[];
    try {
      insns = decodeProgram(bytes);
    } catch (e) {
      if (!(e instanceof IsaError)) throw e;
      return fail('denied', e.message, 'decode');
    }
    const r = verify({ insns, platform: eventPlatform(event, [], { start, end }), file: name });
    if (!r.ok) { this.rejected(vm, name, r.diagnostics); return { ok: false, code: 'denied', diagnostics: r.diagnostics }; }
    return { ok: true, id: this.add(vm, name, event, { start, end }, { insns, maps: [], event, range: { start, end } }, verifierFacts(r, insns)) };
  }

  /**
   * The scenario path: an assembled `.hcb` (its `.event`/`.range` overridden by the scenario's),
   * verified with `verifyHcb`. Returns the verifier's diagnostics on rejection.
   */
  registerProgram(vm: Vm, name: string, asm: AsmResult, event: EventName, range: GuestRange): RegisterOutcome {
    const program: HcbProgram = { ...asm.program, event, range };
    const r = verifyHcb({ ...asm, program });
    if (!r.ok) { this.rejected(vm, name, r.diagnostics); return { ok: false, code: 'denied', diagnostics: r.diagnostics }; }
    return { ok: true, id: this.add(vm, name, event, range, program, verifierFacts(r, program.insns)) };
  }

  unregister(vm: Vm, id: number): boolean {
    const k = this.list.findIndex((c) => c.vmIndex === vm.index && c.id === id);
    if (k < 0) return false;
    this.list.splice(k, 1);
    return true;
  }

  private add(vm: Vm, name: string, event: EventName, range: GuestRange, program: HcbProgram, facts: CompilerFacts): number {
    const id = this.nextId++;
    const cb = new Callback(vm.index, id, name, event, range, program);
    cb.facts = facts;
    this.list.push(cb);
    this.machine.metrics.add(`${vm.name}.callbacks.registered`);
    return id;
  }

  /** Hart of the event being handled (for trace events); set by the hypervisor. */
  hart = 0;

  /** Told of every run before it happens (undefined: nobody asks; costs nothing). */
  observer: CallbackObserver | undefined = undefined;

  private rejected(vm: Vm, name: string, diagnostics: Diagnostic[]): void {
    const m = this.machine.metrics;
    m.add('callbacks.rejected');
    m.add(`${vm.name}.callbacks.rejected`);
    const t = this.machine.trace;
    if (t.enabled('callback-rejected')) t.emit({ kind: 'callback-rejected', time: this.machine.timeNow(), hart: this.hart, vm: vm.name, callback: name, diagnostics });
  }

  private build(cb: Callback): BpfVm {
    if (cb.engineVm !== undefined) return cb.engineVm;
    const guest: GuestMemory = {
      read: (gva, length) => cb.window?.read(gva, length) ?? 'fault',
      translate: (gva) => cb.window?.translate(gva) ?? 'fault',
    };
    // ktime_get_ns reads the machine's virtual time (1 cycle = 1 ns at the nominal 1 GHz), not
    // the engine's stand-alone clock; what the verifier proved lets the compiler drop checks.
    const helpers = defaultHelpers(cb.prandom);
    helpers.set(KTIME_GET_NS, () => BigInt(this.machine.timeNow()));
    const e = new BpfVm(cb.program, { guest, trapDivision: false, facts: cb.facts, helpers });
    // Writable: the verifier lets the program store only to the event's writable fields.
    cb.ctx = e.mem.addRegion('context', new Uint8Array(EVENTS[cb.event].contextSize), true);
    cb.engineVm = e;
    return e;
  }

  /**
   * Runs one callback with a context (little-endian fields of its event, `ctx` is copied in) on
   * hart `hart`, reading guest memory through `vsatp`. Writable context fields are copied back to
   * `ctx`. Never throws for anything the program or the guest does.
   */
  run(cb: Callback, ctx: Uint8Array, vsatp: bigint, hart: number): RunOutcome {
    const vm = this.vms[cb.vmIndex];
    const e = this.build(cb);
    const region = cb.ctx as Region;
    region.bytes.set(ctx.subarray(0, region.size));
    cb.window = new GuestWindow(vm, this.mem, vsatp);
    this.observer?.beforeRun(cb, ctx, cb.window, hart);
    let r0 = 0n, executed = 0, error: string | undefined;
    try {
      const res = e.run(this.engine, BigInt(region.hi) << 32n, 0n, CALLBACK_BUDGET);
      r0 = res.r0; executed = res.executed;
    } catch (x) {
      if (!(x instanceof RuntimeCheckError)) throw x;
      error = x.message;
      executed = CALLBACK_BUDGET; // the engines do not report the count of a failed run: charge the budget (an upper bound)
    } finally {
      cb.window = undefined;
    }
    ctx.set(region.bytes.subarray(0, Math.min(ctx.length, region.size)));
    const k = this.machine.costs;
    const cycles = k.callbackInvoke + executed * k.callbackInstruction;
    this.machine.charge(hart, cycles);
    cb.stats.runs++; cb.stats.instructions += executed; cb.stats.cycles += cycles;
    const m = this.machine.metrics;
    for (const p of ['callbacks', `${vm.name}.callbacks`, `${vm.name}.callbacks.${cb.id}`]) {
      m.add(`${p}.runs`); m.add(`${p}.instructions`, executed); m.add(`${p}.cycles`, cycles);
      if (error !== undefined) m.add(`${p}.errors`);
    }
    m.add(`callbacks.by_event.${metricSegment(cb.event)}`);
    if (error !== undefined) cb.stats.errors++;
    // trace_printk lines become part of the machine's trace stream, with the run that wrote them.
    const output = e.env.trace.splice(0);
    if (output.length) for (const p of ['callbacks', `${vm.name}.callbacks`]) m.add(`${p}.trace_lines`, output.length);
    const t = this.machine.trace;
    if (t.enabled('callback-run')) t.emit({ kind: 'callback-run', time: this.machine.timeNow(), hart, vm: vm.name, callback: cb.name, event: cb.event, instructions: executed, cycles, result: r0, ...(output.length ? { output } : {}) });
    return error === undefined ? { r0, instructions: executed, cycles } : { r0: 0n, instructions: executed, cycles, error };
  }

  // ---------------------------------------------------------------- snapshots ----------------
  captureState(): CallbackRegistryState {
    return {
      nextId: this.nextId,
      callbacks: this.list.map((c) => ({
        vmIndex: c.vmIndex, id: c.id, name: c.name, event: c.event, start: c.range.start, end: c.range.end,
        insns: c.program.insns.map((i) => ({ ...i })), maps: c.program.maps.map((d) => ({ ...d })),
        mapBytes: c.engineVm?.maps.map((mp) => mp.region.bytes.slice()) ?? [],
        hashSlots: c.engineVm?.maps.map((mp) => hashSlotsOf(mp)) ?? [],
        stats: { ...c.stats },
        prandom: c.prandom.state,
        facts: c.facts,
      })),
    };
  }

  restoreState(s: CallbackRegistryState): void {
    this.nextId = s.nextId;
    this.list.length = 0;
    for (const c of s.callbacks) {
      const range = { start: c.start, end: c.end };
      const cb = new Callback(c.vmIndex, c.id, c.name, c.event, range, { insns: c.insns.map((i) => ({ ...i })), maps: c.maps.map((d) => ({ ...d })), event: c.event, range });
      Object.assign(cb.stats, c.stats);
      cb.prandom.state = c.prandom;
      cb.facts = c.facts;
      if (c.mapBytes.length > 0) {
        const e = this.build(cb);
        e.maps.forEach((mp, i) => {
          mp.region.bytes.set(c.mapBytes[i]);
          const slots = c.hashSlots[i];
          if (slots !== null && slots !== undefined) restoreHashSlots(mp, slots);
        });
      }
      this.list.push(cb);
    }
  }
}

/** A hash map's key → slot table and free list (also for a debugger's copy of a callback's maps). */
export interface HashState { slots: [string, number][]; free: number[] }

/** A hash map's key → slot table and free list (BpfMap keeps them private; snapshots need them). */
export function hashSlotsOf(mp: BpfVm['maps'][number]): HashState | null {
  if (mp.def.type !== 'hash') return null;
  const slots: unknown = Reflect.get(mp, 'slots');
  const free: unknown = Reflect.get(mp, 'free');
  return slots instanceof Map && Array.isArray(free) ? { slots: [...(slots as Map<string, number>)], free: [...(free as number[])] } : null;
}

export function restoreHashSlots(mp: BpfVm['maps'][number], st: HashState): void {
  const slots: unknown = Reflect.get(mp, 'slots');
  const free: unknown = Reflect.get(mp, 'free');
  if (!(slots instanceof Map) || !Array.isArray(free)) return;
  const s = slots as Map<string, number>;
  s.clear();
  for (const [k, v] of st.slots) s.set(k, v);
  (free as number[]).length = 0;
  (free as number[]).push(...st.free);
}

/** Little-endian context buffer of an event, filled from field values by name. */
export function eventContext(event: EventName, values: Readonly<Record<string, bigint | number>>): Uint8Array {
  const spec = EVENTS[event];
  const buf = new Uint8Array(spec.contextSize);
  const view = new DataView(buf.buffer);
  for (const f of spec.fields) {
    const v = values[f.name];
    if (v === undefined) continue;
    const b = BigInt.asUintN(64, BigInt(v));
    if (f.size === 8) view.setBigUint64(f.offset, b, true);
    else if (f.size === 4) view.setUint32(f.offset, Number(b & 0xffffffffn), true);
    else if (f.size === 2) view.setUint16(f.offset, Number(b & 0xffffn), true);
    else view.setUint8(f.offset, Number(b & 0xffn));
  }
  return buf;
}
