/**
 * Running a program one instruction at a time, for debuggers: the seam the eBPF engines do not
 * have. A Stepper drives the VM's stepping engine (`Vm.stepEngine`, generated from the
 * interpreter's own instruction cases), so registers, the stack, bpf-to-bpf frames, helpers, maps
 * and run-time checks behave exactly as in `Vm.run(…, 'interp')`; between two steps the current
 * slot, call depth, registers and stack frames can be read.
 *
 * The budget means what it means for the engines: at most `budget` instructions run, the next
 * one throws `RuntimeCheckError('budget')`.
 */
import * as I from '../isa';
import { RuntimeCheckError } from './memory';
import { CALL_FRAME_WORDS, u64, type StepEngine, type Vm } from './vm';

export type StepperStatus = 'ready' | 'exited' | 'failed';

/** One bpf-to-bpf frame, innermost first in `Stepper.frames()`. */
export interface StepperFrame {
  /** Call depth (0: the program's entry). */
  depth: number;
  /** The slot this frame executes next (innermost) or returns to (outer frames: the call's slot + 1). */
  slot: number;
  /** Offset of this frame's r10 (frame pointer) inside the stack region. */
  framePointer: number;
}

export class Stepper {
  /** Slot of the next instruction. */
  slot = 0;
  /** bpf-to-bpf call depth of the next instruction. */
  depth = 0;
  /** Instructions executed since `start`. */
  executed = 0;
  status: StepperStatus = 'ready';
  /** Why the run failed (status 'failed'); `slot` is then the failing instruction. */
  error: RuntimeCheckError | undefined;
  private budget = 0;
  private readonly engine: StepEngine;

  constructor(readonly vm: Vm) {
    this.engine = vm.stepEngine();
  }

  /** Sets r1, r2 and r10 like `Vm.run` and rewinds to slot 0. Helper and map state carry on, as between runs. */
  start(r1 = 0n, r2 = 0n, budget = 1_000_000): void {
    this.vm.prepare(r1, r2);
    this.slot = 0;
    this.depth = 0;
    this.executed = 0;
    this.budget = budget;
    this.status = 'ready';
    this.error = undefined;
    this.vm.env.trace.length = 0;
  }

  get finished(): boolean { return this.status !== 'ready'; }

  /**
   * Executes one instruction. Returns false when the run is over (the program exited, or a
   * run-time check failed: `error`, and the exception is not thrown again).
   */
  step(): boolean {
    if (this.status !== 'ready') return false;
    if (this.executed >= this.budget) return this.fail(new RuntimeCheckError('budget', 'instruction budget exhausted'));
    let next: number;
    try {
      next = this.engine.step(this.slot, this.depth);
    } catch (e) {
      if (!(e instanceof RuntimeCheckError)) throw e;
      this.executed++;
      return this.fail(e);
    }
    this.executed++;
    if (next < 0) {
      this.status = 'exited';
      return false;
    }
    this.slot = next;
    this.depth = this.engine.S[0];
    return true;
  }

  /** Steps until `stop` (asked before each instruction after the first) says so, or the run ends. Returns whether it stopped. */
  runUntil(stop: (s: Stepper) => boolean): boolean {
    while (this.step()) if (stop(this)) return true;
    return false;
  }

  private fail(e: RuntimeCheckError): false {
    if (e.slot === undefined) e.slot = this.slot;
    this.error = e;
    this.status = 'failed';
    return false;
  }

  /** r0 (the result once the program exited). */
  get r0(): bigint { return this.register(0); }

  register(k: number): bigint { return u64(this.vm.R, k); }

  registers(): bigint[] { return Array.from({ length: 11 }, (_, k) => this.register(k)); }

  /** The instruction at the current slot, if any. */
  get insn(): I.Insn | undefined {
    return this.vm.insns.find((i) => i.slot === this.slot);
  }

  /** Frames, innermost first: the current one, then each caller with the slot it returns to. */
  frames(): StepperFrame[] {
    const size = this.vm.stack.size;
    const out: StepperFrame[] = [{ depth: this.depth, slot: this.slot, framePointer: size - I.STACK_SIZE * this.depth }];
    for (let d = this.depth - 1; d >= 0; d--) out.push({ depth: d, slot: this.engine.F[d * CALL_FRAME_WORDS + 10], framePointer: size - I.STACK_SIZE * d });
    return out;
  }

  /** The 512 bytes of a frame's stack (below its frame pointer), a copy. Default: the current frame. */
  stackFrame(depth = this.depth): Uint8Array {
    const top = this.vm.stack.size - I.STACK_SIZE * depth;
    return this.vm.stack.bytes.slice(top - I.STACK_SIZE, top);
  }
}
