/**
 * One RV64IMA_Zicsr_Zifencei hart with M, S and U modes and the hypervisor extension (HS, VS, VU),
 * Sv39/Sv48 paging, two-stage translation, PMP and a modelled TLB (simulator/riscv/mmu).
 *
 * Representation
 * - Integer registers: two Int32Arrays `xl` (low halves) and `xh` (high halves); x0 is never
 *   written so both halves stay 0. No BigInt on any per-instruction path.
 * - PC: a JS number holding the *signed* 64-bit value of the address (so 0xffffffff80000000 is
 *   -2^31). Every address that can be fetched (RAM below 2^53 physical; Sv39/Sv48 canonical
 *   virtual addresses) is exactly representable. A jump to a target outside ±2^53 cannot be
 *   backed by memory, so it is trapped at once with the exact 64-bit target (a BigInt, slow path)
 *   as mepc/mtval — architecturally the same as faulting on the fetch.
 * - CSRs live in plain fields; mtvec/mepc/mscratch/mtval/mcause are bigint (CSR access is a slow path).
 *
 * Seams for the next issue (S/U, H extension, MMU, devices, several harts)
 * - `priv` (and later `virt`) is the privilege mode; all mode-dependent checks go through
 *   `csrRead`/`csrWrite` (access checks + WARL) and `trap()` (trap entry; delegation goes there).
 * - Every data access goes `load`/`store`/`amo` -> `translate()` (identity in M-mode; the MMU and
 *   the modelled TLB plug in here) -> `Bus.read/write` (physical). Fetch goes `fetch()` ->
 *   `translate()` -> RAM. The compiled blocks inline only a fast path for RAM with a zero page-flag
 *   byte and fall back to these methods for everything else.
 * - `run(budget)` executes at most `budget` instructions (exact), so a machine can interleave harts
 *   by quantum and stop exactly at the next timer/interrupt event.
 */
import * as aluNs from './alu';
import * as decodeNs from './decode';
import type { Decoded } from './decode';
import * as csrNs from './csr';
import * as busNs from '../../machine/bus';
import type { Bus, CodeCacheOwner } from '../../machine/bus';
import { compileBlock, type Block } from './jit';
import { Mmu, Acc } from '../mmu/mmu';
import { DEFAULT_TLB, type TlbGeometry } from '../mmu/api';
import type { Privilege, TraceBuffer } from '../../trace';

// Module-level copies of imported bindings: when run from unbundled CommonJS (tsx, mocha), every
// access to an imported binding goes through a getter, which costs a lot in the interpreter's
// per-instruction path. Local constants keep it cheap in every loader.
const { R, add64, sub64, sll64, srl64, sra64, lt64, ltu64, mul64, mulh64, mulhsu64, mulhu64, div64, divu64, rem64, remu64, pairToBigU, bigToPair } = aluNs;
const { Amo, Op, decode, isSystem } = decodeNs;
const { CSR, Cause, PRV_M, PRV_S, PRV_U } = csrNs;
const { PAGE_SHIFT, W_BREAK, W_FAULT } = busNs;

export type Engine = 'compiled' | 'interpreter';

export interface FatalTrap { cause: bigint; tval: bigint; pc: bigint }

/**
 * The hart took `count` traps in a row without retiring an instruction (and without a native
 * handler moving the pc on): a trap loop, e.g. a handler address that itself faults. `run()`
 * returns as soon as this is detected; the fields describe the last trap of the loop.
 */
export interface StuckTrap { cause: bigint; tval: bigint; pc: bigint; count: number }

/** Consecutive traps without progress after which `run()` gives up (`Hart.stuck`). */
export const TRAP_LOOP_LIMIT = 1000;

/** A trap from V=1 whose target is HS-mode (a VM exit), as `Hart.vmExitHook` sees it. */
export interface VmExitTrap {
  /** Exception code or interrupt number (without the interrupt bit). */
  cause: number;
  interrupt: boolean;
  /** Guest pc of the trapping instruction (of the next one, for interrupts): what sepc would get. */
  epc: bigint;
  /** What stval would get (guest virtual address, instruction bits...). */
  tval: bigint;
  /** What htval would get (guest physical address >> 2 for guest-page faults). */
  htval: bigint;
  /** What htinst would get (0, a transformed instruction or a pseudoinstruction). */
  htinst: number;
  /** What hstatus.GVA would get: tval is a guest virtual address. */
  gva: boolean;
}

/**
 * A debugger's seam into `run()` (the debug adapter installs one; `undefined` costs one field read
 * per block). Consulted at instruction boundaries: at every block entry, and at every instruction
 * when `singleStep` is set. Compiled blocks never run across an address in `addresses`, and a
 * block starting at one is executed instruction by instruction, so a breakpoint inside a loop
 * body is seen on every iteration.
 */
export interface DebugHook {
  /** Addresses (pc as the hart holds it, signed) `atBoundary` must see; blocks compiled before a change must be dropped (invalidatePage/flushCodeCache). */
  readonly addresses: ReadonlySet<number>;
  /**
   * Physical addresses of instructions `atBoundary` must see, whatever virtual address they run
   * at (a guest kernel's high-half alias of its code). Checked after the fetch translation, so
   * a stop there leaves that translation done (TLB filled as the instruction's fetch would).
   */
  readonly physical: ReadonlySet<number>;
  /** Execute one instruction at a time (instruction stepping, run-to-address of one hart). */
  readonly singleStep: boolean;
  /**
   * Before the instruction at `pc` executes: true stops `run()` here (the instruction does not
   * execute). `pa` is the fetch's physical address when the call comes from the `physical` check,
   * else -1.
   */
  atBoundary(hart: Hart, pc: number, pa: number): boolean;
  /** After a successful data load from physical `pa` (interpreter path only: compiled loads bypass it). */
  onLoad?: (hart: Hart, pa: number, size: number) => void;
}

const TWO32 = 4294967296;
const SAFE_HI = 0x200000; // |hi| < 2^21  <=>  |value| < 2^53

// Interrupt bits (mip/mie).
const SSI = 1 << 1, VSSI = 1 << 2, MSI = 1 << 3, STI = 1 << 5, VSTI = 1 << 6, MTI = 1 << 7, SEI = 1 << 9, VSEI = 1 << 10, MEI = 1 << 11, SGEI = 1 << 12;
/** Interrupt priority order (spec 3.1.9 and H 1.0): MEI, MSI, MTI, SEI, SSI, STI, SGEI, VSEI, VSSI, VSTI. */
const IRQ_ORDER = [11, 3, 7, 9, 1, 5, 12, 10, 2, 6];
const MIE_MASK = SSI | VSSI | MSI | STI | VSTI | MTI | SEI | VSEI | MEI | SGEI;
const MIDELEG_WRITABLE = SSI | STI | SEI;
const MIDELEG_RO1 = VSSI | VSTI | VSEI | SGEI;
const HIDELEG_MASK = VSSI | VSTI | VSEI;
const HVIP_MASK = VSSI | VSTI | VSEI;
/**
 * medeleg: every implemented exception except ecall from M (11); 16-19 and 14 do not exist.
 * Priv 1.12 3.1.8: only exceptions that cannot occur in less-privileged modes are read-only zero
 * ("in particular, medeleg[11]"): ecall from VS (10) occurs in VS and must be delegatable to HS,
 * like the guest-page faults (20, 21, 23) and virtual instruction (22).
 */
const MEDELEG_MASK = 0xf0b7ff;
/** hedeleg: 0-8, 12, 13, 15 (ecalls from HS/VS/M and guest-page faults/virtual instruction stay in HS). */
const HEDELEG_MASK = 0xb1ff;
/** Guest external interrupts: GEILEN = 7 (hgeip/hgeie bits 1..7). */
const GEI_MASK = 0xfe;
const VMID_MASK = 0x3fff; // VMIDLEN = 14
const ASID_MASK = 0xffff; // ASIDLEN = 16
const U64 = (1n << 64n) - 1n;

/** s* CSR numbers redirected to vs* when V=1. */
const VS_REDIRECT: Record<number, number> = { 0x100: 0x200, 0x104: 0x204, 0x105: 0x205, 0x140: 0x240, 0x141: 0x241, 0x142: 0x242, 0x143: 0x243, 0x144: 0x244, 0x180: 0x280 };

export class Hart implements CodeCacheOwner {
  readonly xl = new Int32Array(32);
  readonly xh = new Int32Array(32);
  pc = 0;
  priv = PRV_M;
  /** Virtualisation mode V (0/1). */
  virt = 0;

