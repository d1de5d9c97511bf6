/**
 * The hypervisor core (DESIGN §4): TypeScript acting in HS mode of the model. Harts run guests in
 * VS/VU with V=1; every trap from V=1 whose target is HS (a VM exit) reaches {@link Hypervisor}
 * through `Hart.vmExitHook`, is handled natively, and a vCPU is resumed.
 *
 * Host memory layout (host RAM at the machine's RAM base, 0x80000000):
 *
 *   [ramBase, ramBase + reserved)   the hypervisor's own region, never mapped into any guest:
 *                                   page 0 = HS trap vector (a `wfi; j` park loop, reached only if
 *                                   an exit is ever left unhandled), then the page pool holding
 *                                   every VM's G-stage tables (16 KiB-aligned Sv39x4 roots).
 *                                   `reserved` is a multiple of 2 MiB.
 *   [vm0.hostBase, + vm0.memory)    VM 0's guest RAM (guest physical 0x80000000..), 2 MiB aligned
 *   [vm1.hostBase, + vm1.memory)    VM 1's guest RAM, and so on; the rest of host RAM is unused.
 *
 * Guest-physical space of every VM: RAM at 0x80000000 (size from the scenario), mapped 4 KiB page
 * by page in the G-stage — on the first access by default (demand mapping: one guest-page-fault
 * exit per page touched), or all at boot (`mapping: 'eager'`); an emulated 16550 UART at
 * 0x10000000 (never mapped: every access is a guest-page fault the hypervisor emulates).
 * Anything else is outside the VM: a guest-page fault there stops the VM with the reason.
 * Each VM has VMID = its index + 1.
 *
 * Harts (all of them belong to the hypervisor): HS state set once — medeleg delegates every
 * delegatable exception to HS, hedeleg passes to VS what a guest kernel handles itself
 * (misaligned, access faults, illegal instruction, breakpoint, ecall from VU, page faults),
 * hideleg passes the VS interrupts, mcounteren/hcounteren let guests read cycle/time/instret,
 * hstatus.VTW = 1 (a guest `wfi` exits). A hart with no vCPU is parked (HSM-stopped in the machine,
 * so it takes no time slice) until the scheduler gives it one.
 *
 * Scheduler: one global FIFO run queue; a vCPU keeps a hart until it blocks (wfi, HSM stop or
 * suspend, VM stop), yields (hypercall) or its timeslice (scenario `hypervisor.timeslice` virtual
 * cycles, an event on the machine's queue) ends while another vCPU waits. Idle harts take queued
 * vCPUs in hart order. Every decision happens at an exit or at a machine event, in a fixed order,
 * so runs are deterministic. Wake-ups across harts (timer, IPI, hart_start) are machine events.
 *
 * TLB hygiene: VS-stage entries are tagged with the VMID, not the vCPU, so when a vCPU is placed on
 * a hart that ran another vCPU of the same VM since, or it comes from another hart, the hypervisor
 * issues hfence.vvma for the VMID there; remote fences for vCPUs that are not running are
 * deferred to their next entry.
 *
 * Costs (virtual time): each exit charges trapEntry + vmExit + hypervisorWork to the hart, each
 * entry vmEntry + trapReturn; MMIO emulation adds mmioAccess, remote fences and IPIs ipiLatency.
 * Metrics (counted directly, with the names MetricsCollector uses): vm_exits.total,
 * vm_exits.by_reason.<r>, hart<h>.vm_exits, <vm>.vm_exits.total, <vm>.vm_exits.by_reason.<r>,
 * <vm>.vcpu<n>.vm_exits.total, <vm>.vcpu<n>.vm_exits.by_reason.<r>,
 * vm_entries.total, <vm>.vm_entries.total, sbi.calls.*, <vm>.sbi_calls.*, <vm>.hypercalls;
 * {@link Hypervisor.metrics} adds per-VM instructions, console chars, state and G-stage figures.
 *
 * Snapshots: the hypervisor registers itself as the machine's 'hypervisor' snapshot part
 * (simulator/snapshot), so a SnapshotStore of the machine captures and restores it with the
 * machine (see {@link Hypervisor.captureState}). Every write to host RAM goes through `Bus.write`
 * or `Ram.prepareWrite` (HostMemory), so guest images, G-stage tables and guest memory are
 * covered by the copy-on-write RAM layers.
 */
import type { Machine } from '../machine';
import type { Hart, VmExitTrap } from '../riscv/hart/hart';
import { CSR, PRV_S, causeText } from '../riscv/hart/csr';
import { Op, decode } from '../riscv/hart/decode';
import { Acc } from '../riscv/mmu/mmu';
import type { Image } from '../riscv/image';
import type { EventId } from '../machine/events';
import { captureFields, registerSnapshotPart, restoreFields, type FieldState, type Snapshottable } from '../snapshot';
import { HsmState, extensionName, sbiCall } from '../sbi';
import type { RfenceRequest, SbiEnv } from '../sbi';
import { metricSegment, type VmExitReason } from '../trace';
import { GStage, HostMemory, PAGE_SIZE, PagePool, gstagePagesFor } from './gstage';
import { HC, TRACE_HYPERCALL_BASE, hypercall, isHypercall, type HypercallResult } from './hypercalls';
import { SBI_ERR_DENIED, SBI_ERR_INVALID_ADDRESS, SBI_ERR_INVALID_PARAM, SBI_SUCCESS } from '../sbi/constants';
import { CallbackRegistry, eventContext, type CallbackRegistryState } from './callbacks';
import type { EngineKind } from '../ebpf/vm/vm';
import type { EventName } from '../ebpf/events';
import { permutation, reclaimMetrics, reclaimState, type ReclaimSpec } from './reclaim';
import { VSEI, VSSI, VSTI, Vcpu, restoreContext, saveContext } from './vcpu';
import { GUEST_RAM_BASE, GUEST_UART_BASE, GUEST_UART_SIZE, Vm } from './vm';

export interface VmSpec {
  name: string;
  vcpus: number;
  /** Guest RAM bytes (a multiple of 4 KiB). */
  memory: number;
  /** The guest code, linked at guest-physical addresses inside [0x80000000, + memory). */
  image: Image;
  /** Host page reclaim from this VM (reclaim.ts). */
  reclaim?: ReclaimSpec;
}

export interface HypervisorOptions {
  /** Virtual cycles a vCPU may keep a hart while others wait (default 1 000 000). */
  timeslice?: number;
  /** 'demand' (default): G-stage pages are mapped on first access; 'eager': all at boot. */
  mapping?: 'demand' | 'eager';
  vms: VmSpec[];
  /** Engine of hyper-callbacks: 'jit' (compiled to JavaScript, default) or 'interp'. */
  callbackEngine?: EngineKind;
}

/** A problem with the VM configuration (does not fit in host memory, image outside guest RAM). */
export class HypervisorConfigError extends Error {}

const MIB2 = 2 * 1024 * 1024;
const hex = (v: number | bigint): string => `0x${v.toString(16)}`;
/** medeleg: every exception the hart lets S/HS handle. */
const MEDELEG_ALL = 0xf0b7ffn;
/** hedeleg: misaligned fetch/load/store, access faults, illegal instruction, breakpoint, ecall from VU, page faults. */
const HEDELEG_GUEST = (1n << 0n) | (1n << 1n) | (1n << 2n) | (1n << 3n) | (1n << 4n) | (1n << 5n) | (1n << 6n) | (1n << 7n) | (1n << 8n) | (1n << 12n) | (1n << 13n) | (1n << 15n);
const HIDELEG_VS = BigInt(VSSI | VSTI | VSEI);
const WFI = 0x10500073;
const CSR_PMPCFG0 = 0x3a0, CSR_PMPADDR0 = 0x3b0;
const J_BACK_4 = 0xffdff06f; // jal x0, -4

/** A vCPU named by its VM's index and its own index (snapshots hold these, not the objects). */
type VcpuRef = readonly [vm: number, vcpu: number];

