/**
 * PLIC (RISC-V Platform-Level Interrupt Controller specification 1.0.0), laid out as on QEMU virt
 * at 0xc000000: sources 1..95 (0 means "no interrupt"), priorities 0..7 (0 = never interrupts),
 * two contexts per hart — context 2h is hart h's M mode (drives MEIP), 2h+1 its S mode (SEIP).
 *
 * | offset | register |
 * |---|---|
 * | 0x000000 + 4*id | priority of source id |
 * | 0x001000 + 4*w | pending bits of sources 32w..32w+31 (read-only) |
 * | 0x002000 + 0x80*ctx + 4*w | enable bits of context ctx |
 * | 0x200000 + 0x1000*ctx | priority threshold of context ctx |
 * | 0x200004 + 0x1000*ctx | claim (read) / complete (write) |
 *
 * Sources are level-triggered through a gateway: a source whose line is high becomes pending
 * unless it is in flight (claimed and not yet completed); claiming clears its pending bit,
 * completing ends the flight, after which a line still high makes it pending again. A context's
 * interrupt line is high while some pending, enabled source has a priority above its threshold;
 * a claim returns the highest-priority such source (ties: lowest id), or 0. A rising line reaches
 * the hart `interruptDelivery` cycles later (cost model); a falling one at once. A completion for a
 * source not enabled in the context is ignored (as the spec says). Registers take 4-byte accesses.
 */
import type { MmioDevice } from '../machine/bus';
import type { EventId } from '../machine/events';
import { IRQ, type Platform } from './platform';

export const PLIC_BASE = 0xc000000;
export const PLIC_SIZE = 0x600000;
export const PLIC_SOURCES = 96;
const WORDS = PLIC_SOURCES / 32;
const MAX_PRIORITY = 7;
const PENDING = 0x1000;
const ENABLE = 0x2000;
const CONTEXT = 0x200000;

export class Plic implements MmioDevice {
  readonly name = 'plic';
  readonly contexts: number;
  private readonly priority = new Uint32Array(PLIC_SOURCES);
  private readonly level = new Uint8Array(PLIC_SOURCES);
  private readonly pending = new Uint8Array(PLIC_SOURCES);
  private readonly inFlight = new Uint8Array(PLIC_SOURCES);
  private readonly enable: Uint32Array;
  private readonly threshold: Uint32Array;
  private readonly lines: Uint8Array;
  /** Pending line-raise events (interrupt delivery latency), per context. */
  private readonly delivery: (EventId | undefined)[];

  constructor(private readonly platform: Platform) {
    this.contexts = 2 * platform.hartCount;
    this.enable = new Uint32Array(this.contexts * WORDS);
    this.threshold = new Uint32Array(this.contexts);
    this.lines = new Uint8Array(this.contexts);
    this.delivery = new Array<EventId | undefined>(this.contexts).fill(undefined);
  }

  reset(): void {
    this.priority.fill(0); this.pending.fill(0); this.inFlight.fill(0);
    this.enable.fill(0); this.threshold.fill(0);
    for (let id = 1; id < PLIC_SOURCES; id++) if (this.level[id]) this.pending[id] = 1;
    this.update();
  }

  /** A device drives its interrupt line (source id 1..95). */
  setSource(id: number, high: boolean): void {
    if (id <= 0 || id >= PLIC_SOURCES) throw new RangeError(`PLIC source ${id} out of range`);
    this.level[id] = high ? 1 : 0;
    if (high && !this.inFlight[id] && !this.pending[id]) { this.pending[id] = 1; this.update(); }
  }

  isPending(id: number): boolean { return this.pending[id] === 1; }

  private enabled(ctx: number, id: number): boolean {
    return ((this.enable[ctx * WORDS + (id >>> 5)] >>> (id & 31)) & 1) === 1;
  }

  /** Best pending enabled source above the context's threshold, or 0. */
  private best(ctx: number): number {
    let best = 0, bestPrio = this.threshold[ctx];
    for (let id = 1; id < PLIC_SOURCES; id++) {
      if (this.pending[id] && this.priority[id] > bestPrio && this.enabled(ctx, id)) { best = id; bestPrio = this.priority[id]; }
    }
    return best;
  }

