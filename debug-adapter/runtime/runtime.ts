/**
 * The debug runtime: a launched program on the simulator, driven the way a debugger drives a
 * target — run in slices (yielding to the event loop so pause works), stop at breakpoints,
 * watchpoints and exceptions, step by instruction or line, and go backwards through checkpoints
 * plus deterministic re-execution. It is a plain event emitter and knows nothing of the Debug
 * Adapter Protocol; the session (../session.ts) translates its events and answers.
 *
 * Events: 'stopped' (StopInfo), 'output' (text, category), 'progress' (a few times a second while
 * running), 'ended' (the client should end the session).
 *
 * Breakpoints cost nothing on instructions they are not on: their addresses go to the hart's
 * DebugHook, compiled blocks end before them and only there does the runtime look (hart.ts).
 * Write watchpoints are bus watches (stores to their pages take the slow path); read watchpoints
 * need every load observed, so while one is set the harts run the interpreter engine.
 *
 * Holds (single-thread requests): `continue` and the steps may run one thread alone. The machine
 * holds every other hart (Machine.hold; under a hypervisor a thread is a vCPU, so every hart but
 * the one the vCPU is on). The hold set a forward request needs is set when it starts (an empty
 * one without singleThread), so it changes only at places the user was stopped at. Holds change
 * what the machine computes, so every change is logged with that place (`holdLog`), each
 * checkpoint notes how many changes had taken effect, and re-execution applies the later ones at
 * the same places (runOnce): stepping back across single-thread steps gives the recorded states.
 * Going forward from a place in the past abandons the changes logged after it, as it abandons
 * the checkpoints. Reverse requests ignore singleThread: the past is one recorded machine state,
 * so every thread goes back with the machine.
 */
import { EventEmitter } from 'node:events';
import type { Hart, RunResult } from '../../simulator/machine';
import type { DebugHook } from '../../simulator/riscv/hart/hart';
import type { Watch } from '../../simulator/machine/bus';
import type { TraceEvent } from '../../simulator/trace';
import { GUEST_RAM_BASE } from '../../simulator/hypervisor';
import { InspectError, readMemory, type InspectTarget, type ThreadContext } from '../inspect';
import { loadProgram, type LoadOptions, type LoadedProgram } from './program';
import { History } from './history';
import { SourceIndex, type CodeLocation, type SourceLocation } from './source-map';
import { ThreadTable, type DebugThread } from './threads';
import { EXCEPTION_FILTERS, type ExceptionFilter } from './exceptions';
import { unwind, type Frame } from './stack';
import { archHash } from './arch-hash';
import { conditionHolds, selectHits } from './breakpoints';
import { ScenarioCallbacks, type RecordedStop } from './scenario-callbacks';
import type { CallbackStop } from './callback-debugger';
import type { CallbackRun } from './callback-run';
import type { Callback } from '../../simulator/hypervisor/callbacks';
import type { GuestMemory } from '../../simulator/ebpf/vm/guest';
import * as path from 'node:path';
import { debugTranslate } from '../inspect/memory';
import { resolveThread } from '../inspect/thread';

export type StopReason = 'entry' | 'step' | 'breakpoint' | 'function breakpoint' | 'instruction breakpoint' | 'data breakpoint' | 'exception' | 'pause' | 'goto' | 'end';

export interface ExceptionStop { filter: string; description: string }

export interface StopInfo {
  reason: StopReason;
  threadId: number;
  hitBreakpointIds?: number[];
  description?: string;
  exception?: ExceptionStop;
}

export type OutputCategory = 'stdout' | 'console' | 'stderr';

/** Evaluates a breakpoint or exception condition for a thread (the inspection layer's evaluate). */
export type ConditionEvaluator = (t: InspectTarget, ctx: ThreadContext, expression: string) => bigint;

export interface BreakpointSpec { condition?: string; hitCondition?: string; logMessage?: string }

export interface CodeBreakpoint {
  id: number;
  kind: 'source' | 'function' | 'instruction';
  verified: boolean;
  message?: string;
  line?: number;
  locations: CodeLocation[];
  spec: BreakpointSpec;
  hits: number;
  /** The hit condition, parsed once. */
  hitTest: (hits: number) => boolean;
}

export type DataAccess = 'read' | 'write' | 'readWrite';

export interface DataBreakpointSpec extends BreakpointSpec {
  address: bigint;
  length: number;
  access: DataAccess;
  /** How `address` is meant: through `threadId`'s translation (virtual) or physical. */
  space: 'virtual' | 'physical';
  threadId?: number;
}

export interface DataBreakpoint {
  id: number;
  verified: boolean;
  message?: string;
  spec: DataBreakpointSpec;
  /** Physical ranges watched. */
  ranges: { pa: number; size: number }[];
  watches: Watch[];
  hits: number;
}

export interface ExceptionFilterSetting { filter: string; condition?: string }

export type StepKind = 'in' | 'over' | 'out';
export type Granularity = 'instruction' | 'line';

/**
 * A stop in the history: instructions retired since launch, the pc every hart was at, and how
 * many VM exits the machine had taken (`exits`, see exitCount). A VM exit retires nothing: one
 * that resumes the vCPU at the same pc (a guest-page fault the hypervisor maps, the instruction
 * retried) makes a new boundary with the position and pcs of the one before the trapping
 * instruction, told apart by the count. A stop made inside an exit (an exception filter,
 * `inExit`) may lie at no boundary at all: when the exit ends the hart's burst and no other hart
 * runs, the next boundary comes a slice later; coming back there stops inside the same exit. A
 * stop at a physical breakpoint happened after the fetch translation of its instruction
 * (`fetched`, by `hart`): coming back there redoes that translation, so the state is the one
 * recorded.
 */
interface Place {
  position: bigint; pcs: number[]; retired: number[]; exits: number; inExit?: true; fetched?: { hart: number };
  /** A hit of a search for a thread's boundaries (previousOfThread): the hart the thread was on. */
  threadHart?: number;
}

/** The same instruction boundary of the machine, after as many exits (inside an exit or not, see Place). */
function sameBoundary(a: Place, b: Place): boolean {
  return a.position === b.position && a.exits === b.exits && a.pcs.every((p, i) => p === b.pcs[i]);
}

/**
 * The same place: the same boundary, and both inside the exit that brought the count there or
 * neither. A stop inside an exit that retires nothing and resumes at the same pc has the
 * position, pcs and exit count of the boundary after that exit, yet comes before it.
 */
function samePlace(a: Place, b: Place): boolean {
  return sameBoundary(a, b) && (a.inExit === true) === (b.inExit === true);
}

/**
 * Whether a re-execution going forward towards `here` has reached it at `p`: `here` itself, or,
 * when `here` lies inside an exit, the boundary after that exit (the exit stop was not asked for
 * in this mode, so the walk passes it and the next place is after `here`).
 */
function reached(p: Place, here: Place): boolean {
  return samePlace(p, here) || (here.inExit === true && p.inExit !== true && sameBoundary(p, here));
}

/**
 * Whether `a` comes before `b` in the history, for places at one instruction boundary of a
 * thread: fewer instructions retired, else fewer exits, else `a` inside the exit that `b` lies
 * right after.
 */
function comesBefore(a: Place, b: Place): boolean {
  if (a.position !== b.position) return a.position < b.position;
  if (a.exits !== b.exits) return a.exits < b.exits;
  return a.inExit === true && b.inExit !== true;
}

/** The count of VM exits (hypervisor.ts counts one before announcing it); metrics are part of every snapshot. */
const EXIT_METRIC = 'vm_exits.total';

/** How many of the user's latest stops the runtime remembers (see stopTrail). */
const STOP_TRAIL = 4096;

/**
 * A thread's instruction boundary as a forward step sees it: the thread, its hart, the
 * instructions that hart had retired, and its pc (a step passes over the boundaries with the same).
 */
const instructionKey = (p: Place, hart: number, threadId: number): string => `${threadId}@${hart}:${p.retired[hart]}:${p.pcs[hart]}`;

type Mode =
  | { kind: 'quiet' }
  | { kind: 'run'; collect: boolean; temp?: { address: number; threadId: number; sp: bigint } }
  /** `enter`: a step in — a callback run by an event on behalf of the thread is entered (onCallbackRun). */
  | { kind: 'stepInsn'; threadId: number; hart: number; retired: number; pc: number; enter: boolean }
  | { kind: 'seek'; pcs: number[]; exits: number }
  /** Stop inside the VM exit that brings the machine's count of exits to `exits`. */
  | { kind: 'exitSeek'; exits: number }
  | { kind: 'next'; first: boolean }
  | { kind: 'touch'; hart: number }
  | { kind: 'threadBoundary'; threadId: number };

interface Pending { info: StopInfo }

/** A change of the machine's hold set: the harts held from `place` on. */
interface HoldChange { place: Place; harts: number[] }

/** Instructions of one run slice at first (adapted to ~25 ms per slice). */
const FIRST_SLICE = 100_000;
const SLICE_MS = 25;
const PROGRESS_MS = 250;
const MAX_LINE_STEPS = 100_000;
const MAX_BACK_LINE_STEPS = 64;

