/**
 * The machine runner: physical bus (RAM + devices), harts, image loading, the tohost exit
 * protocol and stop conditions.
 *
 * Stop reasons
 * - 'pass' / 'fail': a store to the `tohost` symbol's word (if the image has one): 1 = pass,
 *   (n<<1)|1 = fail test n (failCode = n). The HTIF console command (device 1, command 1: the low
 *   byte is a character) is served instead: the byte goes to `MachineConfig.console` and the host
 *   clears `tohost` to 0, which is what a program polls before sending the next one. Any other
 *   non-zero even value (an HTIF syscall, unsupported) stops with 'fail' and no failCode.
 * - 'trap': an exception was raised while mtvec = 0 (no handler installed). The hart state is
 *   left as before the trapping instruction (no CSR updated, pc = faulting pc).
 * - 'limit': maxInstructions retired.
 * - 'halt': a hart executed `wfi` and no interrupt can ever wake it. In this issue there are no
 *   interrupt sources (no CLINT/PLIC yet, mip has no software-writable bits), so `wfi` always
 *   halts; with devices, wfi will instead advance virtual time to the next event.
 */
import type { Image } from '../riscv/image';
import { findSymbol } from '../riscv/image';
import { Bus } from './bus';
import { Hart, type Engine } from '../riscv/hart/hart';
import { causeText } from '../riscv/hart/csr';

export { Bus, Ram, type MmioDevice } from './bus';
export { Hart, type Engine } from '../riscv/hart/hart';

export interface MachineConfig {
  ramBase?: bigint;
  ramSize?: number;
  engine?: Engine;
  harts?: number;
  /** Receives every byte the program writes to the console (HTIF now; the UART later). */
  console?: (byte: number) => void;
}

const HTIF_CONSOLE_PUTCHAR = 0x0101n; // device 1 (console), command 1 (write a character)

export type StopReason = 'pass' | 'fail' | 'trap' | 'limit' | 'halt';

export interface RunResult {
  reason: StopReason;
  /** Instructions retired during this run() call (all harts). */
  instret: bigint;
  failCode?: number;
  pc: bigint;
  trap?: { cause: bigint; tval: bigint; pc: bigint; description: string };
  message: string;
}

const hex = (v: bigint): string => `0x${v.toString(16)}`;

/** Instructions a hart runs before the next one gets its turn (deterministic round robin). */
const QUANTUM = 1 << 20;

export class Machine {
  /** What this build of the machine supports (benchmarks and scenarios check before running). */
  static readonly capabilities = { sv39: false, supervisor: false, hypervisor: false } as const;

  readonly bus: Bus;
  readonly harts: Hart[];
  readonly ramBase: bigint;
  readonly ramSize: number;
  private tohost: number | undefined;
  private tohostValue = 0n;
  private tohostHit = false;
  private readonly console: ((byte: number) => void) | undefined;

  constructor(config: MachineConfig = {}) {
    this.ramBase = config.ramBase ?? 0x80000000n;
    this.ramSize = config.ramSize ?? 128 * 1024 * 1024;
    if (this.ramBase < 0n || this.ramBase + BigInt(this.ramSize) > BigInt(Number.MAX_SAFE_INTEGER)) throw new Error('RAM must lie below 2^53');
    this.bus = new Bus(Number(this.ramBase), this.ramSize);
    this.console = config.console;
    const n = config.harts ?? 1;
    this.harts = [];
    for (let i = 0; i < n; i++) this.harts.push(new Hart(i, this.bus, config.engine ?? 'compiled'));
  }

  get hart(): Hart { return this.harts[0]; }

  /** Copies the image's allocated sections into RAM, resets the harts at the entry point and arms tohost. */
  load(image: Image): void {
    this.bus.ram.u8.fill(0);
    this.bus.clearCode();
    this.bus.clearWatches();
    for (const s of image.sections) {
      if (!s.alloc || s.size === 0) continue;
      const o = this.bus.ramOffset(Number(s.address), s.size);
      if (o < 0) throw new Error(`section ${s.name} at ${hex(s.address)} (+${s.size}) is outside RAM ${hex(this.ramBase)}..${hex(this.ramBase + BigInt(this.ramSize))}`);
      if (s.progbits) this.bus.ram.u8.set(s.data.subarray(0, s.size), o);
    }
    for (const h of this.harts) h.reset(Number(BigInt.asIntN(64, image.entry)));
    this.tohost = undefined;
    this.tohostHit = false;
    this.tohostValue = 0n;
    const sym = findSymbol(image, 'tohost');
    if (sym !== undefined) {
      const addr = Number(sym.value);
      this.tohost = addr;
      this.bus.addWatch({ address: addr, size: 8, onWrite: () => this.onTohost() });
    }
  }