  /**
   * Recomputes every context's line. A line rises `costs.interruptDelivery` cycles after the
   * PLIC decides to raise it (the controller-to-hart hop; 0 = at once) and falls at once (a claim
   * or a threshold change must take effect before the next instruction).
   */
  private update(): void {
    const p = this.platform;
    const delay = p.costs.interruptDelivery;
    for (let ctx = 0; ctx < this.contexts; ctx++) {
      const high = this.best(ctx) !== 0;
      const ev = this.delivery[ctx];
      if (!high && ev !== undefined) { p.cancel(ev); this.delivery[ctx] = undefined; }
      if (high === (this.lines[ctx] === 1)) continue;
      if (high && delay > 0) {
        if (ev === undefined) this.delivery[ctx] = p.schedule(p.now() + delay, () => { this.delivery[ctx] = undefined; this.setLine(ctx, this.best(ctx) !== 0); }, `plic.delivery[${ctx}]`);
        continue;
      }
      this.setLine(ctx, high);
    }
  }

  private setLine(ctx: number, high: boolean): void {
    if (high === (this.lines[ctx] === 1)) return;
    this.lines[ctx] = high ? 1 : 0;
    this.platform.setIrqLine(ctx >>> 1, ctx & 1 ? IRQ.SEIP : IRQ.MEIP, high, this.name);
  }

  /** Claim for a context (what a read of its claim register does). */
  claim(ctx: number): number {
    const id = this.best(ctx);
    if (id !== 0) {
      this.pending[id] = 0;
      this.inFlight[id] = 1;
      this.update();
      this.note('claim', id);
    }
    return id;
  }

  /** Completion for a context (what a write of its claim register does). */
  complete(ctx: number, id: number): void {
    if (id <= 0 || id >= PLIC_SOURCES || !this.enabled(ctx, id) || !this.inFlight[id]) return;
    this.inFlight[id] = 0;
    if (this.level[id]) this.pending[id] = 1;
    this.update();
    this.note('complete', id);
  }

  private note(what: string, id: number): void {
    const p = this.platform;
    if (p.trace.enabled('device')) p.trace.emit({ kind: 'device', time: p.now(), hart: Math.max(p.currentHart(), 0), device: this.name, what, value: id });
  }

  read(offset: number, size: number): bigint | undefined {
    if (size !== 4 || (offset & 3) !== 0) return undefined;
    if (offset < PENDING) { const id = offset >>> 2; return id < PLIC_SOURCES ? BigInt(this.priority[id]) : 0n; }
    if (offset < ENABLE) {
      const w = (offset - PENDING) >>> 2;
      if (w >= WORDS) return 0n;
      let v = 0;
      for (let i = 0; i < 32; i++) if (this.pending[32 * w + i]) v |= 1 << i;
      return BigInt(v >>> 0);
    }
    if (offset < CONTEXT) {
      const ctx = (offset - ENABLE) >>> 7, w = ((offset - ENABLE) & 0x7f) >>> 2;
      return ctx < this.contexts && w < WORDS ? BigInt(this.enable[ctx * WORDS + w]) : 0n;
    }
    const ctx = (offset - CONTEXT) >>> 12, reg = (offset - CONTEXT) & 0xfff;
    if (ctx >= this.contexts) return 0n;
    if (reg === 0) return BigInt(this.threshold[ctx]);
    if (reg === 4) return BigInt(this.claim(ctx));
    return 0n;
  }

  write(offset: number, size: number, value: bigint): boolean {
    if (size !== 4 || (offset & 3) !== 0) return false;
    const v = Number(value & 0xffffffffn) >>> 0;
    if (offset < PENDING) {
      const id = offset >>> 2;
      if (id > 0 && id < PLIC_SOURCES) { this.priority[id] = v & MAX_PRIORITY; this.update(); }
      return true;
    }
    if (offset < ENABLE) return true; // pending bits are read-only
    if (offset < CONTEXT) {
      const ctx = (offset - ENABLE) >>> 7, w = ((offset - ENABLE) & 0x7f) >>> 2;
      if (ctx < this.contexts && w < WORDS) { this.enable[ctx * WORDS + w] = w === 0 ? v & ~1 : v; this.update(); }
      return true;
    }
    const ctx = (offset - CONTEXT) >>> 12, reg = (offset - CONTEXT) & 0xfff;
    if (ctx >= this.contexts) return true;
    if (reg === 0) { this.threshold[ctx] = v & MAX_PRIORITY; this.update(); }
    else if (reg === 4) this.complete(ctx, v);
    return true;
  }
}
