/**
 * The Debug Adapter Protocol session: translates requests into calls on the runtime
 * (./runtime) and the inspection layer (./inspect), and the runtime's events into DAP events.
 * Nothing here simulates or inspects anything itself. No `vscode` import: the same class runs
 * inline in the extension (`createDebugSession`) and standalone (./main.ts).
 *
 * Every request handler is guarded: a bad request gets an error response whose message says
 * what was wrong (and where, for expressions); the adapter never dies of one.
 */
import * as path from 'node:path';
import {
  Breakpoint, DebugSession, Event, Handles, InitializedEvent, LoggingDebugSession, MemoryEvent, OutputEvent, Response, Scope, Source,
  StackFrame, StoppedEvent, TerminatedEvent, Thread, InvalidatedEvent,
} from '@vscode/debugadapter';
import type { DebugProtocol } from '@vscode/debugprotocol';
import {
  InspectError, consoleCommand, disassemble, evaluate, readMemory, registerGroups, setRegister, writeMemory,
  machineSummary, tlbEntries, pageTable, translate, callbacks, interrupts, trace, parseHex,
  type RegisterGroupName, type ThreadContext,
} from './inspect';
import { Runtime, validHitCondition, type CodeBreakpoint, type DataAccess, type StopInfo, type StepKind } from './runtime/runtime';
import { LaunchError } from './runtime/program';
import { CallbackRuntime } from './runtime/callback-runtime';
import { loadCallback } from './runtime/hcb-launch';
import { CallbackRequests, callbackScopes, callbackVariables, type CallbackScopeName } from './callback-session';
import { EXCEPTION_FILTERS } from './runtime/exceptions';
import {
  CallbacksRequest, InterruptsRequest, MachineSummaryRequest, PageTableRequest, StateChangedEvent, TlbEntriesRequest, TraceRequest, TranslateRequest,
  type PageTableArgs, type StateChanged, type TlbEntriesArgs, type TraceArgs, type TranslateArgs,
} from '../protocol/hyperlab';

export interface HyperlabLaunchArguments extends DebugProtocol.LaunchRequestArguments {
  /** A scenario (*.hlab.json), an assembly file (.S), an ELF executable or a hyper-callback (.hcb). */
  program: string;
  /** `.hcb` only: the event's context fields by name → number or "0x…" string (absent fields 0). */
  context?: Record<string, number | string>;
  /** `.hcb` only: guest memory the guest helpers and the guest window read, `{ "0xGVA": "hex bytes" }`; other addresses fault. */
  guest?: Record<string, string>;
  stopOnEntry?: boolean;
  engine?: 'compiled' | 'interpreter';
  /** Instructions between checkpoints of the reverse-execution history (default 200 000). */
  checkpointInterval?: number;
}

/** A variables reference: one register group of one thread, as of the current stop. */
interface GroupRef { threadId: number; group: RegisterGroupName }

const hex = (v: bigint): string => `0x${BigInt.asUintN(64, v).toString(16)}`;
/** Register groups that hold many entries: shown collapsed and paged. */
const LARGE_GROUPS = new Set<RegisterGroupName>(['TLB', 'CSRs (M)', 'CSRs (S/HS)', 'CSRs (VS)']);
const PROGRESS_EVENT_MS = 250;
/**
 * Adapter-private request (not a view, so not in protocol/hyperlab.ts): the architectural-state
 * hash and the history position now, `{ hash, position }`. Reverse-execution tests compare them.
 */
export const ArchHashRequest = 'hyperlab.adapter/archHash';

export class HyperlabDebugSession extends LoggingDebugSession {
  private runtime: Runtime | undefined;
  private stopOnEntry = false;
  private configured = false;
  private readonly groups = new Handles<GroupRef>();
  /** Frame ids → thread (frames are rebuilt on every stop). */
  private readonly frames = new Handles<{ threadId: number; index: number }>();
  /** Scopes of a recorded callback run's frames (shown over a vCPU's), apart from the register groups. */
  private readonly callbackScopeRefs = new Handles<{ threadId: number; scope: CallbackScopeName; depth: number }>(1_000_000);
  private lastStop: StopInfo | undefined;
  private lastProgress = 0;
  /** A hyper-callback launched on its own (`.hcb`): its requests go to `callbackRequests`. */
  private callbackRt: CallbackRuntime | undefined;
  private callbackRequests: CallbackRequests | undefined;
  /** Requests the session answers itself in a callback launch (lifecycle). */
  private static readonly LIFECYCLE = new Set(['initialize', 'launch', 'configurationDone', 'disconnect', 'terminate']);

