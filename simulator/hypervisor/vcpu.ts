/**
 * A virtual CPU: the guest state a hart holds while the vCPU runs, saved and restored by the
 * hypervisor on every switch.
 *
 * Context (H extension 1.0 §"Hypervisor and virtual supervisor CSRs"): x1..x31, pc, the guest
 * privilege (VS or VU), the VS CSRs (vsstatus, vsie — kept in the hart's mie VS bits —, vstvec,
 * vsscratch, vsepc, vscause, vstval, vsatp), the per-vCPU part of hstatus (HU, SPVP, VGEIN, VTVM,
 * VTW, VTSR; SPV and GVA are trap state written at each exit), hvip (the virtual interrupts the
 * hypervisor injects), htimedelta, and hgatp (the VM's, with its VMID).
 */
import type { Hart } from '../riscv/hart/hart';
import { CSR, PRV_S } from '../riscv/hart/csr';
import type { EventId } from '../machine/events';

/** Bits of mie/hvip that belong to VS level (VSSI 2, VSTI 6, VSEI 10). */
export const VS_IRQ_MASK = (1 << 2) | (1 << 6) | (1 << 10);
export const VSSI = 1 << 2, VSTI = 1 << 6, VSEI = 1 << 10;
/** hstatus bits that are per-vCPU configuration: HU 9, SPVP 8, VGEIN 17:12, VTVM 20, VTW 21, VTSR 22. */
const HSTATUS_VCPU_MASK = (1n << 8n) | (1n << 9n) | (0x3fn << 12n) | (1n << 20n) | (1n << 21n) | (1n << 22n);

export type VcpuState =
  /** HSM STOPPED: waits for hart_start. */
  | 'stopped'
  /** hart_start accepted, the start IPI has not arrived yet. */
  | 'start-pending'
  /** Ready, waiting for a hart in the run queue. */
  | 'runnable'
  /** On a hart. */
  | 'running'
  /** wfi or HSM suspend: waits for a virtual interrupt. */
  | 'waiting';

export interface Suspension { retentive: boolean; resumeAddr: bigint; opaque: bigint }

/** The saved register and CSR state of a vCPU. */
export interface VcpuContext {
  readonly xl: Int32Array;
  readonly xh: Int32Array;
  pc: number;
  /** Guest privilege: 1 (VS) or 0 (VU). */
  priv: number;
  vsstatus: bigint;
  /** The VS bits of mie (vsie is their view). */
  vsie: number;
  vstvec: bigint;
  vsscratch: bigint;
  vsepc: bigint;
  vscause: bigint;
  vstval: bigint;
  vsatp: bigint;
  hstatus: bigint;
  hvip: number;
  htimedelta: bigint;
}

export function emptyContext(): VcpuContext {
  return {
    xl: new Int32Array(32), xh: new Int32Array(32), pc: 0, priv: PRV_S,
    vsstatus: 0n, vsie: 0, vstvec: 0n, vsscratch: 0n, vsepc: 0n, vscause: 0n, vstval: 0n, vsatp: 0n,
    hstatus: 0n, hvip: 0, htimedelta: 0n,
  };
}

/** Copies the vCPU-owned state out of a hart (the hart must be running this vCPU, V=1). */
export function saveContext(h: Hart, c: VcpuContext): void {
  c.xl.set(h.xl); c.xh.set(h.xh);
  c.pc = h.pc;
  c.priv = h.priv;
  c.vsstatus = h.csrRead(CSR.vsstatus) ?? 0n;
  c.vsie = h.mie & VS_IRQ_MASK;
  c.vstvec = h.vstvec; c.vsscratch = h.vsscratch; c.vsepc = h.vsepc; c.vscause = h.vscause; c.vstval = h.vstval;
  c.vsatp = h.vsatp;
  c.hstatus = (h.csrRead(CSR.hstatus) ?? 0n) & HSTATUS_VCPU_MASK;
  c.hvip = h.hvip;
  c.htimedelta = h.htimedelta;
}

