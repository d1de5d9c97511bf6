/**
 * The machine runner: physical bus (RAM + devices), harts, image loading, virtual time, the event
 * queue, the native SBI firmware, the tohost exit protocol and stop conditions.
 *
 * Devices (QEMU `virt` addresses, so guest code is portable): SiFive test finisher 0x100000,
 * CLINT 0x2000000, PLIC 0xc000000, 16550 UART 0x10000000 (PLIC source 10). See simulator/devices.
 *
 * Virtual time (cycles at the nominal 1 GHz of the cost model)
 * - Each hart has its own clock. It advances by `cpi` cycles per retired instruction (a fixed CPI:
 *   the cost model's `alu`), plus the costs of events the hart reports: TLB hits/misses and
 *   page-walk references (from `hart.mmu.counters`), device register accesses (mmioAccess), SBI
 *   calls (trapEntry + sbiCall + trapReturn), remote fences (an IPI round trip), traps taken
 *   (trapEntry each, from `hart.traps`) and mret/sret (trapReturn each, `hart.trapReturns`).
 *   A run call that retires nothing (a trap at once) costs one `cpi` more. `cycle`/`mcycle` read
 *   the hart's clock (`hart.cycleSource`).
 * - `mtime` = floor(cycles / cyclesPerTick) (+ the offset a write to mtime sets); the default
 *   timebase is 10 MHz, i.e. 100 cycles per tick at 1 GHz (`MachineConfig.timebaseHz`).
 * - The machine clock `now` moves in slices: a slice ends at min(now + quantum * cpi, next event);
 *   every runnable hart runs (in hart order) until its clock reaches the slice end, then the due
 *   events fire at that exact instruction boundary. An event scheduled during a slice for a time
 *   before its end shortens the slice (the running hart stops at its next block boundary).
 *   Effects between harts are therefore visible with at most one slice of skew; a single hart
 *   sees timer compares at the exact cycle.
 * - When no hart can run (all in wfi, stopped or suspended) time jumps to the next event; 'halt'
 *   only when no event is queued, so nothing can ever wake any hart.
 * - Deterministic: no host time or randomness anywhere; the same program gives the same
 *   interleaving, the same virtual time and the same trace.
 *
 * Stop reasons
 * - 'pass' / 'fail': a store to the `tohost` symbol's word (if the image has one): 1 = pass,
 *   (n<<1)|1 = fail test n (failCode = n). The HTIF console command (device 1, command 1: the low
 *   byte is a character) is served instead: the byte goes to `MachineConfig.console` and the host
 *   clears `tohost` to 0, which is what a program polls before sending the next one. Any other
 *   non-zero even value (an HTIF syscall, unsupported) stops with 'fail' and no failCode.
 *   Also: the SiFive test finisher (0x5555 pass, (code<<16)|0x3333 fail with failCode = code),
 *   SBI system_reset shutdown ('pass', or 'fail' when the reason is system failure).
 * - 'reset': the finisher's 0x7777 or an SBI cold/warm reboot (the host decides what to do).
 * - 'trap': an exception was raised while mtvec = 0 (no handler installed). The hart state is
 *   left as before the trapping instruction (no CSR updated, pc = faulting pc). Also a trap loop:
 *   TRAP_LOOP_LIMIT traps in a row without an instruction retired (e.g. a handler address that
 *   itself faults); the message says "hart N is stuck in a trap loop: <cause> at <pc> repeating".
 * - 'limit': maxInstructions retired.
 * - 'halt': every hart waits (wfi, HSM stopped or suspended) and no event is queued.
 * - 'held': the harts a debugger does not hold (see below) all wait and nothing wakes them: no
 *   event is queued, or the next one lies more than HELD_IDLE_HORIZON cycles after they began
 *   waiting. Not an end: releasing the holds (or an event, once time can move) lets them go on.
 *
 * Holds (a debugger running one thread alone: `hold`, `held`)
 * - A held hart is skipped by the scheduler exactly like a hart that cannot run: it retires
 *   nothing, its wfi/suspension is not ended (interrupts for it stay pending in mip, events for it
 *   fire at their time), and HSM calls reach it as usual. Its clock stands still, like a waiting
 *   hart's; when released it goes on at the machine's time (runHart moves a lagging clock to the
 *   slice start), as a hart woken from wfi does.
 * - The hold set is machine state (a data field, so snapshots capture and restore it) but no
 *   program can see or change it; only `hold` does, between runs. The same holds set at the same
 *   points of a run give the same run.
 * - When every unheld hart waits, time still moves to the next event (a timer may wake the one
 *   being stepped), but only up to HELD_IDLE_HORIZON cycles after the wait began (remembered in
 *   the machine, so stopping there and running again changes nothing and returns 'held' at once):
 *   events that keep re-arming themselves for held harts (a hypervisor's timeslice) would
 *   otherwise move time forever.
 */
import type { Image } from '../riscv/image';
import { findSymbol } from '../riscv/image';
import { Bus, type MmioDevice } from './bus';
import { Hart, type Engine } from '../riscv/hart/hart';
import { CSR, PRV_S, causeText } from '../riscv/hart/csr';
import { EventQueue, type EventId } from './events';
import { DEFAULT_COSTS, NOMINAL_FREQUENCY_HZ, resolveCostModel, type CostModel } from '../cost';
import { Metrics, TraceBuffer, causeName } from '../trace';
import type { Platform } from '../devices/platform';
import { IRQ } from '../devices/platform';
import { Clint, CLINT_BASE, CLINT_SIZE } from '../devices/clint';
import { Plic, PLIC_BASE, PLIC_SIZE } from '../devices/plic';
import { Uart16550, UART0_BASE, UART0_IRQ, UART0_SIZE } from '../devices/uart16550';
import { SifiveTest, SIFIVE_TEST_BASE, SIFIVE_TEST_SIZE, type FinisherAction } from '../devices/sifive-test';
import { HsmState, extensionName, sbiCall, type SbiCall } from '../sbi';
import { NativeFirmware } from './firmware';
import { DEFAULT_TLB, type TlbGeometry } from '../riscv/mmu/api';

