/**
 * Registers of a thread as debugger variables: general registers by ABI name, CSRs grouped by
 * the mode they belong to, the vCPU's hypervisor state and the TLB summary of its hart; and
 * writes to registers and CSRs (through the hart's own CSR write path, so WARL rules and the
 * translation context follow).
 *
 * A vCPU thread sees CSRs as its guest does: `sstatus`, `satp`, … name the VS copies (the H
 * extension's redirection under V=1), both in expressions and in setRegister.
 */
import { VM_EXIT_REASONS, metricSegment } from '../../simulator/trace';
import { CSR, causeText } from '../../simulator/riscv/hart/csr';
import { csrName, csrNumber } from '../../simulator/riscv/isa/csrs';
import { ABI_NAMES, registerNumber } from '../../simulator/riscv/isa/registers';
import type { Vcpu, Vm } from '../../simulator/hypervisor';
import { InspectError, hex, type InspectTarget, type ThreadContext } from './target';
import { readThreadCsr, resolveThread, type ThreadState } from './thread';
import { atpAsid, atpMode, atpRoot, atpVmid, modeName } from './walk';
import type { Machine } from '../../simulator/machine';

export type RegisterGroupName = 'General' | 'CSRs (M)' | 'CSRs (S/HS)' | 'CSRs (VS)' | 'Hypervisor' | 'TLB';
export interface RegisterEntry { name: string; value: bigint; editable: boolean; detail?: string }
export interface RegisterGroup { name: RegisterGroupName; entries: RegisterEntry[] }

const M_CSRS = ['mstatus', 'misa', 'medeleg', 'mideleg', 'mie', 'mip', 'mtvec', 'mcounteren', 'mcountinhibit', 'mscratch', 'mepc', 'mcause', 'mtval', 'mtval2', 'mtinst', 'menvcfg', 'mcycle', 'minstret', 'mhartid',
  'pmpcfg0', 'pmpcfg2', ...Array.from({ length: 16 }, (_, i) => `pmpaddr${i}`)];
const S_CSRS = ['sstatus', 'sie', 'sip', 'stvec', 'scounteren', 'senvcfg', 'sscratch', 'sepc', 'scause', 'stval', 'satp',
  'hstatus', 'hedeleg', 'hideleg', 'hie', 'hip', 'hvip', 'hgeie', 'hgeip', 'hcounteren', 'htimedelta', 'henvcfg', 'htval', 'htinst', 'hgatp', 'cycle', 'time', 'instret'];
const VS_CSRS = ['vsstatus', 'vsie', 'vsip', 'vstvec', 'vsscratch', 'vsepc', 'vscause', 'vstval', 'vsatp'];

/** s* CSRs a guest names, and the vs* CSRs it really reaches (H 1.0: V=1 redirection). */
const VS_REDIRECT: ReadonlyMap<number, number> = new Map([
  [CSR.sstatus, CSR.vsstatus], [CSR.sie, CSR.vsie], [CSR.stvec, CSR.vstvec], [CSR.sscratch, CSR.vsscratch], [CSR.sepc, CSR.vsepc],
  [CSR.scause, CSR.vscause], [CSR.stval, CSR.vstval], [CSR.sip, CSR.vsip], [CSR.satp, CSR.vsatp],
]);

const isReadOnlyCsr = (num: number): boolean => num >>> 10 === 3;

function csrDetail(num: number, v: bigint): string | undefined {
  switch (num) {
    case CSR.satp: case CSR.vsatp: {
      const m = atpMode(v);
      return m === 0 ? 'Bare' : `${modeName(m)} root ${hex(atpRoot(v))} ASID ${atpAsid(v)}`;
    }
    case CSR.hgatp: {
      const m = atpMode(v);
      return m === 0 ? 'Bare' : `${modeName(m, true)} root ${hex(atpRoot(v))} VMID ${atpVmid(v)}`;
    }
    case CSR.mcause: case CSR.scause: case CSR.vscause:
      return v === 0n ? undefined : causeText(v);
    case CSR.mstatus: {
      const mpp = Number((v >> 11n) & 3n);
      return `MPP=${['U', 'S', '?', 'M'][mpp]} MPV=${(v >> 39n) & 1n} SPP=${(v >> 8n) & 1n} MIE=${(v >> 3n) & 1n} SIE=${(v >> 1n) & 1n} MPRV=${(v >> 17n) & 1n} SUM=${(v >> 18n) & 1n} MXR=${(v >> 19n) & 1n}`;
    }
    case CSR.hstatus:
      return `SPV=${(v >> 7n) & 1n} SPVP=${(v >> 8n) & 1n} GVA=${(v >> 6n) & 1n} VTW=${(v >> 21n) & 1n} VTVM=${(v >> 20n) & 1n} VTSR=${(v >> 22n) & 1n}`;
    default:
      return undefined;
  }
}