  // --- CSR state: mstatus ---
  mstatusSIE = 0; mstatusMIE = 0; mstatusSPIE = 0; mstatusMPIE = 0; mstatusSPP = 0;
  mstatusMPP = PRV_M;
  mstatusMPRV = 0; mstatusSUM = 0; mstatusMXR = 0; mstatusTVM = 0; mstatusTW = 0; mstatusTSR = 0;
  mstatusMPV = 0; mstatusGVA = 0;
  // vsstatus
  vsSIE = 0; vsSPIE = 0; vsSPP = 0; vsSUM = 0; vsMXR = 0;
  // hstatus
  hsGVA = 0; hsSPV = 0; hsSPVP = 0; hsHU = 0; hsVGEIN = 0; hsVTVM = 0; hsVTW = 0; hsVTSR = 0;
  medeleg = 0; mideleg = MIDELEG_RO1; hedeleg = 0; hideleg = 0;
  mie = 0;
  /** Software-writable pending bits (SSIP, STIP, SEIP). */
  mip = 0;
  hvip = 0; hgeie = 0;
  /** Guest external interrupt lines (hgeip), driven by devices via setGuestExternalLine. */
  hgeipLines = 0;
  mcounteren = 0; scounteren = 0; hcounteren = 0; mcountinhibit = 0;
  mtvec = 0n; stvec = 0n; vstvec = 0n;
  mscratch = 0n; sscratch = 0n; vsscratch = 0n;
  mepc = 0n; sepc = 0n; vsepc = 0n;
  mcause = 0n; scause = 0n; vscause = 0n;
  mtval = 0n; stval = 0n; vstval = 0n;
  mtval2 = 0n; mtinst = 0n; htval = 0n; htinst = 0n;
  satp = 0n; vsatp = 0n; hgatp = 0n;
  menvcfg = 0n; senvcfg = 0n; henvcfg = 0n;
  htimedelta = 0n;
  private cycleOffset = 0n;
  private instretOffset = 0n;
  private cycleFrozen = 0n;
  private instretFrozen = 0n;
  /** Instructions retired since reset (exact). */
  retired = 0;
  /** Source of the `time` CSR; the CLINT replaces it. Until then time advances 1 tick per instruction. */
  timeSource: () => bigint = () => BigInt(this.retired);
  /**
   * Source of `cycle`/`mcycle`: this hart's virtual cycles (the machine installs its clock). Until
   * then one cycle per retired instruction. `cpi` is the cycles one instruction adds to it (the
   * compensation applied when a program writes mcycle, so the next instruction reads the value).
   */
  cycleSource: () => number = () => this.retired;
  cpi = 1;
  /** Traps taken architecturally (exceptions and interrupts; not ecalls or VM exits handled natively). */
  traps = 0;
  /** Of those, interrupts. */
  interrupts = 0;
  /** mret/sret executed (trap returns). */
  trapReturns = 0;
  /** Set when a trap loop was detected (see StuckTrap); the machine stops. Cleared by reset(). */
  stuck: StuckTrap | undefined;
  private streak = 0;
  private streakRetired = -1;
  /** Trace buffer (trap events; the MMU gets it too) and the clock its events are stamped with. */
  private trace: TraceBuffer | undefined;
  /**
   * Interrupt-pending bits driven by devices (MSIP 3, MTIP 7, SEIP 9, MEIP 11, VSEIP 10).
   * mip reads as the software-writable bits | irqLines (| hvip, hgeip). Use `setIrqLine`.
   */
  irqLines = 0;
  /**
   * Consulted for ecall (causes 8-11, before delegation/vectoring). Returning true means the call
   * was handled natively (SBI firmware): execution continues at the ecall's pc + 4 and the ecall
   * retires; the hook may change registers.
   */
  ecallHook: ((hart: Hart, cause: number) => boolean) | undefined = undefined;
  /**
   * Consulted at trap entry exactly when a trap taken with V=1 has HS-mode as its target (a VM
   * exit: delegated to HS by medeleg/mideleg and not on to VS by hedeleg/hideleg), before any CSR
   * is written: the hart still holds the guest state (V=1, priv VS/VU). Returning true means the
   * exit was handled natively (the hypervisor): no trap is taken, execution continues from the
   * state the hook left (it sets pc, e.g. `exit.epc` + 4 after an ecall; the trapping instruction
   * does not retire) and the translation context is recomputed. Returning false takes the trap
   * architecturally (sepc, scause, stval, htval, htinst, hstatus.SPV/SPVP/GVA, stvec).
   */
  vmExitHook: ((hart: Hart, exit: VmExitTrap) => boolean) | undefined = undefined;
  /** The debugger's hook (see DebugHook), or undefined. */
  debug: DebugHook | undefined = undefined;
  /** The MMU, PMP and modelled TLB (`mmu.flush(kind, scope)` for SBI RFENCE; `mmu.counters`). */
  readonly mmu: Mmu;

  // --- derived translation context (ctxChanged) ---
  /** Effective privilege / V of data accesses (MPRV). */
  dataPriv = PRV_M;
  dataVirt = false;
  /** Data / fetch accesses are plain physical (M-mode, no locked PMP entry): no translation, no checks. */
  dphys = true;
  fphys = true;
  /** Interrupts must be re-evaluated before the next instruction. */
  intCheck = true;
  /** hlv/hlvx/hsv in progress: translate with V=1 and privilege SPVP. */
  private hlsv = false;
  private hlvx = false;

  // --- run control ---
  /** Set by anything that must end the current compiled block / run slice (trap stop, watch hit, code write, wfi, irq line). */
  brk = false;
  /** A trap was raised with no handler installed (mtvec = 0): the machine stops. */
  fatal: FatalTrap | undefined;
  /** The hart executed wfi and waits for an interrupt. */
  waiting = false;

  // --- memory access out-values (load results, pending exception) ---
  rlo = 0;
  rhi = 0;
  private excCause = 0;
  private excTval = 0n;
  private excTval2 = 0n;
  private excTinst = 0;
  private excGva = false;

  // --- code caches (physical-address keyed) ---
  private readonly decoded = new Map<number, (Decoded | undefined)[]>();
  private readonly blocks = new Map<number, Block>();
  private readonly blocksByPage = new Map<number, Block[]>();
  /** Blocks compiled (statistics; also lets tests see that compilation happened). */
  compiledBlocks = 0;

  constructor(readonly id: number, readonly bus: Bus, public engine: Engine = 'compiled', tlb: TlbGeometry = DEFAULT_TLB) {
    bus.codeOwners.push(this);
    bus.reservations[id] = -1;
    this.mmu = new Mmu(bus, tlb);
  }

  /** Emits trap (hart) and tlb-fill/tlb-flush/walk (MMU) events into `trace`, stamped with `cycleSource()`. */
  setTrace(trace: TraceBuffer | undefined): void {
    this.trace = trace;
    this.mmu.setTrace(trace, this.id, () => this.cycleSource());
  }

  reset(pc: number): void {
    this.xl.fill(0); this.xh.fill(0);
    this.pc = pc; this.priv = PRV_M; this.virt = 0;
    this.mstatusSIE = 0; this.mstatusMIE = 0; this.mstatusSPIE = 0; this.mstatusMPIE = 0; this.mstatusSPP = 0; this.mstatusMPP = PRV_M;
    this.mstatusMPRV = 0; this.mstatusSUM = 0; this.mstatusMXR = 0; this.mstatusTVM = 0; this.mstatusTW = 0; this.mstatusTSR = 0;
    this.mstatusMPV = 0; this.mstatusGVA = 0;
    this.vsSIE = 0; this.vsSPIE = 0; this.vsSPP = 0; this.vsSUM = 0; this.vsMXR = 0;
    this.hsGVA = 0; this.hsSPV = 0; this.hsSPVP = 0; this.hsHU = 0; this.hsVGEIN = 0; this.hsVTVM = 0; this.hsVTW = 0; this.hsVTSR = 0;
    this.medeleg = 0; this.mideleg = MIDELEG_RO1; this.hedeleg = 0; this.hideleg = 0;
    this.mie = 0; this.mip = 0; this.hvip = 0; this.hgeie = 0;
    this.mcounteren = 0; this.scounteren = 0; this.hcounteren = 0; this.mcountinhibit = 0;
    this.mtvec = 0n; this.stvec = 0n; this.vstvec = 0n; this.mscratch = 0n; this.sscratch = 0n; this.vsscratch = 0n;
    this.mepc = 0n; this.sepc = 0n; this.vsepc = 0n; this.mcause = 0n; this.scause = 0n; this.vscause = 0n;
    this.mtval = 0n; this.stval = 0n; this.vstval = 0n; this.mtval2 = 0n; this.mtinst = 0n; this.htval = 0n; this.htinst = 0n;
    this.satp = 0n; this.vsatp = 0n; this.hgatp = 0n; this.menvcfg = 0n; this.senvcfg = 0n; this.henvcfg = 0n; this.htimedelta = 0n;
    this.mmu.pmp.reset();
    this.mmu.flush('all');
    this.mmu.resetCounters();
    this.cycleOffset = 0n; this.instretOffset = 0n; this.retired = 0;
    this.traps = 0; this.interrupts = 0; this.trapReturns = 0;
    this.stuck = undefined; this.streak = 0; this.streakRetired = -1;
    this.brk = false; this.fatal = undefined; this.waiting = false;
    this.bus.reservations[this.id] = -1;
    this.flushCodeCache();
    this.ctxChanged();
  }

