/**
 * 16550A UART (QEMU virt: 0x10000000, byte registers, PLIC source 10).
 *
 * | offset | read | write |
 * |---|---|---|
 * | 0 | RBR (DLL when LCR.DLAB) | THR (DLL when LCR.DLAB) |
 * | 1 | IER (DLM when LCR.DLAB) | IER (DLM when LCR.DLAB) |
 * | 2 | IIR | FCR |
 * | 3 | LCR | LCR |
 * | 4 | MCR | MCR |
 * | 5 | LSR | (ignored) |
 * | 6 | MSR | (ignored) |
 * | 7 | SCR | SCR |
 *
 * Model: transmission is instantaneous — a byte written to THR goes to the console sink at once
 * (or, in loopback mode MCR.LOOP, into the receiver), so LSR.THRE/TEMT always read 1 and the THRE
 * interrupt is re-armed after every write. Received bytes come from a host input queue that has no
 * size limit (no overruns). Interrupt identification, highest priority first: receiver line status
 * (never raised: no errors are modelled), received data available (whenever data is ready and
 * IER.ERBFI — FIFO trigger levels and the character-timeout indication are not modelled), THR empty
 * (IER.ETBEI; cleared by reading IIR when it is the reported cause, or by writing THR), modem status
 * (IER.EDSSI and a delta bit in MSR). IIR bits 7:6 read 11 while the FIFOs are enabled (FCR bit 0).
 * Outside loopback MSR reads DCD|DSR|CTS set. The interrupt output drives one PLIC source.
 */
import type { MmioDevice } from '../machine/bus';

export const UART0_BASE = 0x10000000;
export const UART0_SIZE = 0x100;
export const UART0_IRQ = 10;

const IER_ERBFI = 1, IER_ETBEI = 2, IER_EDSSI = 8;
const LCR_DLAB = 0x80;
const MCR_LOOP = 0x10;
const LSR_DR = 0x01, LSR_THRE = 0x20, LSR_TEMT = 0x40;
const IIR_NONE = 0x01, IIR_MODEM = 0x00, IIR_THRE = 0x02, IIR_RDA = 0x04;

export interface UartHost {
  /** A transmitted byte (not called in loopback). */
  transmit(byte: number): void;
  /** The interrupt output changed. */
  irq(level: boolean): void;
}

export class Uart16550 implements MmioDevice {
  readonly name = 'uart0';
  private readonly rx: number[] = [];
  private rxHead = 0;
  private ier = 0;
  private lcr = 0x03;
  private mcr = 0;
  private scr = 0;
  private dll = 0;
  private dlm = 0;
  private fcr = 0;
  private threPending = false;
  private msrDelta = 0;
  private irqLevel = false;

  constructor(private readonly host: UartHost) {}

  /** Registers to their reset values; received bytes not yet read stay (they are host input). */
  reset(): void {
    this.ier = 0; this.lcr = 0x03; this.mcr = 0; this.scr = 0; this.dll = 0; this.dlm = 0; this.fcr = 0;
    this.threPending = false; this.msrDelta = 0;
    this.updateIrq();
  }

  /** Bytes waiting in the receiver. */
  get rxCount(): number { return this.rx.length - this.rxHead; }

  /** Host input: bytes arriving on the serial line. */
  receive(bytes: Iterable<number>): void {
    for (const b of bytes) this.rx.push(b & 0xff);
    this.updateIrq();
  }

  /** Takes one received byte as a read of RBR would (-1 when none): the SBI console reads through this. */
  takeByte(): number {
    if (this.rxHead >= this.rx.length) return -1;
    const b = this.rx[this.rxHead++];
    if (this.rxHead > 1024 && this.rxHead * 2 > this.rx.length) { this.rx.splice(0, this.rxHead); this.rxHead = 0; }
    this.updateIrq();
    return b;
  }

  /** Divisor latch value (DLM:DLL). */
  get divisor(): number { return (this.dlm << 8) | this.dll; }

  private msr(): number {
    if (this.mcr & MCR_LOOP) {
      const m = this.mcr;
      return ((m & 2) << 3) | ((m & 1) << 5) | ((m & 4) << 4) | ((m & 8) << 4) | this.msrDelta;
    }
    return 0xb0 | this.msrDelta;
  }

  private iir(): number {
    let id = IIR_NONE;
    if ((this.ier & IER_ERBFI) && this.rxCount > 0) id = IIR_RDA;
    else if ((this.ier & IER_ETBEI) && this.threPending) id = IIR_THRE;
    else if ((this.ier & IER_EDSSI) && this.msrDelta) id = IIR_MODEM;
    return id | (this.fcr & 1 ? 0xc0 : 0);
  }

  private updateIrq(): void {
    const level = (this.iir() & IIR_NONE) === 0;
    if (level !== this.irqLevel) { this.irqLevel = level; this.host.irq(level); }
  }

  read(offset: number, size: number): bigint | undefined {
    if (size !== 1) return offset + size <= UART0_SIZE && (offset & (size - 1)) === 0 ? 0n : undefined;
    const dlab = (this.lcr & LCR_DLAB) !== 0;
    let v = 0;
    switch (offset) {
      case 0: v = dlab ? this.dll : Math.max(this.takeByte(), 0); break;
      case 1: v = dlab ? this.dlm : this.ier; break;
      case 2: {
        v = this.iir();
        if ((v & 0x0f) === IIR_THRE) { this.threPending = false; this.updateIrq(); }
        break;
      }
      case 3: v = this.lcr; break;
      case 4: v = this.mcr; break;
      case 5: v = (this.rxCount > 0 ? LSR_DR : 0) | LSR_THRE | LSR_TEMT; break;
      case 6: v = this.msr(); this.msrDelta = 0; this.updateIrq(); break;
      case 7: v = this.scr; break;
      default: v = 0;
    }
    return BigInt(v);
  }

  write(offset: number, size: number, value: bigint): boolean {
    if (size !== 1) return offset + size <= UART0_SIZE && (offset & (size - 1)) === 0;
    const v = Number(value & 0xffn);
    const dlab = (this.lcr & LCR_DLAB) !== 0;
    switch (offset) {
      case 0:
        if (dlab) { this.dll = v; break; }
        if (this.mcr & MCR_LOOP) this.rx.push(v); else this.host.transmit(v);
        this.threPending = true; // transmitted at once: the holding register is empty again
        break;
      case 1:
        if (dlab) { this.dlm = v; break; }
        if ((v & IER_ETBEI) && !(this.ier & IER_ETBEI)) this.threPending = true;
        this.ier = v & 0x0f;
        break;
      case 2:
        this.fcr = v & 0xc9;
        if (v & 2) { this.rx.length = 0; this.rxHead = 0; }
        break;
      case 3: this.lcr = v; break;
      case 4: {
        const old = this.msr();
        this.mcr = v & 0x1f;
        const now = this.msr();
        // Loopback makes MCR bits visible in MSR: record the deltas (DCTS, DDSR, TERI, DDCD).
        const changed = (old ^ now) & 0xf0;
        this.msrDelta |= ((changed >> 4) & 0x0b) | (old & 0x40 & ~now ? 0x04 : 0);
        break;
      }
      case 7: this.scr = v; break;
      default: break;
    }
    this.updateIrq();
    return true;
  }
}