/** One VM's part of a {@link HypervisorState}. */
interface VmSnapshot {
  vm: FieldState;
  gstage: FieldState;
  uart: FieldState;
  vcpus: FieldState[];
}

/**
 * What a machine snapshot holds of the hypervisor (see {@link Hypervisor.captureState}). Opaque:
 * only `restoreState` of a hypervisor with the same VMs reads it.
 */
export interface HypervisorState {
  readonly own: FieldState;
  readonly running: readonly (VcpuRef | null)[];
  readonly runQueue: readonly VcpuRef[];
  readonly lastOnHart: readonly (readonly [number, VcpuRef])[][];
  readonly pool: FieldState;
  readonly vms: readonly VmSnapshot[];
  readonly callbacks: CallbackRegistryState;
}

/**
 * Fields of {@link Hypervisor} that `captureFields` does not copy, each either configuration fixed
 * at construction or handled by name in captureState (object references become {@link VcpuRef}s).
 * A test checks that every other field is data `captureFields` copies, so a field added later is
 * either captured automatically or has to be listed (and handled) here.
 */
export const HYPERVISOR_SNAPSHOT_REFS = ['machine', 'vms', 'mem', 'pool', 'envs', 'running', 'runQueue', 'lastOnHart', 'callbacks'] as const;
/** Configuration fields (fixed at construction): not captured. */
const HV_CONFIG = ['reservedBase', 'reservedSize', 'timeslice'];
const VM_CONFIG = ['index', 'name', 'vmid', 'memory', 'hostBase'];
const VCPU_CONFIG = ['vmIndex', 'index', 'name'];

export class Hypervisor implements Snapshottable<HypervisorState> {
  readonly vms: Vm[] = [];
  readonly mem: HostMemory;
  readonly pool: PagePool;
  /** Start and size of the hypervisor's reserved host region. */
  readonly reservedBase: number;
  readonly reservedSize: number;
  readonly timeslice: number;
  private readonly running: (Vcpu | undefined)[];
  private readonly runQueue: Vcpu[] = [];
  private readonly sliceEvents: (EventId | undefined)[];
  /** Per hart: the vCPU of each VM (by index) that ran there last. */
  private readonly lastOnHart: Map<number, Vcpu>[];
  private readonly envs: VcpuSbiEnv[] = [];
  /** Hart whose VM exit is being handled now, or -1 (machine events, set-up). */
  private exitHart = -1;
  /** Every VM's hyper-callbacks (callbacks.ts). */
  readonly callbacks: CallbackRegistry;

  constructor(readonly machine: Machine, options: HypervisorOptions) {
    if (machine.clint === undefined) throw new HypervisorConfigError('the hypervisor needs the platform devices (the timer)');
    this.timeslice = options.timeslice ?? 1_000_000;
    const n = machine.harts.length;
    this.running = new Array<Vcpu | undefined>(n).fill(undefined);
    this.sliceEvents = new Array<EventId | undefined>(n).fill(undefined);
    this.lastOnHart = Array.from({ length: n }, () => new Map<number, Vcpu>());
    if (options.vms.length === 0) throw new HypervisorConfigError('no VM to run');
    if (options.vms.length > 0x3ffe) throw new HypervisorConfigError('too many VMs for 14-bit VMIDs');

    // Host memory layout.
    const ramBase = Number(machine.ramBase);
    let tablePages = 1; // the HS vector page
    for (const vm of options.vms) tablePages += gstagePagesFor(GUEST_RAM_BASE, vm.memory) + 4 + 8; // + root alignment + MMIO slack
    this.reservedBase = ramBase;
    this.reservedSize = Math.ceil((tablePages * PAGE_SIZE) / MIB2) * MIB2;
    let next = ramBase + this.reservedSize;
    const bases: number[] = [];
    for (const vm of options.vms) {
      if (vm.memory <= 0 || vm.memory % PAGE_SIZE) throw new HypervisorConfigError(`VM '${vm.name}': memory must be a positive multiple of 4 KiB`);
      if (vm.vcpus < 1) throw new HypervisorConfigError(`VM '${vm.name}': needs at least one vCPU`);
      bases.push(next);
      next += Math.ceil(vm.memory / MIB2) * MIB2;
    }
    const needed = next - ramBase;
    if (needed > machine.ramSize) {
      throw new HypervisorConfigError(`the VMs need ${needed} bytes of host memory (${this.reservedSize} for the hypervisor, the rest guest RAM in 2 MiB-aligned blocks) but the machine has ${machine.ramSize}`);
    }

    // The machine starts empty: RAM zeroed, harts reset, events cleared.
    machine.load({ entry: machine.ramBase, sections: [], symbols: [], sourceMap: [] });
    this.mem = new HostMemory(machine.bus.ram);
    this.pool = new PagePool(this.mem, this.reservedBase + PAGE_SIZE, this.reservedSize - PAGE_SIZE);
    this.callbacks = new CallbackRegistry(machine, this.mem, this.vms, options.callbackEngine ?? 'jit');
    const vector = this.reservedBase;
    machine.writeMemory(BigInt(vector), Uint8Array.from([WFI, WFI >>> 8, WFI >>> 16, WFI >>> 24, J_BACK_4, J_BACK_4 >>> 8, J_BACK_4 >>> 16, J_BACK_4 >>> 24].map((b) => b & 0xff)));

    for (const h of machine.harts) this.setupHart(h, vector);

    options.vms.forEach((spec, i) => {
      const vm = new Vm(i, spec.name, i + 1, spec.memory, bases[i], new GStage(this.mem, this.pool), spec.vcpus,
        (v, b) => this.consoleOut(v, b), (v, level) => this.uartIrq(v, level));
      this.vms.push(vm);
      this.envs.push(new VcpuSbiEnv(this, vm));
      this.loadImage(vm, spec.image);
      if (spec.reclaim !== undefined) {
        vm.reclaim = reclaimState(spec.reclaim);
        machine.schedule(spec.reclaim.at, () => this.startReclaim(vm), `hv.reclaim[${vm.name}]`);
      }
      if (options.mapping === 'eager') for (let p = 0; p < vm.memory; p += PAGE_SIZE) vm.gstage.map(GUEST_RAM_BASE + p, vm.hostBase + p);
      // SBI boot protocol: vCPU 0 starts at the entry with a0 = 0, a1 = 0 (no device tree); the
      // others are HSM-stopped until hart_start.
      const boot = vm.vcpus[0];
      boot.resetAt(spec.image.entry, 0n);
      boot.state = 'runnable';
      this.runQueue.push(boot);
    });
    machine.bus.clearCode();
    for (const h of machine.harts) h.flushCodeCache();
    for (let i = 0; i < n; i++) this.idle(i);
    this.dispatch();
    registerSnapshotPart(machine, 'hypervisor', this);
  }

  // ---------------------------------------------------------------- snapshots ----------------
  /**
   * The hypervisor's part of a machine snapshot (Snapshottable; registered as 'hypervisor'):
   * - its own data fields (timeslice event ids per hart, the exit hart), via captureFields;
   * - the scheduler's object references as (VM, vCPU) indices: which vCPU runs on which hart, the
   *   run queue in order, the vCPU of each VM that ran last on each hart;
   * - the G-stage page pool position, and per VM: state, stop reason, console text and the
   *   console line not yet passed to the machine, SBI/hypercall/demand-map counters, the
   *   G-stage's mapped page count, the emulated UART's registers and receive queue;
   * - per vCPU: run state, saved context (registers, pc, privilege, VS CSRs, hstatus bits, hvip,
   *   htimedelta), hart and last hart, deferred-fence flag, suspension, virtual timer event id,
   *   instruction accounting and placement generation.
   * Everything else lives in the machine, which the snapshot holds itself: the harts (a running
   * vCPU's registers), the event queue (timeslice, vtimer, IPI and hart_start events, with their
   * ids; their closures reach mutable state only through the Vcpu, Vm and Hypervisor objects,
   * which restoreState updates in place and never replaces), the metrics (exit/entry/SBI
   * counters), and RAM (guest memory and the G-stage tables, written through prepareWrite).
   */
  captureState(): HypervisorState {
    const ref = (v: Vcpu): VcpuRef => [v.vmIndex, v.index];
    return {
      own: captureFields(this, [...HV_CONFIG, ...HYPERVISOR_SNAPSHOT_REFS]),
      running: this.running.map((v) => (v === undefined ? null : ref(v))),
      runQueue: this.runQueue.map(ref),
      lastOnHart: this.lastOnHart.map((m) => [...m].map(([k, v]): [number, VcpuRef] => [k, ref(v)])),
      pool: captureFields(this.pool),
      vms: this.vms.map((vm) => ({
        vm: captureFields(vm, VM_CONFIG),
        gstage: captureFields(vm.gstage),
        uart: captureFields(vm.uart),
        vcpus: vm.vcpus.map((v) => captureFields(v, VCPU_CONFIG)),
      })),
      callbacks: this.callbacks.captureState(),
    };
  }