export { Bus, Ram, type MmioDevice } from './bus';
export { Hart, type Engine } from '../riscv/hart/hart';
export { EventQueue, type EventId } from './events';

export type Firmware = 'none' | 'sbi';

export interface MachineConfig {
  ramBase?: bigint;
  ramSize?: number;
  engine?: Engine;
  /** TLB geometry of every hart, or one per hart by hart id (default 64 entries, 4 ways, LRU). */
  tlb?: TlbGeometry | readonly TlbGeometry[];
  harts?: number;
  /** Receives every byte the program writes to a console (HTIF, the UART, SBI DBCN/putchar). */
  console?: (byte: number) => void;
  /** Console input available from the start (UART receiver, SBI console_read/getchar). */
  input?: string | Uint8Array;
  /**
   * Instructions a hart runs before the next one gets its turn (default 10 000). Smaller means
   * finer interleaving (and less cross-hart skew), larger means faster simulation. A single-hart
   * machine uses slices of at least 2^20 instructions (events still end them exactly).
   */
  quantum?: number;
  /** Cost overrides (cycles) on top of DEFAULT_COSTS, or a complete model. */
  costs?: Readonly<Record<string, number>> | CostModel;
  /** mtime frequency (default 10 MHz); must divide the nominal 1 GHz. */
  timebaseHz?: number;
  /**
   * 'none' (default): every hart starts at the entry in M mode. 'sbi': the native SBI firmware
   * runs in M mode; hart 0 starts at the entry in S mode with a0 = hartid, a1 = 0, the others are
   * HSM-stopped until hart_start.
   */
  firmware?: Firmware;
  /** Map the platform devices (default true). */
  devices?: boolean;
  /** The trace buffer to emit into (default: a zero-capacity buffer, i.e. off unless someone subscribes). */
  trace?: TraceBuffer;
}

const HTIF_CONSOLE_PUTCHAR = 0x0101n; // device 1 (console), command 1 (write a character)

/** 'debug': a debugger asked for the stop (breakpoint, pause) through requestStop. */
/** 'held': every hart the debugger does not hold waits and nothing wakes it (see the file comment). */
export type StopReason = 'pass' | 'fail' | 'trap' | 'limit' | 'halt' | 'reset' | 'debug' | 'held';

export interface RunResult {
  reason: StopReason;
  /** Instructions retired during this run() call (all harts). */
  instret: bigint;
  failCode?: number;
  pc: bigint;
  trap?: { cause: bigint; tval: bigint; pc: bigint; description: string };
  message: string;
  /** Virtual time (machine clock, cycles) when the run stopped. */
  cycles: number;
}

const hex = (v: bigint): string => `0x${v.toString(16)}`;

const DEFAULT_QUANTUM = 10_000;
/** Slice length of a single-hart machine (the quantum only matters between harts). */
const SINGLE_HART_QUANTUM = 1 << 20;
/**
 * How long (cycles: 1 s at the nominal 1 GHz) the unheld harts may wait for an event while others
 * are held before run() stops with 'held'.
 */
export const HELD_IDLE_HORIZON = 1_000_000_000;

export interface StopRequest {
  reason: StopReason;
  failCode?: number;
  message: string;
  /**
   * A debugger's stop (reason 'debug') made where the running hart's call ends anyway, whether or
   * not anyone stops — a watched store: the bus ends the call on every store a watch covers. The
   * run then resumes with a new burst, as it would have gone on without the stop. Any other
   * debugger stop between instructions carries the rest of the burst over (see runHart).
   */
  endsBurst?: boolean;
}

interface Suspension { retentive: boolean; resumeAddr: bigint; opaque: bigint }

export class Machine {
  /** What this build of the machine supports (benchmarks and scenarios check before running). */
  static readonly capabilities = { sv39: true, sv48: true, supervisor: true, hypervisor: true, pmp: true, tlb: true } as const;

  readonly bus: Bus;
  readonly harts: Hart[];
  readonly ramBase: bigint;
  readonly ramSize: number;
  readonly costs: CostModel;
  /** Cycles per retired instruction (the cost model's `alu`, at least 1). */
  readonly cpi: number;
  /** Cycles per mtime tick. */
  readonly cyclesPerTick: number;
  readonly quantum: number;
  readonly firmware: Firmware;
  readonly events = new EventQueue();
  readonly trace: TraceBuffer;
  readonly metrics = new Metrics();
  readonly clint: Clint | undefined;
  readonly plic: Plic | undefined;
  readonly uart: Uart16550 | undefined;
  readonly finisher: SifiveTest | undefined;
  /** HSM state of every hart (all Started with firmware 'none'). */
  readonly hsm: HsmState[];
  private tohost: number | undefined;
  private tohostValue = 0n;
  private tohostHit = false;
  private readonly console: ((byte: number) => void) | undefined;
  private readonly platform: Platform;
  private readonly sbi: NativeFirmware;

