/**
 * Breakpoints in the `.hcb` files of a scenario's hyper-callbacks. The machine runs callbacks
 * synchronously inside the hypervisor (compiled, no per-instruction seam), so a run is not
 * stopped in the middle; instead, just before each run (CallbackRegistry.observer) a callback
 * whose file has breakpoints is run once more, on its own VM through the stepping seam, with the
 * very same inputs (context bytes, map contents, the clock; guest memory read now through the
 * run's guest window and kept). It has no effect on the machine, whose own run follows unchanged.
 * When that recorded run reaches a breakpoint, the runtime stops the machine right after the
 * event and shows the recorded run as frames on top of the vCPU's: a replay that can be stepped
 * forwards and backwards (CallbackDebugger).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { assemble, type AsmResult } from '../../simulator/ebpf/asm/assembler';
import { HELPERS_BY_NAME } from '../../simulator/ebpf/events';
import type { HcbProgram } from '../../simulator/ebpf/program';
import { verifyHcb, type VerifyResult } from '../../simulator/ebpf/verifier';
import type { GuestMemory } from '../../simulator/ebpf/vm/guest';
import type { HelperImpl } from '../../simulator/ebpf/vm/vm';
import { CALLBACK_BUDGET, hashSlotsOf, type Callback } from '../../simulator/hypervisor/callbacks';
import { CallbackDebugger, type CallbackStop } from './callback-debugger';
import { CallbackRun, resolveCallbackLine } from './callback-run';
import { hitTestOf, type BreakpointSpec, type CodeBreakpoint } from './runtime';

const KTIME_GET_NS = HELPERS_BY_NAME.get('ktime_get_ns')?.id ?? 5;

/**
 * Guest memory as one run read it: the first pass reads through the live window and keeps every
 * answer; after `freeze` (the window is gone, the guest may have changed) replays get the kept
 * answers — the same reads, since the run is deterministic.
 */
class RecordedGuest implements GuestMemory {
  private readonly reads = new Map<string, Uint8Array | 'fault'>();
  private readonly translations = new Map<bigint, bigint | 'fault'>();
  constructor(private live: GuestMemory | undefined) {}

  freeze(): void { this.live = undefined; }

  read(gva: bigint, length: number): Uint8Array | 'fault' {
    const key = `${gva}:${length}`;
    let r = this.reads.get(key);
    if (r === undefined) {
      r = this.live === undefined ? 'fault' : this.live.read(gva, length);
      this.reads.set(key, r instanceof Uint8Array ? r.slice() : r);
    }
    return r instanceof Uint8Array ? r.slice() : r;
  }

  translate(gva: bigint): bigint | 'fault' {
    let r = this.translations.get(gva);
    if (r === undefined) {
      r = this.live?.translate === undefined ? 'fault' : this.live.translate(gva);
      this.translations.set(gva, r);
    }
    return r;
  }
}

/** A recorded callback run stopped at a breakpoint, ready to be shown over its vCPU. */
export interface RecordedStop {
  file: string;
  debugger: CallbackDebugger;
  stop: CallbackStop;
}

interface HcbFile { asm: AsmResult; breakpoints: CodeBreakpoint[]; verified: Map<number, VerifyResult> }

/** A callback file assembled for a step into it (no breakpoints needed), or why it cannot be shown. */
type StepSource = { asm: AsmResult; verified: Map<number, VerifyResult> } | { problem: string };

export class ScenarioCallbacks {
  private readonly files = new Map<string, HcbFile>();
  /** Files assembled for step-in (their breakpoints, if any, live in `files`). */
  private readonly stepSources = new Map<string, StepSource>();

  constructor(
    /** The scenario's folder: callbacks are named relative to it. */
    private readonly baseDir: string,
    private readonly newId: () => number,
    private readonly output: (text: string) => void,
  ) {}

  /** Any verified breakpoint in any callback file? (Runs are recorded only then.) */
  get active(): boolean {
    for (const f of this.files.values()) if (f.breakpoints.some((b) => b.verified)) return true;
    return false;
  }

  setBreakpoints(file: string, specs: (BreakpointSpec & { line: number })[]): CodeBreakpoint[] {
    let asm: AsmResult | undefined;
    let problem: string | undefined;
    try {
      asm = assemble(fs.readFileSync(file, 'utf8'), { file });
      const e = asm.diagnostics.find((d) => d.severity === 'error');
      if (e !== undefined) problem = `${path.basename(file)} does not assemble (line ${e.range.line}: ${e.message})`;
    } catch {
      problem = `${file} cannot be read`;
    }
    const bps = specs.map((s): CodeBreakpoint => {
      const id = this.newId();
      const hitTest = hitTestOf(s.hitCondition);
      const r = asm === undefined || problem !== undefined ? undefined : resolveCallbackLine(asm, s.line);
      if (r === undefined) return { id, kind: 'source', verified: false, message: problem ?? `no instruction at or after line ${s.line} in ${path.basename(file)}`, line: s.line, locations: [], spec: s, hits: 0, hitTest };
      return { id, kind: 'source', verified: true, line: r.line, locations: [{ image: -1, address: BigInt(r.slot) }], spec: s, hits: 0, hitTest };
    });
    this.stepSources.delete(path.resolve(file));
    if (asm !== undefined && problem === undefined) this.files.set(path.resolve(file), { asm, breakpoints: bps, verified: new Map() });
    else this.files.delete(path.resolve(file));
    return bps;
  }