  /** Puts back a state from {@link captureState} of this hypervisor (the objects stay, their fields change). */
  restoreState(s: HypervisorState): void {
    if (s.vms.length !== this.vms.length || s.vms.some((x, i) => x.vcpus.length !== this.vms[i].vcpus.length) || s.running.length !== this.running.length) {
      throw new Error('hypervisor snapshot of a different configuration (VMs, vCPUs or harts differ)');
    }
    const vcpu = ([vm, i]: VcpuRef): Vcpu => this.vms[vm].vcpus[i];
    restoreFields(this, s.own);
    s.running.forEach((r, i) => { this.running[i] = r === null ? undefined : vcpu(r); });
    this.runQueue.length = 0;
    for (const r of s.runQueue) this.runQueue.push(vcpu(r));
    s.lastOnHart.forEach((entries, i) => {
      const m = this.lastOnHart[i];
      m.clear();
      for (const [k, r] of entries) m.set(k, vcpu(r));
    });
    restoreFields(this.pool, s.pool);
    this.callbacks.restoreState(s.callbacks);
    s.vms.forEach((vs, i) => {
      const vm = this.vms[i];
      restoreFields(vm, vs.vm);
      restoreFields(vm.gstage, vs.gstage);
      restoreFields(vm.uart, vs.uart);
      vs.vcpus.forEach((st, j) => restoreFields(vm.vcpus[j], st));
      if (!vs.vm.has('reclaim')) vm.reclaim = undefined;
    });
  }

  // ---------------------------------------------------------------- set-up -------------------
  private setupHart(h: Hart, vector: number): void {
    h.vmExitHook = (hart, exit) => this.onExit(hart, exit);
    // What M-mode firmware does before handing the hart to HS: PMP entry 0 = the whole physical
    // address space, RWX (NAPOT), so S/HS and guest accesses pass PMP.
    h.csrWrite(CSR_PMPADDR0, (1n << 54n) - 1n);
    h.csrWrite(CSR_PMPCFG0, 0x1fn);
    h.priv = PRV_S;
    h.virt = 0;
    h.csrWrite(CSR.medeleg, MEDELEG_ALL);
    h.csrWrite(CSR.mideleg, 0x222n);
    h.csrWrite(CSR.hedeleg, HEDELEG_GUEST);
    h.csrWrite(CSR.hideleg, HIDELEG_VS);
    h.csrWrite(CSR.mcounteren, 7n);
    h.csrWrite(CSR.hcounteren, 7n);
    h.csrWrite(CSR.stvec, BigInt(vector));
    h.csrWrite(CSR.hstatus, 1n << 21n);
    h.pc = vector;
    h.ctxChanged();
  }

  private loadImage(vm: Vm, image: Image): void {
    for (const s of image.sections) {
      if (!s.alloc || s.size === 0) continue;
      const gpa = Number(s.address);
      if (!vm.inRam(gpa, s.size)) {
        throw new HypervisorConfigError(`VM '${vm.name}': section ${s.name} at ${hex(s.address)} (+${s.size}) is outside its guest RAM ${hex(GUEST_RAM_BASE)}..${hex(GUEST_RAM_BASE + vm.memory)}`);
      }
      if (s.progbits) this.mem.write(vm.hostBase + (gpa - GUEST_RAM_BASE), s.data.subarray(0, s.size));
    }
    const entry = Number(image.entry);
    if (!vm.inRam(entry, 4)) throw new HypervisorConfigError(`VM '${vm.name}': entry ${hex(image.entry)} is outside its guest RAM`);
  }

  // ---------------------------------------------------------------- scheduling ---------------
  /** The vCPU running on hart i, if any. */
  vcpuOn(i: number): Vcpu | undefined { return this.running[i]; }

  /** Runnable vCPUs waiting for a hart, in order. */
  get queued(): readonly Vcpu[] { return this.runQueue; }

  /** Puts queued vCPUs on idle harts (`prefer` first, then in hart order); parks harts left idle. */
  private dispatch(prefer = -1): void {
    const order = prefer >= 0 ? [prefer, ...this.machine.harts.map((_, i) => i).filter((i) => i !== prefer)] : this.machine.harts.map((_, i) => i);
    for (const i of order) {
      if (this.running[i] !== undefined) continue;
      const v = this.runQueue.shift();
      if (v === undefined) { this.idle(i); continue; }
      this.place(v, i);
    }
  }

  /** Parks hart i in HS with no vCPU. */
  private idle(i: number): void {
    const h = this.machine.harts[i];
    this.machine.hsm[i] = HsmState.Stopped;
    h.virt = 0; h.priv = PRV_S; h.pc = this.reservedBase;
    h.csrWrite(CSR.hgatp, 0n);
    h.csrWrite(CSR.hvip, 0n);
    h.waiting = false;
    h.brk = true;
  }

  private place(v: Vcpu, i: number): void {
    const h = this.machine.harts[i];
    const vm = this.vms[v.vmIndex];
    restoreContext(h, v.ctx, vm.hgatpFor());
    const last = this.lastOnHart[i].get(vm.index);
    if (v.needsVvmaFlush || (last !== undefined && (last !== v || v.lastHart !== i))) h.mmu.flush('hfence.vvma', { vmid: vm.vmid });
    v.needsVvmaFlush = false;
    this.lastOnHart[i].set(vm.index, v);
    v.lastHart = i;
    v.hart = i;
    v.state = 'running';
    v.retiredMark = h.retired;
    v.generation++;
    v.preemptDeferred = false;
    v.placedAt = this.machine.hartTime(i);
    this.running[i] = v;
    this.machine.hsm[i] = HsmState.Started;
    h.brk = true;
    this.enter(h, v);
    this.armSlice(i, v);
  }

  /** Takes the vCPU off its hart, saving its context (the hart is left without a vCPU). */
  private unplace(v: Vcpu): void {
    const i = v.hart;
    if (i < 0) return;
    const h = this.machine.harts[i];
    saveContext(h, v.ctx);
    v.instructions += h.retired - v.retiredMark;
    v.hart = -1;
    this.running[i] = undefined;
    const ev = this.sliceEvents[i];
    if (ev !== undefined) { this.machine.events.cancel(ev); this.sliceEvents[i] = undefined; }
    h.brk = true;
  }

  private armSlice(i: number, v: Vcpu): void {
    const ev = this.sliceEvents[i];
    if (ev !== undefined) this.machine.events.cancel(ev);
    const gen = v.generation;
    this.sliceEvents[i] = this.machine.schedule(this.machine.timeNow() + this.timeslice, () => this.sliceEnd(i, v, gen), `hv.timeslice[${i}]`);
  }