class Hook implements DebugHook {
  addresses = new Set<number>();
  physical = new Set<number>();
  singleStep = false;
  onLoad: ((hart: Hart, pa: number, size: number) => void) | undefined = undefined;
  constructor(private readonly rt: Runtime) {}
  atBoundary(hart: Hart, pc: number, pa: number): boolean { return this.rt.atBoundary(hart, pc, pa); }
}

const toPc = (a: bigint): number => Number(BigInt.asIntN(64, a));

/** A recorded callback run, the thread it shows on, and the stop that brought it. */
type ShownRun = RecordedStop & { threadId: number; info: StopInfo };

export class Runtime extends EventEmitter {
  readonly program: LoadedProgram;
  readonly target: InspectTarget;
  readonly sources: SourceIndex;
  readonly threads: ThreadTable;
  readonly history: History;
  /** Instructions retired by the machine since launch. */
  position = 0n;
  /** The program has ended (it can still be inspected and stepped back). */
  ended = false;
  endMessage = '';
  private readonly hook: Hook;
  private mode: Mode = { kind: 'quiet' };
  private pending: Pending | undefined;
  private readonly skipPc: number[];
  private readonly skipRetired: number[];
  /**
   * Where the user stopped lately, by each thread's instruction boundary (instructionKey). The
   * places of one instruction boundary (before a faulting instruction, after each exit it caused,
   * inside an exit, the same boundary again after other harts ran) are one to a forward step;
   * stepping back to it comes back to the place the user stopped at (an exception stop inside or
   * after an exit, say), else to the first (before the instruction). Bounded (STOP_TRAIL).
   */
  private readonly stopTrail = new Map<string, Place>();
  private nextId = 1;
  private readonly sourceBps = new Map<string, CodeBreakpoint[]>();
  private functionBps: CodeBreakpoint[] = [];
  private instructionBps: CodeBreakpoint[] = [];
  private dataBps: DataBreakpoint[] = [];
  /** Instruction breakpoints (and the virtual addresses of nothing else), by pc. */
  private readonly byAddress = new Map<number, CodeBreakpoint[]>();
  /** Source and function breakpoints by the physical address of their code, so any virtual alias hits. */
  private readonly byPhysical = new Map<number, CodeBreakpoint[]>();
  /** The last stop came from a physical breakpoint, after the fetch translation (see Place). */
  private stopFetched: { hart: number } | undefined;
  /** The last stop was asked for inside a VM exit (see Place). */
  private stopInExit = false;
  private breakpointPhysical = new Set<number>();
  /** The breakpoint addresses the code caches were last invalidated for. */
  private breakpointAddresses = new Set<number>();
  private readonly exceptionFilters = new Map<string, { filter: ExceptionFilter; condition?: string }>();
  private readonly conditionEvaluator: ConditionEvaluator;
  private outputBuffer = '';
  private replaying = false;
  private busy = false;
  private pauseRequested = false;
  private slice = FIRST_SLICE;
  private stoppedThread = 1;
  /** Breakpoints in the scenario's callback files, and the runs that reach them (scenario-callbacks.ts). */
  private readonly scenarioCallbacks: ScenarioCallbacks;
  /** A recorded callback run shown on top of a thread's frames while the machine is stopped after its event. */
  private overlay: ShownRun | undefined;
  /**
   * The recorded runs of the event the machine stopped after that reach breakpoints (one event may
   * run a callback many times, e.g. once per reclaim candidate), in order; `overlay` is
   * `eventRuns[overlayIndex]`. Continue and reverse continue move through them before the machine moves.
   */
  private eventRuns: ShownRun[] = [];
  private overlayIndex = -1;
  /** Runs recorded during the current machine run call, and the stop the first of them asked for. */
  private recording: ShownRun[] = [];
  private recordingFor: StopInfo | undefined;
  /** Every change of the hold set in the current timeline, in order (see "Holds" above). */
  private holdLog: HoldChange[] = [];
  /** How many entries of holdLog have taken effect in the machine's current state. */
  private holdCursor = 0;
  /** The hold change a re-execution segment is looking for at the current position (atBoundary). */
  private holdArrival: HoldChange | undefined;
  private holdArrived = false;
  /** An end the machine reached while settling (see settle), reported by the next run. */
  private settledEnd: RunResult | undefined;
  /** The thread a running single-thread request is for (undefined: every thread runs). */
  private alone: number | undefined;

  constructor(programPath: string, evaluator: ConditionEvaluator, options: Partial<LoadOptions> & { checkpointInterval?: bigint } = {}) {
    super();
    this.program = loadProgram(programPath, {
      ...options,
      console: (b) => { if (!this.replaying) this.consoleByte(b); },
    });
    const p = this.program;
    this.target = { machine: p.machine, hypervisor: p.hypervisor, images: p.images, trace: p.trace };
    this.sources = new SourceIndex(p.images);
    this.threads = new ThreadTable(p.machine, p.hypervisor);
    this.conditionEvaluator = evaluator;
    this.hook = new Hook(this);
    for (const h of p.machine.harts) h.debug = this.hook;
    this.skipPc = p.machine.harts.map(() => Number.NaN);
    this.skipRetired = p.machine.harts.map(() => -1);
    p.trace.subscribe((e) => this.onTraceEvent(e), ['trap', 'vm-exit', 'callback-rejected']);
    for (const f of EXCEPTION_FILTERS) if (f.default) this.exceptionFilters.set(f.filter, { filter: f });
    this.history = new History(p.machine, options.checkpointInterval);
    this.history.capture(0n, 0);
    this.scenarioCallbacks = new ScenarioCallbacks(p.baseDir, () => this.nextId++, (text) => this.output(text, 'console'));
    if (p.hypervisor !== undefined) p.hypervisor.callbacks.observer = { beforeRun: (cb, ctx, guest, hart) => this.onCallbackRun(cb, ctx, guest, hart) };
  }

  // ------------------------------------------------------------------ state -------------------

  get isRunning(): boolean { return this.busy; }

  /** The architectural state hash now (see arch-hash.ts). */
  archHash(): string { return archHash(this.program.machine, this.program.hypervisor); }

  thread(id: number): DebugThread {
    const t = this.threads.get(id);
    if (t === undefined) throw new InspectError(`unknown thread ${id} (threads: ${this.threads.threads.map((x) => x.id).join(', ')})`);
    return t;
  }

  context(threadId: number): ThreadContext { return this.threads.context(this.thread(threadId)); }

  stack(threadId: number): Frame[] {
    const t = this.thread(threadId);
    const o = this.overlay?.threadId === threadId ? this.overlay : undefined;
    const callbackFrames: Frame[] = o === undefined ? [] : o.debugger.run.frames().map((f) => ({
      pc: BigInt(f.slot), name: f.name, source: f.line === undefined ? undefined : { file: o.file, line: f.line },
    }));
    return callbackFrames.concat(this.machineStack(t));
  }

  /** How many of the thread's top frames are a recorded callback run's (0: none). */
  callbackFrames(threadId: number): number {
    return this.overlay?.threadId === threadId ? this.overlay.debugger.run.frames().length : 0;
  }

  /** The recorded callback run shown on the thread, if any. */
  callbackRun(threadId: number): CallbackRun | undefined {
    return this.overlay?.threadId === threadId ? this.overlay.debugger.run : undefined;
  }

  private machineStack(t: DebugThread): Frame[] {
    return unwind(this.target, this.threads.context(t), this.sources, t.image, (va) => this.linkAddress(t, va));
  }

  locate(threadId: number, pc: bigint): SourceLocation | undefined {
    const t = this.thread(threadId);
    return this.sources.locate(this.linkAddress(t, pc), t.image);
  }

  // ------------------------------------------------------------------ breakpoints -------------

  setSourceBreakpoints(file: string, specs: (BreakpointSpec & { line: number })[]): CodeBreakpoint[] {
    if (file.endsWith('.hcb')) return this.scenarioCallbacks.setBreakpoints(file, specs);
    const bps = specs.map((s): CodeBreakpoint => {
      const r = this.sources.resolveLine(file, s.line);
      const id = this.nextId++;
      if (r === undefined) return { id, kind: 'source', verified: false, message: `no code at or after line ${s.line} in ${file}`, line: s.line, locations: [], spec: s, hits: 0, hitTest: hitTestOf(s.hitCondition) };
      return { id, kind: 'source', verified: true, line: r.line, locations: r.locations, spec: s, hits: 0, hitTest: hitTestOf(s.hitCondition) };
    });
    this.sourceBps.set(file, bps);
    this.rebuildAddresses();
    return bps;
  }

  setFunctionBreakpoints(specs: (BreakpointSpec & { name: string })[]): CodeBreakpoint[] {
    this.functionBps = specs.map((s): CodeBreakpoint => {
      const locations = this.sources.symbol(s.name);
      const id = this.nextId++;
      return locations.length
        ? { id, kind: 'function', verified: true, locations, spec: s, hits: 0, hitTest: hitTestOf(s.hitCondition) }
        : { id, kind: 'function', verified: false, message: `no symbol '${s.name}'`, locations: [], spec: s, hits: 0, hitTest: hitTestOf(s.hitCondition) };
    });
    this.rebuildAddresses();
    return this.functionBps;
  }