  /**
   * Recomputes everything derived from privilege/V/mstatus/satp/vsatp/hgatp/PMP: the effective
   * data privilege (MPRV), the MMU context, and drops the host-side translation caches.
   */
  ctxChanged(): void {
    if (this.priv === PRV_M && this.mstatusMPRV) {
      this.dataPriv = this.mstatusMPP;
      this.dataVirt = this.mstatusMPP !== PRV_M && this.mstatusMPV === 1;
    } else { this.dataPriv = this.priv; this.dataVirt = this.virt === 1; }
    const m = this.mmu;
    m.sMode = Number(this.satp >> 60n); m.sRoot = Number(this.satp & ((1n << 44n) - 1n)) * 4096; m.sAsid = Number((this.satp >> 44n) & 0xffffn);
    m.vsMode = Number(this.vsatp >> 60n); m.vsRoot = Number(this.vsatp & ((1n << 44n) - 1n)) * 4096; m.vsAsid = Number((this.vsatp >> 44n) & 0xffffn);
    m.gMode = Number(this.hgatp >> 60n); m.gRoot = Number(this.hgatp & ((1n << 44n) - 1n)) * 4096; m.vmid = Number((this.hgatp >> 44n) & 0x3fffn);
    m.sum = this.mstatusSUM; m.mxr = this.mstatusMXR; m.vsum = this.vsSUM; m.vmxr = this.vsMXR;
    m.clearHost();
    this.fphys = this.priv === PRV_M && !m.pmp.anyLocked;
    this.dphys = this.dataPriv === PRV_M && m.pmp.mDataUnchecked;
    this.intCheck = true;
  }

  // ------------------------------------------------------------------ interrupts ---------------
  /** Drives one device interrupt line (mip bit number). A rising line wakes wfi and ends the current block. */
  setIrqLine(bit: number, level: boolean): void {
    const m = 1 << bit;
    const old = this.irqLines;
    this.irqLines = level ? old | m : old & ~m;
    this.intCheck = true;
    if (level && !(old & m)) { this.waiting = false; this.brk = true; }
  }

  /** Drives guest external interrupt line `n` (1..7, hgeip bit n). */
  setGuestExternalLine(n: number, level: boolean): void {
    const m = (1 << n) & GEI_MASK;
    const old = this.hgeipLines;
    this.hgeipLines = level ? old | m : old & ~m;
    this.intCheck = true;
    if (level && !(old & m)) { this.waiting = false; this.brk = true; }
  }

  /** Effective mip: software bits, device lines, hvip, the selected guest external line, SGEIP. */
  mipValue(): number {
    let v = this.mip | this.irqLines | this.hvip;
    if (this.hsVGEIN !== 0 && ((this.hgeipLines >> this.hsVGEIN) & 1)) v |= VSEI;
    if (this.hgeipLines & this.hgeie) v |= SGEI;
    return v;
  }

  /** The interrupt to take now (bit number) or -1. Higher-privilege targets first, then priority order. */
  pendingInterrupt(): number {
    const pend = this.mipValue() & this.mie;
    if (pend === 0) return -1;
    const m = pend & ~this.mideleg;
    const hs = pend & this.mideleg & ~this.hideleg;
    const vs = pend & this.mideleg & this.hideleg;
    let set = 0;
    if (m && (this.priv < PRV_M || this.mstatusMIE)) set = m;
    else if (hs && (this.virt === 1 || this.priv < PRV_S || (this.priv === PRV_S && this.mstatusSIE))) set = hs;
    else if (vs && this.virt === 1 && (this.priv < PRV_S || this.vsSIE)) set = vs;
    if (set === 0) return -1;
    for (const b of IRQ_ORDER) if (set & (1 << b)) return b;
    return -1;
  }

  /** Takes a pending enabled interrupt, if any (at an instruction boundary). */
  private checkInterrupts(): boolean {
    const bit = this.pendingInterrupt();
    if (bit < 0) { this.intCheck = false; return false; }
    this.waiting = false;
    this.trap(bit, 0n, this.pc, false, 0n, 0, true);
    return true;
  }

  // ------------------------------------------------------------------ traps --------------------
  /**
   * Trap entry. `epc` is the PC of the trapping instruction (or of the next one, for interrupts).
   * Delegation: medeleg/mideleg to HS when in S/U, then hedeleg/hideleg to VS when V=1.
   */
  trap(cause: number, tval: bigint, epc: number | bigint, gva = false, tval2 = 0n, tinst = 0, interrupt = false): void {
    const epcU = typeof epc === 'bigint' ? BigInt.asUintN(64, epc) : BigInt.asUintN(64, BigInt(epc));
    tval = BigInt.asUintN(64, tval);
    // Trap-loop detection: traps in a row with no instruction retired in between.
    if (this.retired !== this.streakRetired) { this.streakRetired = this.retired; this.streak = 0; }
    if (++this.streak >= TRAP_LOOP_LIMIT) {
      this.stuck = { cause: (interrupt ? 1n << 63n : 0n) | BigInt(cause), tval, pc: epcU, count: this.streak };
      this.brk = true;
    }
    const fromPriv = this.priv, fromVirt = this.virt;
    const deleg = interrupt ? this.mideleg : this.medeleg;
    const hdeleg = interrupt ? this.hideleg : this.hedeleg;
    const intBit = interrupt ? 1n << 63n : 0n;
    if (this.priv <= PRV_S && ((deleg >>> cause) & 1)) {
      if (this.virt === 1 && ((hdeleg >>> cause) & 1)) {
        // Into VS-mode. VS-level interrupt causes are reported as the S-level ones.
        const vcause = interrupt && (cause === 2 || cause === 6 || cause === 10) ? cause - 1 : cause;
        this.vsepc = epcU; this.vscause = intBit | BigInt(vcause); this.vstval = tval;
        this.vsSPIE = this.vsSIE; this.vsSIE = 0; this.vsSPP = this.priv;
        this.priv = PRV_S;
        this.pc = this.vector(this.vstvec, interrupt, vcause);
      } else {
        if (this.virt === 1 && this.vmExitHook !== undefined &&
          this.vmExitHook(this, { cause, interrupt, epc: epcU, tval, htval: tval2, htinst: tinst, gva })) {
          // Handled natively; an emulated instruction (the pc moved on) counts as progress.
          if (BigInt.asUintN(64, BigInt(this.pc)) !== epcU) this.streak = 0;
          this.ctxChanged();
          return;
        }
        this.sepc = epcU; this.scause = intBit | BigInt(cause); this.stval = tval;
        this.htval = tval2; this.htinst = BigInt(tinst);
        this.mstatusSPIE = this.mstatusSIE; this.mstatusSIE = 0; this.mstatusSPP = this.priv;
        this.hsSPV = this.virt;
        if (this.virt) this.hsSPVP = this.priv;
        this.hsGVA = gva ? 1 : 0;
        this.virt = 0; this.priv = PRV_S;
        this.pc = this.vector(this.stvec, interrupt, cause);
      }
      this.taken(cause, interrupt, fromPriv, fromVirt, epcU, tval);
      this.ctxChanged();
      return;
    }
    if (this.mtvec === 0n) {
      this.fatal = { cause: intBit | BigInt(cause), tval, pc: epcU };
      if (typeof epc === 'number') this.pc = epc;
      this.brk = true;
      return;
    }
    this.mepc = epcU; this.mcause = intBit | BigInt(cause); this.mtval = tval;
    this.mtval2 = tval2; this.mtinst = BigInt(tinst);
    this.mstatusMPIE = this.mstatusMIE; this.mstatusMIE = 0; this.mstatusMPP = this.priv;
    this.mstatusMPV = this.virt; this.mstatusGVA = gva ? 1 : 0;
    this.virt = 0; this.priv = PRV_M;
    this.pc = this.vector(this.mtvec, interrupt, cause);
    this.taken(cause, interrupt, fromPriv, fromVirt, epcU, tval);
    this.ctxChanged();
  }

  /** Counts a trap taken architecturally and traces it (the hart is already in the target mode). */
  private taken(cause: number, interrupt: boolean, fromPriv: number, fromVirt: number, epc: bigint, tval: bigint): void {
    this.traps++;
    if (interrupt) this.interrupts++;
    const t = this.trace;
    if (t !== undefined && t.enabled('trap')) {
      t.emit({ kind: 'trap', time: this.cycleSource(), hart: this.id, cause, interrupt, from: privName(fromPriv, fromVirt), to: privName(this.priv, this.virt), pc: epc, tval });
    }
  }

  private vector(tvec: bigint, interrupt: boolean, cause: number): number {
    const base = Number(BigInt.asIntN(64, tvec & ~3n));
    return interrupt && (tvec & 1n) ? base + 4 * cause : base;
  }

  /** Raise the exception recorded by a failed memory access. */
  private raise(epc: number): void { this.trap(this.excCause, this.excTval, epc, this.excGva, this.excTval2, this.excTinst); }

  private illegal(d: Decoded, pc: number): false {
    this.trap(Cause.IllegalInstruction, BigInt(d.raw >>> 0), pc);
    return false;
  }

  private virtualInsn(d: Decoded, pc: number): false {
    this.trap(Cause.VirtualInstruction, BigInt(d.raw >>> 0), pc);
    return false;
  }

  /** Jump to a 64-bit target given as a pair; handles misalignment and unrepresentable targets. */
  private jumpPair(lo: number, hi: number, pc: number): boolean {
    if ((lo & 3) !== 0) { this.trap(Cause.InstructionMisaligned, pairToBigU(lo, hi), pc, this.virt === 1); return false; }
    if (hi >= SAFE_HI || hi < -SAFE_HI) {
      // No memory can exist there: the fetch faults with the exact address.
      const paged = this.virt === 1 || (this.priv !== PRV_M && this.satp >> 60n !== 0n);
      this.trap(paged ? Cause.InstructionPageFault : Cause.InstructionAccessFault, pairToBigU(lo, hi), pairToBigU(lo, hi), this.virt === 1);
      return false;
    }
    this.pc = hi * TWO32 + (lo >>> 0);
    return true;
  }

