/**
 * Data of the HyperLab views (protocol/hyperlab.ts): machine summary, TLB entries, page-table
 * nodes (expanded lazily by path), registered hyper-callbacks, interrupt state and trace events,
 * with every 64-bit quantity as `0x…` (Hex). All reads; nothing here changes the machine.
 */
import * as path from 'node:path';
import type {
  Callbacks, Hex, InterruptState, MachineSummary, PageTable, PageTableArgs, PageTableNode, TlbEntries, TlbEntriesArgs,
  TlbEntryView, Trace, TraceArgs, TraceRecord, VcpuSummary,
} from '../../protocol/hyperlab';
import { E_GBARE, E_S1BARE, E_VIRT } from '../../simulator/riscv/mmu/tlb';
import { CSR } from '../../simulator/riscv/hart/csr';
import { PLIC_SOURCES } from '../../simulator/devices/plic';
import { TRACE_KINDS, causeName, type TraceEvent, type TraceKind } from '../../simulator/trace';
import type { Vm } from '../../simulator/hypervisor';
import { exitsByReason } from './registers';
import { InspectError, hex, type InspectTarget, type ThreadContext } from './target';
import { hartAt, modeOf, resolveThread } from './thread';
import { atpMode, atpRoot, flagText, modeName, readPhys64, walk } from './walk';

// ------------------------------------------------------------------------------- machine -----
export function machineSummary(t: InspectTarget, threads: readonly { threadId: number; ctx: ThreadContext }[], ended: boolean): MachineSummary {
  const m = t.machine;
  const hv = t.hypervisor;
  const harts = m.harts.map((h, i) => {
    const v = hv?.vcpuOn(i);
    return { id: i, mode: modeOf(h.priv, h.virt === 1), pc: hex(h.getPc()), virt: h.virt === 1, running: v === undefined ? null : v.name };
  });
  const vms = (hv?.vms ?? []).map((vm) => ({
    name: vm.name, paging: 'nested', vmid: vm.vmid, state: vm.state,
    vcpus: vm.vcpus.map((v): VcpuSummary => {
      const ctx: ThreadContext = { hart: Math.max(0, v.hart >= 0 ? v.hart : v.lastHart), vm: vm.name, vcpu: v.index };
      const s = resolveThread(t, ctx);
      const thread = threads.find((x) => x.ctx.vm === vm.name && (x.ctx.vcpu ?? 0) === v.index);
      return { threadId: thread?.threadId ?? -1, vm: vm.name, vcpu: v.index, hart: v.hart >= 0 ? v.hart : null, state: v.state, mode: s.modeName, pc: hex(s.getPc()), exits: exitsByReason(m, vm, v.index) };
    }),
  }));
  const time = Math.max(m.timeNow(), ...m.harts.map((_, i) => m.hartTime(i)));
  return { time, instructions: m.harts.reduce((sum, h) => sum + h.retired, 0), harts, vms, ended };
}

// ------------------------------------------------------------------------------- TLB ---------
const MAX_PAGE = 4096;

/** Entry permissions: the first stage's leaf, or the G-stage's when the first stage is Bare. */
function tlbPerms(flags: number): string {
  const b = flags & E_S1BARE ? (flags & E_GBARE ? 0x1f : (flags >> 8) & 0xff) : flags & 0xff;
  return `${b & 2 ? 'r' : '-'}${b & 4 ? 'w' : '-'}${b & 8 ? 'x' : '-'}${b & 16 && !(flags & E_S1BARE) ? 'u' : '-'}`;
}

/**
 * The valid entries of a hart's TLB, paged over the valid ones. `since` (an optional virtual
 * time, e.g. of the previous stop) marks the entries a `tlb-fill` trace event after it installed.
 */