  setInstructionBreakpoints(specs: (BreakpointSpec & { address: bigint })[]): CodeBreakpoint[] {
    this.instructionBps = specs.map((s): CodeBreakpoint => {
      const id = this.nextId++;
      if ((s.address & 3n) !== 0n) return { id, kind: 'instruction', verified: false, message: `0x${s.address.toString(16)} is not instruction-aligned`, locations: [], spec: s, hits: 0, hitTest: hitTestOf(s.hitCondition) };
      return { id, kind: 'instruction', verified: true, locations: [{ image: -1, address: s.address }], spec: s, hits: 0, hitTest: hitTestOf(s.hitCondition) };
    });
    this.rebuildAddresses();
    return this.instructionBps;
  }

  setDataBreakpoints(specs: DataBreakpointSpec[]): DataBreakpoint[] {
    const bus = this.program.machine.bus;
    for (const d of this.dataBps) for (const w of d.watches) bus.removeWatch(w);
    this.dataBps = specs.map((s) => this.makeDataBreakpoint(s));
    const reads = this.dataBps.filter((d) => d.verified && d.spec.access !== 'write');
    this.hook.onLoad = reads.length ? (h, pa, size) => this.onLoad(h, pa, size) : undefined;
    for (const h of this.program.machine.harts) h.engine = reads.length ? 'interpreter' : 'compiled';
    return this.dataBps;
  }

  private makeDataBreakpoint(s: DataBreakpointSpec): DataBreakpoint {
    const id = this.nextId++;
    const bad = (message: string): DataBreakpoint => ({ id, verified: false, message, spec: s, ranges: [], watches: [], hits: 0 });
    if (!Number.isInteger(s.length) || s.length < 1 || s.length > 4096) return bad(`length ${s.length} must be 1..4096 bytes`);
    const ctx = this.context(s.threadId ?? this.stoppedThread);
    const ranges: { pa: number; size: number }[] = [];
    // Page by page: a virtual range may map to scattered physical pages.
    for (let a = s.address; a < s.address + BigInt(s.length);) {
      const pageEnd = (a | 0xfffn) + 1n;
      const end = pageEnd < s.address + BigInt(s.length) ? pageEnd : s.address + BigInt(s.length);
      let pa: bigint;
      if (s.space === 'physical') pa = a;
      else {
        const r = debugTranslate(this.target, resolveThread(this.target, ctx), a, 'virtual');
        if ('error' in r) return bad(`0x${a.toString(16)} does not translate now: ${r.error}`);
        pa = r.pa;
      }
      if (this.program.machine.bus.ramOffset(Number(pa), Number(end - a)) < 0) return bad(`0x${a.toString(16)} is not in RAM (physical 0x${pa.toString(16)})`);
      ranges.push({ pa: Number(pa), size: Number(end - a) });
      a = end;
    }
    const bp: DataBreakpoint = { id, verified: true, spec: s, ranges, watches: [], hits: 0 };
    if (s.access !== 'read') {
      for (const r of ranges) {
        const w: Watch = { address: r.pa, size: r.size, onWrite: () => this.onDataAccess(bp, 'write') };
        bp.watches.push(w);
        this.program.machine.bus.addWatch(w);
      }
    }
    return bp;
  }

  setExceptionFilters(settings: ExceptionFilterSetting[]): { verified: boolean; message?: string }[] {
    this.exceptionFilters.clear();
    return settings.map((s) => {
      const f = EXCEPTION_FILTERS.find((x) => x.filter === s.filter);
      if (f === undefined) return { verified: false, message: `unknown exception filter '${s.filter}' (${EXCEPTION_FILTERS.map((x) => x.filter).join(', ')})` };
      this.exceptionFilters.set(f.filter, { filter: f, condition: s.condition?.trim() || undefined });
      return { verified: true };
    });
  }

  private rebuildAddresses(): void {
    this.byAddress.clear();
    this.byPhysical.clear();
    const add = (map: Map<number, CodeBreakpoint[]>, a: number, bp: CodeBreakpoint): void => {
      const list = map.get(a);
      if (list === undefined) map.set(a, [bp]); else list.push(bp);
    };
    const all = [...[...this.sourceBps.values()].flat(), ...this.functionBps, ...this.instructionBps];
    for (const bp of all) {
      if (!bp.verified) continue;
      for (const l of bp.locations) {
        const pa = bp.kind === 'instruction' ? undefined : this.codePhysical(l);
        if (pa === undefined) add(this.byAddress, toPc(l.address), bp); else add(this.byPhysical, pa, bp);
      }
    }
    this.refreshHookAddresses();
  }

  /**
   * Where an image's code lies in host RAM: a VM image at its guest-physical link address in the
   * VM's RAM, a bare-metal image at its link address. Undefined outside RAM.
   */
  private codePhysical(l: CodeLocation): number | undefined {
    const hv = this.program.hypervisor;
    const ram = this.program.machine.bus.ram;
    const a = Number(BigInt.asUintN(64, l.address));
    const pa = hv === undefined ? a : hv.vms[l.image]?.hpaOf(a);
    return pa !== undefined && pa >= ram.base && pa < ram.base + ram.size ? pa : undefined;
  }

  /** A thread's code address as the image links it (a VM's guest-physical address for a high-half alias). */
  linkAddress(t: DebugThread, va: bigint): bigint {
    if (this.sources.symbolAt(va, t.image) !== undefined || this.sources.locate(va, t.image) !== undefined) return va;
    try {
      const r = debugTranslate(this.target, resolveThread(this.target, this.threads.context(t)), va, 'virtual');
      if ('error' in r) return va;
      const vm = t.vcpu === undefined ? undefined : this.program.hypervisor?.vms[t.image];
      return vm === undefined ? r.pa : r.pa - BigInt(vm.hostBase) + BigInt(GUEST_RAM_BASE);
    } catch {
      return va;
    }
  }

  private refreshHookAddresses(): void {
    const phys = new Set(this.byPhysical.keys());
    const oldPhys = this.breakpointPhysical;
    if (oldPhys.size !== phys.size || [...phys].some((a) => !oldPhys.has(a))) {
      this.hook.physical = phys;
      this.breakpointPhysical = phys;
      const ram = this.program.machine.bus.ram;
      const pages = new Set([...phys].filter((a) => !oldPhys.has(a)).concat([...oldPhys].filter((a) => !phys.has(a))).map((a) => (a - ram.base) >>> 12));
      for (const h of this.program.machine.harts) for (const p of pages) h.invalidatePage(p);
    }
    const set = new Set(this.byAddress.keys());
    const old = this.breakpointAddresses;
    const temp = this.mode.kind === 'run' ? this.mode.temp?.address : undefined;
    // A step's return address follows a jal/jalr, which always ends a compiled block: it is a
    // block entry already, so adding it needs no code-cache invalidation.
    const all = temp === undefined || set.has(temp) ? set : new Set([...set, temp]);
    if (all.size !== this.hook.addresses.size || [...all].some((a) => !this.hook.addresses.has(a))) this.hook.addresses = all;
    if (old.size === set.size && [...set].every((a) => old.has(a))) return;
    this.breakpointAddresses = set;
    // Blocks compiled across an added or removed address must go (hart.ts: blocks end before
    // hook addresses). Blocks never cross a page: dropping the code of that physical page is
    // enough when the address translates; else every hart's code cache goes.
    const changed = [...set].filter((a) => !old.has(a)).concat([...old].filter((a) => !set.has(a)));
    const pages = this.physicalPages(changed);
    for (const h of this.program.machine.harts) {
      if (pages === undefined) h.flushCodeCache();
      else for (const p of pages) h.invalidatePage(p);
    }
  }

  /** RAM page indexes holding code at these addresses for every thread, or undefined when one does not translate. */
  private physicalPages(addresses: readonly number[]): Set<number> | undefined {
    const ram = this.program.machine.bus.ram;
    const pages = new Set<number>();
    for (const a of addresses) {
      for (const t of this.threads.threads) {
        let pa: bigint;
        try {
          const r = debugTranslate(this.target, resolveThread(this.target, this.threads.context(t)), BigInt.asUintN(64, BigInt(a)), 'virtual');
          if ('error' in r) return undefined;
          pa = r.pa;
        } catch {
          return undefined;
        }
        const o = Number(pa) - ram.base;
        if (o < 0 || o >= ram.size) return undefined;
        pages.add(o >>> 12);
      }
    }
    return pages;
  }

  // ------------------------------------------------------------------ the hook ----------------

