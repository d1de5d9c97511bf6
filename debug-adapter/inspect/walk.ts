/**
 * The translation walk in software, both stages, recording every PTE it reads.
 *
 * It follows the MMU's rules (simulator/riscv/mmu/mmu.ts, privileged spec 1.12 and H 1.0) so
 * that for an ordinary access it reaches the same physical address or the same kind of fault:
 * Sv39/Sv48 first stage (satp, or vsatp with V=1), Sv39x4/Sv48x4 G-stage (hgatp) for the guest
 * physical address of every VS-stage PTE and of the final address, Svade A/D rules, PMP on the
 * implicit PTE reads and on the final address. Unlike the MMU it touches nothing: no TLB lookup or
 * fill, no counter, no trace event, PTEs read straight from RAM.
 *
 * `access: 'debug'` is the debugger's own view: the mapping as the tables describe it, without
 * permission, A/D or PMP checks (a debugger may read a page the current mode may not).
 */
import { Acc, s1PermOk } from '../../simulator/riscv/mmu/mmu';
import type { Machine } from '../../simulator/machine';
import { hex } from './target';

export type WalkAccess = 'read' | 'write' | 'execute' | 'debug';

/** The translation registers of one context (what the hart or a vCPU's saved context holds). */
export interface TranslationRegs {
  /** Privilege of the access: 0 U, 1 S, 3 M. */
  priv: number;
  /** Virtualisation mode V. */
  virt: boolean;
  satp: bigint;
  vsatp: bigint;
  hgatp: bigint;
  /** mstatus.SUM / MXR and vsstatus.SUM / MXR. */
  sum: boolean;
  mxr: boolean;
  vsum: boolean;
  vmxr: boolean;
}

export interface RawWalkStep {
  stage: 'vs' | 'g' | 'single';
  level: number;
  /** Physical address of the PTE read. */
  pteAddress: bigint;
  pte: bigint;
  note?: string;
}

export type FaultKind = 'page-fault' | 'guest-page-fault' | 'access-fault';

export interface WalkResult {
  va: bigint;
  /** First-stage result (guest-physical with V=1, physical otherwise); null when it faulted. */
  gpa: bigint | null;
  /** Final physical address; null on a fault. */
  pa: bigint | null;
  steps: RawWalkStep[];
  /** PTE reads the walk made (both stages), as the MMU counts them (walkRefs). */
  references: number;
  faultKind: FaultKind | null;
  /** Why the walk failed, in words; null when it succeeded. */
  fault: string | null;
  /** Bytes of the smaller of the two leaves (the page a TLB entry would cover). */
  pageSize: number;
  /** Leaf PTE flag bytes (0xff when a stage is Bare) and leaf levels. */
  s1Flags: number;
  s1Level: number;
  gFlags: number;
  gLevel: number;
  /** The stage the walk reported itself as (as the MMU's walk trace event names it). */
  stage: 'vs' | 'g' | 'single';
  /** Remarks of a debug walk (a G-stage fallback used). */
  notes: string[];
}

const PTE_V = 1n, PTE_R = 2n, PTE_W = 4n, PTE_X = 8n, PTE_U = 16n, PTE_A = 64n, PTE_D = 128n;
const PPN_MASK = (1n << 44n) - 1n;
const PMP_R = 1, PMP_W = 2, PMP_X = 4;

const accOf = (a: WalkAccess): Acc => (a === 'execute' ? Acc.Fetch : a === 'write' ? Acc.Store : Acc.Load);
const pmpPerm = (a: WalkAccess): number => (a === 'execute' ? PMP_X : a === 'write' ? PMP_W : PMP_R);

/** Mode field of satp/vsatp/hgatp: 0 Bare, 8 Sv39(x4), 9 Sv48(x4). */
export const atpMode = (atp: bigint): number => Number(atp >> 60n);
export const atpRoot = (atp: bigint): bigint => (atp & PPN_MASK) << 12n;
export const atpAsid = (atp: bigint): number => Number((atp >> 44n) & 0xffffn);
export const atpVmid = (atp: bigint): number => Number((atp >> 44n) & 0x3fffn);
export const modeName = (mode: number, gstage = false): string => (mode === 0 ? 'Bare' : mode === 8 ? (gstage ? 'Sv39x4' : 'Sv39') : mode === 9 ? (gstage ? 'Sv48x4' : 'Sv48') : `mode ${mode}`);

