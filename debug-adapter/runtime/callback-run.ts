/**
 * One hyper-callback run under the debugger: the program on a fresh eBPF VM, driven instruction by
 * instruction through the VM's stepping seam (simulator/ebpf/vm/stepper.ts), with exactly the
 * interpreter's semantics. The run is deterministic — its inputs (context bytes, guest memory,
 * map contents, helper clock) are fixed when it is made — so any earlier point is reached again by
 * re-executing from the start: that is how reverse execution works here (a callback runs at most
 * CALLBACK_BUDGET instructions; re-executing them takes milliseconds).
 *
 * Inspection of the current point: registers, the frames (bpf-to-bpf calls), the stack frame's
 * bytes in use, the context fields, the verifier's abstract state before the instruction, and
 * expressions (`r1`, `*(u64 *)(r10 - 8)`, context field names) through the inspection layer's
 * expression parser over the eBPF memory.
 */
import type { AsmResult } from '../../simulator/ebpf/asm/assembler';
import { formatInsn } from '../../simulator/ebpf/asm/disasm';
import { EVENTS, type EventName } from '../../simulator/ebpf/events';
import * as I from '../../simulator/ebpf/isa';
import type { HcbProgram } from '../../simulator/ebpf/program';
import { formatVal, type VerifyResult } from '../../simulator/ebpf/verifier';
import type { GuestMemory } from '../../simulator/ebpf/vm/guest';
import { Memory, RuntimeCheckError, type Region } from '../../simulator/ebpf/vm/memory';
import { Stepper, type StepperFrame } from '../../simulator/ebpf/vm/stepper';
import { Vm, defaultHelpers, type HelperImpl } from '../../simulator/ebpf/vm/vm';
import { PRANDOM_SEED, Prandom } from '../../simulator/ebpf/vm/prandom';
import { InspectError } from '../inspect/target';
import { restoreHashSlots, type HashState } from '../../simulator/hypervisor/callbacks';
import { U64, evaluateNode, formatValue, parse, type EvalEnv, type NameValue } from '../inspect/expression';

/** Everything a run depends on: the same inputs give the same run, instruction for instruction. */
export interface CallbackInputs {
  /** The `.hcb` file (for frames and breakpoints). */
  file: string;
  asm: AsmResult;
  /** The verifier's result for this program (it accepted it). */
  verified: VerifyResult;
  program: HcbProgram;
  event: EventName;
  /** The context bytes (the event's layout) r1 points to. */
  context: Uint8Array;
  guest?: GuestMemory;
  /** Helpers replacing the defaults (the hypervisor's ktime reads the machine's clock). */
  helpers?: ReadonlyMap<number, HelperImpl>;
  /** Initial bytes of each map (a scenario's callback keeps its maps between runs). */
  mapBytes?: readonly Uint8Array[];
  /** Initial key tables of the hash maps (null for other maps), with `mapBytes`. */
  hashSlots?: readonly (HashState | null)[];
  /** get_prandom_u32's state when the run starts (Prandom.state; default PRANDOM_SEED, a fresh callback's). */
  prandomState?: number;
  budget: number;
}

/** A frame of the callback as the debugger shows it, innermost first. */
export interface CallbackFrame {
  name: string;
  line: number | undefined;
  slot: number;
  depth: number;
}

export interface CallbackVariable { name: string; value: string; memoryReference?: string }

const hex = (v: bigint): string => `0x${BigInt.asUintN(64, v).toString(16)}`;

/**
 * Where a breakpoint on `line` of an assembled callback goes: the first slot of that line, or of
 * the next line with an instruction (up to 20 lines on, as for `.S` files).
 */
export function resolveCallbackLine(asm: AsmResult, line: number): { line: number; slot: number } | undefined {
  const insns = asm.program.insns.map((i) => ({ ...i }));
  I.assignSlots(insns);
  for (let l = line; l < line + 20; l++) {
    const k = asm.insns.findIndex((a) => a.range.line === l);
    if (k >= 0) return { line: l, slot: insns[k].slot as number };
  }
  return undefined;
}

export class CallbackRun {
  vm!: Vm;
  stepper!: Stepper;
  private ctx!: Region;
  /** Instruction index (into asm.insns) of each slot. */
  private readonly indexOfSlot = new Map<number, number>();
  /** Slot of each function's first instruction → its name (labels called by bpf-to-bpf calls). */
  private readonly functions = new Map<number, string>();