  constructor() {
    super();
    this.setDebuggerLinesStartAt1(true);
    this.setDebuggerColumnsStartAt1(true);
    this.guardHandlers();
  }

  // ------------------------------------------------------------------ plumbing ----------------

  /**
   * Guards every request handler (each `…Request(response, …)` method of this class): an exception
   * becomes an error response with its message — the base class would answer with a stack trace.
   */
  private guardHandlers(): void {
    const proto = HyperlabDebugSession.prototype as unknown as Record<string, unknown>;
    const self = this as unknown as Record<string, unknown>;
    for (const name of Object.getOwnPropertyNames(proto)) {
      const fn = proto[name];
      if (!name.endsWith('Request') || name === 'dispatchRequest' || typeof fn !== 'function') continue;
      // customRequest(command, response, args); every other handler takes the response first.
      const at = name === 'customRequest' ? 1 : 0;
      self[name] = (...args: unknown[]): void => {
        try {
          (fn as (...a: unknown[]) => void).apply(this, args);
        } catch (e) {
          this.fail(args[at] as DebugProtocol.Response, e);
        }
      };
    }
  }

  /** Last resort for anything the handlers' guard does not cover (the base class's own work). */
  protected override dispatchRequest(request: DebugProtocol.Request): void {
    try {
      if (this.callbackRequests !== undefined && !HyperlabDebugSession.LIFECYCLE.has(request.command)) {
        this.callbackRequests.handle(request);
        return;
      }
      super.dispatchRequest(request);
    } catch (e) {
      this.fail(new Response(request), e);
    }
  }

  private fail(response: DebugProtocol.Response, e: unknown): void {
    const err = e as Error;
    const located = e instanceof InspectError && e.column !== undefined ? ` (column ${e.column})` : '';
    const message = e instanceof InspectError || e instanceof LaunchError ? `${err.message}${located}` : `internal error: ${err?.message ?? String(e)}`;
    this.sendErrorResponse(response, { id: 1, format: message.replace(/\{/g, '{{').replace(/\}/g, '}}'), showUser: true });
  }

  private rt(): Runtime {
    if (this.runtime === undefined) throw new InspectError('no program is running: launch one first');
    return this.runtime;
  }

  private ensureStopped(): Runtime {
    const rt = this.rt();
    if (rt.isRunning) throw new InspectError('the program is running; pause it first');
    return rt;
  }

  /** The thread a request names, or the last stopped one. */
  private threadCtx(threadId: number | undefined): ThreadContext {
    const rt = this.rt();
    return rt.context(threadId ?? this.lastStop?.threadId ?? 1);
  }

  private stateChanged(reason: StateChanged['reason']): void {
    const body: StateChanged = { reason, time: this.runtime?.program.machine.timeNow() ?? 0 };
    this.sendEvent(new Event(StateChangedEvent, body));
  }

  // ------------------------------------------------------------------ lifecycle ---------------

  protected override initializeRequest(response: DebugProtocol.InitializeResponse): void {
    response.body = {
      supportsConfigurationDoneRequest: true,
      supportsConditionalBreakpoints: true,
      supportsHitConditionalBreakpoints: true,
      supportsLogPoints: true,
      supportsFunctionBreakpoints: true,
      supportsInstructionBreakpoints: true,
      supportsDataBreakpoints: true,
      supportsDataBreakpointBytes: true,
      supportsExceptionFilterOptions: true,
      supportsExceptionInfoRequest: true,
      exceptionBreakpointFilters: EXCEPTION_FILTERS.map((f) => ({
        filter: f.filter, label: f.label, description: f.description, default: f.default,
        supportsCondition: true, conditionDescription: f.conditionDescription,
      })),
      supportsSteppingGranularity: true,
      supportsStepBack: true,
      supportsSingleThreadExecutionRequests: true,
      supportsReadMemoryRequest: true,
      supportsWriteMemoryRequest: true,
      supportsDisassembleRequest: true,
      supportsSetVariable: true,
      supportsSetExpression: true,
      supportsEvaluateForHovers: true,
      supportsValueFormattingOptions: true,
      supportsTerminateRequest: true,
      supportsLoadedSourcesRequest: true,
    };
    this.sendResponse(response);
  }