  /** DebugHook.atBoundary: before the instruction at `pc` on `hart` (`pa` >= 0: from the physical check); true stops there. */
  atBoundary(hart: Hart, pc: number, pa: number): boolean {
    const a = this.holdArrival;
    if (a !== undefined && this.isHoldPlace(a, pa)) {
      this.holdArrived = true;
      this.program.machine.requestStop({ reason: 'debug', message: 'debugger: hold change' });
      return true;
    }
    const m = this.mode;
    if (m.kind === 'quiet') return false;
    if (m.kind === 'touch') return pa >= 0 && hart.id === m.hart ? this.requestStop({ reason: 'goto', threadId: this.stoppedThread }) : false;
    // The stepping modes see every boundary through the virtual check already.
    if (pa >= 0 && m.kind !== 'run') return false;
    // The boundary just reported (both checks of it) is passed over when resuming.
    if ((m.kind === 'run' || m.kind === 'threadBoundary') && pc === this.skipPc[hart.id] && hart.retired === this.skipRetired[hart.id]) return false;
    switch (m.kind) {
      case 'seek': {
        return this.atBoundaryOf(m) ? this.requestStop({ reason: 'goto', threadId: this.stoppedThread }) : false;
      }
      case 'next':
        if (m.first) { m.first = false; return false; }
        return this.requestStop({ reason: 'step', threadId: this.stoppedThread });
      case 'stepInsn': {
        const t = this.threads.onHart(hart);
        if (t === undefined || t.id !== m.threadId) return false;
        if (hart.id === m.hart && hart.retired === m.retired && pc === m.pc) return false;
        return this.requestStop({ reason: 'step', threadId: m.threadId });
      }
      case 'exitSeek':
        return false;
      case 'threadBoundary':
        return this.threads.onHart(hart)?.id === m.threadId ? this.requestStop({ reason: 'step', threadId: m.threadId }) : false;
      case 'run': {
        const stop = this.checkBreakpoints(hart, pc, pa, m);
        if (stop && pa >= 0) this.stopFetched = { hart: hart.id };
        return stop;
      }
    }
  }

  private checkBreakpoints(hart: Hart, pc: number, pa: number, m: Extract<Mode, { kind: 'run' }>): boolean {
    const thread = this.threads.onHart(hart);
    if (pa < 0 && m.temp !== undefined && pc === m.temp.address && thread?.id === m.temp.threadId) {
      const sp = BigInt.asIntN(64, hart.getReg(2));
      if (sp >= m.temp.sp) return this.requestStop({ reason: 'step', threadId: thread.id });
    }
    const bps = pa >= 0 ? this.byPhysical.get(pa) : this.byAddress.get(pc);
    if (bps === undefined || thread === undefined) return false;
    // Built only when a condition or a log message needs it (this runs on every pass of a hot loop).
    let ctxCache: ThreadContext | undefined;
    const ctx = (): ThreadContext => (ctxCache ??= this.threads.context(thread));
    const { hit, note } = selectHits(bps, m.collect, (expr) => this.conditionEvaluator(this.target, ctx(), expr), (text) => this.output(text, 'console'));
    if (hit.length === 0) return false;
    const kind = hit[0].kind;
    const reason: StopReason = kind === 'function' ? 'function breakpoint' : kind === 'instruction' ? 'instruction breakpoint' : 'breakpoint';
    return this.requestStop({ reason, threadId: thread.id, hitBreakpointIds: hit.map((b) => b.id), description: note });
  }

  /** true: stop; false: do not; a string: the condition could not be evaluated (stop and say why). */
  private condition(ctx: ThreadContext, expr: string | undefined): boolean | string {
    return conditionHolds((e) => this.conditionEvaluator(this.target, ctx, e), expr);
  }

  /** `watchedStore`: the stop comes from a write watch (the machine must not carry the hart's burst over it; StopRequest.endsBurst). */
  private requestStop(info: StopInfo, watchedStore = false): true {
    if (this.pending === undefined) this.pending = { info };
    this.program.machine.requestStop({ reason: 'debug', message: `debugger: ${info.reason}`, ...(watchedStore ? { endsBurst: true } : {}) });
    return true;
  }

  private onDataAccess(bp: DataBreakpoint, access: 'read' | 'write'): void {
    const m = this.mode;
    if (m.kind !== 'run' || this.busy === false) return;
    const hart = this.program.machine.runningHart;
    const thread = hart >= 0 ? this.threads.onHart(this.program.machine.harts[hart]) : undefined;
    if (thread === undefined) return;
    const c = this.condition(this.threads.context(thread), bp.spec.condition);
    if (c === false) return;
    if (!m.collect) {
      bp.hits++;
      if (!hitConditionHolds(bp.spec.hitCondition, bp.hits)) return;
    }
    this.requestStop({ reason: 'data breakpoint', threadId: thread.id, hitBreakpointIds: [bp.id], description: typeof c === 'string' ? c : `${access} of 0x${bp.spec.address.toString(16)} (${bp.spec.length} bytes)` }, access === 'write');
  }

  private onLoad(hart: Hart, pa: number, size: number): void {
    for (const bp of this.dataBps) {
      if (!bp.verified || bp.spec.access === 'write') continue;
      if (bp.ranges.some((r) => pa < r.pa + r.size && r.pa < pa + size)) { void hart; this.onDataAccess(bp, 'read'); }
    }
  }

  private onTraceEvent(e: TraceEvent): void {
    const m = this.mode;
    if (m.kind === 'exitSeek') {
      if (e.kind === 'vm-exit' && this.exitCount() === m.exits) { this.stopInExit = true; this.requestStop({ reason: 'goto', threadId: this.stoppedThread }); }
      return;
    }
    if (m.kind !== 'run' || !this.busy) return;
    for (const { filter, condition } of this.exceptionFilters.values()) {
      const description = filter.matches(e);
      if (description === undefined) continue;
      const thread = this.threadOfEvent(e);
      if (condition !== undefined) {
        if (filter.condition === 'reasons') {
          const reasons = condition.split(',').map((r) => r.trim()).filter((r) => r.length > 0);
          if (e.kind === 'vm-exit' && reasons.length && !reasons.includes(e.reason)) continue;
        } else if (thread !== undefined && this.condition(this.threads.context(thread), condition) === false) continue;
      }
      if (e.kind === 'vm-exit') this.stopInExit = true;
      this.requestStop({ reason: 'exception', threadId: thread?.id ?? this.stoppedThread, description, exception: { filter: filter.filter, description } });
      return;
    }
  }

  /**
   * Before the machine runs a callback (CallbackRegistry.observer): when running forward (not a
   * replay, not a reverse search) and its file has breakpoints, record the run; if it reaches one,
   * stop the machine right after this event with the recorded run on top of the hart's thread.
   */
  private onCallbackRun(cb: Callback, ctx: Uint8Array, guest: GuestMemory, hart: number): void {
    const m = this.mode;
    if (m.kind === 'stepInsn' && m.enter) { this.enterCallback(cb, ctx, guest, hart, m.threadId); return; }
    if (m.kind !== 'run' || !this.scenarioCallbacks.active) return;
    // forward: while the user runs; `collect`: the reverse search (a replay) looks for the last hit
    if (!m.collect && (this.replaying || !this.busy)) return;
    const rec = this.scenarioCallbacks.record(cb, ctx, guest, this.program.machine.timeNow(), m.collect ? 'last' : 'first');
    if (rec === undefined) return;
    const h = this.program.machine.harts[hart];
    const threadId = (h === undefined ? undefined : this.threads.onHart(h))?.id ?? this.stoppedThread;
    const info: StopInfo = {
      reason: 'breakpoint', threadId,
      description: `callback ${path.basename(rec.file)} hit a breakpoint (replayed: the machine ran it and stopped right after its event)`,
      ...(rec.stop.hitBreakpointIds === undefined ? {} : { hitBreakpointIds: rec.stop.hitBreakpointIds }),
    };
    const entry: ShownRun = { ...rec, threadId, info };
    if (this.pending === undefined) { this.recording = [entry]; this.recordingFor = info; }
    else if (this.recordingFor !== undefined && this.pending.info === this.recordingFor) this.recording.push(entry);
    this.requestStop(info);
  }

  /**
   * A step in (by instruction or line) during which an event runs a callback on behalf of the
   * stepped thread: records the run (breakpoints or not) and stops the machine right after the
   * event with the run shown at its first instruction over the thread. Only the first run is
   * shown (an event may run its callback once per candidate: continue then leaves them all).
   */
  private enterCallback(cb: Callback, ctx: Uint8Array, guest: GuestMemory, hart: number, threadId: number): void {
    if (this.replaying || !this.busy || this.pending !== undefined) return;
    if (this.callbackThreadOf(cb, hart)?.id !== threadId) return;
    const rec = this.scenarioCallbacks.recordAtStart(cb, ctx, guest, this.program.machine.timeNow());
    if (typeof rec === 'string') { this.output(`step in: ${rec}\n`, 'console'); return; }
    const info: StopInfo = { reason: 'step', threadId, description: `${rec.stop.description ?? 'stepped into a callback'}: replayed (the machine ran it and stopped right after its event)` };
    this.recording = [{ ...rec, threadId, info }];
    this.recordingFor = info;
    this.requestStop(info);
  }