  constructor(readonly inputs: CallbackInputs) {
    const insns = inputs.program.insns.map((i) => ({ ...i }));
    I.assignSlots(insns);
    insns.forEach((i, k) => this.indexOfSlot.set(i.slot as number, k));
    for (const r of inputs.asm.references) if (r.kind === 'function' && r.target !== undefined) this.functions.set(r.target, r.name);
    this.restart();
  }

  /** Back to the first instruction with the original inputs (a new VM: helper and map state start over). */
  restart(): void {
    const { program, guest, helpers, mapBytes, context } = this.inputs;
    // A generator of its own from the recorded state: every restart draws the same numbers.
    const all = defaultHelpers(new Prandom(this.inputs.prandomState ?? PRANDOM_SEED));
    for (const [id, f] of helpers ?? []) all.set(id, f);
    // The region order (maps, guest window, then context) is the hypervisor's: pointers match its runs.
    this.vm = new Vm(program, { helpers: all, ...(guest === undefined ? {} : { guest }), trapDivision: false });
    mapBytes?.forEach((b, k) => this.vm.maps[k]?.region.bytes.set(b.subarray(0, this.vm.maps[k].region.size)));
    this.inputs.hashSlots?.forEach((h, k) => { if (h !== null && this.vm.maps[k] !== undefined) restoreHashSlots(this.vm.maps[k], h); });
    this.ctx = this.vm.mem.addRegion('context', context.slice(), true);
    this.stepper = new Stepper(this.vm);
    this.stepper.start(Memory.address(this.ctx), 0n, this.inputs.budget);
  }

  /** Instructions executed so far. */
  get position(): number { return this.stepper.executed; }

  get finished(): boolean { return this.stepper.finished; }

  /** One instruction; false when the run is over (exited or failed). */
  step(): boolean { return this.stepper.step(); }

  /** To `position` instructions from the start (re-executing from the start when it lies behind). */
  goTo(position: number): void {
    if (position < this.position) this.restart();
    while (this.position < position && this.stepper.step()) { /* forward */ }
  }

  /** trace_printk lines written so far. */
  get traceLines(): readonly string[] { return this.vm.env.trace; }

  /** The instruction index (into asm.insns) at a slot. */
  indexAt(slot: number): number | undefined { return this.indexOfSlot.get(slot); }

  /** Source line of a slot. */
  lineAt(slot: number): number | undefined {
    const k = this.indexOfSlot.get(slot);
    return k === undefined ? undefined : this.inputs.asm.insns[k]?.range.line;
  }

  /** The current line ("file:line"), for line stepping. */
  get line(): number | undefined { return this.lineAt(this.stepper.slot); }

  /** The text of the instruction at a slot. */
  textAt(slot: number): string {
    const k = this.indexOfSlot.get(slot);
    const i = k === undefined ? undefined : this.inputs.program.insns[k];
    return i === undefined ? `slot ${slot}` : formatInsn(i, { maps: this.inputs.program.maps });
  }

  /** Frames, innermost first; a frame of a called function is named after it. */
  frames(): CallbackFrame[] {
    const base = this.inputs.file.replace(/^.*[\\/]/, '');
    const fs: StepperFrame[] = this.stepper.frames();
    // The function a frame runs in: the target of the call that made it (its caller's return slot - 1).
    return fs.map((f, k) => {
      let name = `${base} (${this.inputs.event})`;
      if (f.depth > 0) {
        const ret = fs[k + 1]?.slot;
        const call = ret === undefined ? undefined : this.inputs.program.insns[this.indexOfSlot.get(ret - 1) ?? -1];
        const target = call !== undefined && ret !== undefined ? ret + call.imm : undefined;
        name = `${target === undefined ? 'subprogram' : this.functions.get(target) ?? `slot ${target}`} (${base})`;
      }
      // an outer frame is shown at its call instruction, not at the return slot after it
      const slot = k === 0 ? f.slot : f.slot - 1;
      return { name, line: this.lineAt(slot), slot, depth: f.depth };
    });
  }