  // ------------------------------------------------------------------ memory seam --------------
  /**
   * Virtual -> physical for the current access (fetch: priv/V; data: MPRV-effective priv/V;
   * hlv/hsv: SPVP with V=1). Returns -1 after recording the fault in exc*.
   */
  private translate(lo: number, hi: number, access: Acc, size = 1): number {
    let pa: number;
    if (this.hlsv) pa = this.mmu.translate(lo, hi, access, this.hsSPVP, true, this.hlvx, false, size);
    else if (access === Acc.Fetch ? this.fphys : this.dphys) {
      if (hi >= 0 && hi < SAFE_HI) return hi * TWO32 + (lo >>> 0);
      this.excCause = access === Acc.Fetch ? Cause.InstructionAccessFault : access === Acc.Load ? Cause.LoadAccessFault : Cause.StoreAccessFault;
      this.excTval = pairToBigU(lo, hi); this.excTval2 = 0n; this.excTinst = 0; this.excGva = false;
      return -1;
    } else if (access === Acc.Fetch) pa = this.mmu.translate(lo, hi, access, this.priv, this.virt === 1, false, true, 4);
    else pa = this.mmu.translate(lo, hi, access, this.dataPriv, this.dataVirt, false, true, size);
    if (pa < 0) {
      const m = this.mmu;
      this.excCause = m.fCause; this.excTval = m.fTval; this.excTval2 = m.fTval2; this.excTinst = m.fTinst; this.excGva = m.fGva;
    }
    return pa;
  }

  // ------------------------------------------------------------------ registers (API) ----------
  getReg(i: number): bigint { return pairToBigU(this.xl[i], this.xh[i]); }
  setReg(i: number, v: bigint): void {
    if (i === 0) return;
    bigToPair(v); this.xl[i] = R[0]; this.xh[i] = R[1];
  }
  getPc(): bigint { return BigInt.asUintN(64, BigInt(this.pc)); }
  setPc(v: bigint): void {
    const n = Number(BigInt.asIntN(64, v));
    if (!Number.isSafeInteger(n)) throw new Error('pc not representable');
    this.pc = n;
  }

  private wr(rd: number, lo: number, hi: number): void {
    if (rd !== 0) { this.xl[rd] = lo; this.xh[rd] = hi; }
  }

  /**
   * Ordinary load of `size` bytes at (lo, hi). Result (sign- or zero-extended) in rlo/rhi.
   * Misaligned ordinary loads/stores are emulated (split into byte accesses, each translated) —
   * the spec allows either emulation or a misaligned trap; we choose emulation.
   */
  load(lo: number, hi: number, size: number, signed: boolean): boolean {
    let vlo: number, vhi: number;
    if ((lo & (size - 1)) === 0) {
      const pa = this.translate(lo, hi, Acc.Load, size);
      if (pa < 0) return false;
      if (!this.bus.read(pa, size)) return this.accessFault(lo, hi, Cause.LoadAccessFault);
      vlo = this.bus.rlo; vhi = this.bus.rhi;
      if (this.debug?.onLoad !== undefined) this.debug.onLoad(this, pa, size);
    } else {
      vlo = 0; vhi = 0;
      for (let i = 0; i < size; i++) {
        add64(lo, hi, i, 0);
        const pa = this.translate(R[0], R[1], Acc.Load);
        if (pa < 0) { this.excTval = pairToBigU(lo, hi); return false; }
        if (!this.bus.read(pa, 1)) return this.accessFault(lo, hi, Cause.LoadAccessFault);
        const b = this.bus.rlo & 0xff;
        if (i < 4) vlo |= b << (8 * i); else vhi |= b << (8 * (i - 4));
      }
    }
    if (size === 8) { this.rlo = vlo; this.rhi = vhi; } else if (size === 4) { this.rlo = vlo; this.rhi = signed ? vlo >> 31 : 0; } else {
      const sh = 32 - 8 * size;
      this.rlo = signed ? (vlo << sh) >> sh : (vlo << sh) >>> sh;
      this.rhi = signed ? this.rlo >> 31 : 0;
    }
    return true;
  }

  /** Ordinary store of the low `size` bytes of (vlo, vhi) at (lo, hi); misaligned stores are emulated. */
  store(lo: number, hi: number, size: number, vlo: number, vhi: number): boolean {
    if ((lo & (size - 1)) === 0) {
      const pa = this.translate(lo, hi, Acc.Store, size);
      if (pa < 0) return false;
      const r = this.bus.write(pa, size, vlo, vhi);
      if (r & W_FAULT) return this.accessFault(lo, hi, Cause.StoreAccessFault);
      if (r & W_BREAK) this.brk = true;
      return true;
    }
    // Misaligned: translate and check every byte first so that a fault leaves memory unchanged.
    const pas: number[] = [];
    for (let i = 0; i < size; i++) {
      add64(lo, hi, i, 0);
      const pa = this.translate(R[0], R[1], Acc.Store);
      if (pa < 0) { this.excTval = pairToBigU(lo, hi); return false; }
      if (this.bus.ramOffset(pa, 1) < 0) return this.accessFault(lo, hi, Cause.StoreAccessFault); // no split MMIO stores
      pas.push(pa);
    }
    for (let i = 0; i < size; i++) {
      const b = i < 4 ? vlo >>> (8 * i) : vhi >>> (8 * (i - 4));
      if (this.bus.write(pas[i], 1, b & 0xff, 0) & W_BREAK) this.brk = true;
    }
    return true;
  }

  private accessFault(lo: number, hi: number, cause: number): false {
    this.excCause = cause; this.excTval = pairToBigU(lo, hi);
    this.excTval2 = 0n; this.excTinst = 0; this.excGva = this.hlsv || this.dataVirt;
    return false;
  }

  /** Slow path of compiled loads: computes the address from rs1+imm, raises the trap on failure. */
  loadSlow(pc: number, rs1: number, imm: number, size: number, signed: boolean): boolean {
    add64(this.xl[rs1], this.xh[rs1], imm, imm >> 31);
    if (this.load(R[0], R[1], size, signed)) return true;
    this.raise(pc);
    return false;
  }

  /** Slow path of compiled stores. */
  storeSlow(pc: number, rs1: number, imm: number, rs2: number, size: number): boolean {
    add64(this.xl[rs1], this.xh[rs1], imm, imm >> 31);
    if (this.store(R[0], R[1], size, this.xl[rs2], this.xh[rs2])) return true;
    this.raise(pc);
    return false;
  }

  // ------------------------------------------------------------------ fetch & code caches ------
  /** Fetch+decode the instruction at `pc` (translated; decode cached per RAM page). Records the fault on failure. */
  fetch(pc: number): Decoded | undefined {
    const hi = Math.floor(pc / TWO32);
    const pa = this.translate(pc | 0, hi | 0, Acc.Fetch);
    if (pa < 0) return undefined;
    return this.decodeAt(pa, pc);
  }

  /** Decodes the instruction at physical `pa` (fetched at virtual `pc`); only RAM holds code. */
  decodeAt(pa: number, pc: number): Decoded | undefined {
    const o = this.bus.ramOffset(pa, 4);
    if (o < 0) {
      this.excCause = Cause.InstructionAccessFault; this.excTval = BigInt.asUintN(64, BigInt(pc));
      this.excTval2 = 0n; this.excTinst = 0; this.excGva = this.virt === 1;
      return undefined;
    }
    const page = o >>> PAGE_SHIFT;
    let arr = this.decoded.get(page);
    if (!arr) { arr = new Array<Decoded | undefined>(1 << (PAGE_SHIFT - 2)); this.decoded.set(page, arr); }
    const w = (o & ((1 << PAGE_SHIFT) - 1)) >>> 2;
    let d = arr[w];
    if (!d) {
      d = decode(this.bus.ram.i32[o >>> 2]);
      arr[w] = d;
      this.bus.markCode(pa);
    }
    return d;
  }

  invalidatePage(page: number): void {
    this.decoded.delete(page);
    const list = this.blocksByPage.get(page);
    if (list) {
      for (const b of list) if (this.blocks.get(b.pa) === b) this.blocks.delete(b.pa);
      this.blocksByPage.delete(page);
    }
  }

  flushCodeCache(): void {
    this.decoded.clear();
    this.blocks.clear();
    this.blocksByPage.clear();
  }