  protected override launchRequest(response: DebugProtocol.LaunchResponse, args: HyperlabLaunchArguments): void {
    if (this.runtime !== undefined || this.callbackRt !== undefined) throw new InspectError('launch: this session already runs a program');
    if (typeof args.program !== 'string' || args.program === '') throw new InspectError("launch: 'program' (a scenario, an assembly file or an ELF) is required");
    if (args.engine !== undefined && args.engine !== 'compiled' && args.engine !== 'interpreter') throw new InspectError(`launch: engine '${String(args.engine)}' is not 'compiled' or 'interpreter'`);
    const interval = args.checkpointInterval;
    if (interval !== undefined && (!Number.isSafeInteger(interval) || interval < 1000)) throw new InspectError('launch: checkpointInterval must be an integer >= 1000');
    if (args.program.endsWith('.hcb')) { this.launchCallback(response, args); return; }
    const rt = new Runtime(path.resolve(args.program), (t, ctx, expr) => evaluate(t, ctx, expr).value, {
      engine: args.engine, checkpointInterval: interval === undefined ? undefined : BigInt(interval),
    });
    this.runtime = rt;
    this.stopOnEntry = args.stopOnEntry === true;
    rt.on('stopped', (info: StopInfo) => this.onStopped(info));
    rt.on('output', (text: string, category: string) => this.sendEvent(new OutputEvent(text, category)));
    rt.on('progress', () => this.onProgress());
    rt.on('ended', () => { this.stateChanged('ended'); this.sendEvent(new TerminatedEvent()); });
    for (const w of rt.program.warnings) this.sendEvent(new OutputEvent(`${w.range.file}:${w.range.line}:${w.range.column}: ${w.severity}: ${w.message}\n`, 'console'));
    this.sendEvent(new OutputEvent(`HyperLab: ${rt.program.description}\n`, 'console'));
    this.sendResponse(response);
    this.sendEvent(new InitializedEvent());
  }

  /** A hyper-callback on its own: assembled, verified, run on a sample context (runtime/hcb-launch.ts). */
  private launchCallback(response: DebugProtocol.LaunchResponse, args: HyperlabLaunchArguments): void {
    const rt = new CallbackRuntime(loadCallback(path.resolve(args.program), { context: args.context, guest: args.guest }));
    this.callbackRt = rt;
    this.callbackRequests = new CallbackRequests(rt, (r) => this.sendResponse(r), (l) => this.convertClientLineToDebugger(l));
    this.stopOnEntry = args.stopOnEntry === true;
    rt.on('stopped', (info: StopInfo) => { this.callbackRequests?.onStopped(); this.onStopped(info); });
    rt.on('output', (text: string, category: string) => this.sendEvent(new OutputEvent(text, category)));
    rt.on('ended', () => { this.stateChanged('ended'); this.sendEvent(new TerminatedEvent()); });
    this.sendEvent(new OutputEvent(`HyperLab: ${rt.description}\n`, 'console'));
    this.sendResponse(response);
    this.sendEvent(new InitializedEvent());
  }

  protected override configurationDoneRequest(response: DebugProtocol.ConfigurationDoneResponse): void {
    if (this.callbackRt !== undefined) {
      this.sendResponse(response);
      if (this.configured) return;
      this.configured = true;
      this.callbackRt.start(this.stopOnEntry);
      return;
    }
    const rt = this.rt();
    this.sendResponse(response);
    if (this.configured) return;
    this.configured = true;
    rt.start(this.stopOnEntry);
  }

  protected override disconnectRequest(response: DebugProtocol.DisconnectResponse): void {
    // The run loop stops at its next slice; nothing it says afterwards reaches the client.
    this.runtime?.removeAllListeners();
    this.runtime?.pause();
    this.runtime = undefined;
    this.callbackRt?.removeAllListeners();
    this.callbackRt = undefined;
    this.callbackRequests = undefined;
    this.sendResponse(response);
  }

  protected override terminateRequest(response: DebugProtocol.TerminateResponse): void {
    this.runtime?.pause();
    this.callbackRt?.removeAllListeners();
    this.sendResponse(response);
    this.sendEvent(new TerminatedEvent());
  }

  private onStopped(info: StopInfo): void {
    this.lastStop = info;
    this.groups.reset();
    this.frames.reset();
    this.callbackScopeRefs.reset();
    const ev = new StoppedEvent(info.reason, info.threadId, info.exception?.description ?? info.description) as DebugProtocol.StoppedEvent;
    ev.body.allThreadsStopped = true;
    if (info.description !== undefined) ev.body.description = info.description;
    if (info.hitBreakpointIds !== undefined) ev.body.hitBreakpointIds = info.hitBreakpointIds;
    this.sendEvent(ev);
    this.stateChanged(info.reason === 'end' ? 'ended' : 'stopped');
  }

  private onProgress(): void {
    const now = Date.now();
    if (now - this.lastProgress < PROGRESS_EVENT_MS) return;
    this.lastProgress = now;
    this.stateChanged('running');
  }