  registers(): CallbackVariable[] {
    return this.stepper.registers().map((v, k) => ({ name: `r${k}`, value: hex(v), memoryReference: hex(v) }));
  }

  /**
   * The current frame's stack bytes in use, as 8-byte words `fp-8`, `fp-16`, … down to the lowest
   * byte the verifier knows initialised before this instruction (on any path), at least one word.
   */
  stackWords(depth = this.stepper.depth): CallbackVariable[] {
    const bytes = this.stepper.stackFrame(depth);
    const state = this.verifierState();
    const frame = state?.frames[depth];
    let low = I.STACK_SIZE - 8;
    if (frame !== undefined) {
      for (let i = 0; i < I.STACK_SIZE; i++) if (frame.bytes[i] !== 0 || frame.spills.has(i)) { low = Math.min(low, i & ~7); break; }
    }
    const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    const out: CallbackVariable[] = [];
    for (let off = I.STACK_SIZE - 8; off >= low; off -= 8) out.push({ name: `fp${off - I.STACK_SIZE}`, value: hex(view.getBigUint64(off, true)) });
    return out;
  }

  /** The context fields by name, as the program sees them now (writable fields may have changed). */
  contextFields(): CallbackVariable[] {
    const view = new DataView(this.ctx.bytes.buffer, this.ctx.bytes.byteOffset, this.ctx.bytes.byteLength);
    return EVENTS[this.inputs.event].fields.map((f) => ({ name: f.name, value: hex(readField(view, f.offset, f.size)) }));
  }

  private verifierState(): ReturnType<VerifyResult['stateBefore']> {
    const k = this.indexOfSlot.get(this.stepper.slot);
    return k === undefined ? undefined : this.inputs.verified.stateBefore(k);
  }

  /** The verifier's abstract state before the current instruction: one entry per initialised register, then the stack. */
  verifierVariables(): CallbackVariable[] {
    const k = this.indexOfSlot.get(this.stepper.slot);
    const s = this.verifierState();
    if (k === undefined || s === undefined) return [{ name: 'state', value: 'unreachable (the verifier found no path here)' }];
    const out: CallbackVariable[] = s.regs.map((v, r) => ({ name: `r${r}`, value: formatVal(v) })).filter((v) => v.value !== 'uninitialised');
    out.push({ name: 'before', value: this.inputs.verified.describe(k).split('\n')[0].replace(/^before:\s*/, '') });
    return out;
  }

  /** Evaluates an expression over the current state: r0–r10 (fp = r10), context fields, memory through any region pointer. */
  evaluate(expression: string, format: 'hex' | 'decimal' = 'hex'): { value: bigint; text: string; type: string } {
    if (expression.length > 4096) throw new InspectError('expression too long (4096 characters at most)', 4097);
    const node = parse(expression);
    const fields = new Map(this.contextFields().map((f) => [f.name, BigInt(f.value)]));
    const env: EvalEnv = {
      lookup: (name: string): NameValue | undefined => {
        const n = name.replace(/^\$/, '');
        const m = /^r(\d+)$/.exec(n);
        if (m !== null && Number(m[1]) <= 10) return { value: this.stepper.register(Number(m[1])), type: U64, kind: 'register' };
        if (n === 'fp') return { value: this.stepper.register(10), type: U64, kind: 'register' };
        const f = fields.get(n);
        return f === undefined ? undefined : { value: f, type: U64, kind: 'csr' };
      },
      read: (address, size, column) => {
        try {
          const bytes = this.vm.mem.read(BigInt.asUintN(64, address), size);
          let v = 0n;
          for (let i = size - 1; i >= 0; i--) v = (v << 8n) | BigInt(bytes[i]);
          return v;
        } catch (e) {
          if (e instanceof RuntimeCheckError) throw new InspectError(`cannot read ${size} bytes at ${hex(address)}: ${e.message}`, column);
          throw e;
        }
      },
    };
    const v = evaluateNode(node, env);
    return { value: v.value, text: formatValue(v, format), type: v.type.name };
  }
}

function readField(view: DataView, offset: number, size: number): bigint {
  if (size === 8) return view.getBigUint64(offset, true);
  if (size === 4) return BigInt(view.getUint32(offset, true));
  if (size === 2) return BigInt(view.getUint16(offset, true));
  return BigInt(view.getUint8(offset));
}