  // ------------------------------------------------------------------ run ----------------------
  /**
   * Runs at most `budget` instructions; returns how many retired. Stops early when `brk` is set
   * (fatal trap, tohost write, code modified, wfi).
   */
  run(budget: number): number {
    let done = 0;
    this.brk = false;
    this.intCheck = true;
    const dbg = this.debug;
    if (this.engine === 'interpreter') {
      while (done < budget && !this.brk) {
        if (this.intCheck && this.checkInterrupts()) continue;
        if (dbg !== undefined && (dbg.singleStep || dbg.addresses.has(this.pc)) && dbg.atBoundary(this, this.pc, -1)) { this.brk = true; break; }
        if (dbg !== undefined && dbg.physical.size !== 0) {
          const pa = this.fphys ? this.pc : this.translate(this.pc | 0, Math.floor(this.pc / TWO32) | 0, Acc.Fetch);
          if (pa >= 0 && dbg.physical.has(pa) && dbg.atBoundary(this, this.pc, pa)) { this.brk = true; break; }
        }
        if (this.step()) done++;
      }
      return done;
    }
    const mmu = this.mmu, ft = mmu.ft, fa = mmu.fa, fs = mmu.fs, ramBase = this.bus.ram.base;
    while (done < budget && !this.brk) {
      if (this.intCheck && this.checkInterrupts()) continue;
      const pc = this.pc;
      // One instruction at a time when the debugger watches this boundary (see DebugHook).
      let oneByOne = false;
      if (dbg !== undefined && (dbg.singleStep || dbg.addresses.has(pc))) {
        if (dbg.atBoundary(this, pc, -1)) { this.brk = true; break; }
        oneByOne = true;
      }
      let pa: number;
      if (this.fphys) pa = pc;
      else {
        // Fetch translation: host cache (a subset of the TLB; counts as a TLB hit) or the TLB/walker.
        const g = Math.floor(pc / 4096), k = g & 255;
        if (ft[k] === g) { pa = pc + fa[k] + ramBase; mmu.fetchHit(fs[k]); } else {
          pa = this.translate(pc | 0, Math.floor(pc / TWO32) | 0, Acc.Fetch);
          if (pa < 0) { this.raise(pc); continue; }
        }
      }
      if (dbg !== undefined && !oneByOne && dbg.physical.has(pa)) {
        if (dbg.atBoundary(this, pc, pa)) { this.brk = true; break; }
        oneByOne = true;
      }
      if (oneByOne) { if (this.stepAt(pc, pa)) done++; continue; }
      let b: Block | null | undefined = this.blocks.get(pa);
      if (b === undefined || b.pc !== pc) b = this.compile(pc, pa);
      const left = budget - done;
      if (b !== null && b.len <= left) {
        const n = b.fn(left);
        done += n;
        this.retired += n;
      } else if (this.stepAt(pc, pa)) done++;
    }
    return done;
  }

  private compile(pc: number, pa: number): Block | null {
    const b = compileBlock(this, pc, pa);
    if (b === null) return null;
    this.compiledBlocks++;
    const old = this.blocks.get(pa);
    if (old) { const l = this.blocksByPage.get(old.page); if (l) l.splice(l.indexOf(old), 1); }
    this.blocks.set(pa, b);
    let list = this.blocksByPage.get(b.page);
    if (!list) { list = []; this.blocksByPage.set(b.page, list); }
    list.push(b);
    return b;
  }

  /** Interpreter: fetch, decode (cached), execute one instruction. Returns true if it retired. */
  step(): boolean {
    const pc = this.pc;
    const d = this.fetch(pc);
    if (d === undefined) { this.raise(pc); return false; }
    if (this.execute(d, pc)) { this.retired++; return true; }
    return false;
  }

  /** One instruction whose fetch was already translated to `pa`. */
  private stepAt(pc: number, pa: number): boolean {
    const d = this.decodeAt(pa, pc);
    if (d === undefined) { this.raise(pc); return false; }
    if (this.execute(d, pc)) { this.retired++; return true; }
    return false;
  }