/** Reads the 8-byte PTE at a physical address from RAM, without side effects; undefined outside RAM. */
export function readPhys64(machine: Machine, pa: bigint): bigint | undefined {
  const ram = machine.bus.ram;
  if (pa < BigInt(ram.base) || pa + 8n > BigInt(ram.base + ram.size)) return undefined;
  const o = Number(pa) - ram.base;
  const u8 = ram.u8;
  let v = 0n;
  for (let i = 7; i >= 0; i--) v = (v << 8n) | BigInt(u8[o + i]);
  return v;
}

class Fault extends Error {
  constructor(readonly kind: FaultKind, message: string) { super(message); }
}

export interface WalkOptions {
  /** The hart whose PMP applies (the thread's hart). */
  pmpHart?: number;
  /**
   * Debug walks of a VM: the host address of a guest-physical address the G-stage does not map
   * (yet), e.g. guest RAM the hypervisor maps on first touch. Used only with access 'debug'.
   */
  gFallback?: (gpa: bigint) => bigint | undefined;
}

/** One walk. Never throws for any address or table contents. */
export function walk(machine: Machine, regs: TranslationRegs, address: bigint, access: WalkAccess, options: WalkOptions = {}): WalkResult {
  const pmpHart = options.pmpHart ?? 0;
  const va = BigInt.asUintN(64, address);
  const checks = access !== 'debug';
  const acc = accOf(access);
  const pmp = machine.harts[pmpHart]?.mmu.pmp ?? machine.harts[0].mmu.pmp;
  const steps: RawWalkStep[] = [];
  let references = 0;
  const s1mode = regs.virt ? atpMode(regs.vsatp) : regs.priv === 3 ? 0 : atpMode(regs.satp);
  const gmode = atpMode(regs.hgatp);
  const stage: WalkResult['stage'] = !regs.virt ? 'single' : s1mode === 0 ? 'g' : 'vs';
  const out: WalkResult = { va, gpa: null, pa: null, steps, references: 0, faultKind: null, fault: null, pageSize: 4096, s1Flags: 0xff, s1Level: 0, gFlags: 0xff, gLevel: 0, stage, notes: [] };

  const readPte = (pa: bigint, step: Omit<RawWalkStep, 'pte' | 'pteAddress'>): bigint => {
    references++;
    if (checks && (pa >= 1n << 53n || !pmp.check(Number(pa), 8, 1, PMP_R))) throw new Fault('access-fault', `access fault: PMP denies the PTE read at ${hex(pa)}`);
    const pte = readPhys64(machine, pa);
    if (pte === undefined) throw new Fault('access-fault', `access fault: the PTE at ${hex(pa)} is not in RAM`);
    steps.push({ ...step, pteAddress: pa, pte });
    return pte;
  };

  /** G-stage translation of a guest physical address; `what` names it in notes and faults. */
  const gstage = (gpa: bigint, gacc: Acc, what: string): bigint => {
    try {
      return gstageWalk(gpa, gacc, what);
    } catch (e) {
      const alt = !checks && e instanceof Fault && e.kind === 'guest-page-fault' ? options.gFallback?.(gpa) : undefined;
      if (alt === undefined) throw e;
      out.notes.push(`${what} ${hex(gpa)} is not mapped in the G-stage yet: the VM's RAM behind it is at ${hex(alt)}`);
      out.gFlags = 0xff; out.gLevel = 0;
      return alt;
    }
  };
  const gstageWalk = (gpa: bigint, gacc: Acc, what: string): bigint => {
    if (gmode === 0) { out.gFlags = 0xff; out.gLevel = 0; return gpa; }
    const levels = gmode === 8 ? 3 : 4;
    const width = levels === 3 ? 41n : 50n;
    if (gpa >= 1n << width) throw new Fault('guest-page-fault', `guest-page fault: ${what} ${hex(gpa)} is beyond ${modeName(gmode, true)}`);
    let table = atpRoot(regs.hgatp);
    for (let i = levels - 1; i >= 0; i--) {
      const shift = BigInt(12 + 9 * i);
      const idx = i === levels - 1 ? gpa >> shift : (gpa >> shift) & 511n;
      const pte = readPte(table + idx * 8n, { stage: 'g', level: i, note: `${what} ${hex(gpa)}` });
      if (!(pte & PTE_V) || (pte & (PTE_R | PTE_W)) === PTE_W || pte >> 54n !== 0n) {
        throw new Fault('guest-page-fault', `guest-page fault: ${what} ${hex(gpa)} is not mapped (G-stage level ${i} PTE ${hex(pte)} ${pte & PTE_V ? 'is reserved' : 'is invalid'})`);
      }
      const ppn = (pte >> 10n) & PPN_MASK;
      if (pte & (PTE_R | PTE_X)) {
        const span = 1n << BigInt(9 * i);
        if (ppn % span !== 0n) throw new Fault('guest-page-fault', `guest-page fault: misaligned G-stage superpage at level ${i} for ${what} ${hex(gpa)}`);
        if (checks) {
          if (!(pte & PTE_U)) throw new Fault('guest-page-fault', `guest-page fault: G-stage leaf for ${what} ${hex(gpa)} lacks U`);
          if (!gPermOk(pte, gacc, regs.mxr)) throw new Fault('guest-page-fault', `guest-page fault: G-stage leaf ${flagText(pte)} for ${what} ${hex(gpa)} does not allow ${accessName(gacc)}`);
        }
        out.gFlags = Number(pte & 0xffn); out.gLevel = i;
        return (ppn + ((gpa >> 12n) % span)) * 4096n + (gpa & 0xfffn);
      }
      if (i === 0) throw new Fault('guest-page-fault', `guest-page fault: G-stage level 0 PTE for ${what} ${hex(gpa)} is not a leaf`);
      table = ppn << 12n;
    }
    throw new Fault('guest-page-fault', 'guest-page fault');
  };

  try {
    let gpa: bigint;
    if (!regs.virt && s1mode === 0) {
      if (va >= 1n << 53n) throw new Fault('access-fault', `access fault: physical address ${hex(va)} is beyond the machine's reach`);
      gpa = va;
    } else if (s1mode === 0) {
      gpa = va;
      const bits = gmode === 8 ? 41n : gmode === 9 ? 50n : 0n;
      if (bits === 0n) { if (va >= 1n << 53n) throw new Fault('access-fault', `access fault: ${hex(va)} is beyond the machine's reach`); }
      else if (va >= 1n << bits) throw new Fault('guest-page-fault', `guest-page fault: guest physical ${hex(va)} is beyond ${modeName(gmode, true)}`);
    } else {
      const levels = s1mode === 8 ? 3 : 4;
      const topBit = BigInt(12 + 9 * levels - 1);
      const top = BigInt.asIntN(64, va) >> topBit;
      if (top !== 0n && top !== -1n) throw new Fault('page-fault', `page fault: ${hex(va)} is not a canonical ${modeName(s1mode)} address (bits 63..${topBit} must equal bit ${topBit})`);
      const vs = regs.virt ? 'vs' : 'single';
      let table = atpRoot(regs.virt ? regs.vsatp : regs.satp);
      let leaf = -1n, level = 0, ppn = 0n;
      for (let i = levels - 1; i >= 0; i--) {
        const idx = (va >> BigInt(12 + 9 * i)) & 511n;
        let pteAddr = table + idx * 8n;
        let note: string | undefined;
        if (regs.virt) {
          note = `GPA ${hex(pteAddr)}`;
          pteAddr = gstage(pteAddr, Acc.Load, 'VS-stage PTE at GPA');
        }
        const pte = readPte(pteAddr, { stage: vs, level: i, ...(note === undefined ? {} : { note }) });
        if (!(pte & PTE_V) || (pte & (PTE_R | PTE_W)) === PTE_W || pte >> 54n !== 0n) {
          throw new Fault('page-fault', `page fault: ${hex(va)} is not mapped (level ${i} PTE ${hex(pte)} ${pte & PTE_V ? 'is reserved' : 'is invalid'})`);
        }
        ppn = (pte >> 10n) & PPN_MASK;
        if (pte & (PTE_R | PTE_X)) { leaf = pte; level = i; break; }
        if (i === 0) throw new Fault('page-fault', `page fault: level 0 PTE ${hex(pte)} for ${hex(va)} is not a leaf`);
        table = ppn << 12n;
      }
      const span = 1n << BigInt(9 * level);
      if (ppn % span !== 0n) throw new Fault('page-fault', `page fault: misaligned superpage at level ${level} for ${hex(va)}`);
      if (checks && !s1PermOk(Number(leaf & 0xffn), acc, regs.priv, false, regs.virt ? (regs.vsum ? 1 : 0) : (regs.sum ? 1 : 0), (regs.virt ? regs.vmxr || regs.mxr : regs.mxr) ? 1 : 0)) {
        throw new Fault('page-fault', `page fault: leaf ${flagText(leaf)} does not allow a ${privName(regs)} ${accessName(acc)} of ${hex(va)}`);
      }
      out.s1Flags = Number(leaf & 0xffn); out.s1Level = level;
      gpa = (ppn + ((va >> 12n) % span)) * 4096n + (va & 0xfffn);
    }
    out.gpa = gpa;
    let pa = gpa;
    if (regs.virt) pa = gstage(gpa, acc, 'GPA');
    if (pa >= 1n << 53n) throw new Fault('access-fault', `access fault: physical address ${hex(pa)} is beyond the machine's reach`);
    if (checks && !pmp.check(Number(pa), 1, regs.priv, pmpPerm(access))) throw new Fault('access-fault', `access fault: PMP denies a ${privName(regs)} ${accessName(acc)} of physical ${hex(pa)}`);
    out.pa = pa;
  } catch (e) {
    if (!(e instanceof Fault)) throw e;
    out.faultKind = e.kind;
    out.fault = e.message;
    if (e.kind !== 'page-fault' && out.gpa === null && regs.virt && s1mode === 0) out.gpa = va;
  }
  out.references = references;
  const s1Size = 4096 * 512 ** out.s1Level, gSize = 4096 * 512 ** out.gLevel;
  out.pageSize = regs.virt ? Math.min(s1Size, gSize) : s1Size;
  return out;
}