/**
 * Loads a vCPU's state into a hart and enters the guest (V=1 at the saved privilege), with the
 * VM's `hgatp`. Everything goes through the CSR write paths (WARL), then the translation context
 * is recomputed. LR/SC reservations do not survive a switch.
 */
export function restoreContext(h: Hart, c: VcpuContext, hgatp: bigint): void {
  h.xl.set(c.xl); h.xh.set(c.xh); h.xl[0] = 0; h.xh[0] = 0;
  h.csrWrite(CSR.vsstatus, c.vsstatus);
  h.mie = (h.mie & ~VS_IRQ_MASK) | (c.vsie & VS_IRQ_MASK);
  h.csrWrite(CSR.vstvec, c.vstvec);
  h.csrWrite(CSR.vsscratch, c.vsscratch);
  h.csrWrite(CSR.vsepc, c.vsepc);
  h.csrWrite(CSR.vscause, c.vscause);
  h.csrWrite(CSR.vstval, c.vstval);
  h.csrWrite(CSR.vsatp, c.vsatp);
  const hs = h.csrRead(CSR.hstatus) ?? 0n;
  h.csrWrite(CSR.hstatus, (hs & ~HSTATUS_VCPU_MASK) | (c.hstatus & HSTATUS_VCPU_MASK));
  h.csrWrite(CSR.hvip, BigInt(c.hvip));
  h.csrWrite(CSR.htimedelta, c.htimedelta);
  h.csrWrite(CSR.hgatp, hgatp);
  h.bus.reservations[h.id] = -1;
  h.priv = c.priv;
  h.virt = 1;
  h.pc = c.pc;
  h.waiting = false;
  h.ctxChanged();
}

export class Vcpu {
  state: VcpuState = 'stopped';
  readonly ctx: VcpuContext = emptyContext();
  /** Hart running this vCPU, or -1. */
  hart = -1;
  /** Hart that ran it last (-1: never ran). */
  lastHart = -1;
  /** Set by a remote fence while it was not running: flush its VMID's VS-stage entries on entry. */
  needsVvmaFlush = false;
  suspension: Suspension | undefined;
  /** Virtual timer (SBI set_timer) event. */
  timerEvent: EventId | undefined;
  /** Instructions retired in the guest by this vCPU. */
  instructions = 0;
  /** hart.retired when it was last placed on a hart. */
  retiredMark = 0;
  /** Counts placements, so that a stale timeslice event can tell it is stale. */
  generation = 0;
  /** A vcpu-preemption callback deferred the preemption of this placement already. */
  preemptDeferred = false;
  /** Hart time when it was last placed (ran_ns of the preemption context). */
  placedAt = 0;

  constructor(readonly vmIndex: number, readonly index: number, readonly name: string) {}

  /** Resets the context for a (re)start at `pc` in VS mode with a0 = vCPU index, a1 = opaque (SBI HSM boot protocol). */
  resetAt(pc: bigint, opaque: bigint): void {
    const c = this.ctx;
    c.xl.fill(0); c.xh.fill(0);
    c.pc = Number(BigInt.asIntN(64, pc));
    c.priv = PRV_S;
    c.vsstatus = 0n; c.vsie = 0; c.vstvec = 0n; c.vsscratch = 0n; c.vsepc = 0n; c.vscause = 0n; c.vstval = 0n; c.vsatp = 0n;
    c.hstatus = 1n << 21n; // VTW: a guest wfi exits to the hypervisor, which gives the hart away
    c.hvip = 0;
    c.htimedelta = 0n;
    setPair(c, 10, BigInt(this.index));
    setPair(c, 11, opaque);
  }
}

function setPair(c: VcpuContext, r: number, v: bigint): void {
  const u = BigInt.asUintN(64, v);
  c.xl[r] = Number(u & 0xffffffffn) | 0;
  c.xh[r] = Number(u >> 32n) | 0;
}