  // --- virtual time ---
  /** Machine clock: start of the current slice (cycles). */
  private now = 0;
  private sliceEnd = 0;
  /**
   * A slice survives the end of run(): a run stopped inside it (instruction limit, a stop
   * request, a debugger pause) resumes it with the same end and at the same hart, so stopping and
   * going on interleaves the harts exactly as one uninterrupted run does.
   */
  private sliceOpen = false;
  private sliceHart = 0;
  /** Index of the hart running now, or -1. */
  private current = -1;
  private readonly clocks: number[];
  private readonly marks: number[];
  private readonly extra: number[];
  private readonly sbiTimers: (EventId | undefined)[];
  private readonly suspensions: (Suspension | undefined)[];
  private remaining = 0;
  private stopRequest: StopRequest | undefined;
  /** 1 for each hart the debugger holds (a typed array: data, so snapshots hold it). */
  private readonly holds: Uint8Array;
  /** Machine time at which every unheld hart began waiting while others were held, or -1. */
  private heldIdleSince = -1;
  /**
   * Instructions left of hart `burstHart`'s current burst when a run was cut inside it. A burst is
   * one call to the hart with a budget computed from its clock; costs counted after an instruction
   * (TLB walks, loads, taken branches) do not end it, so an uninterrupted run may take the hart
   * past the slice end. A cut (instruction limit, debugger stop at a boundary) must not shorten
   * the burst by recomputing the budget on resume, so the rest is carried over (see runHart).
   */
  private burstLeft = 0;
  private burstHart = -1;
  /**
   * Whether the pending stop request cut the running hart between instructions with nothing else
   * ending its burst (its `brk` was still clear): only then does the burst go on after the stop.
   */
  private stopCutsBurst = false;

  constructor(config: MachineConfig = {}) {
    this.ramBase = config.ramBase ?? 0x80000000n;
    this.ramSize = config.ramSize ?? 128 * 1024 * 1024;
    if (this.ramBase < 0n || this.ramBase + BigInt(this.ramSize) > BigInt(Number.MAX_SAFE_INTEGER)) throw new Error('RAM must lie below 2^53');
    this.bus = new Bus(Number(this.ramBase), this.ramSize);
    this.console = config.console;
    this.costs = config.costs === undefined ? DEFAULT_COSTS : isCostModel(config.costs) ? config.costs : resolveCostModel(config.costs).model;
    this.cpi = Math.max(1, this.costs.alu);
    const tb = config.timebaseHz ?? 10_000_000;
    if (!Number.isInteger(tb) || tb <= 0 || NOMINAL_FREQUENCY_HZ % tb !== 0) throw new Error(`timebaseHz must divide ${NOMINAL_FREQUENCY_HZ}, got ${tb}`);
    this.cyclesPerTick = NOMINAL_FREQUENCY_HZ / tb;
    const q = config.quantum ?? DEFAULT_QUANTUM;
    if (!Number.isInteger(q) || q <= 0) throw new Error(`quantum must be a positive integer, got ${q}`);
    this.quantum = q;
    this.firmware = config.firmware ?? 'none';
    this.trace = config.trace ?? new TraceBuffer(0);
    const n = config.harts ?? 1;
    this.harts = [];
    const tlbOf = (i: number): TlbGeometry => {
      const t = config.tlb;
      if (t === undefined) return DEFAULT_TLB;
      if (!Array.isArray(t)) return t as TlbGeometry;
      const g = t[i];
      if (g === undefined) throw new Error(`no TLB geometry for hart ${i} (${t.length} given for ${n} harts)`);
      return g;
    };
    for (let i = 0; i < n; i++) this.harts.push(new Hart(i, this.bus, config.engine ?? 'compiled', tlbOf(i)));
    this.hsm = new Array<HsmState>(n).fill(HsmState.Started);
    this.clocks = new Array<number>(n).fill(0);
    this.marks = new Array<number>(n).fill(0);
    this.extra = new Array<number>(n).fill(0);
    this.sbiTimers = new Array<EventId | undefined>(n).fill(undefined);
    this.suspensions = new Array<Suspension | undefined>(n).fill(undefined);
    this.holds = new Uint8Array(n);

    this.platform = {
      hartCount: n,
      cyclesPerTick: this.cyclesPerTick,
      costs: this.costs,
      trace: this.trace,
      now: () => this.timeNow(),
      currentHart: () => this.current,
      schedule: (time, fn, label) => this.schedule(time, fn, label),
      cancel: (id) => this.events.cancel(id),
      setIrqLine: (hart, bit, level, source) => this.setIrqLine(hart, bit, level, source),
      noteIpi: (from, target, via) => this.noteIpi(from, target, via),
    };
    if (config.devices ?? true) {
      this.finisher = new SifiveTest((a) => this.onFinisher(a));
      this.clint = new Clint(this.platform);
      this.plic = new Plic(this.platform);
      const plic = this.plic;
      this.uart = new Uart16550({ transmit: (b) => this.consoleOut(b, 0), irq: (level) => plic.setSource(UART0_IRQ, level) });
      this.addDevice(SIFIVE_TEST_BASE, SIFIVE_TEST_SIZE, this.finisher);
      this.addDevice(CLINT_BASE, CLINT_SIZE, this.clint);
      this.addDevice(PLIC_BASE, PLIC_SIZE, this.plic);
      this.addDevice(UART0_BASE, UART0_SIZE, this.uart);
    }
    for (let i = 0; i < n; i++) {
      const h = this.harts[i];
      h.timeSource = () => this.mtime();
      h.cycleSource = () => this.hartTime(i);
      h.cpi = this.cpi;
      h.setTrace(this.trace);
    }
    this.sbi = new NativeFirmware(this);
    if (this.firmware === 'sbi') {
      if (this.clint === undefined) throw new Error("firmware 'sbi' needs the platform devices (the timer)");
      for (const h of this.harts) h.ecallHook = (hart, cause) => this.onEcall(hart, cause);
    }
    if (config.input !== undefined) this.pushInput(config.input);
  }