  /**
   * The thread a callback run shows on: the vCPU on the hart running it when that vCPU belongs to
   * the callback's VM, else that VM's first vCPU (the event was on its behalf).
   */
  private callbackThreadOf(cb: Callback, hart: number): DebugThread | undefined {
    const hv = this.program.hypervisor;
    const vm = hv?.vms.find((v) => hv.callbacks.of(v).includes(cb));
    const h = this.program.machine.harts[hart];
    const on = h === undefined ? undefined : this.threads.onHart(h);
    if (vm === undefined || on?.ctx.vm === vm.name) return on;
    return this.threads.threads.find((t) => t.ctx.vm === vm.name && t.ctx.vcpu === 0);
  }

  /** A stop inside the recorded callback run shown on its thread. */
  private stopInCallback(s: CallbackStop): void {
    const o = this.overlay;
    if (o === undefined) return;
    const info: StopInfo = { reason: s.reason === 'exception' ? 'step' : s.reason === 'end' ? 'step' : s.reason, threadId: o.threadId };
    if (s.hitBreakpointIds !== undefined) info.hitBreakpointIds = s.hitBreakpointIds;
    const what = s.description ?? `in callback ${path.basename(o.file)}`;
    info.description = `${what} (replayed)`;
    if (s.finished === true) this.output(`${what}\n`, 'console');
    this.stopWith(info);
  }

  /** Leaves the recorded callback run: the thread shows its own frames again. */
  private leaveCallback(): void { this.overlay = undefined; }

  /** The machine moves: recorded runs of the event it stopped after are history now. */
  private dropCallbacks(): void { this.overlay = undefined; this.eventRuns = []; this.overlayIndex = -1; }

  /** Shows the event's runs from `index` (their first or last breakpoint hit), the machine staying where it is. */
  private showEventRun(index: number, which: 'first' | 'last'): void {
    const e = this.eventRuns[index];
    this.overlayIndex = index;
    this.overlay = e;
    const s = which === 'first' ? e.debugger.firstHit() : e.debugger.lastHit();
    const n = this.eventRuns.length;
    this.stopWith({ ...e.info, ...(s.hitBreakpointIds === undefined ? {} : { hitBreakpointIds: s.hitBreakpointIds }), description: `${e.info.description ?? ''}; run ${index + 1} of ${n} of this event that reach breakpoints` });
  }

  /** The runs a delivered stop brings (recorded while the machine ran to it), or none. */
  private takeRecording(info: StopInfo): ShownRun[] {
    const runs = this.recordingFor === info ? this.recording : [];
    this.recording = [];
    this.recordingFor = undefined;
    return runs;
  }

  private threadOfEvent(e: TraceEvent): DebugThread | undefined {
    if (e.vm !== undefined) return this.threads.threads.find((t) => t.ctx.vm === e.vm && t.ctx.vcpu === (e.vcpu ?? 0));
    const h = this.program.machine.harts[e.hart];
    return h === undefined ? undefined : this.threads.onHart(h) ?? (this.program.hypervisor === undefined ? this.threads.get(e.hart + 1) : undefined);
  }

  // ------------------------------------------------------------------ running -----------------

  /**
   * One run in `mode`: at most `max` instructions; returns the result and the stop the hook asked
   * for, if any. Re-executing, it applies the logged hold changes at their places on the way: it
   * runs up to a change's position, then (when the change lies at a later boundary of that
   * position) boundary by boundary until the recorded place, applies it and goes on.
   */
  private runOnce(mode: Mode, max: bigint): { result: RunResult; stop: StopInfo | undefined } {
    this.mode = mode;
    const singleStep = mode.kind === 'stepInsn' || mode.kind === 'seek' || mode.kind === 'next' || mode.kind === 'threadBoundary';
    this.refreshHookAddresses();
    // Whether the machine sits after the fetch translation of a physical-breakpoint stop here.
    let fetchedHere = this.stopFetched;
    this.stopInExit = false;
    this.pending = undefined;
    this.stopFetched = undefined;
    let limit = max;
    const scenarioLimit = this.program.maxInstructions;
    if (scenarioLimit !== undefined && mode.kind !== 'quiet' && scenarioLimit - this.position < limit) limit = scenarioLimit - this.position;
    let result: RunResult;
    try {
      if (limit <= 0n && scenarioLimit !== undefined && this.position >= scenarioLimit) {
        result = { reason: 'limit', instret: 0n, pc: 0n, cycles: this.program.machine.cycles, message: `the scenario's instruction limit (${scenarioLimit}) is reached` };
      } else if (this.settledEnd !== undefined && mode.kind !== 'quiet') {
        result = { ...this.settledEnd, instret: 0n };
        this.settledEnd = undefined;
      } else {
        // A touch redoes a fetch translation at a place reached already: no hold change comes first.
        const holds = mode.kind !== 'touch';
        let done = 0n;
        for (;;) {
          if (holds) fetchedHere = this.applyHoldChangesHere(fetchedHere);
          let n = limit - done;
          const next = holds ? this.holdLog[this.holdCursor] : undefined;
          let looking = false;
          if (next !== undefined) {
            const ahead = next.place.position - this.position;
            if (ahead < 0n) throw new Error(`re-execution diverged: the hold change recorded at position ${next.place.position} was passed`);
            if (ahead > 0n && ahead < n) n = ahead;
            else if (ahead === 0n) {
              // At its position but not at its place (a trap is taken first): boundary by boundary
              // until there, before the next retirement.
              this.holdArrival = next;
              looking = true;
              if (n > 1n) n = 1n;
            }
          }
          this.hook.singleStep = singleStep || looking;
          let r: RunResult;
          try {
            r = this.program.run({ maxInstructions: n });
          } finally {
            this.holdArrival = undefined;
          }
          const arrived = this.holdArrived;
          this.holdArrived = false;
          done += r.instret;
          this.position += r.instret;
          result = { ...r, instret: done };
          if (r.reason === 'debug') this.settle();
          if (r.instret > 0n) fetchedHere = undefined;
          if (looking && !arrived && r.instret > 0n) throw new Error(`re-execution diverged: the place of the hold change recorded at position ${next?.place.position} was not found`);
          if (this.pending !== undefined || done >= limit) break;
          // (the arrival stop: the change applies at the top of the loop, and the run goes on)
          if (r.reason !== 'limit' && !(r.reason === 'debug' && arrived)) break;
        }
      }
    } finally {
      this.mode = { kind: 'quiet' };
      this.hook.singleStep = false;
    }
    const stop = this.takePending();
    if (scenarioLimit !== undefined && this.position >= scenarioLimit && result.reason === 'limit' && mode.kind !== 'quiet') {
      return { result: { ...result, reason: 'limit', message: `the scenario's instruction limit (${scenarioLimit}) is reached` }, stop: undefined };
    }
    return { result, stop };
  }

  /**
   * After a stop the hook asked for: lets the machine do what it does after the last retirement
   * before it would retire the next instruction (close a slice every hart has finished, fire the
   * events due then) — a run of 0 instructions. A run cut by an instruction limit, as
   * re-execution reaches a position, stops in that state; so the recorded stop and the re-executed
   * one are one state (the same architectural hash), and a hold change made there acts on the
   * same scheduler state both times. It changes nothing the program can tell: the machine would
   * do exactly this first when resumed.
   */
  private settle(): void {
    const r = this.program.run({ maxInstructions: 0n });
    // An event due then may end the program (an SBI shutdown, the finisher): reported by the next run.
    if (r.reason !== 'limit' && r.reason !== 'held' && r.reason !== 'debug' && r.reason !== 'halt' && !this.replaying) this.settledEnd ??= r;
  }

  /** Is the machine at this boundary of the current position (its pcs and its count of VM exits)? */
  private atBoundaryOf(p: { pcs: readonly number[]; exits: number }): boolean {
    return this.program.machine.harts.every((h, i) => h.pc === p.pcs[i]) && this.exitCount() === p.exits;
  }

  /** VM exits taken since launch. */
  private exitCount(): number { return this.program.machine.metrics.get(EXIT_METRIC) ?? 0; }

  /**
   * Is this boundary the place of hold change `c`? Looked for with every boundary seen, before its
   * fetch (a change made after a physical breakpoint's fetch redoes it: applyHoldChangesHere).
   */
  private isHoldPlace(c: HoldChange, pa: number): boolean { return pa < 0 && this.atBoundaryOf(c.place); }

  /**
   * Applies the logged hold changes due at the current place, in order. A change made at a
   * physical-breakpoint stop came after that stop's fetch translation: unless the machine is past
   * it already (`fetched`), it is redone first (a touch, as goTo does). Returns the fetch state.
   */
  private applyHoldChangesHere(fetched: { hart: number } | undefined): { hart: number } | undefined {
    for (let c = this.holdLog[this.holdCursor]; c !== undefined; c = this.holdLog[this.holdCursor]) {
      if (c.place.position !== this.position || !this.atBoundaryOf(c.place)) break;
      const f = c.place.fetched;
      if (f !== undefined && fetched?.hart !== f.hart && this.fetchWouldStop(f.hart)) { this.redoFetch(f.hart); fetched = f; }
      this.applyHoldChange(c);
    }
    return fetched;
  }