  private sliceEnd(i: number, v: Vcpu, gen: number): void {
    this.sliceEvents[i] = undefined;
    if (this.running[i] !== v || v.generation !== gen) return;
    if (this.runQueue.length === 0) { this.armSlice(i, v); return; }
    const h = this.machine.harts[i];
    // vcpu-preemption callbacks: "is this vCPU holding a lock?" — any r0 != 0 defers the
    // preemption once (one more timeslice), without a VM exit.
    if (!v.preemptDeferred && this.preemptionVeto(h, v)) {
      v.preemptDeferred = true;
      this.machine.metrics.add('preemptions.deferred');
      this.machine.metrics.add(`${this.vms[v.vmIndex].name}.preemptions.deferred`);
      this.armSlice(i, v);
      return;
    }
    // Preemption: a host timer interrupt ends the guest's slice (one VM exit).
    this.exitCost(h, v, 'preemption', h.getPc(), undefined);
    v.state = 'runnable';
    this.unplace(v);
    this.runQueue.push(v);
    this.dispatch(i);
  }

  /** Makes a stopped/waiting vCPU runnable and gives it a hart if one is idle. */
  private wake(v: Vcpu): void {
    if (v.state !== 'waiting' && v.state !== 'start-pending') return;
    const sus = v.suspension;
    v.suspension = undefined;
    if (sus !== undefined && !sus.retentive) {
      const hvip = v.ctx.hvip, vsie = v.ctx.vsie;
      v.resetAt(sus.resumeAddr, sus.opaque);
      v.ctx.hvip = hvip; v.ctx.vsie = vsie;
    }
    v.state = 'runnable';
    this.runQueue.push(v);
    if (this.exitHart < 0) this.dispatch();
  }

  // ---------------------------------------------------------------- exits --------------------
  private exitCost(h: Hart, v: Vcpu, reason: VmExitReason, pc: bigint, detail: string | undefined): void {
    const k = this.machine.costs;
    this.machine.charge(h.id, k.trapEntry + k.vmExit + k.hypervisorWork);
    const vm = this.vms[v.vmIndex];
    const m = this.machine.metrics;
    const r = metricSegment(reason);
    m.add('vm_exits.total');
    m.add(`vm_exits.by_reason.${r}`);
    m.add(`hart${h.id}.vm_exits`);
    m.add(`${vm.name}.vm_exits.total`);
    m.add(`${vm.name}.vm_exits.by_reason.${r}`);
    m.add(`${vm.name}.vcpu${v.index}.vm_exits.total`);
    m.add(`${vm.name}.vcpu${v.index}.vm_exits.by_reason.${r}`);
    const t = this.machine.trace;
    if (t.enabled('vm-exit')) {
      t.emit(detail === undefined
        ? { kind: 'vm-exit', time: this.machine.timeNow(), hart: h.id, vm: vm.name, vcpu: v.index, reason, pc }
        : { kind: 'vm-exit', time: this.machine.timeNow(), hart: h.id, vm: vm.name, vcpu: v.index, reason, pc, detail });
    }
  }

  private enter(h: Hart, v: Vcpu): void {
    const k = this.machine.costs;
    this.machine.charge(h.id, k.vmEntry + k.trapReturn);
    const vm = this.vms[v.vmIndex];
    this.machine.metrics.add('vm_entries.total');
    this.machine.metrics.add(`${vm.name}.vm_entries.total`);
    const t = this.machine.trace;
    if (t.enabled('vm-entry')) t.emit({ kind: 'vm-entry', time: this.machine.timeNow(), hart: h.id, vm: vm.name, vcpu: v.index, pc: h.getPc() });
  }

  private classify(e: VmExitTrap): { reason: VmExitReason; detail?: string } {
    if (e.interrupt) return { reason: 'interrupt', detail: `interrupt ${e.cause}` };
    switch (e.cause) {
      case 10: return { reason: 'ecall' };
      case 20: case 21: case 23: {
        const gpa = Number((e.htval << 2n) | (e.tval & 3n));
        return { reason: gpa >= GUEST_UART_BASE && gpa < GUEST_UART_BASE + GUEST_UART_SIZE && e.cause !== 20 ? 'mmio' : 'guest-page-fault', detail: `gpa ${hex(gpa)}` };
      }
      case 22: return decode(Number(e.tval & 0xffffffffn)).op === Op.WFI ? { reason: 'wfi' } : { reason: 'virtual-instruction', detail: `insn ${hex(e.tval)}` };
      default: return { reason: 'other', detail: causeText(BigInt(e.cause)) };
    }
  }

  private onExit(h: Hart, e: VmExitTrap): boolean {
    const v = this.running[h.id];
    if (v === undefined) return false;
    this.exitHart = h.id;
    try {
      this.handleExit(h, v, e);
    } finally {
      this.exitHart = -1;
    }
    return true;
  }

  private handleExit(h: Hart, v: Vcpu, e: VmExitTrap): void {
    const vm = this.vms[v.vmIndex];
    const epc = Number(BigInt.asIntN(64, e.epc));
    const { reason, detail } = this.classify(e);
    let what = detail;
    if (reason === 'ecall') what = ecallDetail(h.getReg(17), h.getReg(16));
    this.exitCost(h, v, reason, e.epc, what);
    h.pc = epc;
    if (e.interrupt) {
      // No HS interrupt is enabled while guests run; nothing to do but resume.
    } else {
      switch (e.cause) {
        case 10: this.onEcall(h, v, vm, epc); break;
        case 20: case 21: case 23: this.onGuestPageFault(h, vm, e, epc); break;
        case 22: this.onVirtualInstruction(h, v, e, epc); break;
        default: this.crash(vm, `unexpected ${causeText(BigInt(e.cause))} from the guest at pc ${hex(e.epc)} (tval ${hex(e.tval)})`);
      }
    }
    this.afterExit(h, v);
  }

  /** Resumes the vCPU, or (if it blocked, stopped or yielded) saves it and gives the hart to the next one. */
  private afterExit(h: Hart, v: Vcpu): void {
    if (v.hart === h.id && v.state === 'running') this.enter(h, v);
    else {
      if (v.hart === h.id) this.unplace(v);
      if (v.state === 'runnable') this.runQueue.push(v);
      else if (v.state === 'waiting' && this.wakeable(v)) this.wake(v);
      h.brk = true;
    }
    // This hart if it is free, then any idle hart, takes what the exit made runnable.
    if (this.runQueue.length > 0 || this.running[h.id] === undefined) this.dispatch(h.id);
  }

  private wakeable(v: Vcpu): boolean { return (v.ctx.hvip & v.ctx.vsie) !== 0; }

  // --- ecall: SBI and hypercalls
  private onEcall(h: Hart, v: Vcpu, vm: Vm, epc: number): void {
    const eid = h.getReg(17), fid = h.getReg(16);
    const args = [10, 11, 12, 13, 14, 15].map((r) => h.getReg(r));
    h.pc = epc + 4;
    const m = this.machine.metrics;
    if (isHypercall(eid)) {
      vm.hypercalls++;
      m.add(`${vm.name}.hypercalls`);
      if (fid !== HC.TRACEPOINT) this.tracepoint(h, v, vm, TRACE_HYPERCALL_BASE + Number(BigInt.asUintN(16, fid)), args.slice(0, 4));
      const r = hypercall(fid, args, {
        vmId: vm.vmid, vcpus: vm.vcpus.length, ramBase: BigInt(GUEST_RAM_BASE), ramSize: vm.memory,
        harts: this.machine.harts.length, vcpuIndex: v.index,
        yieldVcpu: () => { if (this.runQueue.length > 0) v.state = 'runnable'; },
        extended: (f, a) => this.extendedHypercall(h, v, vm, f, a),
      });
      h.setReg(10, BigInt.asUintN(64, r.error));
      h.setReg(11, BigInt.asUintN(64, r.value));
      return;
    }
    const ext = extensionName(eid);
    vm.sbiCalls++;
    m.add('sbi.calls.total');
    m.add(`sbi.calls.${ext}`);
    m.add(`${vm.name}.sbi_calls.total`);
    m.add(`${vm.name}.sbi_calls.${ext}`);
    const r = sbiCall({ hart: v.index, eid, fid, args }, this.envs[vm.index]);
    if (r.kind === 'sbiret') { h.setReg(10, BigInt.asUintN(64, r.error)); h.setReg(11, BigInt.asUintN(64, r.value)); } else if (r.kind === 'legacy') h.setReg(10, BigInt.asUintN(64, r.a0));
  }