  get hart(): Hart { return this.harts[0]; }

  /**
   * Maps a device on the bus. Every access a hart makes to it costs `costs.mmioAccess` cycles on
   * that hart's clock, charged before the access (so an mtime read sees its own cost).
   */
  addDevice(base: number, size: number, device: MmioDevice): void {
    const cost = this.costs.mmioAccess;
    this.bus.addDevice(base, size, {
      name: device.name,
      read: (offset, sz) => { this.chargeRunning(cost); return device.read(offset, sz); },
      write: (offset, sz, value) => { this.chargeRunning(cost); return device.write(offset, sz, value); },
    });
  }

  /** Copies the image's allocated sections into RAM, resets the harts at the entry point and arms tohost. */
  load(image: Image): void {
    this.bus.ram.replaced();
    this.bus.ram.u8.fill(0);
    this.bus.clearCode();
    this.bus.clearWatches();
    for (const s of image.sections) {
      if (!s.alloc || s.size === 0) continue;
      const o = this.bus.ramOffset(Number(s.address), s.size);
      if (o < 0) throw new Error(`section ${s.name} at ${hex(s.address)} (+${s.size}) is outside RAM ${hex(this.ramBase)}..${hex(this.ramBase + BigInt(this.ramSize))}`);
      if (s.progbits) this.bus.ram.u8.set(s.data.subarray(0, s.size), o);
    }
    const entry = BigInt.asIntN(64, image.entry);
    this.events.clear();
    this.now = 0;
    this.sliceOpen = false;
    this.sliceHart = 0;
    this.burstLeft = 0;
    this.burstHart = -1;
    this.clocks.fill(0);
    this.extra.fill(0);
    this.sbiTimers.fill(undefined);
    this.suspensions.fill(undefined);
    this.stopRequest = undefined;
    // A new program starts with every hart free.
    this.holds.fill(0);
    this.heldIdleSince = -1;
    for (const h of this.harts) { h.irqLines = 0; h.reset(Number(entry)); }
    this.clint?.reset();
    this.uart?.reset();
    this.plic?.reset();
    for (let i = 0; i < this.harts.length; i++) {
      this.marks[i] = this.cost(i);
      if (this.firmware === 'sbi') {
        this.hsm[i] = HsmState.Stopped;
        if (i === 0) this.startHart(0, entry, 0n);
      } else this.hsm[i] = HsmState.Started;
    }
    this.tohost = undefined;
    this.tohostHit = false;
    this.tohostValue = 0n;
    const sym = findSymbol(image, 'tohost');
    if (sym !== undefined) {
      const addr = Number(sym.value);
      this.tohost = addr;
      this.bus.addWatch({ address: addr, size: 8, onWrite: () => this.onTohost() });
    }
  }

  private onTohost(): void {
    const t = this.tohost;
    if (t === undefined || !this.bus.read(t, 8)) return;
    const v = (BigInt(this.bus.rhi >>> 0) << 32n) | BigInt(this.bus.rlo >>> 0);
    if (v === 0n) return;
    if (v >> 48n === HTIF_CONSOLE_PUTCHAR) {
      this.consoleOut(Number(v & 0xffn), 0);
      this.bus.write(t, 8, 0, 0);
      return;
    }
    this.tohostHit = true;
    this.tohostValue = v;
  }

  private onFinisher(a: FinisherAction): void {
    if (a.kind === 'pass') this.requestStop({ reason: 'pass', message: 'pass (SiFive test finisher 0x5555)' });
    else if (a.kind === 'fail') this.requestStop({ reason: 'fail', failCode: a.code, message: `fail: code ${a.code} (SiFive test finisher)` });
    else this.requestStop({ reason: 'reset', message: 'reset requested (SiFive test finisher 0x7777)' });
  }

  /** Stops the run at the next instruction boundary (devices, firmware). */
  requestStop(stop: StopRequest): void {
    if (this.stopRequest === undefined) {
      this.stopRequest = stop;
      // A debugger's stop is no event of the program: the burst it cuts goes on when the run
      // resumes. A stop the program caused (finisher, shutdown) or one that comes with another
      // reason to end the burst (the hart's brk already set, a watched store) ends it as usual.
      // Not seen: a reason set later in the same instruction (a VM exit handled after the
      // debugger's exception filter stopped at its trace event) — the burst is then carried
      // although an uninterrupted run would have ended it.
      this.stopCutsBurst = stop.reason === 'debug' && stop.endsBurst !== true && this.current >= 0 && !this.harts[this.current].brk;
    }
    if (this.current >= 0) this.harts[this.current].brk = true;
  }

  /** Index of the hart executing now (inside a run: a device or watch callback asking who), or -1 between runs. */
  get runningHart(): number { return this.current; }

  /** Address of the tohost word, if the loaded image has one. */
  get tohostAddress(): bigint | undefined { return this.tohost === undefined ? undefined : BigInt(this.tohost); }

  // ---------------------------------------------------------------- console -----------------
  /** A byte a program wrote to a console (HTIF, UART, SBI). */
  consoleOut(byte: number, hart: number): void {
    this.metrics.add('console.chars');
    if (this.trace.enabled('console')) this.trace.emit({ kind: 'console', time: this.timeNow(), hart: this.current >= 0 ? this.current : hart, text: String.fromCharCode(byte) });
    this.console?.(byte);
  }