  /** The fetch translation of hart `i`'s next instruction, stopping at its physical breakpoint (nothing retires). */
  private redoFetch(i: number): void {
    const mode = this.mode, pending = this.pending, singleStep = this.hook.singleStep;
    this.mode = { kind: 'touch', hart: i };
    this.hook.singleStep = false;
    try {
      const r = this.program.run({ maxInstructions: 1n });
      if (r.instret > 0n) throw new Error(`re-execution diverged: hart ${i} did not come to its breakpoint's fetch at position ${this.position}`);
      this.settle();
    } finally {
      this.mode = mode;
      this.pending = pending;
      this.hook.singleStep = singleStep;
    }
  }

  /** A hold change takes effect; the machine settles under the new holds (both when made and when re-executed). */
  private applyHoldChange(c: HoldChange): void {
    this.program.machine.hold(c.harts);
    this.holdCursor++;
    this.settle();
  }

  /**
   * A forward request starts: the machine holds `harts` from here on (none: every thread runs).
   * Changes logged after this place belong to an abandoned future and go.
   */
  private setHolds(harts: readonly number[], threadId: number): void {
    this.alone = harts.length ? threadId : undefined;
    this.holdLog.length = this.holdCursor;
    const m = this.program.machine;
    const now = m.held;
    if (now.size === harts.length && harts.every((h) => now.has(h))) return;
    const change: HoldChange = { place: this.place(), harts: [...harts] };
    // The future computed under other holds differs: stops noted after here are not in it.
    for (const [key, p] of this.stopTrail) if (p.position > change.place.position) this.stopTrail.delete(key);
    this.holdLog.push(change);
    this.applyHoldChange(change);
  }

  /**
   * The harts to hold so that `threadId` runs alone (a singleThread request): every hart but its
   * own. Under a hypervisor the hold stays on the harts for the whole request: if the vCPU leaves
   * its hart meanwhile (wfi, preemption), that hart runs what the hypervisor puts there, and a vCPU
   * placed on a held hart waits there until the request ends (stopped by a pause, or as 'held'
   * when nothing else can run).
   */
  singleThreadHolds(threadId: number): number[] {
    const t = this.thread(threadId);
    const h = this.threads.hartOf(t);
    if (h === undefined) throw new InspectError(`${this.threads.name(t)} is not on a hart now, so it cannot run alone; continue or step without singleThread`);
    return this.program.machine.harts.map((_, i) => i).filter((i) => i !== h.id);
  }

  /** Restores the newest checkpoint at or before `position` with the hold changes in effect then. */
  private restoreBefore(position: bigint): bigint {
    const c = this.history.restoreCheckpointBefore(position);
    this.settledEnd = undefined;
    this.holdCursor = Math.min(c.holdChanges, this.holdLog.length);
    return c.position;
  }

  private capture(position: bigint): void { this.history.capture(position, this.holdCursor); }

  /** The stop the hook, a watch or an exception filter asked for during the last run call. */
  private takePending(): StopInfo | undefined {
    const p = this.pending;
    this.pending = undefined;
    return p?.info;
  }

  /** The current boundary of the machine, without how the last stop was made. */
  private boundary(): Place {
    const harts = this.program.machine.harts;
    return { position: this.position, pcs: harts.map((h) => h.pc), retired: harts.map((h) => h.retired), exits: this.exitCount() };
  }

  private place(): Place {
    const p = this.boundary();
    if (this.stopFetched !== undefined) p.fetched = this.stopFetched;
    if (this.stopInExit) p.inExit = true;
    return p;
  }

  /** Marks every hart's current boundary as already reported, so resuming executes it. */
  private armSkips(): void {
    this.program.machine.harts.forEach((h, i) => { this.skipPc[i] = h.pc; this.skipRetired[i] = h.retired; });
  }

  private finishedRun(result: RunResult): boolean {
    return result.reason !== 'limit' && result.reason !== 'debug' || (this.program.maxInstructions !== undefined && this.position >= this.program.maxInstructions);
  }

  private stopWith(info: StopInfo): void {
    if (this.recordingFor !== undefined) {
      const runs = this.takeRecording(info);
      if (runs.length > 0) { this.eventRuns = runs; this.overlayIndex = 0; this.overlay = runs[0]; }
    }
    this.flushOutput();
    this.stoppedThread = info.threadId;
    this.armSkips();
    this.rememberStop(this.place());
    this.emit('stopped', info);
  }

  private endWith(result: RunResult): void {
    this.ended = true;
    this.endMessage = `${result.message.replace(/ after \d+ instructions$/, '')} after ${this.position} instructions`;
    this.flushOutput();
    this.output(`[${this.program.description}] ${this.endMessage}\n`, 'console');
    this.stopWith({ reason: 'end', threadId: this.stoppedThread, description: `program ended: ${this.endMessage}` });
  }

  /**
   * Runs forward in slices until a stop: breakpoints, exceptions, the end, or a pause. Yields to
   * the event loop between slices (pause requests and other requests are served meanwhile).
   */
  private async runForward(mode: Mode, until?: bigint): Promise<{ stop?: StopInfo; ended?: RunResult; paused?: boolean; held?: RunResult }> {
    let lastProgress = Date.now();
    for (;;) {
      if (this.pauseRequested || (until !== undefined && this.position >= until)) { this.pauseRequested = false; return { paused: true }; }
      const toCheckpoint = this.history.interval - (this.position - this.history.newest);
      let n = BigInt(this.slice) < toCheckpoint ? BigInt(this.slice) : toCheckpoint > 0n ? toCheckpoint : 1n;
      if (until !== undefined && until - this.position < n) n = until - this.position;
      const t0 = performance.now();
      const { result, stop } = this.runOnce(mode, n);
      const dt = performance.now() - t0;
      if (result.instret > 0n && dt > 0) this.slice = Math.max(1000, Math.min(5_000_000, Math.round(Number(result.instret) * SLICE_MS / Math.max(dt, 1))));
      this.history.maybeCapture(this.position, this.holdCursor);
      if (stop !== undefined) return { stop };
      if (result.reason === 'held') return { held: result };
      if (this.finishedRun(result)) return { ended: result };
      if (Date.now() - lastProgress > PROGRESS_MS) { lastProgress = Date.now(); this.flushOutput(); this.emit('progress'); }
      await new Promise<void>((resolve) => setImmediate(resolve));
    }
  }

  private async drive(work: () => Promise<StopInfo | 'ended' | undefined>): Promise<void> {
    if (this.busy) throw new InspectError('the program is running; pause it first');
    this.busy = true;
    this.pauseRequested = false;
    try {
      const r = await work();
      if (r !== undefined && r !== 'ended') this.stopWith(r);
    } catch (e) {
      this.output(`internal error: ${(e as Error).message}\n`, 'stderr');
      this.stopWith({ reason: 'pause', threadId: this.stoppedThread, description: `error: ${(e as Error).message}` });
    } finally {
      this.busy = false;
    }
  }

  private async forwardTo(mode: Mode, until?: bigint): Promise<StopInfo | 'ended'> {
    const r = await this.runForward(mode, until);
    if (r.stop !== undefined) return r.stop;
    if (r.ended !== undefined) { this.endWith(r.ended); return 'ended'; }
    if (r.held !== undefined) {
      // Not the end: the other threads are only held. Stopped here, everything stays debuggable.
      const threadId = this.alone ?? this.stoppedThread;
      const who = this.threads.name(this.thread(threadId));
      return { reason: 'pause', threadId, description: `all other threads are held (singleThread) and ${who} waits with nothing to wake it: ${r.held.message}. Continue or step without singleThread to let the others run.` };
    }
    return { reason: 'pause', threadId: this.stoppedThread };
  }

  /** Launch done: stop on entry, or run. */
  start(stopOnEntry: boolean): void {
    if (stopOnEntry) { this.stopWith({ reason: 'entry', threadId: 1 }); return; }
    this.continue();
  }

  /**
   * Runs until a stop; with `until`, also stops (as a pause) once that many instructions have run
   * since launch. `holds`: the harts held meanwhile (singleThreadHolds for a singleThread request).
   */
  continue(until?: bigint, holds: readonly number[] = [], threadId = this.stoppedThread): void {
    const o = this.overlay;
    if (o !== undefined) {
      // the rest of the callback first: a later breakpoint in it stops there
      const s = o.debugger.continue();
      if (s.finished !== true) { this.stopInCallback(s); return; }
    }
    if (this.overlayIndex + 1 < this.eventRuns.length) { this.showEventRun(this.overlayIndex + 1, 'first'); return; }
    this.dropCallbacks();
    if (this.ended) { this.emit('ended'); return; }
    void this.drive(() => { this.setHolds(holds, threadId); return this.forwardTo({ kind: 'run', collect: false }, until); });
  }