  /**
   * Executes one decoded instruction at `pc`; on success sets `pc` to the next PC and returns true.
   * On an exception, takes the trap and returns false. Does not count `retired` (callers do).
   */
  execute(d: Decoded, pc: number): boolean {
    const xl = this.xl, xh = this.xh;
    const al = xl[d.rs1], ah = xh[d.rs1], bl = xl[d.rs2], bh = xh[d.rs2];
    const rd = d.rd, imm = d.imm;
    let next = pc + 4;
    switch (d.op) {
      case Op.LUI: this.wr(rd, imm, imm >> 31); break;
      case Op.AUIPC: {
        const phi = Math.floor(pc / TWO32);
        add64(pc - phi * TWO32, phi, imm, imm >> 31); this.wr(rd, R[0], R[1]); break;
      }
      case Op.JAL: {
        const t = pc + imm;
        if ((t & 3) !== 0) { this.trap(Cause.InstructionMisaligned, BigInt.asUintN(64, BigInt(t)), pc); return false; }
        this.linkTo(rd, next); this.pc = t; return true;
      }
      case Op.JALR: {
        add64(al, ah, imm, imm >> 31);
        const lo = R[0] & ~1, hi = R[1];
        if (!this.jumpPair(lo, hi, pc)) return false;
        this.linkTo(rd, next);
        return true;
      }
      case Op.BEQ: case Op.BNE: case Op.BLT: case Op.BGE: case Op.BLTU: case Op.BGEU: {
        let taken: boolean;
        switch (d.op) {
          case Op.BEQ: taken = al === bl && ah === bh; break;
          case Op.BNE: taken = al !== bl || ah !== bh; break;
          case Op.BLT: taken = lt64(al, ah, bl, bh); break;
          case Op.BGE: taken = !lt64(al, ah, bl, bh); break;
          case Op.BLTU: taken = ltu64(al, ah, bl, bh); break;
          default: taken = !ltu64(al, ah, bl, bh); break;
        }
        if (taken) {
          const t = pc + imm;
          if ((t & 3) !== 0) { this.trap(Cause.InstructionMisaligned, BigInt.asUintN(64, BigInt(t)), pc); return false; }
          next = t;
        }
        break;
      }
      case Op.LB: case Op.LH: case Op.LW: case Op.LD: case Op.LBU: case Op.LHU: case Op.LWU: {
        add64(al, ah, imm, imm >> 31);
        const signed = d.op === Op.LB || d.op === Op.LH || d.op === Op.LW;
        if (!this.load(R[0], R[1], d.width, signed)) { this.raise(pc); return false; }
        this.wr(rd, this.rlo, this.rhi);
        break;
      }
      case Op.SB: case Op.SH: case Op.SW: case Op.SD:
        add64(al, ah, imm, imm >> 31);
        if (!this.store(R[0], R[1], d.width, bl, bh)) { this.raise(pc); return false; }
        break;
      case Op.ADDI: add64(al, ah, imm, imm >> 31); this.wr(rd, R[0], R[1]); break;
      case Op.SLTI: this.wr(rd, lt64(al, ah, imm, imm >> 31) ? 1 : 0, 0); break;
      case Op.SLTIU: this.wr(rd, ltu64(al, ah, imm, imm >> 31) ? 1 : 0, 0); break;
      case Op.XORI: this.wr(rd, al ^ imm, ah ^ (imm >> 31)); break;
      case Op.ORI: this.wr(rd, al | imm, ah | (imm >> 31)); break;
      case Op.ANDI: this.wr(rd, al & imm, ah & (imm >> 31)); break;
      case Op.SLLI: sll64(al, ah, imm); this.wr(rd, R[0], R[1]); break;
      case Op.SRLI: srl64(al, ah, imm); this.wr(rd, R[0], R[1]); break;
      case Op.SRAI: sra64(al, ah, imm); this.wr(rd, R[0], R[1]); break;
      case Op.ADD: add64(al, ah, bl, bh); this.wr(rd, R[0], R[1]); break;
      case Op.SUB: sub64(al, ah, bl, bh); this.wr(rd, R[0], R[1]); break;
      case Op.SLL: sll64(al, ah, bl); this.wr(rd, R[0], R[1]); break;
      case Op.SLT: this.wr(rd, lt64(al, ah, bl, bh) ? 1 : 0, 0); break;
      case Op.SLTU: this.wr(rd, ltu64(al, ah, bl, bh) ? 1 : 0, 0); break;
      case Op.XOR: this.wr(rd, al ^ bl, ah ^ bh); break;
      case Op.SRL: srl64(al, ah, bl); this.wr(rd, R[0], R[1]); break;
      case Op.SRA: sra64(al, ah, bl); this.wr(rd, R[0], R[1]); break;
      case Op.OR: this.wr(rd, al | bl, ah | bh); break;
      case Op.AND: this.wr(rd, al & bl, ah & bh); break;
      case Op.ADDIW: { const v = (al + imm) | 0; this.wr(rd, v, v >> 31); break; }
      case Op.SLLIW: { const v = al << imm; this.wr(rd, v, v >> 31); break; }
      case Op.SRLIW: { const v = (al >>> imm) | 0; this.wr(rd, v, v >> 31); break; }
      case Op.SRAIW: { const v = al >> imm; this.wr(rd, v, v >> 31); break; }
      case Op.ADDW: { const v = (al + bl) | 0; this.wr(rd, v, v >> 31); break; }
      case Op.SUBW: { const v = (al - bl) | 0; this.wr(rd, v, v >> 31); break; }
      case Op.SLLW: { const v = al << (bl & 31); this.wr(rd, v, v >> 31); break; }
      case Op.SRLW: { const v = (al >>> (bl & 31)) | 0; this.wr(rd, v, v >> 31); break; }
      case Op.SRAW: { const v = al >> (bl & 31); this.wr(rd, v, v >> 31); break; }
      case Op.MUL: mul64(al, ah, bl, bh); this.wr(rd, R[0], R[1]); break;
      case Op.MULH: mulh64(al, ah, bl, bh); this.wr(rd, R[0], R[1]); break;
      case Op.MULHSU: mulhsu64(al, ah, bl, bh); this.wr(rd, R[0], R[1]); break;
      case Op.MULHU: mulhu64(al, ah, bl, bh); this.wr(rd, R[0], R[1]); break;
      case Op.DIV: div64(al, ah, bl, bh); this.wr(rd, R[0], R[1]); break;
      case Op.DIVU: divu64(al, ah, bl, bh); this.wr(rd, R[0], R[1]); break;
      case Op.REM: rem64(al, ah, bl, bh); this.wr(rd, R[0], R[1]); break;
      case Op.REMU: remu64(al, ah, bl, bh); this.wr(rd, R[0], R[1]); break;
      case Op.MULW: { const v = Math.imul(al, bl); this.wr(rd, v, v >> 31); break; }
      case Op.DIVW: { const v = bl === 0 ? -1 : (al === -2147483648 && bl === -1) ? al : (al / bl) | 0; this.wr(rd, v, v >> 31); break; }
      case Op.DIVUW: { const v = bl === 0 ? -1 : ((al >>> 0) / (bl >>> 0)) | 0; this.wr(rd, v, v >> 31); break; }
      case Op.REMW: { const v = bl === 0 ? al : bl === -1 ? 0 : (al % bl) | 0; this.wr(rd, v, v >> 31); break; }
      case Op.REMUW: { const v = bl === 0 ? al : ((al >>> 0) % (bl >>> 0)) | 0; this.wr(rd, v, v >> 31); break; }
      case Op.LR: case Op.SC: case Op.AMO:
        if (!this.atomic(d, pc, al, ah, bl, bh)) return false;
        break;
      case Op.FENCE: break; // one hart, sequentially consistent memory: nothing to order
      case Op.FENCE_I: this.bus.clearCode(); this.flushCodeCache(); this.brk = true; break;
      case Op.ECALL: {
        const cause = this.priv === PRV_M ? Cause.EcallM : this.priv === PRV_U ? Cause.EcallU : this.virt ? Cause.EcallVS : Cause.EcallS;
        if (this.ecallHook !== undefined && this.ecallHook(this, cause)) { this.intCheck = true; break; }
        this.trap(cause, 0n, pc); return false;
      }
      case Op.EBREAK: this.trap(Cause.Breakpoint, BigInt.asUintN(64, BigInt(pc)), pc, this.virt === 1); return false;
      case Op.MRET: {
        if (this.priv < PRV_M) return this.virt ? this.virtualInsn(d, pc) : this.illegal(d, pc);
        // priv <- MPP; V <- MPV (if MPP != M); MIE <- MPIE; MPIE <- 1; MPP <- U (least-privileged
        // mode); H 1.0: MRET sets MPV=0; priv 1.12: "If y != M, xRET also sets MPRV=0".
        this.trapReturns++;
        this.mstatusMIE = this.mstatusMPIE;
        this.mstatusMPIE = 1;
        this.priv = this.mstatusMPP;
        this.virt = this.priv !== PRV_M ? this.mstatusMPV : 0;
        this.mstatusMPV = 0;
        this.mstatusMPP = PRV_U;
        if (this.priv !== PRV_M) this.mstatusMPRV = 0;
        this.ctxChanged();
        bigToPair(this.mepc);
        return this.jumpPair(R[0], R[1], pc);
      }
      case Op.SRET: {
        if (this.virt) {
          if (this.priv === PRV_U || this.hsVTSR) return this.virtualInsn(d, pc);
          // VS-mode sret: vsstatus
          this.trapReturns++;
          this.priv = this.vsSPP; this.vsSIE = this.vsSPIE; this.vsSPIE = 1; this.vsSPP = PRV_U;
          this.ctxChanged();
          bigToPair(this.vsepc);
          return this.jumpPair(R[0], R[1], pc);
        }
        if (this.priv === PRV_U || (this.priv === PRV_S && this.mstatusTSR)) return this.illegal(d, pc);
        // H 1.0: "SRET first determines what the new privilege mode will be according to the values
        // in hstatus.SPV and sstatus.SPP. SRET then sets hstatus.SPV=0, and in sstatus sets SPP=0,
        // SIE=SPIE, and SPIE=1." Priv 1.12: an xRET to a mode y != M also sets MPRV=0.
        this.trapReturns++;
        this.priv = this.mstatusSPP; this.mstatusSIE = this.mstatusSPIE; this.mstatusSPIE = 1; this.mstatusSPP = PRV_U;
        this.mstatusMPRV = 0; // the new privilege is never M
        this.virt = this.hsSPV;
        this.hsSPV = 0;
        this.ctxChanged();
        bigToPair(this.sepc);
        return this.jumpPair(R[0], R[1], pc);
      }
      case Op.WFI:
        if (this.priv < PRV_M && this.mstatusTW) return this.illegal(d, pc);
        if (this.virt) { if (this.priv === PRV_U || this.hsVTW) return this.virtualInsn(d, pc); } else if (this.priv === PRV_U) return this.illegal(d, pc);
        if ((this.mipValue() & this.mie) === 0) { this.waiting = true; this.brk = true; }
        break;
      case Op.SFENCE_VMA: {
        if (this.virt) { if (this.priv === PRV_U || this.hsVTVM) return this.virtualInsn(d, pc); } else if (this.priv === PRV_U || (this.priv === PRV_S && this.mstatusTVM)) return this.illegal(d, pc);
        const scope = { asid: d.rs2 === 0 ? undefined : xl[d.rs2] & ASID_MASK, vaddr: d.rs1 === 0 ? undefined : pairToBigU(al, ah) };
        if (this.virt) this.mmu.flush('hfence.vvma', scope, 'sfence.vma'); else this.mmu.flush('sfence.vma', scope);
        break;
      }
      case Op.HFENCE_VVMA: case Op.HFENCE_GVMA: {
        if (this.virt) return this.virtualInsn(d, pc);
        if (this.priv === PRV_U || (d.op === Op.HFENCE_GVMA && this.priv === PRV_S && this.mstatusTVM)) return this.illegal(d, pc);
        if (d.op === Op.HFENCE_VVMA) this.mmu.flush('hfence.vvma', { asid: d.rs2 === 0 ? undefined : xl[d.rs2] & ASID_MASK, vaddr: d.rs1 === 0 ? undefined : pairToBigU(al, ah) });
        else this.mmu.flush('hfence.gvma', { vmid: d.rs2 === 0 ? undefined : xl[d.rs2] & VMID_MASK, gpa: d.rs1 === 0 ? undefined : pairToBigU(al, ah) << 2n });
        break;
      }
      case Op.HLV: case Op.HSV: {
        if (this.virt) return this.virtualInsn(d, pc);
        if (this.priv === PRV_U && !this.hsHU) return this.illegal(d, pc);
        this.hlsv = true; this.hlvx = (d.imm & 2) !== 0;
        let ok: boolean;
        if (d.op === Op.HLV) ok = this.load(al, ah, d.width, (d.imm & 1) === 0);
        else ok = this.store(al, ah, d.width, bl, bh);
        this.hlsv = false; this.hlvx = false;
        if (!ok) { this.raise(pc); return false; }
        if (d.op === Op.HLV) this.wr(rd, this.rlo, this.rhi);
        break;
      }
      case Op.CSRRW: case Op.CSRRS: case Op.CSRRC: case Op.CSRRWI: case Op.CSRRSI: case Op.CSRRCI:
        if (!this.csrOp(d, pc)) return false;
        break;
      default: return this.illegal(d, pc);
    }
    this.pc = next;
    return true;
  }

  private linkTo(rd: number, next: number): void {
    if (rd === 0) return;
    const hi = Math.floor(next / TWO32);
    this.xl[rd] = (next - hi * TWO32) | 0; this.xh[rd] = hi | 0;
  }

  // ------------------------------------------------------------------ A extension --------------
  private atomic(d: Decoded, pc: number, al: number, ah: number, bl: number, bh: number): boolean {
    const size = d.width;
    if ((al & (size - 1)) !== 0) { // LR/SC/AMO must be naturally aligned
      this.trap(d.op === Op.LR ? Cause.LoadMisaligned : Cause.StoreMisaligned, pairToBigU(al, ah), pc);
      return false;
    }
    const acc = d.op === Op.LR ? Acc.Load : d.op === Op.SC ? Acc.Store : Acc.Amo;
    const pa = this.translate(al, ah, acc, size);
    if (pa < 0) { this.raise(pc); return false; }
    const fault = d.op === Op.LR ? Cause.LoadAccessFault : Cause.StoreAccessFault;
    // Atomics are only supported on RAM (no AMOs to devices in this model).
    if (this.bus.ramOffset(pa, size) < 0) { this.trap(fault, pairToBigU(al, ah), pc); return false; }
    const bus = this.bus;
    if (d.op === Op.SC) {
      if (bus.takeReservation(this.id, pa, size)) {
        if (bus.write(pa, size, bl, bh) & W_BREAK) this.brk = true;
        this.wr(d.rd, 0, 0);
      } else this.wr(d.rd, 1, 0);
      return true;
    }
    bus.read(pa, size);
    const ol = bus.rlo;
    let oh = size === 8 ? bus.rhi : bus.rlo >> 31; // loaded value, sign-extended for .W
    if (d.op === Op.LR) { bus.reserve(this.id, pa, size); this.wr(d.rd, ol, oh); return true; }
    let nl: number, nh: number;
    if (size === 4) { bh = bl >> 31; }
    switch (d.amo) {
      case Amo.SWAP: nl = bl; nh = bh; break;
      case Amo.ADD: add64(ol, oh, bl, bh); nl = R[0]; nh = R[1]; break;
      case Amo.XOR: nl = ol ^ bl; nh = oh ^ bh; break;
      case Amo.AND: nl = ol & bl; nh = oh & bh; break;
      case Amo.OR: nl = ol | bl; nh = oh | bh; break;
      case Amo.MIN: [nl, nh] = lt64(ol, oh, bl, bh) ? [ol, oh] : [bl, bh]; break;
      case Amo.MAX: [nl, nh] = lt64(ol, oh, bl, bh) ? [bl, bh] : [ol, oh]; break;
      case Amo.MINU: [nl, nh] = ltu64(ol, oh, bl, bh) ? [ol, oh] : [bl, bh]; break;
      default: [nl, nh] = ltu64(ol, oh, bl, bh) ? [bl, bh] : [ol, oh]; break;
    }
    if (size === 4) { oh = ol >> 31; }
    if (bus.write(pa, size, nl, nh) & W_BREAK) this.brk = true;
    this.wr(d.rd, ol, oh);
    return true;
  }