  /** Host console input: bytes arriving at the UART receiver (also what SBI console reads take). */
  pushInput(data: string | Uint8Array): void {
    const bytes = typeof data === 'string' ? new TextEncoder().encode(data) : data;
    if (this.uart === undefined) throw new Error('no UART: the machine was built without devices');
    this.uart.receive(bytes);
  }

  // ---------------------------------------------------------------- time --------------------
  /** Cycles the hart's own activity has cost since its last reset (retired instructions, TLB, extras). */
  private cost(i: number): number {
    const h = this.harts[i];
    const c = h.mmu.counters;
    const k = this.costs;
    return h.retired * this.cpi + this.extra[i] + (c.hits + c.fetchHits) * k.tlbHit + (c.misses + c.fetchMisses) * k.tlbMiss + c.walkRefs * k.walkReference +
      h.traps * k.trapEntry + h.trapReturns * k.trapReturn;
  }

  /** Virtual time of hart i (cycles), exact at any instruction boundary. */
  hartTime(i: number): number { return this.clocks[i] + this.cost(i) - this.marks[i]; }

  private sync(i: number): void {
    const c = this.cost(i);
    this.clocks[i] += c - this.marks[i];
    this.marks[i] = c;
  }

  /** Time as seen by whoever asks now: the running hart's clock, else the machine clock. */
  /** The running hart's clock; between runs, the time the last run stopped at (the latest hart clock). */
  timeNow(): number { return this.current >= 0 ? this.hartTime(this.current) : this.stopTime(); }

  /** Machine clock in cycles (the start of the current slice; the stop time after a run). */
  get cycles(): number { return this.now; }

  /** Current mtime (the CLINT's, including any offset a program wrote). */
  mtime(): bigint { return this.clint ? this.clint.mtime() : BigInt(Math.floor(this.timeNow() / this.cyclesPerTick)); }

  /** Adds cycles to a hart's clock (firmware work, fences). */
  charge(hart: number, cycles: number): void {
    this.extra[hart] += cycles;
    if (hart === this.current) this.harts[hart].brk = true;
  }

  /**
   * Adds cycles to the running hart's clock (nothing between runs). The hart stops after the
   * current instruction so that the machine recomputes its instruction budget: events are never
   * overshot by more than this one instruction's extra cost.
   */
  private chargeRunning(cycles: number): void {
    const i = this.current;
    if (i < 0) return;
    this.extra[i] += cycles;
    this.harts[i].brk = true;
  }

  /** Queues an event; one earlier than the current slice's end shortens the slice. */
  schedule(time: number, fn: () => void, label: string): EventId {
    const t = Math.max(time, this.now);
    const id = this.events.schedule(t, fn, label);
    if (t < this.sliceEnd) {
      this.sliceEnd = t;
      if (this.current >= 0) this.harts[this.current].brk = true;
    }
    return id;
  }

  // ---------------------------------------------------------------- interrupts --------------
  /** Drives a hart's interrupt line, counting and tracing rising edges. */
  setIrqLine(hart: number, bit: number, level: boolean, source: string): void {
    const h = this.harts[hart];
    const was = (h.irqLines >>> bit) & 1;
    h.setIrqLine(bit, level);
    if (level && !was) this.noteInterrupt(hart, bit, source);
  }

  private noteInterrupt(hart: number, bit: number, source: string): void {
    const m = this.metrics;
    m.add('interrupts.total');
    m.add(`interrupts.by_cause.${causeName(true, bit)}`);
    m.add(`hart${hart}.interrupts`);
    if (this.trace.enabled('interrupt')) this.trace.emit({ kind: 'interrupt', time: this.timeNow(), hart, cause: bit, virtual: false, source });
  }

  noteIpi(from: number, target: number, via: 'clint' | 'sbi'): void {
    const m = this.metrics;
    m.add('ipis.total');
    m.add(`hart${from}.ipis.sent`);
    m.add(`hart${target}.ipis.received`);
    if (this.trace.enabled('ipi')) this.trace.emit({ kind: 'ipi', time: this.timeNow(), hart: from, target, via });
  }

  /** Sets a software-writable mip bit (SSIP from the SBI IPI) the way M-mode firmware would. */
  setSoftwarePending(hart: number, bit: number): void {
    const h = this.harts[hart];
    const sw = (h.csrRead(CSR.mip) ?? 0n) & ~BigInt(h.irqLines);
    if ((sw >> BigInt(bit)) & 1n) return;
    h.csrWrite(CSR.mip, sw | (1n << BigInt(bit)));
    this.noteInterrupt(hart, bit, 'sbi');
    h.brk = true;
  }

  /** SBI set_timer: STIP of `hart` follows (mtime >= stime). */
  setSupervisorTimer(hart: number, stime: bigint): void {
    const ev = this.sbiTimers[hart];
    if (ev !== undefined) { this.events.cancel(ev); this.sbiTimers[hart] = undefined; }
    const clint = this.clint;
    if (clint === undefined) return;
    const update = (): void => {
      this.sbiTimers[hart] = undefined;
      if (clint.mtime() >= stime) { this.setIrqLine(hart, IRQ.STIP, true, 'sbi-timer'); return; }
      this.setIrqLine(hart, IRQ.STIP, false, 'sbi-timer');
      const at = clint.cycleOf(stime);
      if (at !== undefined) this.sbiTimers[hart] = this.schedule(at, update, `sbi.timer[${hart}]`);
    };
    update();
  }