  // --- guest-page faults: demand mapping, MMIO emulation, isolation
  private onGuestPageFault(h: Hart, vm: Vm, e: VmExitTrap, epc: number): void {
    const gpa = Number((e.htval << 2n) | (e.tval & 3n));
    const access = e.cause === 20 ? 'fetch' : e.cause === 21 ? 'load' : 'store';
    if (vm.inRam(gpa)) {
      const page = gpa - (gpa % PAGE_SIZE);
      if (vm.gstage.lookup(page) !== undefined) {
        this.crash(vm, `${access} guest-page fault on mapped guest RAM at GPA ${hex(gpa)} (pc ${hex(e.epc)})`);
        return;
      }
      vm.gstage.map(page, vm.hostBase + (page - GUEST_RAM_BASE));
      vm.demandMaps++;
      const r = vm.reclaim;
      const kind = r?.taken[String(page)];
      if (r !== undefined && kind !== undefined) {
        delete r.taken[String(page)];
        r.refaults++; r.exits++; r.entries++;
        this.machine.metrics.add(`${vm.name}.reclaim.refault_exits`);
        if (kind === 2) { r.swapIns++; this.machine.charge(h.id, r.swapCycles); }
      }
      h.pc = epc; // retry the access
      return;
    }
    if (gpa >= GUEST_UART_BASE && gpa < GUEST_UART_BASE + GUEST_UART_SIZE && e.cause !== 20) {
      this.emulateMmio(h, vm, e, epc, gpa - GUEST_UART_BASE);
      return;
    }
    const where = e.gva ? ` (guest virtual ${hex(e.tval)})` : '';
    this.crash(vm, `${access} guest-page fault at GPA ${hex(gpa)}${where}, pc ${hex(e.epc)}: outside the VM's memory (guest RAM ${hex(GUEST_RAM_BASE)}..${hex(GUEST_RAM_BASE + vm.memory)}, UART ${hex(GUEST_UART_BASE)})`);
  }

  /** The trapping instruction: htinst when it holds a (transformed) instruction, else read through the guest's translation (as hlvx.wu would). */
  private trappingInstruction(h: Hart, e: VmExitTrap, epc: number): number | undefined {
    if (e.htinst !== 0 && (e.htinst & 3) === 3 && e.htinst !== 0x3000 && e.htinst !== 0x3020) return e.htinst;
    const hi = Math.floor(epc / 4294967296);
    const pa = h.mmu.translate(epc | 0, hi | 0, Acc.Load, h.priv, true, true, false, 4);
    if (pa < 0 || !h.bus.read(pa, 4)) return undefined;
    return h.bus.rlo;
  }

  private emulateMmio(h: Hart, vm: Vm, e: VmExitTrap, epc: number, offset: number): void {
    const raw = this.trappingInstruction(h, e, epc);
    if (raw === undefined) { this.crash(vm, `cannot read the instruction at guest pc ${hex(e.epc)} to emulate an MMIO access`); return; }
    const d = decode(raw);
    const isLoad = d.op === Op.LB || d.op === Op.LH || d.op === Op.LW || d.op === Op.LD || d.op === Op.LBU || d.op === Op.LHU || d.op === Op.LWU;
    const isStore = d.op === Op.SB || d.op === Op.SH || d.op === Op.SW || d.op === Op.SD;
    if ((e.cause === 21 && !isLoad) || (e.cause === 23 && !isStore)) {
      this.crash(vm, `unsupported MMIO access by instruction ${hex(raw >>> 0)} at guest pc ${hex(e.epc)} (only plain loads and stores are emulated)`);
      return;
    }
    this.machine.charge(h.id, this.machine.costs.mmioAccess);
    const w = d.width;
    if (isLoad) {
      const val = vm.uart.read(offset, w);
      if (val === undefined) { this.crash(vm, `bad ${w}-byte UART read at offset ${hex(offset)} (pc ${hex(e.epc)})`); return; }
      const bits = BigInt(8 * w);
      const signed = d.op === Op.LB || d.op === Op.LH || d.op === Op.LW || d.op === Op.LD;
      h.setReg(d.rd, signed ? BigInt.asUintN(64, BigInt.asIntN(Number(bits), val)) : BigInt.asUintN(Number(bits), val));
    } else {
      const val = BigInt.asUintN(8 * w, h.getReg(d.rs2));
      if (!vm.uart.write(offset, w, val)) { this.crash(vm, `bad ${w}-byte UART write at offset ${hex(offset)} (pc ${hex(e.epc)})`); return; }
    }
    h.pc = epc + 4;
  }

  // --- virtual instruction: wfi gives the hart away; the rest is illegal for the guest
  private onVirtualInstruction(h: Hart, v: Vcpu, e: VmExitTrap, epc: number): void {
    const raw = Number(e.tval & 0xffffffffn);
    if (decode(raw).op === Op.WFI) {
      h.pc = epc + 4;
      if ((h.hvip & h.mie & (VSSI | VSTI | VSEI)) === 0) v.state = 'waiting';
      return;
    }
    this.injectException(h, 2, BigInt(raw), epc);
  }

  /** Delivers an exception to the guest's own handler (trap into VS as the hart would with hedeleg set). */
  private injectException(h: Hart, cause: number, tval: bigint, epc: number): void {
    h.vsepc = BigInt.asUintN(64, BigInt(epc)); h.vscause = BigInt(cause); h.vstval = tval;
    h.vsSPIE = h.vsSIE; h.vsSIE = 0; h.vsSPP = h.priv;
    h.priv = PRV_S;
    h.pc = Number(BigInt.asIntN(64, h.vstvec & ~3n));
  }

  // ---------------------------------------------------------------- virtual interrupts -------
  /** Sets a VS interrupt pending for a vCPU (hvip); a running vCPU gets it through an exit. */
  raise(v: Vcpu, bit: number, source: string, duringExit = false): void {
    const vm = this.vms[v.vmIndex];
    if (vm.stopped || v.state === 'stopped') return;
    if (v.hart >= 0) {
      const h = this.machine.harts[v.hart];
      if (h.hvip & bit) return;
      if (!duringExit) {
        this.exitCost(h, v, bit === VSTI ? 'timer' : 'interrupt', h.getPc(), source);
        this.enter(h, v);
      }
      h.csrWrite(CSR.hvip, BigInt(h.hvip | bit));
      h.brk = true;
    } else {
      if (v.ctx.hvip & bit) return;
      v.ctx.hvip |= bit;
    }
    const m = this.machine.metrics;
    m.add('interrupts.virtual');
    m.add(`${vm.name}.interrupts`);
    const t = this.machine.trace;
    if (t.enabled('interrupt')) t.emit({ kind: 'interrupt', time: this.machine.timeNow(), hart: Math.max(0, v.hart >= 0 ? v.hart : v.lastHart), vm: vm.name, vcpu: v.index, cause: Math.log2(bit), virtual: true, source });
    if (v.state === 'waiting' && this.wakeable(v)) this.wake(v);
  }

  /** Clears a VS interrupt pending bit of a vCPU. */
  lower(v: Vcpu, bit: number): void {
    if (v.hart >= 0) { const h = this.machine.harts[v.hart]; h.csrWrite(CSR.hvip, BigInt(h.hvip & ~bit)); } else v.ctx.hvip &= ~bit;
  }

  private uartIrq(vm: Vm, level: boolean): void {
    const v = vm.vcpus[0];
    if (level) this.raise(v, VSEI, 'uart', this.exitHart === v.hart); else this.lower(v, VSEI);
  }