function csrEntries(s: ThreadState, names: readonly string[], editable: boolean): RegisterEntry[] {
  const out: RegisterEntry[] = [];
  for (const n of names) {
    const num = csrNumber(n);
    if (num === undefined) continue;
    const v = readThreadCsr(s, num);
    if (v === undefined) continue;
    const detail = csrDetail(num, v);
    out.push({ name: n, value: v, editable: editable && !isReadOnlyCsr(num), ...(detail === undefined ? {} : { detail }) });
  }
  return out;
}

/** VM exits by reason, from the machine's metrics: of one vCPU of a VM, or of the whole VM. */
export function exitsByReason(machine: Machine, vm: Vm, vcpu?: number): Record<string, number> {
  const prefix = vcpu === undefined ? vm.name : `${vm.name}.vcpu${vcpu}`;
  const out: Record<string, number> = {};
  for (const r of VM_EXIT_REASONS) {
    const n = machine.metrics.get(`${prefix}.vm_exits.by_reason.${metricSegment(r)}`);
    if (n !== undefined && n > 0) out[r] = n;
  }
  return out;
}

function hypervisorEntries(t: InspectTarget, s: ThreadState): RegisterEntry[] {
  const out: RegisterEntry[] = [
    { name: 'mode', value: BigInt(s.priv), editable: false, detail: s.modeName },
    { name: 'V', value: s.virt ? 1n : 0n, editable: false, detail: s.virt ? 'virtualised (guest)' : 'not virtualised' },
  ];
  const hv = t.hypervisor;
  let vm = s.vm, vcpu: Vcpu | undefined = s.vcpu;
  if (vm === undefined && hv !== undefined) {
    vcpu = hv.vcpuOn(s.hart.id);
    vm = vcpu === undefined ? undefined : hv.vms[vcpu.vmIndex];
  }
  if (vm === undefined || vcpu === undefined) return out;
  const placed = vcpu.hart >= 0 ? `on hart ${vcpu.hart}` : vcpu.lastHart >= 0 ? `descheduled (last on hart ${vcpu.lastHart})` : 'never ran';
  out.push(
    { name: 'vm', value: BigInt(vm.vmid), editable: false, detail: `${vm.name} (VMID ${vm.vmid}, ${vm.state})` },
    { name: 'vcpu', value: BigInt(vcpu.index), editable: false, detail: `${vcpu.state}, ${placed}` },
    { name: 'instructions', value: BigInt(vcpu.instructions + (vcpu.hart >= 0 ? t.machine.harts[vcpu.hart].retired - vcpu.retiredMark : 0)), editable: false, detail: 'retired in the guest by this vCPU' },
    {
      name: 'exits',
      value: BigInt(t.machine.metrics.get(`${vm.name}.vcpu${vcpu.index}.vm_exits.total`) ?? 0),
      editable: false,
      detail: `VM exits of this vCPU (${vm.name}: ${t.machine.metrics.get(`${vm.name}.vm_exits.total`) ?? 0} in all)`,
    },
  );
  for (const [r, n] of Object.entries(exitsByReason(t.machine, vm, vcpu.index))) out.push({ name: `exits.${r}`, value: BigInt(n), editable: false, detail: `${vm.name}/${vcpu.index}` });
  out.push(
    { name: 'gstage.mappedPages', value: BigInt(vm.gstage.mappedPages), editable: false },
    { name: 'gstage.demandMaps', value: BigInt(vm.demandMaps), editable: false },
  );
  return out;
}

function tlbEntries(s: ThreadState): RegisterEntry[] {
  const mmu = s.hart.mmu;
  const tlb = mmu.tlb;
  let valid = 0;
  for (let i = 0; i < tlb.size; i++) valid += tlb.valid[i];
  const c = mmu.counters;
  const e = (name: string, v: number, detail?: string): RegisterEntry => ({ name, value: BigInt(v), editable: false, ...(detail === undefined ? {} : { detail }) });
  return [
    e('valid', valid, `of ${tlb.size} entries (${tlb.ways}-way, ${tlb.replacement}) on hart ${s.hart.id}`),
    e('hits', c.hits), e('misses', c.misses), e('fetchHits', c.fetchHits), e('fetchMisses', c.fetchMisses),
    e('fills', c.fills), e('evictions', c.evictions), e('walks', c.walks), e('walkReferences', c.walkRefs),
    e('flushes', c.flushes.sfence + c.flushes.hfenceVvma + c.flushes.hfenceGvma + c.flushes.all,
      `sfence ${c.flushes.sfence}, hfence.vvma ${c.flushes.hfenceVvma}, hfence.gvma ${c.flushes.hfenceGvma}, all ${c.flushes.all}`),
  ];
}

export function registerGroups(t: InspectTarget, ctx: ThreadContext): RegisterGroup[] {
  const s = resolveThread(t, ctx);
  const general: RegisterEntry[] = [{ name: 'pc', value: s.getPc(), editable: true }];
  for (let i = 0; i < 32; i++) general.push({ name: ABI_NAMES[i], value: s.getReg(i), editable: i !== 0, detail: `x${i}` });
  const groups: RegisterGroup[] = [{ name: 'General', entries: general }];
  // The host CSRs of a vCPU thread are the hart's while it runs there, and nobody's otherwise.
  if (s.live) {
    groups.push({ name: 'CSRs (M)', entries: csrEntries(s, M_CSRS, true) });
    groups.push({ name: 'CSRs (S/HS)', entries: csrEntries(s, S_CSRS, true) });
  }
  groups.push({ name: 'CSRs (VS)', entries: csrEntries(s, VS_CSRS, true) });
  groups.push({ name: 'Hypervisor', entries: hypervisorEntries(t, s) });
  groups.push({ name: 'TLB', entries: tlbEntries(s) });
  return groups;
}