  // ---------------------------------------------------------------- harts & HSM -------------
  /** Resets hart i to run at `pc` in S mode under the firmware (a0 = hartid, a1 = opaque). */
  startHart(i: number, pc: bigint, opaque: bigint): void {
    const h = this.harts[i];
    h.reset(Number(BigInt.asIntN(64, pc)));
    // The firmware delegates to S mode what OpenSBI delegates: exceptions S handles (misaligned
    // fetch, faults, breakpoint, ecall from U, page faults; with H: ecall from VS and guest faults)
    // and the supervisor interrupts; S may read cycle/time/instret. WARL drops what the hart lacks.
    h.csrWrite(CSR.medeleg, 0xf0b5ffn & ~(1n << 9n));
    h.csrWrite(CSR.mideleg, 0x222n);
    h.csrWrite(CSR.mcounteren, 7n);
    // PMP entry 0: NAPOT over the whole physical address space, RWX, so S and U may access
    // everything (with PMP implemented and no entry matching, S/U accesses would fault).
    h.csrWrite(0x3b0, (1n << 54n) - 1n);
    h.csrWrite(0x3a0, 0x1fn);
    h.priv = PRV_S;
    h.setReg(10, BigInt(i));
    h.setReg(11, opaque);
    this.marks[i] = this.cost(i);
    if (this.clocks[i] < this.timeNowFor(i)) this.clocks[i] = this.timeNowFor(i);
    this.hsm[i] = HsmState.Started;
    this.suspensions[i] = undefined;
  }

  private timeNowFor(i: number): number { return this.current >= 0 && this.current !== i ? this.hartTime(this.current) : this.now; }

  stopHart(i: number): void {
    this.hsm[i] = HsmState.Stopped;
    this.harts[i].waiting = false;
    this.harts[i].brk = true;
  }

  suspendHart(i: number, retentive: boolean, resumeAddr: bigint, opaque: bigint): void {
    this.hsm[i] = HsmState.Suspended;
    this.suspensions[i] = { retentive, resumeAddr, opaque };
    this.harts[i].waiting = true;
    this.harts[i].brk = true;
  }

  // ---------------------------------------------------------------- debugger holds ----------
  /**
   * Holds exactly the harts in `harts` (the others are released): the scheduler skips a held hart
   * as one that cannot run. Between runs only. See "Holds" in the file comment.
   */
  hold(harts: Iterable<number>): void {
    if (this.current >= 0) throw new Error('holds change only between runs');
    const next = new Uint8Array(this.harts.length);
    for (const i of harts) {
      if (!Number.isInteger(i) || i < 0 || i >= this.harts.length) throw new RangeError(`cannot hold hart ${i}: the machine has harts 0..${this.harts.length - 1}`);
      next[i] = 1;
    }
    if (next.every((v, i) => v === this.holds[i])) return;
    this.holds.set(next);
    this.heldIdleSince = -1;
  }

  /** The harts held now (a copy). */
  get held(): ReadonlySet<number> {
    const out = new Set<number>();
    this.holds.forEach((v, i) => { if (v !== 0) out.add(i); });
    return out;
  }

  /** Is hart i held by the debugger? */
  isHeld(i: number): boolean { return this.holds[i] === 1; }

  private anyHeld(): boolean { return this.holds.includes(1); }

  /** Can hart i run now? Wakes wfi/suspended harts that have a pending, enabled interrupt. */
  private runnable(i: number): boolean {
    // Held: not woken either (a pending interrupt stays pending until the hold ends).
    if (this.holds[i] !== 0) return false;
    const h = this.harts[i];
    const s = this.hsm[i];
    if (s !== HsmState.Started && s !== HsmState.Suspended) return false;
    if (h.waiting) {
      const pending = (h.csrRead(CSR.mip) ?? 0n) & (h.csrRead(CSR.mie) ?? 0n);
      if (pending === 0n) return false;
      h.waiting = false;
    }
    if (s === HsmState.Suspended) {
      const sus = this.suspensions[i];
      this.suspensions[i] = undefined;
      this.hsm[i] = HsmState.Started;
      if (sus !== undefined && !sus.retentive) this.startHart(i, sus.resumeAddr, sus.opaque);
    }
    return true;
  }

  private onEcall(h: Hart, cause: number): boolean {
    // Ecall from S mode (cause 9). Until the hart reports cause 9, an ecall in S mode shows up as 8.
    if (!(cause === 9 || (cause === 8 && h.priv === PRV_S))) return false;
    const call: SbiCall = { hart: h.id, eid: h.getReg(17), fid: h.getReg(16), args: [10, 11, 12, 13, 14, 15].map((r) => h.getReg(r)) };
    const ext = extensionName(call.eid);
    this.metrics.add('sbi.calls.total');
    this.metrics.add(`sbi.calls.${ext}`);
    this.metrics.add(`hart${h.id}.sbi_calls`);
    this.charge(h.id, this.costs.trapEntry + this.costs.sbiCall + this.costs.trapReturn);
    const r = sbiCall(call, this.sbi);
    if (r.kind === 'sbiret') { h.setReg(10, BigInt.asUintN(64, r.error)); h.setReg(11, BigInt.asUintN(64, r.value)); }
    else if (r.kind === 'legacy') h.setReg(10, BigInt.asUintN(64, r.a0));
    else h.brk = true;
    return true;
  }