  /**
   * A byte of a VM's console. The machine console gets each VM's output a line at a time (at the
   * newline, or when the VM stops), so that lines of VMs running on different harts do not mix.
   */
  private consoleOut(vm: Vm, byte: number): void {
    vm.console += String.fromCharCode(byte);
    vm.consoleChars++;
    this.machine.metrics.add(`${vm.name}.console.chars`);
    vm.pendingLine.push(byte);
    if (byte === 10) this.flushConsole(vm);
  }

  private flushConsole(vm: Vm): void {
    for (const b of vm.pendingLine) this.machine.consoleOut(b, Math.max(0, this.exitHart));
    vm.pendingLine.length = 0;
  }

  // ---------------------------------------------------------------- services for the SBI env ----
  /** set_timer of a vCPU: VSTIP clears now and is raised when the guest's time reaches `stime`. */
  setVcpuTimer(vm: Vm, v: Vcpu, stime: bigint): void {
    if (v.timerEvent !== undefined) { this.machine.events.cancel(v.timerEvent); v.timerEvent = undefined; }
    this.lower(v, VSTI);
    const clint = this.machine.clint;
    if (clint === undefined) return;
    const h = v.hart >= 0 ? this.machine.harts[v.hart] : undefined;
    const delta = h !== undefined ? h.htimedelta : v.ctx.htimedelta;
    const target = BigInt.asUintN(64, stime - delta);
    if (clint.mtime() >= target) { this.raise(v, VSTI, 'vtimer', this.exitHart === v.hart); return; }
    const at = clint.cycleOf(target);
    if (at === undefined) return;
    v.timerEvent = this.machine.schedule(at, () => { v.timerEvent = undefined; this.raise(v, VSTI, 'vtimer'); }, `hv.vtimer[${vm.name}/${v.index}]`);
  }

  sendVcpuIpi(vm: Vm, from: Vcpu, target: Vcpu): void {
    this.machine.metrics.add(`${vm.name}.ipis`);
    if (target === from) { this.raise(target, VSSI, 'ipi', true); return; }
    this.machine.schedule(this.machine.timeNow() + this.machine.costs.ipiLatency, () => this.raise(target, VSSI, 'ipi'), `hv.ipi[${vm.name}/${target.index}]`);
  }

  vcpuRfence(vm: Vm, from: Vcpu, targets: readonly Vcpu[], req: RfenceRequest): void {
    const m = this.machine;
    let remote = false;
    for (const t of targets) {
      if (t !== from) remote = true;
      if (req.kind === 'fence.i') {
        m.bus.clearCode();
        for (const h of m.harts) h.flushCodeCache();
        continue;
      }
      // A guest's sfence.vma (it sees no H extension) acts on its own VMID's VS-stage entries.
      if (t.hart < 0) { t.needsVvmaFlush = true; continue; }
      const h = m.harts[t.hart];
      const scope = req.asid === undefined ? { vmid: vm.vmid } : { vmid: vm.vmid, asid: req.asid };
      const pages = req.all ? Infinity : Number((req.size + (req.start & 0xfffn) + 0xfffn) / 0x1000n);
      if (pages > 64) { h.mmu.flush('hfence.vvma', scope); continue; }
      for (let p = 0; p < pages; p++) h.mmu.flush('hfence.vvma', { ...scope, vaddr: BigInt.asUintN(64, (req.start & ~0xfffn) + BigInt(p) * 0x1000n) });
    }
    if (remote && from.hart >= 0) m.charge(from.hart, 2 * m.costs.ipiLatency);
  }

  vcpuStart(vm: Vm, from: Vcpu, target: Vcpu, addr: bigint, opaque: bigint): void {
    target.state = 'start-pending';
    target.resetAt(addr, opaque);
    this.machine.schedule(this.machine.timeNow() + this.machine.costs.ipiLatency, () => {
      if (vm.stopped || target.state !== 'start-pending') return;
      this.wake(target);
    }, `hv.hart_start[${vm.name}/${target.index}]`);
    void from;
  }

  vcpuStop(v: Vcpu): void {
    if (v.timerEvent !== undefined) { this.machine.events.cancel(v.timerEvent); v.timerEvent = undefined; }
    v.state = 'stopped';
  }

  vcpuSuspend(v: Vcpu, retentive: boolean, resumeAddr: bigint, opaque: bigint): void {
    v.suspension = { retentive, resumeAddr, opaque };
    v.state = 'waiting';
  }

  hsmState(v: Vcpu): HsmState {
    switch (v.state) {
      case 'stopped': return HsmState.Stopped;
      case 'start-pending': return HsmState.StartPending;
      case 'waiting': return v.suspension !== undefined ? HsmState.Suspended : HsmState.Started;
      default: return HsmState.Started;
    }
  }

  writeGuest(vm: Vm, gpa: bigint, data: Uint8Array): boolean {
    const a = Number(gpa);
    if (gpa > BigInt(Number.MAX_SAFE_INTEGER) || !vm.inRam(a, data.length)) return false;
    this.machine.writeMemory(BigInt(vm.hostBase + (a - GUEST_RAM_BASE)), data);
    return true;
  }

  readGuest(vm: Vm, gpa: bigint, length: number): Uint8Array | undefined {
    const a = Number(gpa);
    if (gpa > BigInt(Number.MAX_SAFE_INTEGER) || !vm.inRam(a, length)) return undefined;
    return this.mem.bytes(vm.hostBase + (a - GUEST_RAM_BASE), length).slice();
  }

  vmConsoleWrite(vm: Vm, bytes: Uint8Array): void { for (const b of bytes) this.consoleOut(vm, b); }

  /** SBI system_reset from a guest: that VM stops. */
  vmReset(vm: Vm, type: 'shutdown' | 'cold-reboot' | 'warm-reboot', failure: boolean): void {
    if (type === 'shutdown') this.stopVm(vm, failure ? 'failed' : 'shutdown', failure ? 'SBI system_reset: shutdown (system failure)' : 'SBI system_reset: shutdown');
    else this.stopVm(vm, 'reset', `SBI system_reset: ${type} (the model stops the VM)`);
  }

  // ---------------------------------------------------------------- stopping VMs -------------
  /** Stops a VM because of something it did that the hypervisor will not allow or cannot emulate. */
  crash(vm: Vm, reason: string): void { this.stopVm(vm, 'crashed', reason); }

  private stopVm(vm: Vm, state: Vm['state'], reason: string): void {
    if (vm.stopped) return;
    vm.state = state;
    vm.stopReason = reason;
    this.flushConsole(vm);
    const current = this.exitHart;
    for (const v of vm.vcpus) {
      if (v.timerEvent !== undefined) { this.machine.events.cancel(v.timerEvent); v.timerEvent = undefined; }
      if (v.hart >= 0 && v.hart !== current) {
        const i = v.hart;
        this.unplace(v);
        v.state = 'stopped';
        this.dispatch(i);
        continue;
      }
      v.state = 'stopped';
    }
    for (let q = this.runQueue.length - 1; q >= 0; q--) if (this.runQueue[q].vmIndex === vm.index) this.runQueue.splice(q, 1);
    if (this.vms.every((x) => x.stopped)) {
      const ok = this.vms.every((x) => x.state === 'shutdown');
      const summary = this.vms.map((x) => `${x.name}: ${x.state}`).join(', ');
      this.machine.requestStop(ok ? { reason: 'pass', message: `every VM shut down (${summary})` } : { reason: 'fail', message: `every VM stopped (${summary}); ${this.vms.filter((x) => x.state !== 'shutdown').map((x) => `${x.name}: ${x.stopReason ?? x.state}`).join('; ')}` });
    }
  }

  // ---------------------------------------------------------------- hyper-callbacks ----------
  /** The VS-stage root of a vCPU: live on its hart, else from its saved context. */
  private vsatpOf(v: Vcpu): bigint { return v.hart >= 0 ? this.machine.harts[v.hart].vsatp : v.ctx.vsatp; }

