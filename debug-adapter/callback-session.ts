/**
 * The DAP requests of a hyper-callback launched on its own (`program: "x.hcb"`), translated onto
 * the CallbackRuntime: one thread, frames for bpf-to-bpf calls, scopes Registers / Stack /
 * Context / Verifier, evaluate over the eBPF state. The session (session.ts) hands every request
 * of such a launch here; nothing is simulated or inspected in this file.
 */
import * as path from 'node:path';
import { Breakpoint, Handles, Response, Scope, Source, StackFrame, Thread } from '@vscode/debugadapter';
import type { DebugProtocol } from '@vscode/debugprotocol';
import { InspectError } from './inspect/target';
import { CALLBACK_THREAD_ID, type CallbackRuntime } from './runtime/callback-runtime';
import type { CallbackRun, CallbackVariable } from './runtime/callback-run';
import { validHitCondition } from './runtime/runtime';

export type CallbackScopeName = 'Registers' | 'Stack' | 'Context' | 'Verifier';
type ScopeName = CallbackScopeName;
const SCOPE_NAMES: readonly CallbackScopeName[] = ['Registers', 'Stack', 'Context', 'Verifier'];

/** The scopes of a callback frame at call depth `depth`; `ref` makes each scope's variables reference. */
export function callbackScopes(depth: number, ref: (scope: CallbackScopeName) => number): DebugProtocol.Scope[] {
  return SCOPE_NAMES.map((n) => {
    const s = new Scope(n === 'Stack' ? `Stack (frame ${depth})` : n, ref(n), false) as DebugProtocol.Scope;
    if (n === 'Registers') s.presentationHint = 'registers';
    return s;
  });
}

/** A callback scope's variables as DAP variables (hex by default, decimal when `decimal`). */
export function callbackVariables(run: CallbackRun, scope: CallbackScopeName, depth: number, decimal: boolean): DebugProtocol.Variable[] {
  const list: CallbackVariable[] = scope === 'Registers' ? run.registers() : scope === 'Stack' ? run.stackWords(depth) : scope === 'Context' ? run.contextFields() : run.verifierVariables();
  return list.map((v) => {
    const numeric = /^0x[0-9a-f]+$/i.test(v.value);
    const out: DebugProtocol.Variable = { name: v.name, value: decimal && numeric ? BigInt(v.value).toString() : v.value, variablesReference: 0, presentationHint: { attributes: ['readOnly'] } };
    if (scope === 'Registers') { out.evaluateName = v.name; out.type = 'u64'; }
    if (v.memoryReference !== undefined) out.memoryReference = v.memoryReference;
    return out;
  });
}

const hex = (v: bigint): string => `0x${BigInt.asUintN(64, v).toString(16)}`;

export class CallbackRequests {
  private readonly scopes = new Handles<{ scope: ScopeName; depth: number }>();
  private readonly frames = new Handles<{ depth: number }>();

  constructor(
    private readonly rt: CallbackRuntime,
    private readonly send: (response: DebugProtocol.Response) => void,
    /** Client line numbers to the adapter's (both 1-based here). */
    private readonly lineOf: (clientLine: number) => number,
  ) {}

  /** A stop invalidates frame and variable references. */
  onStopped(): void {
    this.scopes.reset();
    this.frames.reset();
  }