export function tlbEntries(t: InspectTarget, args: TlbEntriesArgs, since?: number): TlbEntries {
  const h = hartAt(t, args.hart);
  const tlb = h.mmu.tlb;
  const start = args.start ?? 0, count = args.count ?? MAX_PAGE;
  if (!Number.isInteger(start) || start < 0) throw new InspectError(`bad start ${start}`);
  if (!Number.isInteger(count) || count < 0 || count > MAX_PAGE) throw new InspectError(`bad count ${count} (0..${MAX_PAGE})`);
  const recent = new Set<string>();
  if (since !== undefined) {
    for (const e of t.trace.events()) {
      if (e.kind === 'tlb-fill' && e.hart === h.id && e.time >= since) recent.add(`${e.vmid}:${e.asid}:${BigInt.asUintN(64, e.va) >> 12n}`);
    }
  }
  const all: TlbEntryView[] = [];
  for (let slot = 0; slot < tlb.size; slot++) {
    if (!tlb.valid[slot]) continue;
    const f = tlb.flags[slot];
    const virt = (f & E_VIRT) !== 0;
    const vpn = BigInt.asUintN(52, BigInt(tlb.vpn[slot]));
    const level = tlb.level[slot], glevel = tlb.glevel[slot];
    const pageSize = virt ? Math.min(4096 * 512 ** level, 4096 * 512 ** glevel) : 4096 * 512 ** level;
    all.push({
      slot, set: Math.floor(slot / tlb.ways), way: slot % tlb.ways, virt, vmid: tlb.vmid[slot], asid: tlb.asid[slot], global: (f & 0x20) !== 0 && (f & E_S1BARE) === 0,
      vpn: hex(vpn), ppn: hex(tlb.ppn[slot]), gpn: virt ? hex(tlb.gpn[slot]) : null, pageSize, perms: tlbPerms(f),
      recent: recent.has(`${tlb.vmid[slot]}:${tlb.asid[slot]}:${vpn}`) ? 'filled' : null,
    });
  }
  const c = h.mmu.counters;
  return {
    hart: h.id,
    geometry: { entries: tlb.size, ways: tlb.ways, replacement: tlb.replacement },
    entries: all.slice(start, start + count),
    totalValid: all.length,
    counters: {
      hits: c.hits + c.fetchHits, misses: c.misses + c.fetchMisses, fills: c.fills, evictions: c.evictions,
      flushes: c.flushes.sfence + c.flushes.hfenceVvma + c.flushes.hfenceGvma + c.flushes.all,
    },
  };
}

// ------------------------------------------------------------------------------- page tables -
interface TableRoot { atp: bigint; gstage: boolean; toHost: (a: bigint) => bigint | undefined }

function vmNamed(t: InspectTarget, name: string): Vm {
  const hv = t.hypervisor;
  if (hv === undefined) throw new InspectError(`no hypervisor runs: there is no VM '${name}'`);
  const vm = hv.vms.find((v) => v.name === name);
  if (vm === undefined) throw new InspectError(`no VM named '${name}' (VMs: ${hv.vms.map((v) => v.name).join(', ')})`);
  return vm;
}

function tableRoot(t: InspectTarget, args: PageTableArgs): TableRoot {
  const identity = (a: bigint): bigint => a;
  if (args.table === 'shadow') throw new InspectError('shadow page tables do not exist: the hypervisor runs every VM with nested paging');
  if (t.hypervisor === undefined) {
    // Bare metal: the hart's own satp (`vcpu` names the hart).
    if (args.table !== 'guest') throw new InspectError('a nested table exists only under the hypervisor');
    const h = hartAt(t, args.vcpu ?? 0);
    return { atp: h.satp, gstage: false, toHost: identity };
  }
  const vm = vmNamed(t, args.vm);
  if (args.table === 'nested') return { atp: vm.hgatpFor(), gstage: true, toHost: identity };
  if (args.table !== 'guest') throw new InspectError(`unknown table '${String(args.table)}' (guest, nested)`);
  const s = resolveThread(t, { hart: 0, vm: vm.name, vcpu: args.vcpu ?? 0 });
  // Guest tables live at guest-physical addresses: read them through the VM's G-stage.
  const gregs = { ...s.regs, virt: true, vsatp: 0n, priv: 1 };
  const toHost = (gpa: bigint): bigint | undefined => {
    const w = walk(t.machine, gregs, gpa, 'debug', {
      pmpHart: s.hart.id,
      gFallback: (g) => (g > BigInt(Number.MAX_SAFE_INTEGER) ? undefined : ((h) => (h === undefined ? undefined : BigInt(h)))(vm.hpaOf(Number(g)))),
    });
    return w.pa ?? undefined;
  };
  return { atp: s.regs.vsatp, gstage: false, toHost };
}

const PTE_V = 1n, PTE_RX = 2n | 8n;