/** The CSR number a name reaches from this thread (guest names redirected for a vCPU thread), or undefined. */
export function csrFor(s: ThreadState, name: string): number | undefined {
  const num = csrNumber(name);
  if (num === undefined) return undefined;
  return s.vcpu !== undefined ? VS_REDIRECT.get(num) ?? num : num;
}

/** A register or CSR value by name (`x5`, `t0`, `fp`, `pc`, `mstatus`, optional `$`), or undefined. */
export function registerValue(s: ThreadState, rawName: string): bigint | undefined {
  const name = rawName.replace(/^\$/, '');
  if (name === 'pc') return s.getPc();
  const r = registerNumber(name);
  if (r !== undefined) return s.getReg(r);
  const num = csrFor(s, name);
  return num === undefined ? undefined : readThreadCsr(s, num);
}

const HVIP_VS = (1n << 2n) | (1n << 6n) | (1n << 10n);
const setPair = (xl: Int32Array, xh: Int32Array, i: number, v: bigint): void => {
  xl[i] = Number(v & 0xffffffffn) | 0;
  xh[i] = Number(v >> 32n) | 0;
};

/** Writes a register or CSR of a descheduled vCPU into its saved context (the VS CSRs with their WARL rules). */
function setSaved(s: ThreadState, name: string, num: number | undefined, v: bigint): void {
  const c = s.vcpu?.ctx;
  if (c === undefined) throw new InspectError('no saved context');
  switch (num) {
    case CSR.vsstatus: c.vsstatus = (2n << 32n) | (v & ((1n << 1n) | (1n << 5n) | (1n << 8n) | (1n << 18n) | (1n << 19n))); return;
    case CSR.vstvec: c.vstvec = v & ~2n; return;
    case CSR.vsscratch: c.vsscratch = v; return;
    case CSR.vsepc: c.vsepc = v & ~3n; return;
    case CSR.vscause: c.vscause = v; return;
    case CSR.vstval: c.vstval = v; return;
    case CSR.vsatp: {
      const m = atpMode(v);
      if (m !== 0 && m !== 8 && m !== 9) throw new InspectError(`vsatp mode ${m} is not supported (0 Bare, 8 Sv39, 9 Sv48)`);
      c.vsatp = v;
      return;
    }
    case CSR.hvip: c.hvip = Number(v & HVIP_VS); return;
    case CSR.htimedelta: c.htimedelta = v; return;
    default:
      throw new InspectError(`${name} cannot be changed while the vCPU is descheduled (its saved context holds x1..x31, pc and the VS CSRs)`);
  }
}

/**
 * Sets a register or CSR. `group` is the variables group the name comes from: a name from
 * 'CSRs (M)' or 'CSRs (S/HS)' means the hart's own CSR even on a vCPU thread; without it, a
 * vCPU thread's `sstatus`, `satp`, … are the guest's (the VS copies).
 */
export function setRegister(t: InspectTarget, ctx: ThreadContext, rawName: string, value: bigint, group?: RegisterGroupName): void {
  const s = resolveThread(t, ctx);
  const name = rawName.trim().replace(/^\$/, '');
  const v = BigInt.asUintN(64, value);
  if (name === 'pc') {
    const n = Number(BigInt.asIntN(64, v));
    if (!Number.isSafeInteger(n)) throw new InspectError(`pc ${hex(v)} cannot be fetched from (beyond ±2^53)`);
    if (s.live) s.hart.setPc(v); else if (s.vcpu) s.vcpu.ctx.pc = n;
    return;
  }
  const r = registerNumber(name);
  if (r !== undefined) {
    if (r === 0) throw new InspectError('x0 (zero) is hard-wired to 0');
    if (s.live) s.hart.setReg(r, v); else if (s.vcpu) setPair(s.vcpu.ctx.xl, s.vcpu.ctx.xh, r, v);
    return;
  }
  if (group === 'Hypervisor' || group === 'TLB') throw new InspectError(`${name} is a read-only figure`);
  const num = group === 'CSRs (M)' || group === 'CSRs (S/HS)' ? csrNumber(name) : csrFor(s, name);
  if (num === undefined) throw new InspectError(`unknown register '${rawName}'`);
  const shown = csrName(num) ?? name;
  if (isReadOnlyCsr(num)) throw new InspectError(`${shown} is read-only`);
  if (readThreadCsr(s, num) === undefined) throw new InspectError(`${shown} does not exist on this hart`);
  if (s.live) s.hart.csrWrite(num, v); else setSaved(s, shown, num, v);
}
