/**
 * Resolves a ThreadContext to where its state lives now: a hart's registers (bare metal, or a
 * vCPU placed on a hart) or a descheduled vCPU's saved context. Everything else reads registers,
 * CSRs and the translation context through the ThreadState it returns.
 */
import type { Hart } from '../../simulator/machine';
import type { Vcpu, Vm } from '../../simulator/hypervisor';
import { CSR } from '../../simulator/riscv/hart/csr';
import { InspectError, type InspectTarget, type ThreadContext } from './target';
import type { TranslationRegs } from './walk';

export interface ThreadState {
  /** The hart that holds the registers, or (descheduled vCPU) the hart it last ran on, for PMP and TLB. */
  hart: Hart;
  /** True when the registers are the hart's; false for a descheduled vCPU. */
  live: boolean;
  vm: Vm | undefined;
  vcpu: Vcpu | undefined;
  /** Privilege 0 U, 1 S, 3 M and V, as the thread runs. */
  priv: number;
  virt: boolean;
  getReg(i: number): bigint;
  getPc(): bigint;
  /** The translation its ordinary data accesses use. */
  regs: TranslationRegs;
  /** `VS`, `VU`, `HS`, `M`, `U`. */
  modeName: string;
}

export const pairToBig = (lo: number, hi: number): bigint => (BigInt(hi >>> 0) << 32n) | BigInt(lo >>> 0);

export function modeOf(priv: number, virt: boolean): string {
  if (virt) return priv === 0 ? 'VU' : 'VS';
  return priv === 3 ? 'M' : priv === 1 ? 'HS' : 'U';
}

const bitOf = (v: bigint, b: number): boolean => ((v >> BigInt(b)) & 1n) === 1n;

/** The vCPU named by a context, or undefined for a hart thread; throws for names that do not exist. */
export function vcpuOf(t: InspectTarget, ctx: ThreadContext): { vm: Vm; vcpu: Vcpu } | undefined {
  if (ctx.vm === undefined) return undefined;
  const hv = t.hypervisor;
  if (hv === undefined) throw new InspectError(`no hypervisor runs: there is no VM '${ctx.vm}'`);
  const vm = hv.vms.find((v) => v.name === ctx.vm);
  if (vm === undefined) throw new InspectError(`no VM named '${ctx.vm}' (VMs: ${hv.vms.map((v) => v.name).join(', ')})`);
  const i = ctx.vcpu ?? 0;
  const vcpu = vm.vcpus[i];
  if (!Number.isInteger(i) || vcpu === undefined) throw new InspectError(`VM '${vm.name}' has no vCPU ${i} (it has ${vm.vcpus.length})`);
  return { vm, vcpu };
}

export function hartAt(t: InspectTarget, i: number): Hart {
  const h = Number.isInteger(i) ? t.machine.harts[i] : undefined;
  if (h === undefined) throw new InspectError(`no hart ${i} (the machine has ${t.machine.harts.length})`);
  return h;
}

export function resolveThread(t: InspectTarget, ctx: ThreadContext): ThreadState {
  const v = vcpuOf(t, ctx);
  if (v === undefined || v.vcpu.hart >= 0) {
    const h = hartAt(t, v === undefined ? ctx.hart : v.vcpu.hart);
    const virt = h.virt === 1;
    return {
      hart: h, live: true, vm: v?.vm, vcpu: v?.vcpu, priv: h.priv, virt,
      getReg: (i) => h.getReg(i),
      getPc: () => h.getPc(),
      regs: {
        priv: h.priv, virt, satp: h.satp, vsatp: h.vsatp, hgatp: h.hgatp,
        sum: h.mstatusSUM === 1, mxr: h.mstatusMXR === 1, vsum: h.vsSUM === 1, vmxr: h.vsMXR === 1,
      },
      modeName: modeOf(h.priv, virt),
    };
  }
  const { vm, vcpu } = v;
  const c = vcpu.ctx;
  const last = vcpu.lastHart >= 0 ? vcpu.lastHart : Math.min(Math.max(0, ctx.hart), t.machine.harts.length - 1);
  const h = hartAt(t, last);
  return {
    hart: h, live: false, vm, vcpu, priv: c.priv, virt: true,
    getReg: (i) => (i === 0 ? 0n : pairToBig(c.xl[i], c.xh[i])),
    getPc: () => BigInt.asUintN(64, BigInt(c.pc)),
    regs: {
      priv: c.priv, virt: true, satp: 0n, vsatp: c.vsatp, hgatp: vm.hgatpFor(),
      // HS-level SUM/MXR belong to the host, which the hypervisor leaves clear while guests run.
      sum: false, mxr: false, vsum: bitOf(c.vsstatus, 18), vmxr: bitOf(c.vsstatus, 19),
    },
    modeName: modeOf(c.priv, true),
  };
}

/** A CSR of the thread, as M-mode names it (no V=1 redirection): live from the hart, else from the saved context. */
export function readThreadCsr(s: ThreadState, num: number): bigint | undefined {
  if (s.live) return s.hart.csrRead(num);
  const c = s.vcpu?.ctx;
  if (c === undefined) return undefined;
  switch (num) {
    case CSR.vsstatus: return c.vsstatus;
    case CSR.vsie: return BigInt(c.vsie >> 1);
    case CSR.vstvec: return c.vstvec;
    case CSR.vsscratch: return c.vsscratch;
    case CSR.vsepc: return c.vsepc;
    case CSR.vscause: return c.vscause;
    case CSR.vstval: return c.vstval;
    case CSR.vsatp: return c.vsatp;
    case CSR.hvip: return BigInt(c.hvip);
    case CSR.htimedelta: return c.htimedelta;
    case CSR.hgatp: return s.regs.hgatp;
    case CSR.hstatus: return c.hstatus;
    default: return undefined;
  }
}
