/**
 * Execution control over one hyper-callback run (callback-run.ts): continue to a breakpoint,
 * step in/over/out by line or instruction (bpf-to-bpf calls are frames), step back and continue
 * backwards. Synchronous: a callback runs at most its budget of instructions. Used by the
 * stand-alone `.hcb` launch (callback-runtime.ts) and for callbacks of a scenario that stop at a
 * breakpoint (runtime.ts).
 *
 * Breakpoints are the runtime's CodeBreakpoints whose locations name slots (`address` = slot,
 * `image` = -1); hits go through the same selection as the machine's (breakpoints.ts).
 */
import type { CallbackRun } from './callback-run';
import { selectHits } from './breakpoints';
import type { CodeBreakpoint, Granularity, StepKind, StopReason } from './runtime';

export interface CallbackStop {
  reason: StopReason;
  hitBreakpointIds?: number[];
  description?: string;
  /** The run ended here (exited or failed): the state stays inspectable, going on finishes the debugging of it. */
  finished?: boolean;
}

const hex = (v: bigint): string => `0x${BigInt.asUintN(64, v).toString(16)}`;

export class CallbackDebugger {
  /** trace_printk lines already shown (re-execution writes them again). */
  private printed = 0;

  constructor(
    readonly run: CallbackRun,
    /** The breakpoints set in the callback's file now. */
    private readonly breakpoints: () => readonly CodeBreakpoint[],
    /** Logpoint output and trace_printk lines. */
    private readonly output: (text: string) => void,
    /** Show trace_printk lines (a scenario's callbacks put them in the machine's trace instead). */
    private readonly showTrace = true,
  ) {}

  /** The stop a breakpoint on the current instruction asks for (before it runs), if any. */
  atStart(): CallbackStop | undefined {
    const { hit, note } = this.hitsHere(false);
    return hit.length === 0 ? undefined : { reason: 'breakpoint', hitBreakpointIds: hit.map((b) => b.id), ...(note === undefined ? {} : { description: note }) };
  }

  /** The breakpoints at the current slot that stop (counting hits unless `collect`). */
  private hitsHere(collect: boolean): { hit: CodeBreakpoint[]; note?: string } {
    const slot = BigInt(this.run.stepper.slot);
    const here = this.breakpoints().filter((b) => b.verified && b.locations.some((l) => l.address === slot));
    if (here.length === 0) return { hit: [] };
    return selectHits(here, collect, (expr) => this.run.evaluate(expr).value, (text) => { if (!collect) this.output(text); });
  }

  /** Shows trace_printk lines written since the last call (never twice: re-execution writes them again). */
  flushTrace(): void {
    if (!this.showTrace) return;
    const lines = this.run.traceLines;
    while (this.printed < lines.length) this.output(`[trace_printk] ${lines[this.printed++].replace(/\n?$/, '\n')}`);
  }

  /** What the end of the run says (exit value or the failed check). */
  endStop(): CallbackStop {
    const s = this.run.stepper;
    if (s.status === 'failed') {
      const d = `callback failed at line ${this.run.line ?? '?'} (${this.run.textAt(s.slot)}): ${s.error?.message ?? 'run-time check'}; the hypervisor takes r0 = 0`;
      return { reason: 'exception', description: d, finished: true };
    }
    return { reason: 'end', description: `callback returned r0 = ${hex(s.r0)} (${BigInt.asIntN(64, s.r0)}) after ${s.executed} instructions`, finished: true };
  }

  /**
   * Steps while `more` says so, stopping at breakpoints on the way (not at the first
   * instruction: execution is already there). Returns the stop, or undefined when `more` ended it.
   */
  private advance(more: () => boolean): CallbackStop | undefined {
    try {
      for (;;) {
        if (!this.run.step()) return this.endStop();
        const { hit, note } = this.hitsHere(false);
        if (hit.length > 0) return { reason: 'breakpoint', hitBreakpointIds: hit.map((b) => b.id), ...(note === undefined ? {} : { description: note }) };
        if (!more()) return undefined;
      }
    } finally {
      this.flushTrace();
    }
  }

  continue(): CallbackStop {
    return this.advance(() => true) ?? this.endStop();
  }

  step(kind: StepKind, granularity: Granularity): CallbackStop {
    if (this.run.finished) return this.endStop();
    const startDepth = this.run.stepper.depth;
    const startLine = this.run.line;
    const done = (): boolean => {
      const d = this.run.stepper.depth;
      if (kind === 'out') return d < startDepth;
      if (kind === 'over' && d > startDepth) return false;
      return granularity === 'instruction' || this.run.line !== startLine || d !== startDepth;
    };
    if (kind === 'out' && startDepth === 0) return this.continue();
    return this.advance(() => !done()) ?? { reason: 'step' };
  }

  /** One instruction or one line back (to the last instruction of the previous line). */
  stepBack(granularity: Granularity): CallbackStop {
    const here = this.run.position;
    if (here === 0) return { reason: 'entry', description: 'at the start of the callback run' };
    let target = here - 1;
    if (granularity === 'line') {
      const lines = this.linesUpTo(here);
      const startLine = this.run.finished ? undefined : lines[here];
      while (target > 0 && lines[target] === startLine) target--;
    }
    this.run.goTo(target);
    return { reason: 'step' };
  }

  /** Back to the last breakpoint hit before here (conditions hold, hit counts untouched), or to the start. */
  reverseContinue(): CallbackStop {
    const here = this.run.position;
    this.run.goTo(0);
    let last: { position: number; ids: number[] } | undefined;
    while (this.run.position < here) {
      const { hit } = this.hitsHere(true);
      if (hit.length > 0) last = { position: this.run.position, ids: hit.map((b) => b.id) };
      if (!this.run.step()) break;
    }
    if (last === undefined) {
      this.run.goTo(0);
      return { reason: 'entry', description: 'reached the start of the callback run' };
    }
    this.run.goTo(last.position);
    return { reason: 'breakpoint', hitBreakpointIds: last.ids };
  }

  /** To the run's first breakpoint hit (conditions hold; hit counts and logpoints untouched), or its end. */
  firstHit(): CallbackStop {
    this.run.goTo(0);
    for (;;) {
      const { hit } = this.hitsHere(true);
      if (hit.length > 0) return { reason: 'breakpoint', hitBreakpointIds: hit.map((b) => b.id) };
      if (!this.run.step()) return this.endStop();
    }
  }

  /** To the run's last breakpoint hit (as firstHit), or its start (reason 'entry'). */
  lastHit(): CallbackStop {
    this.run.goTo(this.run.inputs.budget + 1);
    return this.reverseContinue();
  }

  /** The source line at each position 0..upTo (re-executing from the start; the run is left at `upTo`). */
  private linesUpTo(upTo: number): (number | undefined)[] {
    this.run.goTo(0);
    const lines: (number | undefined)[] = [this.run.line];
    while (this.run.position < upTo && this.run.step()) lines.push(this.run.line);
    return lines;
  }
}