  // ------------------------------------------------------------------ breakpoints -------------

  private toDap(bp: CodeBreakpoint, source?: DebugProtocol.Source): DebugProtocol.Breakpoint {
    const b = new Breakpoint(bp.verified, bp.line) as DebugProtocol.Breakpoint;
    b.id = bp.id;
    if (source !== undefined) b.source = source;
    if (bp.message !== undefined) b.message = bp.message;
    if (bp.locations.length) b.instructionReference = hex(bp.locations[0].address);
    return b;
  }

  private checkSpec(s: { hitCondition?: string }): void {
    if (!validHitCondition(s.hitCondition)) throw new InspectError(`hit condition '${s.hitCondition}' is not understood (N, >= N, > N, == N, % N)`);
  }

  protected override setBreakPointsRequest(response: DebugProtocol.SetBreakpointsResponse, args: DebugProtocol.SetBreakpointsArguments): void {
    const rt = this.rt();
    const file = args.source.path;
    if (file === undefined) throw new InspectError('setBreakpoints: the source has no path');
    const specs = (args.breakpoints ?? []).map((b) => { this.checkSpec(b); return { line: this.convertClientLineToDebugger(b.line), condition: b.condition, hitCondition: b.hitCondition, logMessage: b.logMessage }; });
    const bps = rt.setSourceBreakpoints(path.resolve(file), specs);
    response.body = { breakpoints: bps.map((bp) => this.toDap(bp, args.source)) };
    this.sendResponse(response);
  }

  protected override setFunctionBreakPointsRequest(response: DebugProtocol.SetFunctionBreakpointsResponse, args: DebugProtocol.SetFunctionBreakpointsArguments): void {
    const rt = this.rt();
    const bps = rt.setFunctionBreakpoints(args.breakpoints.map((b) => { this.checkSpec(b); return { name: b.name, condition: b.condition, hitCondition: b.hitCondition }; }));
    response.body = { breakpoints: bps.map((bp) => this.withSource(bp)) };
    this.sendResponse(response);
  }

  /** A function breakpoint shows where it is (file and line) when the symbol has a source. */
  private withSource(bp: CodeBreakpoint): DebugProtocol.Breakpoint {
    const l = bp.locations[0];
    const loc = l === undefined ? undefined : this.rt().sources.locate(l.address, l.image);
    const b = this.toDap(bp, loc === undefined ? undefined : new Source(path.basename(loc.file), loc.file));
    if (loc !== undefined) b.line = loc.line;
    return b;
  }

  protected override setInstructionBreakpointsRequest(response: DebugProtocol.SetInstructionBreakpointsResponse, args: DebugProtocol.SetInstructionBreakpointsArguments): void {
    const rt = this.rt();
    const bps = rt.setInstructionBreakpoints(args.breakpoints.map((b) => {
      this.checkSpec(b);
      return { address: parseHex(b.instructionReference, 'instruction reference') + BigInt(b.offset ?? 0), condition: b.condition, hitCondition: b.hitCondition };
    }));
    response.body = { breakpoints: bps.map((bp) => this.withSource(bp)) };
    this.sendResponse(response);
  }

  /**
   * Data breakpoint ids: `<space>:<hex address>:<bytes>:<threadId>`. From a variable (a register
   * holding an address), from an expression the client asks about (`name`), or from an address
   * with `asAddress` and `bytes` (supportsDataBreakpointBytes).
   */
  protected override dataBreakpointInfoRequest(response: DebugProtocol.DataBreakpointInfoResponse, args: DebugProtocol.DataBreakpointInfoArguments): void {
    const rt = this.rt();
    const threadId = args.frameId !== undefined ? this.frames.get(args.frameId)?.threadId ?? this.lastStop?.threadId ?? 1 : this.lastStop?.threadId ?? 1;
    let address: bigint;
    let size = args.bytes ?? 8;
    let space: 'virtual' | 'physical' = 'virtual';
    let name = args.name.trim();
    if (name.startsWith('phys:')) { space = 'physical'; name = name.slice(5); }
    if (args.asAddress === true || args.variablesReference === undefined) {
      address = evaluate(rt.target, rt.context(threadId), name).value;
    } else {
      const ref = this.groups.get(args.variablesReference);
      if (ref === undefined) throw new InspectError(`unknown variables reference ${args.variablesReference}`);
      address = evaluate(rt.target, rt.context(ref.threadId), name).value;
    }
    if (!Number.isInteger(size) || size < 1 || size > 4096) { size = 8; }
    response.body = {
      dataId: `${space}:${hex(address)}:${size}:${threadId}`,
      description: `${size} byte${size === 1 ? '' : 's'} at ${hex(address)}${space === 'physical' ? ' (physical)' : ''}`,
      accessTypes: ['read', 'write', 'readWrite'],
      canPersist: false,
    };
    this.sendResponse(response);
  }