  /** Hypercalls 16..20 (hypercalls.ts): callbacks, tracepoints, balloon. */
  private extendedHypercall(h: Hart, v: Vcpu, vm: Vm, fid: bigint, a: readonly bigint[]): HypercallResult | undefined {
    const ok = (value: bigint): HypercallResult => ({ error: SBI_SUCCESS, value });
    const err = (error: bigint): HypercallResult => ({ error, value: 0n });
    switch (fid) {
      case HC.REGISTER_CALLBACK: {
        this.callbacks.hart = h.id;
        const r = this.callbacks.registerFromGuest(vm, a[0], a[1], a[2], a[3], a[4]);
        if (r.ok) return ok(BigInt(r.id));
        return err(r.code === 'invalid-param' ? SBI_ERR_INVALID_PARAM : r.code === 'invalid-address' ? SBI_ERR_INVALID_ADDRESS : SBI_ERR_DENIED);
      }
      case HC.UNREGISTER_CALLBACK:
        return a[0] > 0n && a[0] <= BigInt(Number.MAX_SAFE_INTEGER) && this.callbacks.unregister(vm, Number(a[0])) ? ok(0n) : err(SBI_ERR_INVALID_PARAM);
      case HC.TRACEPOINT:
        this.tracepoint(h, v, vm, Number(BigInt.asUintN(32, a[0])), [a[1], a[2], a[3], 0n]);
        return ok(0n);
      case HC.BALLOON_TARGET: {
        const r = vm.reclaim;
        this.lower(v, VSSI);
        return ok(BigInt(r?.balloonPending ?? 0));
      }
      case HC.BALLOON_REPORT: return this.balloonReport(h, vm, a[0], a[1]);
      default: return undefined;
    }
  }

  /** Runs the VM's callbacks of `event` with `values` on hart `hart`; the r0 of each, in order. */
  runCallbacks(vm: Vm, event: EventName, values: Readonly<Record<string, bigint | number>>, hart: number, vsatp: bigint): bigint[] {
    const out: bigint[] = [];
    for (const cb of this.callbacks.of(vm, event)) {
      const ctx = eventContext(event, { ...values, range_start: cb.range.start, range_end: cb.range.end });
      out.push(this.callbacks.run(cb, ctx, vsatp, hart).r0);
    }
    return out;
  }

  private tracepoint(h: Hart, v: Vcpu, vm: Vm, id: number, args: readonly bigint[]): void {
    if (this.callbacks.of(vm, 'tracing').length === 0) return;
    this.runCallbacks(vm, 'tracing', { vm_id: vm.vmid, vcpu_id: v.index, event_id: id, arg0: args[0] ?? 0n, arg1: args[1] ?? 0n, arg2: args[2] ?? 0n, arg3: args[3] ?? 0n }, h.id, this.vsatpOf(v));
  }

  /** vcpu-preemption callbacks of the vCPU's VM: true when one answers non-zero (defer). */
  private preemptionVeto(h: Hart, v: Vcpu): boolean {
    const vm = this.vms[v.vmIndex];
    if (this.callbacks.of(vm, 'vcpu-preemption').length === 0) return false;
    const ranNs = Math.max(0, this.machine.hartTime(h.id) - v.placedAt);
    return this.runCallbacks(vm, 'vcpu-preemption', { vm_id: vm.vmid, vcpu_id: v.index, pc: BigInt.asUintN(64, BigInt(h.getPc())), sp: h.getReg(2), ran_ns: ranNs }, h.id, h.vsatp).some((r) => r !== 0n);
  }

  /**
   * io-submission callbacks for a request of a vCPU: the highest priority they return (0 when
   * none is registered) and the request flags after them (each may set bit 0, urgent).
   */
  ioSubmission(vm: Vm, vcpuIndex: number, req: { op: number; sector: bigint; length: number; flags: number }): { priority: bigint; flags: number } {
    const v = vm.vcpus[vcpuIndex];
    const hart = Math.max(0, v.hart >= 0 ? v.hart : v.lastHart);
    let priority = 0n, flags = req.flags;
    for (const cb of this.callbacks.of(vm, 'io-submission')) {
      const ctx = eventContext('io-submission', { vm_id: vm.vmid, vcpu_id: vcpuIndex, op: req.op, sector: req.sector, length: req.length, flags });
      const r = this.callbacks.run(cb, ctx, this.vsatpOf(v), hart);
      if (r.r0 > priority) priority = r.r0;
      flags = new DataView(ctx.buffer).getUint32(28, true);
    }
    return { priority, flags };
  }

  // ---------------------------------------------------------------- page reclaim -------------
  /** Hart charged with the host's reclaim work for a VM: its vCPU 0's (last) hart. */
  private reclaimHart(vm: Vm): number { const v = vm.vcpus[0]; return Math.max(0, v.hart >= 0 ? v.hart : v.lastHart); }

  private guestFree(vm: Vm, gpa: number): boolean {
    const r = vm.reclaim;
    if (r === undefined || r.freeBitmap < 0) return false;
    const i = (gpa - GUEST_RAM_BASE) / PAGE_SIZE;
    const byte = this.readGuest(vm, BigInt(r.freeBitmap + (i >> 3)), 1);
    return byte !== undefined && ((byte[0] >> (i & 7)) & 1) === 1;
  }

  /** Unmaps a page from the VM's G-stage: dropped (frame zeroed) or swapped (content kept "on swap"). */
  private takePage(vm: Vm, gpa: number, swap: boolean, hart: number): void {
    const r = vm.reclaim;
    if (r === undefined) return;
    if (!vm.gstage.unmap(gpa)) return;
    const k = this.machine.costs;
    let cost = k.hypervisorWork;
    if (swap) {
      r.swapped++;
      if (this.guestFree(vm, gpa)) r.freeSwapped++;
      cost += r.swapCycles;
    } else {
      r.dropped++;
      this.mem.zero(vm.hostBase + (gpa - GUEST_RAM_BASE), PAGE_SIZE);
    }
    r.taken[String(gpa)] = swap ? 2 : 1;
    r.pages++;
    r.cycles += cost;
    this.machine.charge(hart, cost);
  }

  /** hfence.gvma for the VM on every hart (and their code caches) after pages were unmapped. */
  private fenceVm(vm: Vm): void {
    for (const h of this.machine.harts) { h.mmu.flush('hfence.gvma', { vmid: vm.vmid }); h.flushCodeCache(); }
  }

  /** Guest RAM pages mapped in the G-stage, in the seeded candidate order. */
  private candidates(vm: Vm): number[] {
    const pages = vm.memory / PAGE_SIZE;
    return permutation(pages, vm.reclaim?.seed ?? 0).map((p) => GUEST_RAM_BASE + p * PAGE_SIZE).filter((gpa) => vm.gstage.lookup(gpa) !== undefined);
  }

  /** The reclaim event (scheduled at `reclaim.at`). */
  private startReclaim(vm: Vm): void {
    const r = vm.reclaim;
    if (r === undefined || r.started || vm.stopped) return;
    const m = this.machine.metrics;
    r.started = true;
    r.startTime = this.machine.timeNow();
    r.exitsAtStart = m.get(`${vm.name}.vm_exits.total`) ?? 0;
    r.entriesAtStart = m.get(`${vm.name}.vm_entries.total`) ?? 0;
    const hart = this.reclaimHart(vm);
    if (r.strategy === 'balloon') {
      r.balloonPending = r.wanted;
      this.raise(vm.vcpus[0], VSSI, 'balloon');
      return;
    }
    const list = this.candidates(vm);
    if (r.strategy === 'blind') {
      for (const gpa of list.slice(0, r.wanted)) this.takePage(vm, gpa, true, hart);
    } else {
      const v = vm.vcpus[0];
      const vsatp = this.vsatpOf(v);
      const rest: number[] = [];
      const before = this.callbacks.of(vm, 'page-reclaim').reduce((s, c) => s + c.stats.cycles, 0);
      for (const gpa of list) {
        if (r.pages >= r.wanted) break;
        const free = this.runCallbacks(vm, 'page-reclaim', { vm_id: vm.vmid, gpa, pages_wanted: r.wanted - r.pages }, hart, vsatp).some((x) => x === 1n);
        if (free) this.takePage(vm, gpa, false, hart); else rest.push(gpa);
      }
      r.cycles += this.callbacks.of(vm, 'page-reclaim').reduce((s, c) => s + c.stats.cycles, 0) - before;
      for (const gpa of rest) { if (r.pages >= r.wanted) break; this.takePage(vm, gpa, true, hart); }
    }
    this.fenceVm(vm);
    this.endReclaim(vm);
  }