  private onTohost(): void {
    const t = this.tohost;
    if (t === undefined || !this.bus.read(t, 8)) return;
    const v = (BigInt(this.bus.rhi >>> 0) << 32n) | BigInt(this.bus.rlo >>> 0);
    if (v === 0n) return;
    if (v >> 48n === HTIF_CONSOLE_PUTCHAR) {
      this.console?.(Number(v & 0xffn));
      this.bus.write(t, 8, 0, 0);
      return;
    }
    this.tohostHit = true;
    this.tohostValue = v;
  }

  /** Address of the tohost word, if the loaded image has one. */
  get tohostAddress(): bigint | undefined { return this.tohost === undefined ? undefined : BigInt(this.tohost); }

  run(options: { maxInstructions?: bigint } = {}): RunResult {
    const max = options.maxInstructions;
    let remaining = max === undefined ? Number.POSITIVE_INFINITY : Number(max);
    let total = 0;
    this.tohostHit = false;
    for (const h of this.harts) h.waiting = false;
    while (remaining > 0) {
      let anyRunnable = false;
      for (const h of this.harts) {
        if (h.waiting) continue;
        anyRunnable = true;
        const slice = Math.min(remaining, QUANTUM);
        const n = h.run(slice);
        total += n;
        remaining -= n;
        if (h.fatal) return this.trapStop(h, total);
        if (this.tohostHit) return this.tohostStop(h, total);
        if (remaining <= 0) break;
      }
      if (!anyRunnable) {
        const h = this.harts[0];
        return { reason: 'halt', instret: BigInt(total), pc: h.getPc(), message: `all harts in wfi with no interrupt source (hart 0 pc ${hex(h.getPc())})` };
      }
    }
    const h = this.harts[0];
    return { reason: 'limit', instret: BigInt(total), pc: h.getPc(), message: `instruction limit reached after ${total} instructions (pc ${hex(h.getPc())})` };
  }

  private trapStop(h: Hart, total: number): RunResult {
    const f = h.fatal;
    h.fatal = undefined;
    if (!f) throw new Error('no fatal trap');
    const what = causeText(f.cause);
    const detail = f.cause === 2n ? `${what} 0x${f.tval.toString(16).padStart(8, '0')}` : f.tval !== 0n ? `${what} (tval ${hex(f.tval)})` : what;
    const description = `${detail} at ${hex(f.pc)}, no trap handler (mtvec = 0)`;
    return { reason: 'trap', instret: BigInt(total), pc: f.pc, trap: { cause: f.cause, tval: f.tval, pc: f.pc, description }, message: `hart ${h.id}: ${description}` };
  }

  private tohostStop(h: Hart, total: number): RunResult {
    const v = this.tohostValue;
    this.tohostHit = false;
    const pc = h.getPc();
    if (v === 1n) return { reason: 'pass', instret: BigInt(total), pc, message: `pass (tohost = 1) after ${total} instructions` };
    if (v & 1n) {
      const n = Number(v >> 1n);
      return { reason: 'fail', instret: BigInt(total), pc, failCode: n, message: `fail: test ${n} (tohost = ${hex(v)})` };
    }
    return { reason: 'fail', instret: BigInt(total), pc, message: `unsupported tohost command ${hex(v)} (HTIF syscalls are not implemented)` };
  }

  // ---------------------------------------------------------------- accessors ----------------
  getReg(i: number, hart = 0): bigint { return this.harts[hart].getReg(i); }
  setReg(i: number, v: bigint, hart = 0): void { this.harts[hart].setReg(i, v); }
  getPc(hart = 0): bigint { return this.harts[hart].getPc(); }
  setPc(v: bigint, hart = 0): void { this.harts[hart].setPc(v); }
  readCsr(num: number, hart = 0): bigint | undefined { return this.harts[hart].csrRead(num); }
  writeCsr(num: number, v: bigint, hart = 0): void { this.harts[hart].csrWrite(num, v); }

  /** Reads physical memory (RAM or devices, byte by byte). Throws outside mapped memory. */
  readMemory(address: bigint, length: number): Uint8Array {
    const out = new Uint8Array(length);
    for (let i = 0; i < length; i++) {
      if (!this.bus.read(Number(address) + i, 1)) throw new Error(`no memory at ${hex(address + BigInt(i))}`);
      out[i] = this.bus.rlo & 0xff;
    }
    return out;
  }

  /** Writes physical memory through the bus (so compiled code and reservations see the write). */
  writeMemory(address: bigint, data: Uint8Array): void {
    for (let i = 0; i < data.length; i++) {
      if (this.bus.write(Number(address) + i, 1, data[i], 0) & 1) throw new Error(`no memory at ${hex(address + BigInt(i))}`);
    }
  }

  readU64(address: bigint): bigint {
    const b = this.readMemory(address, 8);
    let v = 0n;
    for (let i = 7; i >= 0; i--) v = (v << 8n) | BigInt(b[i]);
    return v;
  }
}