  /** Answers `request`; throws InspectError for a bad one (the session turns it into an error response). */
  handle(request: DebugProtocol.Request): void {
    const response: DebugProtocol.Response = new Response(request);
    const args = (request.arguments ?? {}) as Record<string, unknown>;
    const rt = this.rt;
    const threadArg = (): void => rt.thread(Number(args.threadId));
    const granularity = args.granularity === 'instruction' ? 'instruction' : 'line';
    const afterResponse: (() => void)[] = [];
    switch (request.command) {
      case 'configurationDone':
        break;
      case 'setBreakpoints': {
        const a = args as unknown as DebugProtocol.SetBreakpointsArguments;
        if (a.source?.path === undefined) throw new InspectError('setBreakpoints: the source has no path');
        const specs = (a.breakpoints ?? []).map((b) => {
          if (!validHitCondition(b.hitCondition)) throw new InspectError(`hit condition '${b.hitCondition}' is not understood (N, >= N, > N, == N, % N)`);
          return { line: this.lineOf(b.line), condition: b.condition, hitCondition: b.hitCondition, logMessage: b.logMessage };
        });
        const bps = rt.setSourceBreakpoints(path.resolve(a.source.path), specs);
        response.body = {
          breakpoints: bps.map((bp) => {
            const b = new Breakpoint(bp.verified, bp.line) as DebugProtocol.Breakpoint;
            b.id = bp.id;
            b.source = a.source;
            if (bp.message !== undefined) b.message = bp.message;
            if (bp.locations.length) b.instructionReference = hex(bp.locations[0].address);
            return b;
          }),
        };
        break;
      }
      case 'setFunctionBreakpoints':
      case 'setInstructionBreakpoints':
      case 'setDataBreakpoints': {
        const list = (args.breakpoints as unknown[] | undefined) ?? [];
        response.body = { breakpoints: list.map(() => ({ verified: false, message: 'only source breakpoints (lines of the .hcb file) exist in a callback launch' })) };
        break;
      }
      case 'setExceptionBreakpoints':
        response.body = { breakpoints: [] };
        break;
      case 'threads':
        response.body = { threads: [new Thread(CALLBACK_THREAD_ID, rt.threadName)] };
        break;
      case 'continue':
        threadArg();
        response.body = { allThreadsContinued: true };
        afterResponse.push(() => rt.continue());
        break;
      case 'next':
      case 'stepIn':
      case 'stepOut': {
        threadArg();
        const kind = request.command === 'next' ? 'over' : request.command === 'stepIn' ? 'in' : 'out';
        afterResponse.push(() => rt.step(kind, granularity));
        break;
      }
      case 'stepBack':
        threadArg();
        afterResponse.push(() => rt.stepBack(granularity));
        break;
      case 'reverseContinue':
        threadArg();
        afterResponse.push(() => rt.reverseContinue());
        break;
      case 'pause':
        threadArg();
        afterResponse.push(() => rt.pause());
        break;
      case 'stackTrace': {
        threadArg();
        const file = rt.inputs.file;
        const frames = rt.run.frames().map((f) => {
          const sf = new StackFrame(this.frames.create({ depth: f.depth }), f.name, new Source(path.basename(file), file), f.line ?? 0, 1) as DebugProtocol.StackFrame;
          sf.instructionPointerReference = hex(BigInt(f.slot));
          return sf;
        });
        response.body = { stackFrames: frames, totalFrames: frames.length };
        break;
      }
      case 'scopes': {
        const frame = this.frames.get(Number(args.frameId));
        if (frame === undefined) throw new InspectError(`unknown frame ${String(args.frameId)}`);
        response.body = { scopes: callbackScopes(frame.depth, (scope) => this.scopes.create({ scope, depth: frame.depth })) };
        break;
      }
      case 'variables': {
        const ref = this.scopes.get(Number(args.variablesReference));
        if (ref === undefined) throw new InspectError(`unknown variables reference ${String(args.variablesReference)}`);
        const decimal = (args.format as DebugProtocol.ValueFormat | undefined)?.hex === false;
        response.body = { variables: callbackVariables(rt.run, ref.scope, ref.depth, decimal) };
        break;
      }
      case 'evaluate': {
        const a = args as unknown as DebugProtocol.EvaluateArguments;
        const r = rt.run.evaluate(a.expression, a.format?.hex === false ? 'decimal' : 'hex');
        response.body = { result: r.text, type: r.type, variablesReference: 0 };
        break;
      }
      case 'exceptionInfo': {
        threadArg();
        const ex = rt.lastStop?.exception;
        if (ex === undefined) throw new InspectError(`thread ${String(args.threadId)} did not stop on an exception`);
        response.body = { exceptionId: ex.filter, description: ex.description, breakMode: 'always', details: { message: ex.description, typeName: 'callback run-time check' } };
        break;
      }
      case 'loadedSources':
        response.body = { sources: [new Source(path.basename(rt.inputs.file), rt.inputs.file)] };
        break;
      default:
        throw new InspectError(`'${request.command}' is not available when debugging a hyper-callback on its own`);
    }
    this.send(response);
    for (const f of afterResponse) f();
  }
}