function gPermOk(pte: bigint, acc: Acc, mxr: boolean): boolean {
  if (!(pte & PTE_A)) return false;
  switch (acc) {
    case Acc.Fetch: return (pte & PTE_X) !== 0n;
    case Acc.Load: return (pte & PTE_R) !== 0n || (mxr && (pte & PTE_X) !== 0n);
    default: return (pte & PTE_W) !== 0n && (pte & PTE_D) !== 0n;
  }
}

const accessName = (a: Acc): string => (a === Acc.Fetch ? 'fetch' : a === Acc.Load ? 'load' : 'store');

export function privName(r: Pick<TranslationRegs, 'priv' | 'virt'>): string {
  if (r.virt) return r.priv === 0 ? 'VU' : 'VS';
  return r.priv === 3 ? 'M' : r.priv === 1 ? 'HS' : r.priv === 0 ? 'U' : `priv ${r.priv}`;
}

/** 'rwxugad' flags of a PTE, '-' for absent bits (V is implied by being shown). */
export function flagText(pte: bigint): string {
  const bit = (b: bigint, c: string): string => ((pte & b) !== 0n ? c : '-');
  return bit(PTE_R, 'r') + bit(PTE_W, 'w') + bit(PTE_X, 'x') + bit(PTE_U, 'u') + bit(32n, 'g') + bit(PTE_A, 'a') + bit(PTE_D, 'd');
}