  // ---------------------------------------------------------------- run ---------------------
  run(options: { maxInstructions?: bigint } = {}): RunResult {
    const max = options.maxInstructions;
    this.remaining = max === undefined ? Number.POSITIVE_INFINITY : Number(max);
    let total = 0;
    this.tohostHit = false;
    this.stopRequest = undefined;
    this.stopCutsBurst = false;
    const n = this.harts.length;
    for (;;) {
      if (!this.sliceOpen) {
        for (let e = this.events.popDue(this.now); e !== undefined; e = this.events.popDue(this.now)) e.fn();
        if (this.stopRequest) return this.requestedStop(this.harts[0], total);
        let any = false;
        for (let i = 0; i < n; i++) if (this.runnable(i)) { any = true; break; }
        if (!any) {
          const t = this.events.nextTime();
          if (this.anyHeld()) {
            if (this.heldIdleSince < 0) this.heldIdleSince = this.now;
            if (t === Number.POSITIVE_INFINITY || t - this.heldIdleSince > HELD_IDLE_HORIZON) return this.heldStop(total, t);
          } else if (t === Number.POSITIVE_INFINITY) {
            const h = this.harts[0];
            return { reason: 'halt', instret: BigInt(total), pc: h.getPc(), cycles: this.now, message: `all harts wait (wfi, stopped or suspended) and no event can wake them (hart 0 pc ${hex(h.getPc())})` };
          }
          this.now = t;
          continue;
        }
        this.heldIdleSince = -1;
        if (this.remaining <= 0) break;
        // One hart has nothing to interleave with: long slices (only events end them) run faster.
        const q = n === 1 ? Math.max(this.quantum, SINGLE_HART_QUANTUM) : this.quantum;
        this.sliceEnd = Math.min(this.now + q * this.cpi, this.events.nextTime());
        this.sliceOpen = true;
        this.sliceHart = 0;
      }
      for (let i = this.sliceHart; i < n; i++) {
        this.sliceHart = i;
        if (!this.runnable(i)) continue;
        const h = this.harts[i];
        total += this.runHart(i);
        if (h.fatal) return this.trapStop(h, total);
        if (h.stuck) return this.stuckStop(h, total);
        if (this.tohostHit) return this.tohostStop(h, total);
        if (this.stopRequest) return this.requestedStop(h, total);
        if (this.remaining <= 0) break;
      }
      // A carried burst keeps the slice open even when the hart's clock is past its end already.
      if (this.remaining <= 0 && (this.burstLeft > 0 || this.sliceUnfinished())) break;
      this.sliceOpen = false;
      this.burstLeft = 0;
      this.burstHart = -1;
      this.now = this.sliceEnd;
    }
    const h = this.harts[0];
    return { reason: 'limit', instret: BigInt(total), pc: h.getPc(), cycles: this.now, message: `instruction limit reached after ${total} instructions (pc ${hex(h.getPc())})` };
  }

  /** Whether a runnable hart from the current one on has not reached the slice end yet. */
  private sliceUnfinished(): boolean {
    for (let i = this.sliceHart; i < this.harts.length; i++) {
      if (this.runnable(i) && this.hartTime(i) < this.sliceEnd) return true;
    }
    return false;
  }

  /** Runs hart i until its clock reaches the slice end (or it waits/stops, or the run must stop). */
  private runHart(i: number): number {
    const h = this.harts[i];
    this.current = i;
    this.sync(i);
    if (this.clocks[i] < this.now) this.clocks[i] = this.now;
    let done = 0;
    try {
      for (;;) {
        // Taken only when instructions may run: a 0-instruction run (a debugger settling a stop)
        // must leave the carried burst in place.
        if (this.remaining <= 0) break;
        let burst = 0;
        if (this.burstHart >= 0) {
          // The rest of the burst a cut run left on this hart; dropped if another hart runs first
          // (the cut hart was held since, or stopped).
          if (this.burstHart === i) burst = this.burstLeft;
          this.burstLeft = 0;
          this.burstHart = -1;
        }
        if (burst === 0) {
          const t = this.hartTime(i);
          if (t >= this.sliceEnd) break;
          burst = Math.ceil((this.sliceEnd - t) / this.cpi);
        }
        const budget = Math.min(this.remaining, burst);
        const ran = h.run(budget);
        done += ran;
        this.remaining -= ran;
        // Cut inside the burst: by the instruction limit (the budget used up, nothing else ended
        // the call) or by a debugger stop between instructions. An uninterrupted run would have
        // gone on in the same call, so the resumed run does.
        if (ran < burst && ((ran === budget && !h.brk) || (this.stopRequest !== undefined && this.stopCutsBurst))) {
          this.burstLeft = burst - ran;
          this.burstHart = i;
        }
        // No charge for a call that retired nothing: traps are charged per trap (trapEntry) and VM
        // exits by the hypervisor, and a charge per empty call would depend on where a run was cut.
        if (h.fatal || h.stuck || this.tohostHit || this.stopRequest) break;
        if (h.waiting || this.hsm[i] !== HsmState.Started) break;
      }
    } finally {
      this.sync(i);
      this.current = -1;
    }
    return done;
  }