  /**
   * Stops everything, whichever thread the request names: the machine stops as one (between two
   * instructions of whichever hart runs), so every thread is stopped and shows its state there.
   */
  pause(): void {
    if (this.busy) this.pauseRequested = true;
    else this.stopWith({ reason: 'pause', threadId: this.stoppedThread });
  }

  /** One instruction of `threadId` (other harts run meanwhile, as the machine interleaves them, unless held). */
  private async stepInstruction(threadId: number, enter = false): Promise<StopInfo | 'ended'> {
    const t = this.thread(threadId);
    const h = this.threads.hartOf(t);
    const mode: Mode = { kind: 'stepInsn', threadId, hart: h?.id ?? -1, retired: h?.retired ?? -1, pc: h?.pc ?? Number.NaN, enter };
    return this.forwardTo(mode);
  }

  private lineOf(threadId: number): string | undefined {
    const t = this.thread(threadId);
    const l = this.sources.locate(this.linkAddress(t, this.threads.pc(t)), t.image);
    return l === undefined ? undefined : `${l.file}:${l.line}`;
  }

  /** Is the instruction at the thread's pc a call (jal/jalr linking ra or t0)? */
  private atCall(threadId: number): boolean {
    const t = this.thread(threadId);
    try {
      const r = readMemory(this.target, this.threads.context(t), this.threads.pc(t), 4, 'virtual');
      if (r.data.length < 4) return false;
      const w = r.data[0] | (r.data[1] << 8) | (r.data[2] << 16) | (r.data[3] << 24);
      const op = w & 0x7f, rd = (w >> 7) & 0x1f;
      return (op === 0x6f || op === 0x67) && (rd === 1 || rd === 5);
    } catch {
      return false;
    }
  }

  private spOf(threadId: number): bigint {
    return BigInt.asIntN(64, resolveThread(this.target, this.context(threadId)).getReg(2));
  }

  /** Runs until the thread comes back to `address` with sp at or above `sp` (a call returned). */
  private async runToReturn(threadId: number, address: bigint, sp: bigint): Promise<StopInfo | 'ended'> {
    return this.forwardTo({ kind: 'run', collect: false, temp: { address: toPc(address), threadId, sp } });
  }

  /** `holds`: the harts held meanwhile (singleThreadHolds for a singleThread request). */
  step(threadId: number, kind: StepKind, granularity: Granularity, holds: readonly number[] = []): void {
    this.thread(threadId);
    const o = this.overlay;
    if (o !== undefined && o.threadId === threadId) {
      if (!o.debugger.run.finished) { this.stopInCallback(o.debugger.step(kind, granularity)); return; }
      // past the callback's end: back to the machine, stopped right after the event
      this.leaveCallback();
      this.stopWith({ reason: 'step', threadId, description: `callback ${path.basename(o.file)} finished; the machine is stopped right after its event` });
      return;
    }
    this.dropCallbacks();
    if (this.ended) { this.stopWith({ reason: 'end', threadId, description: `program ended: ${this.endMessage}` }); return; }
    void this.drive(async () => {
      this.setHolds(holds, threadId);
      if (kind === 'out') {
        const frames = this.stack(threadId);
        const caller = frames[1];
        if (caller === undefined) return this.stepInstruction(threadId);
        return this.runToReturn(threadId, caller.pc, this.spOf(threadId) + 1n);
      }
      const start = this.lineOf(threadId);
      for (let i = 0; i < MAX_LINE_STEPS; i++) {
        let r: StopInfo | 'ended';
        if (kind === 'over' && this.atCall(threadId)) {
          const pc = this.threads.pc(this.thread(threadId));
          r = await this.runToReturn(threadId, pc + 4n, this.spOf(threadId));
        } else r = await this.stepInstruction(threadId, kind === 'in');
        if (r === 'ended' || r.reason !== 'step') return r;
        // Stepped into a callback run by an event on behalf of the thread: shown at its start.
        if (this.recordingFor === r) return r;
        if (granularity === 'instruction') return r;
        const now = this.lineOf(threadId);
        if (now !== undefined && now !== start) return r;
        if (now === undefined && start === undefined) return r;
        if (this.pauseRequested) { this.pauseRequested = false; return { reason: 'pause', threadId }; }
      }
      return { reason: 'step', threadId };
    });
  }

  // ------------------------------------------------------------------ reverse -----------------

  /** Restores the newest checkpoint at or before `place` and re-executes to it, quietly. */
  private goTo(place: Place): void {
    this.replaying = true;
    try {
      this.position = this.restoreBefore(place.position);
      while (this.position < place.position) {
        const { result } = this.runOnce({ kind: 'quiet' }, place.position - this.position);
        if (result.instret === 0n) throw new Error(`re-execution stopped short at ${this.position} of ${place.position}: ${result.message}`);
      }
      if (place.inExit === true && this.exitCount() < place.exits) {
        // A stop inside an exit taken at this position: re-executed up to that exit and stopped
        // inside it, as the recorded stop was (an exit made by an event the run to this position
        // fired already is behind the machine already, in the same state).
        const { stop } = this.runOnce({ kind: 'exitSeek', exits: place.exits }, 1n);
        if (stop === undefined || this.exitCount() !== place.exits) throw new Error(`re-execution diverged: VM exit ${place.exits} was not taken at position ${place.position}`);
      }
      const same = (): boolean => this.atBoundaryOf(place);
      for (let i = 0; i < 1000 && !same(); i++) {
        // The place lies after a trap or exit taken at this position: walk boundary by boundary.
        const { result, stop } = this.runOnce({ kind: 'seek', pcs: place.pcs, exits: place.exits }, 1n);
        if (stop === undefined && result.instret > 0n) throw new Error(`re-execution diverged: no stop at position ${place.position} with the recorded pcs and ${place.exits} VM exits`);
      }
      if (!same()) throw new Error(`re-execution diverged at position ${place.position}`);
      this.stopInExit = place.inExit === true;
      // A physical-breakpoint stop came after its fetch translation: redo it (no instruction runs).
      if (place.fetched !== undefined && this.fetchWouldStop(place.fetched.hart)) {
        const { result } = this.runOnce({ kind: 'touch', hart: place.fetched.hart }, 1n);
        // Another hart ran first (the slice cursor differs after a re-execution): without the touch.
        if (result.instret > 0n) { this.goTo({ position: place.position, pcs: place.pcs, retired: place.retired, exits: place.exits }); return; }
        // As at the recorded stop: a hold change made here is logged as coming after this fetch.
        this.stopFetched = place.fetched;
      }
    } finally {
      this.replaying = false;
    }
    this.ended = false;
  }

  /** Whether hart `i`'s next fetch is at a physical breakpoint address (a side-effect-free walk). */
  private fetchWouldStop(i: number): boolean {
    const h = this.program.machine.harts[i];
    if (h === undefined || this.hook.physical.size === 0) return false;
    try {
      const r = debugTranslate(this.target, resolveThread(this.target, { hart: i }), h.getPc(), 'virtual');
      return !('error' in r) && this.hook.physical.has(Number(r.pa));
    } catch {
      return false;
    }
  }

  /** Re-executes quietly from the newest checkpoint at or before `position` up to it (right after its last retirement). */
  private replayTo(position: bigint): void {
    this.replaying = true;
    try {
      this.position = this.restoreBefore(position);
      const fine = this.history.fine;
      while (this.position < position) {
        // The last stretch in pieces of `fine` instructions, leaving checkpoints: the next reverse
        // steps nearby replay little.
        const left = position - this.position;
        const n = left > 4n * fine ? left - 4n * fine : left < fine ? left : fine;
        const { result } = this.runOnce({ kind: 'quiet' }, n);
        if (result.instret === 0n) break;
        if (this.position - this.history.newest >= fine && position - this.position < 4n * fine) this.capture(this.position);
      }
    } finally {
      this.replaying = false;
    }
  }

  /**
   * One quiet move to the next boundary of the machine: the next instruction retires, or a trap
   * is taken first (a new boundary at the same position). Returns whether it retired.
   */
  private nextBoundary(): boolean {
    this.replaying = true;
    try {
      const { result } = this.runOnce({ kind: 'next', first: true }, 1n);
      return result.instret > 0n;
    } finally {
      this.replaying = false;
    }
  }

  /**
   * The machine's previous boundary before `here` (undefined at the very start), left as the
   * current state. One re-execution in the usual case: replay to position p-1, checkpoint there,
   * walk boundary by boundary to `here`, and come back to the one before it (from the checkpoint),
   * or to the stop `threadId` (the only thread) made at that instruction boundary (stepBackTarget).
   */
  private previousPlace(here: Place, threadId: number): Place | undefined {
    const from = here.position > 0n ? here.position - 1n : 0n;
    this.replayTo(from);
    this.capture(this.position);
    const walked: Place[] = [this.place()];
    if (!reached(walked[0], here)) {
      for (let i = 0; i < 10_000; i++) {
        this.nextBoundary();
        const p = this.place();
        if (reached(p, here)) break;
        if (p.position > here.position) throw new Error(`re-execution diverged: position ${here.position} was not found again`);
        walked.push(p);
      }
    } else return undefined;
    const prev = this.stepBackTarget(walked, here, 0, threadId) as Place;
    this.goTo(prev);
    return prev;
  }