  private endReclaim(vm: Vm): void {
    const r = vm.reclaim;
    if (r === undefined || r.done) return;
    const m = this.machine.metrics;
    r.done = true;
    r.exits += (m.get(`${vm.name}.vm_exits.total`) ?? 0) - r.exitsAtStart;
    r.entries += (m.get(`${vm.name}.vm_entries.total`) ?? 0) - r.entriesAtStart;
    if (r.strategy === 'balloon') r.cycles += this.machine.timeNow() - r.startTime;
  }

  /** balloon_report: the guest gives back the pages whose frame numbers are in an array at `gpa`. */
  private balloonReport(h: Hart, vm: Vm, gpa: bigint, count: bigint): HypercallResult {
    if (count < 1n || count > 512n) return { error: SBI_ERR_INVALID_PARAM, value: 0n };
    const bytes = this.readGuest(vm, gpa, Number(count) * 8);
    if (bytes === undefined) return { error: SBI_ERR_INVALID_ADDRESS, value: 0n };
    const r = vm.reclaim;
    if (r === undefined || !r.started || r.done) return { error: SBI_SUCCESS, value: 0n };
    const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    let took = 0;
    for (let k = 0; k < Number(count); k++) {
      const page = Number(view.getBigUint64(k * 8, true) & 0xfffffffffn) * PAGE_SIZE;
      if (!vm.inRam(page) || r.taken[String(page)] !== undefined) continue;
      const before = r.pages;
      this.takePage(vm, page, false, h.id);
      if (r.pages > before) took++;
    }
    r.balloonPending = Math.max(0, r.balloonPending - took);
    this.fenceVm(vm);
    if (r.pages >= r.wanted) { r.balloonPending = 0; this.endReclaim(vm); }
    return { error: SBI_SUCCESS, value: BigInt(took) };
  }

  // ---------------------------------------------------------------- results ------------------
  /** Brings per-vCPU instruction counts up to date (call after a run). */
  private account(): void {
    for (const vm of this.vms) for (const v of vm.vcpus) {
      if (v.hart < 0) continue;
      const h = this.machine.harts[v.hart];
      v.instructions += h.retired - v.retiredMark;
      v.retiredMark = h.retired;
    }
  }

  /** Runs the machine (all VMs) until they all stop, the instruction limit or a stop event; may be called again to continue. */
  run(options: { maxInstructions?: bigint } = {}): ReturnType<Machine['run']> {
    const r = this.machine.run(options);
    this.account();
    // Parked harts do not count in the machine's stop time: the run ends at the latest hart clock.
    const latest = Math.max(r.cycles, ...this.machine.harts.map((_, i) => this.machine.hartTime(i)));
    return { ...r, cycles: latest };
  }

  /**
   * Machine metrics plus per-VM figures: `<vm>.instructions` (and per vCPU), `.console.chars`,
   * `.passed` (1: shut down normally), `.crashed`, `.gstage.mapped_pages`, `.gstage.demand_maps`,
   * `.vcpus`, `.calls.total` (SBI calls + hypercalls: each is one `ecall` exit).
   */
  metrics(): Map<string, number> {
    this.account();
    const m = this.machine.metrics;
    for (const vm of this.vms) {
      const n = vm.name;
      m.set(`${n}.instructions`, vm.vcpus.reduce((s, v) => s + v.instructions, 0));
      vm.vcpus.forEach((v) => m.set(`${n}.vcpu${v.index}.instructions`, v.instructions));
      m.set(`${n}.console.chars`, vm.consoleChars);
      m.set(`${n}.passed`, vm.state === 'shutdown' ? 1 : 0);
      m.set(`${n}.crashed`, vm.state === 'crashed' ? 1 : 0);
      m.set(`${n}.gstage.mapped_pages`, vm.gstage.mappedPages);
      m.set(`${n}.gstage.demand_maps`, vm.demandMaps);
      m.set(`${n}.vcpus`, vm.vcpus.length);
      m.set(`${n}.calls.total`, vm.sbiCalls + vm.hypercalls);
      for (const key of ['vm_exits.total', 'vm_entries.total', 'sbi_calls.total', 'hypercalls']) if (!m.has(`${n}.${key}`)) m.set(`${n}.${key}`, 0);
      if (vm.reclaim !== undefined) for (const [k, val] of reclaimMetrics(n, vm.reclaim)) m.set(k, val);
      for (const key of ['runs', 'instructions', 'cycles']) if (!m.has(`${n}.callbacks.${key}`) && this.callbacks.of(vm).length > 0) m.set(`${n}.callbacks.${key}`, 0);
    }
    if (!m.has('vm_exits.total')) m.set('vm_exits.total', 0);
    return m.snapshot();
  }
}

function ecallDetail(eid: bigint, fid: bigint): string {
  if (isHypercall(eid)) return `hypercall fid ${fid}`;
  return `sbi ${extensionName(eid)} fid ${fid}`;
}

/** SbiEnv of one VM: "harts" are its vCPUs; every effect goes through the hypervisor. */
export class VcpuSbiEnv implements SbiEnv {
  constructor(private readonly hv: Hypervisor, private readonly vm: Vm) {}
  get hartCount(): number { return this.vm.vcpus.length; }
  readonly machineIds = { mvendorid: 0n, marchid: 0n, mimpid: 0n };
  /** Guests see no H extension: RFENCE hfence calls answer NOT_SUPPORTED. */
  readonly hasHypervisor = false;
  currentVmid(): number { return this.vm.vmid; }
  private v(i: number): Vcpu { return this.vm.vcpus[i]; }
  setTimer(hart: number, stime: bigint): void { this.hv.setVcpuTimer(this.vm, this.v(hart), stime); }
  sendIpi(from: number, target: number): void { this.hv.sendVcpuIpi(this.vm, this.v(from), this.v(target)); }
  rfence(from: number, targets: readonly number[], request: RfenceRequest): void { this.hv.vcpuRfence(this.vm, this.v(from), targets.map((t) => this.v(t)), request); }
  hsmState(hart: number): HsmState { return this.hv.hsmState(this.v(hart)); }
  hartStart(from: number, target: number, addr: bigint, opaque: bigint): void { this.hv.vcpuStart(this.vm, this.v(from), this.v(target), addr, opaque); }
  hartStop(hart: number): void { this.hv.vcpuStop(this.v(hart)); }
  hartSuspend(hart: number, retentive: boolean, resumeAddr: bigint, opaque: bigint): void { this.hv.vcpuSuspend(this.v(hart), retentive, resumeAddr, opaque); }
  isExecutable(addr: bigint): boolean { return addr <= BigInt(Number.MAX_SAFE_INTEGER) && this.vm.inRam(Number(addr), 4) && (addr & 3n) === 0n; }
  readMemory(addr: bigint, length: number): Uint8Array | undefined { return this.hv.readGuest(this.vm, addr, length); }
  writeMemory(addr: bigint, data: Uint8Array): boolean { return this.hv.writeGuest(this.vm, addr, data); }
  consoleWrite(bytes: Uint8Array): void { this.hv.vmConsoleWrite(this.vm, bytes); }
  consoleRead(): Uint8Array { return new Uint8Array(0); }
  systemReset(type: 'shutdown' | 'cold-reboot' | 'warm-reboot', failure: boolean): void { this.hv.vmReset(this.vm, type, failure); }
}
