/**
 * The debug runtime of a hyper-callback launched on its own (hcb-launch.ts): one thread, the
 * callback's run under a CallbackDebugger. Like runtime.ts it is a plain event emitter —
 * 'stopped' (StopInfo), 'output' (text, category), 'ended' — and the session translates.
 */
import { EventEmitter } from 'node:events';
import * as path from 'node:path';
import { CallbackDebugger, type CallbackStop } from './callback-debugger';
import { CallbackRun, resolveCallbackLine, type CallbackInputs } from './callback-run';
import { hitTestOf, type BreakpointSpec, type CodeBreakpoint, type Granularity, type StepKind, type StopInfo } from './runtime';
import { InspectError } from '../inspect/target';

export const CALLBACK_THREAD_ID = 1;

export class CallbackRuntime extends EventEmitter {
  readonly run: CallbackRun;
  readonly debugger: CallbackDebugger;
  readonly description: string;
  readonly threadName: string;
  private breakpoints: CodeBreakpoint[] = [];
  private nextId = 1;
  /** The last stop ended the run; going on ends the session. */
  private finished = false;
  /** The last stop (for exceptionInfo). */
  lastStop: StopInfo | undefined;

  constructor(readonly inputs: CallbackInputs) {
    super();
    this.run = new CallbackRun(inputs);
    this.debugger = new CallbackDebugger(this.run, () => this.breakpoints, (text) => this.emit('output', text, 'console'));
    const base = path.basename(inputs.file);
    this.threadName = `callback ${base} (${inputs.event})`;
    this.description = `hyper-callback ${base} for ${inputs.event} (verified, ${inputs.program.insns.length} instructions)`;
  }

  thread(id: number): void {
    if (id !== CALLBACK_THREAD_ID) throw new InspectError(`unknown thread ${id} (threads: ${CALLBACK_THREAD_ID})`);
  }

  /** Source breakpoints: lines of the callback's file (a line without code moves to the next that has, up to 20 on). */
  setSourceBreakpoints(file: string, specs: (BreakpointSpec & { line: number })[]): CodeBreakpoint[] {
    const ours = path.resolve(file) === path.resolve(this.inputs.file);
    const bps = specs.map((s): CodeBreakpoint => {
      const id = this.nextId++;
      const hitTest = hitTestOf(s.hitCondition);
      if (!ours) return { id, kind: 'source', verified: false, message: `${path.basename(file)} is not part of this callback launch`, line: s.line, locations: [], spec: s, hits: 0, hitTest };
      const r = resolveCallbackLine(this.inputs.asm, s.line);
      if (r !== undefined) return { id, kind: 'source', verified: true, line: r.line, locations: [{ image: -1, address: BigInt(r.slot) }], spec: s, hits: 0, hitTest };
      return { id, kind: 'source', verified: false, message: `no instruction at or after line ${s.line} in ${path.basename(file)}`, line: s.line, locations: [], spec: s, hits: 0, hitTest };
    });
    if (ours) this.breakpoints = bps;
    return bps;
  }

  start(stopOnEntry: boolean): void {
    if (stopOnEntry) this.stop({ reason: 'entry', description: `${this.threadName}: stopped before the first instruction` });
    else this.continue();
  }

  private stop(s: CallbackStop): void {
    this.finished = s.finished === true;
    if (s.finished === true && s.description !== undefined) this.emit('output', `${s.description}\n`, 'console');
    const info: StopInfo = { reason: s.reason, threadId: CALLBACK_THREAD_ID };
    if (s.hitBreakpointIds !== undefined) info.hitBreakpointIds = s.hitBreakpointIds;
    if (s.description !== undefined) info.description = s.description;
    if (s.reason === 'exception' && s.description !== undefined) info.exception = { filter: 'callback-failed', description: s.description };
    this.lastStop = info;
    this.emit('stopped', info);
  }

  /** Going on from the end finishes the session. */
  private goOn(work: () => CallbackStop): void {
    if (this.finished) { this.emit('ended'); return; }
    this.stop(work());
  }

  continue(): void { this.goOn(() => this.debugger.continue()); }

  step(kind: StepKind, granularity: Granularity): void { this.goOn(() => this.debugger.step(kind, granularity)); }

  stepBack(granularity: Granularity): void { this.stop(this.debugger.stepBack(granularity)); }

  reverseContinue(): void { this.stop(this.debugger.reverseContinue()); }

  /** Runs are synchronous: a pause finds the callback stopped already. */
  pause(): void { this.stop({ reason: 'pause', ...(this.finished ? { finished: true } : {}) }); }
}