  // ------------------------------------------------------------------ Zicsr --------------------
  /**
   * Access check for CSR `num` in the current mode: 0 allowed, 1 illegal instruction, 2 virtual
   * instruction (H 1.0: an access that HS-mode could make, attempted from VS/VU).
   */
  private csrAccess(num: number, writes: boolean): number {
    if (this.csrRead(num) === undefined) return 1;
    const lvl = (num >>> 8) & 3;
    const ro = (num >>> 10) === 3;
    if (this.priv === PRV_M) return writes && ro ? 1 : 0;
    if (lvl === 3) return 1;
    if (this.virt) {
      if (lvl === 2) return writes && ro ? 1 : 2;
      if (lvl === 1 && this.priv === PRV_U) return 2;
      if (num === CSR.satp && this.hsVTVM) return 2;
    } else {
      if (this.priv === PRV_U && lvl !== 0) return 1;
      if ((num === CSR.satp || num === CSR.hgatp) && this.mstatusTVM) return 1;
    }
    if (writes && ro) return 1;
    if (num >= 0xc00 && num <= 0xc1f) {
      const bit = num & 31;
      if (((this.mcounteren >>> bit) & 1) === 0) return 1;
      if (this.virt) {
        if (((this.hcounteren >>> bit) & 1) === 0) return 2;
        if (this.priv === PRV_U && ((this.scounteren >>> bit) & 1) === 0) return 2;
      } else if (this.priv === PRV_U && ((this.scounteren >>> bit) & 1) === 0) return 1;
    }
    return 0;
  }

  private csrOp(d: Decoded, pc: number): boolean {
    const isImm = d.op >= Op.CSRRWI;
    const src = isImm ? BigInt(d.imm) : pairToBigU(this.xl[d.rs1], this.xh[d.rs1]);
    const kind = isImm ? d.op - 3 : d.op; // CSRRW/CSRRS/CSRRC
    const writes = kind === Op.CSRRW || d.rs1 !== 0; // csrrs/c with x0 / zimm 0 do not write
    const reads = kind !== Op.CSRRW || d.rd !== 0;
    const chk = this.csrAccess(d.csr, writes);
    if (chk === 1) return this.illegal(d, pc);
    if (chk === 2) return this.virtualInsn(d, pc);
    const num = this.virt ? (VS_REDIRECT[d.csr] ?? d.csr) : d.csr;
    let old = this.csrRead(num) ?? 0n;
    if (num === CSR.time && this.virt) old = BigInt.asUintN(64, old + this.htimedelta);
    if (writes) {
      const nv = kind === Op.CSRRW ? src : kind === Op.CSRRS ? old | src : old & ~src;
      this.csrWrite(num, nv);
    }
    if (reads) { bigToPair(old); this.wr(d.rd, R[0], R[1]); }
    return true;
  }

  private counterValue(which: 0 | 2): bigint {
    const inhibited = (this.mcountinhibit >> which) & 1;
    if (which === 0) return BigInt.asUintN(64, inhibited ? this.cycleFrozen : BigInt(this.cycleSource()) + this.cycleOffset);
    return BigInt.asUintN(64, inhibited ? this.instretFrozen : BigInt(this.retired) + this.instretOffset);
  }

  /**
   * Reads a CSR by its number as seen from M-mode (no privilege check, no V=1 redirection; callers
   * do both). Returns undefined for CSRs that do not exist. Also the debugger's read path (no side effects).
   */
  csrRead(num: number): bigint | undefined {
    switch (num) {
      case CSR.mstatus:
        return (2n << 32n) | (2n << 34n) | (BigInt(this.mstatusGVA) << 38n) | (BigInt(this.mstatusMPV) << 39n) | BigInt(
          (this.mstatusSIE << 1) | (this.mstatusMIE << 3) | (this.mstatusSPIE << 5) | (this.mstatusMPIE << 7) | (this.mstatusSPP << 8) |
          (this.mstatusMPP << 11) | (this.mstatusMPRV << 17) | (this.mstatusSUM << 18) | (this.mstatusMXR << 19) |
          (this.mstatusTVM << 20) | (this.mstatusTW << 21) | (this.mstatusTSR << 22));
      case CSR.sstatus:
        return (2n << 32n) | BigInt((this.mstatusSIE << 1) | (this.mstatusSPIE << 5) | (this.mstatusSPP << 8) | (this.mstatusSUM << 18) | (this.mstatusMXR << 19));
      case CSR.vsstatus:
        return (2n << 32n) | BigInt((this.vsSIE << 1) | (this.vsSPIE << 5) | (this.vsSPP << 8) | (this.vsSUM << 18) | (this.vsMXR << 19));
      case CSR.hstatus:
        return (2n << 32n) | BigInt((this.hsGVA << 6) | (this.hsSPV << 7) | (this.hsSPVP << 8) | (this.hsHU << 9) | (this.hsVGEIN << 12) |
          (this.hsVTVM << 20) | (this.hsVTW << 21) | (this.hsVTSR << 22));
      case CSR.misa: return (2n << 62n) | BigInt((1 << 0) | (1 << 7) | (1 << 8) | (1 << 12) | (1 << 18) | (1 << 20)); // RV64 I M A S U H
      case CSR.medeleg: return BigInt(this.medeleg);
      case CSR.mideleg: return BigInt(this.mideleg);
      case CSR.hedeleg: return BigInt(this.hedeleg);
      case CSR.hideleg: return BigInt(this.hideleg);
      case CSR.mie: return BigInt(this.mie);
      case CSR.mip: return BigInt(this.mipValue());
      case CSR.sie: return BigInt(this.mie & this.mideleg & (SSI | STI | SEI));
      case CSR.sip: return BigInt(this.mipValue() & this.mideleg & (SSI | STI | SEI));
      case CSR.hie: return BigInt(this.mie & (VSSI | VSTI | VSEI | SGEI));
      case CSR.hip: return BigInt(this.mipValue() & (VSSI | VSTI | VSEI | SGEI));
      case CSR.hvip: return BigInt(this.hvip);
      case CSR.vsie: return BigInt((this.mie & this.hideleg & HIDELEG_MASK) >> 1);
      case CSR.vsip: return BigInt((this.mipValue() & this.hideleg & HIDELEG_MASK) >> 1);
      case CSR.hgeie: return BigInt(this.hgeie);
      case CSR.hgeip: return BigInt(this.hgeipLines & GEI_MASK);
      case CSR.mcounteren: return BigInt(this.mcounteren);
      case CSR.scounteren: return BigInt(this.scounteren);
      case CSR.hcounteren: return BigInt(this.hcounteren);
      case CSR.mcountinhibit: return BigInt(this.mcountinhibit);
      case CSR.mtvec: return this.mtvec;
      case CSR.stvec: return this.stvec;
      case CSR.vstvec: return this.vstvec;
      case CSR.mscratch: return this.mscratch;
      case CSR.sscratch: return this.sscratch;
      case CSR.vsscratch: return this.vsscratch;
      case CSR.mepc: return this.mepc;
      case CSR.sepc: return this.sepc;
      case CSR.vsepc: return this.vsepc;
      case CSR.mcause: return this.mcause;
      case CSR.scause: return this.scause;
      case CSR.vscause: return this.vscause;
      case CSR.mtval: return this.mtval;
      case CSR.stval: return this.stval;
      case CSR.vstval: return this.vstval;
      case CSR.mtval2: return this.mtval2;
      case CSR.mtinst: return this.mtinst;
      case CSR.htval: return this.htval;
      case CSR.htinst: return this.htinst;
      case CSR.satp: return this.satp;
      case CSR.vsatp: return this.vsatp;
      case CSR.hgatp: return this.hgatp;
      case CSR.menvcfg: return this.menvcfg;
      case CSR.senvcfg: return this.senvcfg;
      case CSR.henvcfg: return this.henvcfg;
      case CSR.htimedelta: return this.htimedelta;
      case CSR.mcycle: case CSR.cycle: return this.counterValue(0);
      case CSR.minstret: case CSR.instret: return this.counterValue(2);
      case CSR.time: return BigInt.asUintN(64, this.timeSource());
      case CSR.mvendorid: case CSR.marchid: case CSR.mimpid: case CSR.mconfigptr: return 0n;
      case CSR.mhartid: return BigInt(this.id);
    }
    if (num >= 0x3a0 && num <= 0x3af) return (num & 1) ? undefined : this.mmu.pmp.readCfg(num - 0x3a0); // RV64: odd pmpcfg do not exist
    if (num >= 0x3b0 && num <= 0x3ef) return this.mmu.pmp.readAddr(num - 0x3b0);
    if ((num >= 0xb03 && num <= 0xb1f) || (num >= 0xc03 && num <= 0xc1f) || (num >= 0x323 && num <= 0x33f)) return 0n; // hpm counters/events: hardwired 0
    return undefined;
  }