  /**
   * Records the run `cb` is about to make when its file has breakpoints; returns the stop at the
   * first breakpoint it reaches (hit counts and logpoints as for any breakpoint), or — for a
   * reverse search, `which` = 'last' — at the last one (nothing counted or printed); else undefined.
   */
  record(cb: Callback, ctx: Uint8Array, guest: GuestMemory, now: number, which: 'first' | 'last' = 'first'): RecordedStop | undefined {
    if (cb.name.startsWith('hypercall@')) return undefined;
    const file = path.resolve(this.baseDir, cb.name);
    const f = this.files.get(file);
    if (f === undefined || !f.breakpoints.some((b) => b.verified)) return undefined;
    const dbg = this.recordRun(cb, ctx, guest, now, file, f.asm, f.verified, () => f.breakpoints);
    if (which === 'last') {
      const last = dbg.lastHit();
      return last.reason === 'breakpoint' ? { file, debugger: dbg, stop: last } : undefined;
    }
    const stop = dbg.atStart() ?? dbg.continue();
    return stop.finished === true ? undefined : { file, debugger: dbg, stop };
  }

  /**
   * Records the run `cb` is about to make, whatever breakpoints its file has, stopped at its first
   * instruction (a step into the callback). A string says why it cannot be shown: the callback
   * came as bytecode (a hypercall), or its file is gone or no longer assembles.
   */
  recordAtStart(cb: Callback, ctx: Uint8Array, guest: GuestMemory, now: number): RecordedStop | string {
    if (cb.name.startsWith('hypercall@')) return `callback ${cb.name} was registered as bytecode: there is no source to step into`;
    const file = path.resolve(this.baseDir, cb.name);
    const withBreakpoints = this.files.get(file);
    const src = withBreakpoints ?? this.stepSource(file);
    if ('problem' in src) return src.problem;
    const dbg = this.recordRun(cb, ctx, guest, now, file, src.asm, src.verified, () => withBreakpoints?.breakpoints ?? []);
    return { file, debugger: dbg, stop: { reason: 'step', description: `stepped into callback ${path.basename(file)} (${cb.event})` } };
  }

  private stepSource(file: string): StepSource {
    let s = this.stepSources.get(file);
    if (s !== undefined) return s;
    try {
      const asm = assemble(fs.readFileSync(file, 'utf8'), { file });
      const e = asm.diagnostics.find((d) => d.severity === 'error');
      s = e === undefined ? { asm, verified: new Map() } : { problem: `${path.basename(file)} does not assemble (line ${e.range.line}: ${e.message})` };
    } catch {
      s = { problem: `${file} cannot be read` };
    }
    this.stepSources.set(file, s);
    return s;
  }

  /** A CallbackDebugger over a recording of the run `cb` is about to make, left at its start. */
  private recordRun(cb: Callback, ctx: Uint8Array, guest: GuestMemory, now: number, file: string, asm: AsmResult, verifiedByCallback: Map<number, VerifyResult>, breakpoints: () => readonly CodeBreakpoint[]): CallbackDebugger {
    const program: HcbProgram = cb.program;
    let verified = verifiedByCallback.get(cb.id);
    if (verified === undefined) {
      verified = verifyHcb({ ...asm, program });
      verifiedByCallback.set(cb.id, verified);
    }
    const recorded = new RecordedGuest(guest);
    const helpers = new Map<number, HelperImpl>([[KTIME_GET_NS, () => BigInt(now)]]);
    const run = new CallbackRun({
      file, asm, verified, program, event: cb.event, context: ctx.slice(), guest: recorded, helpers,
      mapBytes: cb.engineVm?.maps.map((m) => m.region.bytes.slice()) ?? [], hashSlots: cb.engineVm?.maps.map((m) => hashSlotsOf(m)) ?? [],
      // Called before the machine's run: the state that run starts from.
      prandomState: cb.prandom.state,
      budget: CALLBACK_BUDGET,
    });
    // The whole run first, so that every guest read it makes is kept while the window is live.
    run.goTo(CALLBACK_BUDGET + 1);
    recorded.freeze();
    run.goTo(0);
    return new CallbackDebugger(run, breakpoints, this.output, false);
  }
}