  protected override setDataBreakpointsRequest(response: DebugProtocol.SetDataBreakpointsResponse, args: DebugProtocol.SetDataBreakpointsArguments): void {
    // Allowed while running: requests are served between run slices, never inside one.
    const rt = this.rt();
    const specs = args.breakpoints.map((b) => {
      this.checkSpec(b);
      const m = /^(virtual|physical):(0x[0-9a-f]+):(\d+):(\d+)$/i.exec(b.dataId);
      if (m === null) throw new InspectError(`data breakpoint id '${b.dataId}' is not one dataBreakpointInfo gave`);
      const access: DataAccess = b.accessType ?? 'write';
      return { address: BigInt(m[2]), length: Number(m[3]), threadId: Number(m[4]), space: m[1] as 'virtual' | 'physical', access, condition: b.condition, hitCondition: b.hitCondition };
    });
    const bps = rt.setDataBreakpoints(specs);
    response.body = { breakpoints: bps.map((bp) => ({ id: bp.id, verified: bp.verified, ...(bp.message === undefined ? {} : { message: bp.message }) })) };
    this.sendResponse(response);
  }

  protected override setExceptionBreakPointsRequest(response: DebugProtocol.SetExceptionBreakpointsResponse, args: DebugProtocol.SetExceptionBreakpointsArguments): void {
    const rt = this.rt();
    const settings = [...args.filters.map((filter) => ({ filter })), ...(args.filterOptions ?? []).map((o) => ({ filter: o.filterId, condition: o.condition }))];
    const results = rt.setExceptionFilters(settings);
    response.body = { breakpoints: results.map((r) => ({ verified: r.verified, ...(r.message === undefined ? {} : { message: r.message }) })) };
    this.sendResponse(response);
  }

  protected override exceptionInfoRequest(response: DebugProtocol.ExceptionInfoResponse, args: DebugProtocol.ExceptionInfoArguments): void {
    this.rt().thread(args.threadId);
    const ex = this.lastStop?.exception;
    if (ex === undefined || this.lastStop?.threadId !== args.threadId) throw new InspectError(`thread ${args.threadId} did not stop on an exception`);
    const f = EXCEPTION_FILTERS.find((x) => x.filter === ex.filter);
    response.body = {
      exceptionId: ex.filter,
      description: ex.description,
      breakMode: 'always',
      details: { message: ex.description, typeName: f?.label ?? ex.filter },
    };
    this.sendResponse(response);
  }

  // ------------------------------------------------------------------ execution ---------------

  protected override continueRequest(response: DebugProtocol.ContinueResponse, args: DebugProtocol.ContinueArguments): void {
    const rt = this.ensureStopped();
    const holds = this.holdsFor(rt, args.threadId, args.singleThread);
    // Accurate for the client: false when other threads stay held (only this one was continued).
    response.body = { allThreadsContinued: holds.length === 0 };
    this.sendResponse(response);
    this.stateChanged('running');
    rt.continue(undefined, holds, args.threadId);
  }

  /**
   * The harts a forward request holds: with singleThread every hart but the thread's (an error
   * response, before anything runs, when the thread's vCPU is not on a hart); else none.
   */
  private holdsFor(rt: Runtime, threadId: number, singleThread: boolean | undefined): number[] {
    rt.thread(threadId);
    return singleThread === true ? rt.singleThreadHolds(threadId) : [];
  }

  private stepping(response: DebugProtocol.Response, threadId: number, go: (rt: Runtime) => void): void {
    const rt = this.ensureStopped();
    rt.thread(threadId);
    this.sendResponse(response);
    go(rt);
  }

  private forwardStep(response: DebugProtocol.Response, args: DebugProtocol.NextArguments, kind: StepKind): void {
    const rt = this.ensureStopped();
    const holds = this.holdsFor(rt, args.threadId, args.singleThread);
    this.sendResponse(response);
    rt.step(args.threadId, kind, args.granularity === 'instruction' ? 'instruction' : 'line', holds);
  }

  protected override nextRequest(response: DebugProtocol.NextResponse, args: DebugProtocol.NextArguments): void {
    this.forwardStep(response, args, 'over');
  }

  protected override stepInRequest(response: DebugProtocol.StepInResponse, args: DebugProtocol.StepInArguments): void {
    this.forwardStep(response, args, 'in');
  }