  private static legalTvec(v: bigint, old: bigint): bigint {
    // WARL: mode 0 (direct) or 1 (vectored); the base must be a representable address (|addr| < 2^53).
    const legal = (v & ~3n) | (v & 1n);
    return Number.isSafeInteger(Number(BigInt.asIntN(64, legal))) ? legal : old;
  }

  /** Writes a CSR (number as seen from M-mode) with WARL legalisation (no privilege check). Unknown CSRs are ignored. */
  csrWrite(num: number, v: bigint): void {
    v = BigInt.asUintN(64, v);
    const lo = Number(v & 0xffffffffn);
    const bit = (n: number): number => (lo >>> n) & 1;
    switch (num) {
      case CSR.mstatus: {
        this.mstatusSIE = bit(1); this.mstatusMIE = bit(3); this.mstatusSPIE = bit(5); this.mstatusMPIE = bit(7); this.mstatusSPP = bit(8);
        const mpp = (lo >>> 11) & 3;
        if (mpp !== 2) this.mstatusMPP = mpp; // WARL: 2 is reserved: keep
        this.mstatusMPRV = bit(17); this.mstatusSUM = bit(18); this.mstatusMXR = bit(19);
        this.mstatusTVM = bit(20); this.mstatusTW = bit(21); this.mstatusTSR = bit(22);
        this.mstatusGVA = Number((v >> 38n) & 1n); this.mstatusMPV = Number((v >> 39n) & 1n);
        break;
      }
      case CSR.sstatus:
        this.mstatusSIE = bit(1); this.mstatusSPIE = bit(5); this.mstatusSPP = bit(8); this.mstatusSUM = bit(18); this.mstatusMXR = bit(19);
        break;
      case CSR.vsstatus:
        this.vsSIE = bit(1); this.vsSPIE = bit(5); this.vsSPP = bit(8); this.vsSUM = bit(18); this.vsMXR = bit(19);
        break;
      case CSR.hstatus: {
        this.hsGVA = bit(6); this.hsSPV = bit(7); this.hsSPVP = bit(8); this.hsHU = bit(9);
        const vgein = (lo >>> 12) & 0x3f;
        if (vgein <= 7) this.hsVGEIN = vgein; // WARL: 0..GEILEN
        this.hsVTVM = bit(20); this.hsVTW = bit(21); this.hsVTSR = bit(22);
        break;
      }
      case CSR.medeleg: this.medeleg = lo & MEDELEG_MASK; break;
      case CSR.mideleg: this.mideleg = (lo & MIDELEG_WRITABLE) | MIDELEG_RO1; break;
      case CSR.hedeleg: this.hedeleg = lo & HEDELEG_MASK; break;
      case CSR.hideleg: this.hideleg = lo & HIDELEG_MASK; break;
      case CSR.mie: this.mie = lo & MIE_MASK; break;
      case CSR.mip: this.mip = lo & (SSI | STI | SEI); this.hvip = (this.hvip & ~VSSI) | (lo & VSSI); break;
      case CSR.sie: { const m = this.mideleg & (SSI | STI | SEI); this.mie = (this.mie & ~m) | (lo & m); break; }
      case CSR.sip: { const m = this.mideleg & SSI; this.mip = (this.mip & ~m) | (lo & m); break; }
      case CSR.hie: { const m = VSSI | VSTI | VSEI | SGEI; this.mie = (this.mie & ~m) | (lo & m); break; }
      case CSR.hip: this.hvip = (this.hvip & ~VSSI) | (lo & VSSI); break;
      case CSR.hvip: this.hvip = lo & HVIP_MASK; break;
      case CSR.vsie: { const m = this.hideleg & HIDELEG_MASK; this.mie = (this.mie & ~m) | ((lo << 1) & m); break; }
      case CSR.vsip: { const m = this.hideleg & VSSI; this.hvip = (this.hvip & ~m) | ((lo << 1) & m); break; }
      case CSR.hgeie: this.hgeie = lo & GEI_MASK; break;
      case CSR.mcounteren: this.mcounteren = lo >>> 0; break;
      case CSR.scounteren: this.scounteren = lo >>> 0; break;
      case CSR.hcounteren: this.hcounteren = lo >>> 0; break;
      case CSR.mcountinhibit: {
        const nv = lo & 5; // CY and IR (TM does not exist; hpm counters are hardwired 0)
        const cur0 = this.counterValue(0), cur2 = this.counterValue(2);
        if ((nv & 1) && !(this.mcountinhibit & 1)) this.cycleFrozen = cur0;
        if (!(nv & 1) && (this.mcountinhibit & 1)) this.cycleOffset = this.cycleFrozen - BigInt(this.cycleSource()) - BigInt(this.cpi);
        if ((nv & 4) && !(this.mcountinhibit & 4)) this.instretFrozen = cur2 + 1n; // this instruction still retires
        if (!(nv & 4) && (this.mcountinhibit & 4)) this.instretOffset = this.instretFrozen - BigInt(this.retired) - 1n;
        this.mcountinhibit = nv;
        break;
      }
      case CSR.mtvec: this.mtvec = Hart.legalTvec(v, this.mtvec); break;
      case CSR.stvec: this.stvec = Hart.legalTvec(v, this.stvec); break;
      case CSR.vstvec: this.vstvec = Hart.legalTvec(v, this.vstvec); break;
      case CSR.mscratch: this.mscratch = v; break;
      case CSR.sscratch: this.sscratch = v; break;
      case CSR.vsscratch: this.vsscratch = v; break;
      case CSR.mepc: this.mepc = v & ~3n; break; // IALIGN=32
      case CSR.sepc: this.sepc = v & ~3n; break;
      case CSR.vsepc: this.vsepc = v & ~3n; break;
      case CSR.mcause: this.mcause = v; break;
      case CSR.scause: this.scause = v; break;
      case CSR.vscause: this.vscause = v; break;
      case CSR.mtval: this.mtval = v; break;
      case CSR.stval: this.stval = v; break;
      case CSR.vstval: this.vstval = v; break;
      case CSR.mtval2: this.mtval2 = v; break;
      case CSR.mtinst: this.mtinst = v; break;
      case CSR.htval: this.htval = v; break;
      case CSR.htinst: this.htinst = v; break;
      case CSR.satp: case CSR.vsatp: {
        const mode = v >> 60n;
        if (mode !== 0n && mode !== 8n && mode !== 9n) break; // unsupported mode: the whole write is ignored
        if (num === CSR.satp) this.satp = v; else this.vsatp = v;
        break;
      }
      case CSR.hgatp: {
        const mode = v >> 60n;
        if (mode !== 0n && mode !== 8n && mode !== 9n) break;
        const ppn = v & ((1n << 44n) - 1n) & ~3n; // 16 KiB-aligned root: PPN[1:0] read-only zero
        this.hgatp = (mode << 60n) | (((v >> 44n) & BigInt(VMID_MASK)) << 44n) | ppn;
        break;
      }
      case CSR.menvcfg: this.menvcfg = v & 1n; break; // FIOM only (no Zicbom/Svpbmt/Sstc)
      case CSR.senvcfg: this.senvcfg = v & 1n; break;
      case CSR.henvcfg: this.henvcfg = v & 1n; break;
      case CSR.htimedelta: this.htimedelta = v & U64; break;
      // The written value is what the next instruction reads: this instruction's own retirement is
      // counted after the write, so compensate by one.
      case CSR.mcycle:
        if (this.mcountinhibit & 1) this.cycleFrozen = v; else this.cycleOffset = v - BigInt(this.cycleSource()) - BigInt(this.cpi);
        break;
      case CSR.minstret:
        if (this.mcountinhibit & 4) this.instretFrozen = v; else this.instretOffset = v - BigInt(this.retired) - 1n;
        break;
      default:
        if (num >= 0x3a0 && num <= 0x3af && !(num & 1)) this.mmu.pmp.writeCfg(num - 0x3a0, v);
        else if (num >= 0x3b0 && num <= 0x3ef) this.mmu.pmp.writeAddr(num - 0x3b0, v);
        break; // misa, hpm*: read-only or hardwired
    }
    this.ctxChanged();
  }

  /** Is the first instruction at `pc` one that compiled blocks never contain? */
  static endsBlock(d: Decoded): boolean { return isSystem(d.op); }
}

/** Trace name of a privilege level: M, HS (S with V=0), U, VS, VU. */
function privName(priv: number, virt: number): Privilege {
  if (virt) return priv === PRV_U ? 'VU' : 'VS';
  return priv === PRV_M ? 'M' : priv === PRV_S ? 'HS' : 'U';
}