  /** Every unheld hart waits and nothing wakes one in time (see 'held' in the file comment). */
  private heldStop(total: number, next: number): RunResult {
    const held = [...this.held];
    const free = this.harts.map((_, i) => i).filter((i) => this.holds[i] === 0);
    const waits = free.map((i) => `hart ${i} ${this.hsm[i] === HsmState.Started ? `waits (wfi) at ${hex(this.harts[i].getPc())}` : `is ${HsmState[this.hsm[i]].toLowerCase()}`}`).join(', ');
    const them = free.length === 1 ? 'it' : 'them';
    const why = next === Number.POSITIVE_INFINITY ? `no event is queued to wake ${them}` : `no event wakes ${them} within ${HELD_IDLE_HORIZON} cycles of the wait (the next is ${next - this.heldIdleSince} cycles after its start)`;
    const h = this.harts[free[0] ?? 0];
    return { reason: 'held', instret: BigInt(total), pc: h.getPc(), cycles: this.now, message: `${held.length === 1 ? 'hart' : 'harts'} ${held.join(', ')} ${held.length === 1 ? 'is' : 'are'} held; ${waits || 'no hart is free'}, and ${why}` };
  }

  private requestedStop(h: Hart, total: number): RunResult {
    const s = this.stopRequest;
    this.stopRequest = undefined;
    this.stopCutsBurst = false;
    if (!s) throw new Error('no stop request');
    const r: RunResult = { reason: s.reason, instret: BigInt(total), pc: h.getPc(), cycles: this.stopTime(), message: `${s.message} after ${total} instructions` };
    if (s.failCode !== undefined) r.failCode = s.failCode;
    return r;
  }

  /** Machine time of a stop in the middle of a slice: the latest hart clock. */
  private stopTime(): number {
    let t = this.now;
    for (let i = 0; i < this.harts.length; i++) if (this.hsm[i] === HsmState.Started) t = Math.max(t, Math.min(this.hartTime(i), this.sliceEnd));
    return t;
  }

  private trapStop(h: Hart, total: number): RunResult {
    const f = h.fatal;
    h.fatal = undefined;
    if (!f) throw new Error('no fatal trap');
    const what = causeText(f.cause);
    const detail = f.cause === 2n ? `${what} 0x${f.tval.toString(16).padStart(8, '0')}` : f.tval !== 0n ? `${what} (tval ${hex(f.tval)})` : what;
    const description = `${detail} at ${hex(f.pc)}, no trap handler (mtvec = 0)`;
    return { reason: 'trap', instret: BigInt(total), pc: f.pc, cycles: this.stopTime(), trap: { cause: f.cause, tval: f.tval, pc: f.pc, description }, message: `hart ${h.id}: ${description}` };
  }

  /** A trap loop (Hart.stuck): the same kind of trap over and over with nothing retired. */
  private stuckStop(h: Hart, total: number): RunResult {
    const f = h.stuck;
    h.stuck = undefined;
    if (!f) throw new Error('no trap loop');
    const what = causeText(f.cause);
    const description = `${what} at ${hex(f.pc)}${f.tval !== 0n && f.tval !== f.pc ? ` (tval ${hex(f.tval)})` : ''} repeating: ${f.count} traps without retiring an instruction`;
    return { reason: 'trap', instret: BigInt(total), pc: f.pc, cycles: this.stopTime(), trap: { cause: f.cause, tval: f.tval, pc: f.pc, description }, message: `hart ${h.id} is stuck in a trap loop: ${description}` };
  }

  private tohostStop(h: Hart, total: number): RunResult {
    const v = this.tohostValue;
    this.tohostHit = false;
    const pc = h.getPc();
    const cycles = this.stopTime();
    if (v === 1n) return { reason: 'pass', instret: BigInt(total), pc, cycles, message: `pass (tohost = 1) after ${total} instructions` };
    if (v & 1n) {
      const n = Number(v >> 1n);
      return { reason: 'fail', instret: BigInt(total), pc, cycles, failCode: n, message: `fail: test ${n} (tohost = ${hex(v)})` };
    }
    return { reason: 'fail', instret: BigInt(total), pc, cycles, message: `unsupported tohost command ${hex(v)} (HTIF syscalls are not implemented)` };
  }

  // ---------------------------------------------------------------- accessors ----------------
  getReg(i: number, hart = 0): bigint { return this.harts[hart].getReg(i); }
  setReg(i: number, v: bigint, hart = 0): void { this.harts[hart].setReg(i, v); }
  getPc(hart = 0): bigint { return this.harts[hart].getPc(); }
  setPc(v: bigint, hart = 0): void { this.harts[hart].setPc(v); }
  readCsr(num: number, hart = 0): bigint | undefined { return this.harts[hart].csrRead(num); }
  writeCsr(num: number, v: bigint, hart = 0): void { this.harts[hart].csrWrite(num, v); }

  /** Reads physical memory (RAM or devices, byte by byte). Throws outside mapped memory. */
  readMemory(address: bigint, length: number): Uint8Array {
    const out = new Uint8Array(length);
    for (let i = 0; i < length; i++) {
      if (!this.bus.read(Number(address) + i, 1)) throw new Error(`no memory at ${hex(address + BigInt(i))}`);
      out[i] = this.bus.rlo & 0xff;
    }
    return out;
  }

  /** Writes physical memory through the bus (so compiled code and reservations see the write). */
  writeMemory(address: bigint, data: Uint8Array): void {
    for (let i = 0; i < data.length; i++) {
      if (this.bus.write(Number(address) + i, 1, data[i], 0) & 1) throw new Error(`no memory at ${hex(address + BigInt(i))}`);
    }
  }

  readU64(address: bigint): bigint {
    const b = this.readMemory(address, 8);
    let v = 0n;
    for (let i = 7; i >= 0; i--) v = (v << 8n) | BigInt(b[i]);
    return v;
  }
}

function isCostModel(c: Readonly<Record<string, number>> | CostModel): c is CostModel {
  return Object.keys(DEFAULT_COSTS).every((k) => typeof (c as Record<string, unknown>)[k] === 'number');
}