  protected override stepOutRequest(response: DebugProtocol.StepOutResponse, args: DebugProtocol.StepOutArguments): void {
    this.forwardStep(response, args, 'out');
  }

  // Reverse requests take singleThread but cannot honour it: the past is one recorded state of the
  // whole machine, so every thread goes back with it (runtime.ts, "Holds").
  protected override stepBackRequest(response: DebugProtocol.StepBackResponse, args: DebugProtocol.StepBackArguments): void {
    this.stepping(response, args.threadId, (rt) => rt.stepBack(args.threadId, args.granularity === 'instruction' ? 'instruction' : 'line'));
  }

  protected override reverseContinueRequest(response: DebugProtocol.ReverseContinueResponse, args: DebugProtocol.ReverseContinueArguments): void {
    this.stepping(response, args.threadId, (rt) => rt.reverseContinue(args.threadId));
  }

  // A pause naming a thread stops every thread: the machine stops as one (Runtime.pause).
  protected override pauseRequest(response: DebugProtocol.PauseResponse, args: DebugProtocol.PauseArguments): void {
    const rt = this.rt();
    rt.thread(args.threadId);
    this.sendResponse(response);
    rt.pause();
  }

  // ------------------------------------------------------------------ threads and frames ------

  protected override threadsRequest(response: DebugProtocol.ThreadsResponse): void {
    const rt = this.runtime;
    response.body = { threads: rt === undefined ? [] : rt.threads.threads.map((t) => new Thread(t.id, rt.threads.name(t))) };
    this.sendResponse(response);
  }

  protected override stackTraceRequest(response: DebugProtocol.StackTraceResponse, args: DebugProtocol.StackTraceArguments): void {
    const rt = this.ensureStopped();
    const frames = rt.stack(args.threadId);
    const start = args.startFrame ?? 0;
    const count = args.levels === undefined || args.levels === 0 ? frames.length : args.levels;
    const out = frames.slice(start, start + count).map((f, i) => {
      const sf = new StackFrame(this.frames.create({ threadId: args.threadId, index: start + i }), f.name,
        f.source === undefined ? undefined : new Source(path.basename(f.source.file), f.source.file), f.source?.line ?? 0, 1) as DebugProtocol.StackFrame;
      sf.instructionPointerReference = hex(f.pc);
      if (f.source === undefined) sf.presentationHint = 'subtle';
      return sf;
    });
    response.body = { stackFrames: out, totalFrames: frames.length };
    this.sendResponse(response);
  }

  protected override scopesRequest(response: DebugProtocol.ScopesResponse, args: DebugProtocol.ScopesArguments): void {
    const rt = this.ensureStopped();
    const frame = this.frames.get(args.frameId);
    if (frame === undefined) throw new InspectError(`unknown frame ${args.frameId}`);
    const run = frame.index < rt.callbackFrames(frame.threadId) ? rt.callbackRun(frame.threadId) : undefined;
    if (run !== undefined) {
      const depth = run.frames()[frame.index]?.depth ?? 0;
      response.body = { scopes: callbackScopes(depth, (scope) => this.callbackScopeRefs.create({ threadId: frame.threadId, scope, depth })) };
      this.sendResponse(response);
      return;
    }
    const groups = registerGroups(rt.target, rt.context(frame.threadId));
    response.body = {
      scopes: groups.map((g) => {
        const s = new Scope(g.name, this.groups.create({ threadId: frame.threadId, group: g.name }), LARGE_GROUPS.has(g.name)) as DebugProtocol.Scope;
        s.namedVariables = g.entries.length;
        if (g.name === 'General') s.presentationHint = 'registers';
        return s;
      }),
    };
    this.sendResponse(response);
  }

  protected override variablesRequest(response: DebugProtocol.VariablesResponse, args: DebugProtocol.VariablesArguments): void {
    const rt = this.ensureStopped();
    const cref = this.callbackScopeRefs.get(args.variablesReference);
    const run = cref === undefined ? undefined : rt.callbackRun(cref.threadId);
    if (cref !== undefined && run !== undefined) {
      response.body = { variables: callbackVariables(run, cref.scope, cref.depth, args.format?.hex === false) };
      this.sendResponse(response);
      return;
    }
    const ref = this.groups.get(args.variablesReference);
    if (ref === undefined) throw new InspectError(`unknown variables reference ${args.variablesReference}`);
    const group = registerGroups(rt.target, rt.context(ref.threadId)).find((g) => g.name === ref.group);
    const entries = group?.entries ?? [];
    const start = args.start ?? 0;
    const page = args.count === undefined || args.count === 0 ? entries.slice(start) : entries.slice(start, start + args.count);
    const decimal = args.format?.hex === false;
    response.body = {
      variables: page.map((e) => {
        const v: DebugProtocol.Variable = {
          name: e.name,
          value: decimal ? BigInt.asUintN(64, e.value).toString() : hex(e.value),
          variablesReference: 0,
          type: 'u64',
          presentationHint: { attributes: e.editable ? [] : ['readOnly'] },
        };
        if (e.detail !== undefined) v.evaluateName = e.name;
        if (ref.group === 'General') v.memoryReference = hex(e.value);
        return v;
      }),
    };
    this.sendResponse(response);
  }