export function pageTable(t: InspectTarget, args: PageTableArgs): PageTable {
  const r = tableRoot(t, args);
  const mode = atpMode(r.atp);
  const name = modeName(mode, r.gstage);
  if (mode === 0) return { mode: name, root: null, children: [] };
  const levels = mode === 8 ? 3 : 4;
  const root = atpRoot(r.atp);
  const p = args.path ?? [];
  if (!Array.isArray(p) || p.length >= levels) throw new InspectError(`bad path [${String(p)}]: at most ${levels - 1} indices for ${name}`);
  let table = root, va = 0n;
  let level = levels - 1;
  const entriesAt = (lvl: number): number => (r.gstage && lvl === levels - 1 ? 2048 : 512);
  for (const [k, idx] of p.entries()) {
    if (!Number.isInteger(idx) || idx < 0 || idx >= entriesAt(level)) throw new InspectError(`bad index ${idx} at depth ${k} of the path (0..${entriesAt(level) - 1})`);
    const host = r.toHost(table + BigInt(idx) * 8n);
    const pte = host === undefined ? undefined : readPhys64(t.machine, host);
    if (pte === undefined || !(pte & PTE_V) || pte & PTE_RX) throw new InspectError(`path [${p.slice(0, k + 1).join(', ')}] is not a pointer to a next-level table`);
    va += BigInt(idx) << BigInt(12 + 9 * level);
    table = ((pte >> 10n) & ((1n << 44n) - 1n)) << 12n;
    level--;
  }
  const children: PageTableNode[] = [];
  const topBit = BigInt(12 + 9 * levels - 1);
  for (let i = 0; i < entriesAt(level); i++) {
    const host = r.toHost(table + BigInt(i) * 8n);
    const pte = host === undefined ? undefined : readPhys64(t.machine, host);
    if (pte === undefined || !(pte & PTE_V)) continue;
    let base = va + (BigInt(i) << BigInt(12 + 9 * level));
    // First-stage virtual addresses are sign-extended from their top bit (canonical form).
    if (!r.gstage && (base >> topBit) & 1n) base = BigInt.asUintN(64, base | (~0n << topBit));
    const leaf = (pte & PTE_RX) !== 0n;
    children.push({
      path: [...p, i], level, index: i, va: hex(base), pte: hex(pte), pa: hex(((pte >> 10n) & ((1n << 44n) - 1n)) << 12n),
      leaf: leaf || level === 0, flags: flagText(pte), size: 4096 * 512 ** level,
    });
  }
  return { mode: name, root: hex(root), children };
}

// ------------------------------------------------------------------------------- callbacks ---
/**
 * Registered hyper-callbacks. `baseDir` resolves the scenario-relative file names callbacks were
 * registered under (those registered by hypercall have no file).
 */
export function callbacks(t: InspectTarget, baseDir?: string): Callbacks {
  const hv = t.hypervisor;
  const rejected = t.machine.metrics.get('callbacks.rejected') ?? 0;
  if (hv === undefined) return { callbacks: [], rejected };
  return {
    callbacks: hv.callbacks.all.map((cb) => ({
      id: cb.id, vm: hv.vms[cb.vmIndex]?.name ?? `vm${cb.vmIndex}`,
      file: cb.name.startsWith('hypercall@') ? null : path.isAbsolute(cb.name) ? cb.name : baseDir === undefined ? null : path.resolve(baseDir, cb.name),
      event: cb.event, verdict: 'accepted' as const, runs: cb.stats.runs, instructions: cb.stats.instructions, cycles: cb.stats.cycles,
      range: [hex(cb.range.start), hex(cb.range.end)] as [Hex, Hex],
    })),
    rejected,
  };
}

// ------------------------------------------------------------------------------- interrupts --
function pendingNames(mip: bigint, mie: bigint): string[] {
  const out: string[] = [];
  for (let b = 0; b < 16; b++) if ((mip >> BigInt(b)) & 1n) out.push(`${causeName(true, b)}${(mie >> BigInt(b)) & 1n ? '' : ' (disabled)'}`);
  return out;
}