  stepBack(threadId: number, granularity: Granularity): void {
    this.thread(threadId);
    const o = this.overlay;
    if (o !== undefined && o.threadId === threadId && o.debugger.run.position > 0) { this.stopInCallback(o.debugger.stepBack(granularity)); return; }
    this.dropCallbacks();
    void this.drive(async () => {
      const here = this.place();
      const startLine = this.lineOf(threadId);
      let cur = here;
      let moved = false;
      // One hart and one thread: the machine's previous boundary is the thread's (and cheaper to find).
      const alone = this.threads.threads.length === 1 && this.program.machine.harts.length === 1;
      for (let i = 0; i < (granularity === 'line' ? MAX_BACK_LINE_STEPS : 1); i++) {
        const prev = alone ? this.previousPlace(cur, threadId) : await this.previousOfThread(cur, threadId);
        if (prev === undefined) break;
        cur = prev;
        moved = true;
        if (granularity === 'instruction') break;
        const l = this.lineOf(threadId);
        if (l !== undefined && l !== startLine) break;
        await new Promise<void>((resolve) => setImmediate(resolve));
      }
      if (!moved) { this.goTo(here); return { reason: 'entry', threadId, description: 'at the start of the recorded history' }; }
      return { reason: 'step', threadId };
    });
  }

  reverseContinue(threadId: number): void {
    this.thread(threadId);
    const o = this.overlay;
    if (o !== undefined && o.threadId === threadId) {
      const s = o.debugger.reverseContinue();
      if (s.reason === 'breakpoint') { this.stopInCallback(s); return; }
      if (this.overlayIndex > 0) { this.showEventRun(this.overlayIndex - 1, 'last'); return; }
    }
    this.dropCallbacks();
    void this.drive(async () => {
      const found = await this.searchBack(this.place(), { kind: 'run', collect: true });
      if (found !== undefined && found.runs.length > 0) {
        // stopped after an event whose callback runs reach breakpoints: the last hit of the last run
        this.eventRuns = found.runs;
        const last = found.runs.length - 1;
        this.overlayIndex = last;
        this.overlay = found.runs[last];
        return { ...found.info, description: `${found.info.description ?? ''}; run ${last + 1} of ${found.runs.length} of this event that reach breakpoints` };
      }
      if (found !== undefined) return found.info;
      return { reason: 'entry', threadId, description: 'reached the start of the recorded history' };
    });
  }

  /**
   * The last stop `mode` asks for before `here`, found by re-executing the history segment by
   * segment backwards (checkpoint to `end`, stopping at every hit and noting it); the machine is
   * left there. At the start of the history without a hit: left at the start, undefined.
   * `choose` picks the hit among those of the segment (the last one by default).
   */
  private async searchBack(here: Place, mode: Mode, choose?: (places: Place[]) => Place | undefined): Promise<{ place: Place; info: StopInfo; runs: ShownRun[] } | undefined> {
    let end = here.position;
    for (;;) {
      const start = this.restoreBefore(end > 0n ? end - 1n : 0n);
      this.position = start;
      const hits: { place: Place; info: StopInfo; runs: ShownRun[] }[] = [];
      this.replaying = true;
      try {
        this.armSkipsNone();
        // Up to `end`; in the first segment also the boundaries at here's position before `here`
        // (after a trap taken there, say), one at a time, until `here` or the next retirement.
        const first = end === here.position;
        while (this.position < end || (first && this.position === end && !reached(this.place(), here))) {
          const { result, stop } = this.runOnce(mode.kind === 'next' ? { kind: 'next', first: false } : mode, this.position < end ? end - this.position : 1n);
          if (stop !== undefined) {
            const p = this.place();
            const runs = this.takeRecording(stop);
            if (mode.kind === 'threadBoundary') {
              const h = this.threads.hartOf(this.thread(mode.threadId));
              if (h !== undefined) p.threadHart = h.id;
            }
            // At here's position the places come in history order: the ones before `here` (an
            // exception stop inside the exit `here` lies right after among them) are hits.
            if (reached(p, here)) break;
            if (p.position <= here.position) hits.push({ place: p, info: stop, runs });
            this.armSkips();
          } else if (result.instret === 0n || this.position > end) break;
        }
      } finally {
        this.replaying = false;
      }
      const last = hits[hits.length - 1];
      if (last !== undefined) {
        const pick = choose?.(hits.map((h) => h.place));
        const hit = pick === undefined ? last : hits.find((h) => h.place === pick) ?? { ...last, place: pick };
        this.goTo(hit.place);
        return hit;
      }
      if (start === 0n) { this.goTo(this.launchPlace()); return undefined; }
      end = start;
      await new Promise<void>((resolve) => setImmediate(resolve));
    }
  }

  /**
   * The previous boundary of one thread when other harts or vCPUs interleave with it: the last
   * boundary where the thread is on a hart, searched backwards (see searchBack).
   */
  private async previousOfThread(here: Place, threadId: number): Promise<Place | undefined> {
    const found = await this.searchBack(here, { kind: 'threadBoundary', threadId }, (places) => this.stepBackTarget(places, here, places[places.length - 1]?.threadHart, threadId));
    return found?.place;
  }

  /**
   * Notes a stop of the user's in stopTrail, as an instruction boundary of every hart (each
   * thread on one is stopped there); the oldest notes go beyond STOP_TRAIL.
   */
  private rememberStop(p: Place): void {
    for (const h of this.program.machine.harts) {
      const t = this.threads.onHart(h);
      if (t === undefined) continue;
      const key = instructionKey(p, h.id, t.id);
      this.stopTrail.delete(key);
      this.stopTrail.set(key, p);
    }
    while (this.stopTrail.size > STOP_TRAIL) this.stopTrail.delete(this.stopTrail.keys().next().value as string);
  }

  /**
   * The place a step back of `threadId` from `here` goes to among the boundaries found before it,
   * the thread being on `hart` at the last of them: the thread's last instruction boundary (the trailing
   * places where its hart had retired as much at the same pc, told apart only by VM exits). If
   * the user stopped at that instruction boundary of the thread before `here` (stopTrail), that
   * very stop: it may lie after an exit, or inside one, where no boundary is. Else its first
   * place (before the instruction, where a forward step stops).
   */
  private stepBackTarget(found: readonly Place[], here: Place, hart: number | undefined, threadId: number): Place | undefined {
    const last = found[found.length - 1];
    if (last === undefined || hart === undefined) return last;
    const key = instructionKey(last, hart, threadId);
    let first = found.length - 1;
    while (first > 0 && instructionKey(found[first - 1], hart, threadId) === key) first--;
    const seen = this.stopTrail.get(key);
    const before = seen !== undefined && comesBefore(seen, here);
    return before ? seen : found[first];
  }

  private armSkipsNone(): void { this.skipPc.fill(Number.NaN); this.skipRetired.fill(-1); }

  /** The place at launch (the machine is left there). */
  private launchPlace(): Place {
    this.restoreBefore(0n);
    this.position = 0n;
    return this.boundary();
  }

  // ------------------------------------------------------------------ output ------------------

  private consoleByte(b: number): void {
    this.outputBuffer += String.fromCharCode(b);
    if (b === 10 && this.outputBuffer.length > 4096) this.flushOutput();
  }

  flushOutput(): void {
    if (this.outputBuffer.length === 0) return;
    const text = this.outputBuffer;
    this.outputBuffer = '';
    this.emit('output', text, 'stdout');
  }

  output(text: string, category: OutputCategory): void { this.emit('output', text, category); }

  /** Exception details of the last stop, for exceptionInfo. */
  describeFilters(): readonly ExceptionFilter[] { return EXCEPTION_FILTERS; }
}

/** DAP hit conditions: `N` (stop from the Nth hit on), `>= N`, `> N`, `== N`, `% N` (every Nth), `< N`, `<= N`. */
export function hitTestOf(cond: string | undefined): (hits: number) => boolean {
  const m = cond === undefined ? null : /^\s*(>=|>|==|=|%|<=|<)?\s*(\d+)\s*$/.exec(cond);
  if (m === null) return () => true;
  const n = Number(m[2]);
  switch (m[1]) {
    case '>': return (h) => h > n;
    case '==': case '=': return (h) => h === n;
    case '%': return (h) => n > 0 && h % n === 0;
    case '<': return (h) => h < n;
    case '<=': return (h) => h <= n;
    default: return (h) => h >= n;
  }
}

export function hitConditionHolds(cond: string | undefined, hits: number): boolean { return hitTestOf(cond)(hits); }

/** Hit conditions the runtime understands, for a clear error on anything else. */
export function validHitCondition(cond: string | undefined): boolean {
  return cond === undefined || cond.trim() === '' || /^\s*(>=|>|==|=|%|<=|<)?\s*\d+\s*$/.test(cond);
}