  protected override setVariableRequest(response: DebugProtocol.SetVariableResponse, args: DebugProtocol.SetVariableArguments): void {
    const rt = this.ensureStopped();
    const ref = this.groups.get(args.variablesReference);
    if (ref === undefined) throw new InspectError(`unknown variables reference ${args.variablesReference}`);
    const ctx = rt.context(ref.threadId);
    const value = evaluate(rt.target, ctx, args.value).value;
    setRegister(rt.target, ctx, args.name, value, ref.group);
    response.body = { value: args.format?.hex === false ? BigInt.asUintN(64, value).toString() : hex(value) };
    this.sendResponse(response);
    this.sendEvent(new InvalidatedEvent(['variables']));
  }

  protected override setExpressionRequest(response: DebugProtocol.SetExpressionResponse, args: DebugProtocol.SetExpressionArguments): void {
    const rt = this.ensureStopped();
    const threadId = args.frameId === undefined ? this.lastStop?.threadId ?? 1 : this.frames.get(args.frameId)?.threadId ?? 1;
    const ctx = rt.context(threadId);
    const value = evaluate(rt.target, ctx, args.value).value;
    const expr = args.expression.trim();
    // A memory lvalue `*(T *)addr` is written through memory; anything else names a register.
    const m = /^\*\s*\(\s*(u8|u16|u32|u64|i8|i16|i32|i64)\s*\*\s*\)\s*(.+)$/.exec(expr);
    if (m !== null) {
      const size = Number(m[1].slice(1)) / 8;
      const address = evaluate(rt.target, ctx, m[2]).value;
      const bytes = new Uint8Array(size);
      for (let i = 0; i < size; i++) bytes[i] = Number((BigInt.asUintN(64, value) >> BigInt(8 * i)) & 0xffn);
      const n = writeMemory(rt.target, ctx, address, bytes, 'virtual');
      if (n < size) throw new InspectError(`only ${n} of ${size} bytes at ${hex(address)} could be written`);
      this.sendEvent(new MemoryEvent(hex(address), 0, size));
    } else setRegister(rt.target, ctx, expr, value);
    response.body = { value: args.format?.hex === false ? BigInt.asUintN(64, value).toString() : hex(value) };
    this.sendResponse(response);
    this.sendEvent(new InvalidatedEvent(['variables']));
  }

  protected override evaluateRequest(response: DebugProtocol.EvaluateResponse, args: DebugProtocol.EvaluateArguments): void {
    const rt = this.ensureStopped();
    const threadId = args.frameId === undefined ? this.lastStop?.threadId ?? 1 : this.frames.get(args.frameId)?.threadId ?? this.lastStop?.threadId ?? 1;
    // In a recorded callback run's frame (or on its thread without a frame): the callback's state.
    const frameIndex = args.frameId === undefined ? 0 : this.frames.get(args.frameId)?.index ?? 0;
    const run = frameIndex < rt.callbackFrames(threadId) ? rt.callbackRun(threadId) : undefined;
    if (run !== undefined) {
      const r = run.evaluate(args.expression, args.format?.hex === false ? 'decimal' : 'hex');
      response.body = { result: r.text, type: r.type, variablesReference: 0 };
      this.sendResponse(response);
      return;
    }
    const ctx = rt.context(threadId);
    if (args.context === 'repl') {
      const out = consoleCommand(rt.target, ctx, args.expression);
      if (out !== undefined) {
        response.body = { result: out, variablesReference: 0 };
        this.sendResponse(response);
        return;
      }
    }
    const r = evaluate(rt.target, ctx, args.expression, { format: args.format?.hex === false ? 'decimal' : 'hex' });
    response.body = { result: r.text, type: r.type, variablesReference: 0, ...(r.memoryReference === undefined ? {} : { memoryReference: r.memoryReference }) };
    this.sendResponse(response);
  }