export function interrupts(t: InspectTarget): InterruptState {
  const m = t.machine;
  const harts = m.harts.map((h, i) => {
    const mip = h.csrRead(CSR.mip) ?? 0n, mie = h.csrRead(CSR.mie) ?? 0n;
    return { hart: i, mip: hex(mip), mie: hex(mie), hvip: hex(h.csrRead(CSR.hvip) ?? 0n), pending: pendingNames(mip, mie) };
  });
  const devices: InterruptState['devices'] = [];
  if (m.clint !== undefined) {
    const st: Record<string, string | number> = { mtime: hex(m.clint.mtime()) };
    m.harts.forEach((_, i) => { st[`mtimecmp${i}`] = hex(m.clint?.getMtimecmp(i) ?? 0n); });
    devices.push({ name: 'clint', state: st });
  }
  if (m.plic !== undefined) {
    const pending: number[] = [];
    for (let id = 1; id < PLIC_SOURCES; id++) if (m.plic.isPending(id)) pending.push(id);
    devices.push({ name: 'plic', state: { pending: pending.length ? pending.join(' ') : 'none', contexts: m.plic.contexts } });
  }
  if (m.uart !== undefined) devices.push({ name: 'uart0', state: { rxQueued: m.uart.rxCount, divisor: m.uart.divisor } });
  for (const vm of t.hypervisor?.vms ?? []) {
    const st: Record<string, string | number> = { rxQueued: vm.uart.rxCount };
    for (const v of vm.vcpus) {
      const hvip = v.hart >= 0 ? m.harts[v.hart].hvip : v.ctx.hvip;
      st[`vcpu${v.index}.hvip`] = hex(hvip);
    }
    devices.push({ name: `${vm.name}/uart`, state: st });
  }
  return { harts, devices };
}

// ------------------------------------------------------------------------------- trace -------
const MAX_TRACE = 10_000;

/** A trace event as JSON: bigint fields as Hex, diagnostics as `file:line:col: severity: message`. */
export function traceRecord(e: TraceEvent): TraceRecord {
  const out: TraceRecord = { kind: e.kind, time: e.time, hart: e.hart };
  for (const [k, v] of Object.entries(e)) {
    if (k === 'kind' || k === 'time' || k === 'hart' || v === undefined) continue;
    if (typeof v === 'bigint') out[k] = hex(v);
    else if (typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean') out[k] = v;
    else if (Array.isArray(v)) {
      out[k] = v.map((x: unknown) => (typeof x === 'bigint' ? hex(x) : typeof x === 'string' ? x : isDiagnostic(x) ? `${x.range.file}:${x.range.line}:${x.range.column}: ${x.severity}: ${x.message}` : String(x)));
    }
  }
  return out;
}

function isDiagnostic(x: unknown): x is { range: { file: string; line: number; column: number }; severity: string; message: string } {
  return typeof x === 'object' && x !== null && 'range' in x && 'message' in x;
}

/**
 * Events of the trace ring with time >= `since` (of the kinds asked for), oldest first, at most
 * `limit` (default 1000). `truncated`: more matched than were returned, or the ring had already
 * dropped events that may have matched; `until` is the time to ask from next.
 */
export function trace(t: InspectTarget, args: TraceArgs): Trace {
  const since = args.since ?? 0;
  const limit = args.limit ?? 1000;
  if (!Number.isFinite(since)) throw new InspectError(`bad since ${since}`);
  if (!Number.isInteger(limit) || limit < 0 || limit > MAX_TRACE) throw new InspectError(`bad limit ${limit} (0..${MAX_TRACE})`);
  const kinds = args.kinds === undefined ? undefined : new Set<string>(args.kinds);
  if (kinds !== undefined) for (const k of kinds) if (!(TRACE_KINDS as readonly string[]).includes(k)) throw new InspectError(`unknown trace kind '${k}' (${TRACE_KINDS.join(', ')})`);
  const read = t.trace.since(0);
  const events: TraceRecord[] = [];
  let truncated = read.missed > 0 && (read.events[0]?.time ?? Infinity) > since;
  let until = Math.max(t.machine.timeNow(), ...t.machine.harts.map((_, i) => t.machine.hartTime(i)));
  for (const e of read.events) {
    if (e.time < since || (kinds !== undefined && !kinds.has(e.kind as TraceKind))) continue;
    if (events.length === limit) { truncated = true; until = e.time; break; }
    events.push(traceRecord(e));
  }
  return { events, until, truncated };
}
