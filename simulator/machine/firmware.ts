/**
 * The machine's side of the native SBI firmware: {@link SbiEnv} services acting on the machine's
 * harts, devices and virtual time. The SBI logic itself (argument checks, error codes) is the pure
 * function in simulator/sbi.
 */
import type { Machine } from './index';
import { CSR } from '../riscv/hart/csr';
import { IRQ } from '../devices/platform';
import { HsmState, type RfenceRequest, type SbiEnv } from '../sbi';
import type { FlushKind, FlushScope } from '../riscv/mmu/api';

/** Ranges of more pages than this are flushed whole (allowed: a fence may flush more). */
const MAX_PAGE_FLUSHES = 64;
const PAGE = 4096n;

export class NativeFirmware implements SbiEnv {
  constructor(private readonly m: Machine) {}

  get hartCount(): number { return this.m.harts.length; }

  get machineIds(): { mvendorid: bigint; marchid: bigint; mimpid: bigint } {
    const h = this.m.harts[0];
    return { mvendorid: h.csrRead(CSR.mvendorid) ?? 0n, marchid: h.csrRead(CSR.marchid) ?? 0n, mimpid: h.csrRead(CSR.mimpid) ?? 0n };
  }

  get hasHypervisor(): boolean { return (((this.m.harts[0].csrRead(CSR.misa) ?? 0n) >> 7n) & 1n) === 1n; }

  currentVmid(hart: number): number {
    const hgatp = this.m.harts[hart].csrRead(0x680) ?? 0n;
    return Number((hgatp >> 44n) & 0x3fffn);
  }

  setTimer(hart: number, stime: bigint): void { this.m.setSupervisorTimer(hart, stime); }

  sendIpi(from: number, target: number): void {
    const m = this.m;
    m.noteIpi(from, target, 'sbi');
    if (target === from) { m.setSoftwarePending(target, IRQ.SSIP); return; }
    m.schedule(m.hartTime(from) + m.costs.ipiLatency, () => m.setSoftwarePending(target, IRQ.SSIP), `sbi.ipi[${target}]`);
  }

  rfence(from: number, targets: readonly number[], req: RfenceRequest): void {
    const m = this.m;
    let remote = false;
    for (const t of targets) {
      if (t !== from) { remote = true; m.noteIpi(from, t, 'sbi'); }
      const h = m.harts[t];
      if (req.kind === 'fence.i') { m.bus.clearCode(); h.flushCodeCache(); h.brk = h.brk || t === from; continue; }
      const kind: FlushKind = req.kind;
      const scope: FlushScope = {};
      if (req.asid !== undefined) scope.asid = req.asid;
      if (req.vmid !== undefined) scope.vmid = req.vmid;
      const pages = req.all ? Infinity : Number((req.size + (req.start & (PAGE - 1n)) + PAGE - 1n) / PAGE);
      if (req.all || pages > MAX_PAGE_FLUSHES) { h.mmu.flush(kind, scope); continue; }
      for (let p = 0; p < pages; p++) {
        const a = BigInt.asUintN(64, (req.start & ~(PAGE - 1n)) + BigInt(p) * PAGE);
        h.mmu.flush(kind, kind === 'hfence.gvma' ? { ...scope, gpa: a } : { ...scope, vaddr: a });
      }
    }
    // The call returns when every remote hart has fenced: an IPI there and an acknowledgement back.
    if (remote) m.charge(from, 2 * m.costs.ipiLatency);
  }

  hsmState(hart: number): HsmState { return this.m.hsm[hart]; }

  hartStart(from: number, target: number, addr: bigint, opaque: bigint): void {
    const m = this.m;
    m.hsm[target] = HsmState.StartPending; // START_PENDING until the start IPI arrives
    m.noteIpi(from, target, 'sbi');
    m.schedule(m.hartTime(from) + m.costs.ipiLatency, () => m.startHart(target, addr, opaque), `sbi.hart_start[${target}]`);
  }

  hartStop(hart: number): void { this.m.stopHart(hart); }

  hartSuspend(hart: number, retentive: boolean, resumeAddr: bigint, opaque: bigint): void {
    this.m.suspendHart(hart, retentive, resumeAddr, opaque);
  }

  isExecutable(addr: bigint): boolean {
    const m = this.m;
    return addr >= m.ramBase && addr + 4n <= m.ramBase + BigInt(m.ramSize) && (addr & 3n) === 0n;
  }

  readMemory(addr: bigint, length: number): Uint8Array | undefined {
    const m = this.m;
    if (addr < m.ramBase || addr + BigInt(length) > m.ramBase + BigInt(m.ramSize)) return undefined;
    const o = Number(addr - m.ramBase);
    return m.bus.ram.u8.slice(o, o + length);
  }

  writeMemory(addr: bigint, data: Uint8Array): boolean {
    const m = this.m;
    if (addr < m.ramBase || addr + BigInt(data.length) > m.ramBase + BigInt(m.ramSize)) return false;
    m.writeMemory(addr, data); // through the bus: code caches and reservations see it
    return true;
  }

  consoleWrite(bytes: Uint8Array): void {
    for (const b of bytes) this.m.consoleOut(b, -1);
  }

  consoleRead(max: number): Uint8Array {
    const uart = this.m.uart;
    const out: number[] = [];
    while (uart !== undefined && out.length < max) {
      const b = uart.takeByte();
      if (b < 0) break;
      out.push(b);
    }
    return Uint8Array.from(out);
  }

  systemReset(type: 'shutdown' | 'cold-reboot' | 'warm-reboot', failure: boolean): void {
    if (type === 'shutdown') this.m.requestStop(failure ? { reason: 'fail', message: 'SBI system_reset: shutdown (system failure)' } : { reason: 'pass', message: 'SBI system_reset: shutdown' });
    else this.m.requestStop({ reason: 'reset', message: `SBI system_reset: ${type}` });
  }
}