  protected override loadedSourcesRequest(response: DebugProtocol.LoadedSourcesResponse): void {
    const rt = this.rt();
    response.body = { sources: rt.sources.files().map((f) => new Source(path.basename(f), f)) };
    this.sendResponse(response);
  }

  // ------------------------------------------------------------------ memory ------------------

  /** `0x…` (virtual, through the stopped thread's translation) or `phys:0x…` (physical). */
  private memoryRef(ref: string, offset: number | undefined): { address: bigint; space: 'virtual' | 'physical' } {
    const physical = ref.startsWith('phys:');
    const address = parseHex(physical ? ref.slice(5) : ref, 'memory reference') + BigInt(offset ?? 0);
    return { address: BigInt.asUintN(64, address), space: physical ? 'physical' : 'virtual' };
  }

  protected override readMemoryRequest(response: DebugProtocol.ReadMemoryResponse, args: DebugProtocol.ReadMemoryArguments): void {
    const rt = this.ensureStopped();
    const { address, space } = this.memoryRef(args.memoryReference, args.offset);
    const r = readMemory(rt.target, this.threadCtx(undefined), address, args.count, space);
    response.body = { address: hex(address), data: Buffer.from(r.data).toString('base64'), unreadableBytes: r.unreadable };
    this.sendResponse(response);
  }

  protected override writeMemoryRequest(response: DebugProtocol.WriteMemoryResponse, args: DebugProtocol.WriteMemoryArguments): void {
    const rt = this.ensureStopped();
    const { address, space } = this.memoryRef(args.memoryReference, args.offset);
    const data = new Uint8Array(Buffer.from(args.data, 'base64'));
    const n = writeMemory(rt.target, this.threadCtx(undefined), address, data, space);
    if (n < data.length && args.allowPartial !== true) throw new InspectError(`only ${n} of ${data.length} bytes at ${hex(address)} could be written`);
    response.body = { bytesWritten: n, offset: args.offset ?? 0 };
    this.sendResponse(response);
    this.sendEvent(new MemoryEvent(args.memoryReference, args.offset ?? 0, n));
  }

  protected override disassembleRequest(response: DebugProtocol.DisassembleResponse, args: DebugProtocol.DisassembleArguments): void {
    const rt = this.ensureStopped();
    const { address } = this.memoryRef(args.memoryReference, args.offset);
    const lines = disassemble(rt.target, this.threadCtx(undefined), address, args.instructionOffset ?? 0, args.instructionCount);
    response.body = {
      instructions: lines.map((l) => ({
        address: hex(l.address),
        instructionBytes: l.bytes,
        instruction: l.text,
        ...(l.symbol === undefined ? {} : { symbol: l.symbol }),
        ...(l.source === undefined ? {} : { location: new Source(path.basename(l.source.path), l.source.path), line: l.source.line }),
      })),
    };
    this.sendResponse(response);
  }

  // ------------------------------------------------------------------ HyperLab views ----------

  protected override customRequest(command: string, response: DebugProtocol.Response, args: unknown): void {
    const rt = this.rt();
    const a = (args ?? {}) as Record<string, unknown>;
    switch (command) {
      case MachineSummaryRequest:
        response.body = machineSummary(rt.target, rt.threads.threads.map((t) => ({ threadId: t.id, ctx: rt.threads.context(t) })), rt.ended);
        break;
      case TlbEntriesRequest:
        response.body = tlbEntries(rt.target, a as unknown as TlbEntriesArgs);
        break;
      case PageTableRequest:
        response.body = pageTable(rt.target, a as unknown as PageTableArgs);
        break;
      case TranslateRequest: {
        const t = a as unknown as TranslateArgs;
        response.body = translate(rt.target, rt.context(t.threadId ?? this.lastStop?.threadId ?? 1), t);
        break;
      }
      case CallbacksRequest:
        // Scenario callbacks are named relative to the scenario's folder: resolved, the view can open them.
        response.body = callbacks(rt.target, rt.program.baseDir);
        break;
      case InterruptsRequest:
        response.body = interrupts(rt.target);
        break;
      case TraceRequest:
        response.body = trace(rt.target, a as TraceArgs);
        break;
      case ArchHashRequest:
        // The adapter's own diagnostic: the architectural-state hash (reverse-execution tests).
        response.body = { hash: rt.archHash(), position: rt.position.toString() };
        break;
      default:
        throw new InspectError(`unknown request '${command}'`);
    }
    this.sendResponse(response);
  }
}

/** The session the VS Code client runs inline (`vscode.DebugAdapterInlineImplementation`). */
export function createDebugSession(): DebugSession {
  return new HyperlabDebugSession();
}
