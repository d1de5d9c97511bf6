/**
 * One RV64IMA_Zicsr_Zifencei hart (M-mode only in this issue).
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
import { Mmu } from '../mmu/mmu';

// Module-level copies of imported bindings: when run from unbundled CommonJS (tsx, mocha), every
// access to an imported binding goes through a getter, which costs a lot in the interpreter's
// per-instruction path. Local constants keep it cheap in every loader.
const { R, add64, sub64, sll64, srl64, sra64, lt64, ltu64, mul64, mulh64, mulhsu64, mulhu64, div64, divu64, rem64, remu64, pairToBigU, bigToPair } = aluNs;
const { Amo, Op, decode, isSystem } = decodeNs;
const { CSR, Cause, PRV_M, PRV_U } = csrNs;
const { PAGE_SHIFT, W_BREAK, W_FAULT } = busNs;

export type Engine = 'compiled' | 'interpreter';

export interface FatalTrap { cause: bigint; tval: bigint; pc: bigint }

const TWO32 = 4294967296;
const SAFE_HI = 0x200000; // |hi| < 2^21  <=>  |value| < 2^53

const enum Access { Fetch, Load, Store }

export class Hart implements CodeCacheOwner {
  readonly xl = new Int32Array(32);
  readonly xh = new Int32Array(32);
  pc = 0;
  priv = PRV_M;

  // --- CSR state ---
  mstatusMIE = 0;
  mstatusMPIE = 0;
  /** mstatus.MPP: PRV_U or PRV_M (S-mode is not implemented yet). */
  mstatusMPP = PRV_M;
  mstatusMPRV = 0;
  mstatusTW = 0;
  mcounteren = 0;
  /** PMP CSRs are stored (WARL) but not yet enforced (with the MMU issue). */
  readonly pmpcfg = new Array<bigint>(16).fill(0n);
  readonly pmpaddr = new Array<bigint>(64).fill(0n);
  mie = 0;
  mip = 0;
  mtvec = 0n;
  mscratch = 0n;
  mepc = 0n;
  mcause = 0n;
  mtval = 0n;
  private cycleOffset = 0n;
  private instretOffset = 0n;
  /** Instructions retired since reset (exact). */
  retired = 0;
  /** Source of the `time` CSR; the CLINT replaces it. Until then time advances 1 tick per instruction. */
  timeSource: () => bigint = () => BigInt(this.retired);

  /**
   * Interrupt-pending bits driven by devices (MSIP 3, MTIP 7, SEIP 9, MEIP 11; later VSEIP 10 and
   * SGEI). mip reads as the software-writable bits | irqLines. Use `setIrqLine`.
   */
  irqLines = 0;
  /**
   * Consulted for ecall (causes 8-11, before delegation/vectoring). Returning true means the call
   * was handled natively (SBI firmware): execution continues at the ecall's pc + 4 and the ecall
   * retires; the hook may change registers.
   */
  ecallHook: ((hart: Hart, cause: number) => boolean) | undefined = undefined;
  /** The MMU and its modelled TLB (`mmu.flush(kind, scope)` for SBI RFENCE; `mmu.counters`). */
  readonly mmu: Mmu = new Mmu();

  // --- run control ---
  /** Set by anything that must end the current compiled block / run slice (trap stop, watch hit, code write, wfi). */
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

  // --- code caches ---
  private readonly decoded = new Map<number, (Decoded | undefined)[]>();
  private readonly blocks = new Map<number, Block>();
  private readonly blocksByPage = new Map<number, Block[]>();
  /** Blocks compiled (statistics; also lets tests see that compilation happened). */
  compiledBlocks = 0;

  constructor(readonly id: number, readonly bus: Bus, public engine: Engine = 'compiled') {
    bus.codeOwners.push(this);
    bus.reservations[id] = -1;
  }

  reset(pc: number): void {
    this.xl.fill(0); this.xh.fill(0);
    this.pc = pc; this.priv = PRV_M;
    this.mstatusMIE = 0; this.mstatusMPIE = 0; this.mstatusMPP = PRV_M; this.mstatusMPRV = 0; this.mstatusTW = 0;
    this.mie = 0; this.mip = 0; this.mcounteren = 0;
    this.pmpcfg.fill(0n); this.pmpaddr.fill(0n);
    this.mtvec = 0n; this.mscratch = 0n; this.mepc = 0n; this.mcause = 0n; this.mtval = 0n;
    this.cycleOffset = 0n; this.instretOffset = 0n; this.retired = 0;
    this.brk = false; this.fatal = undefined; this.waiting = false;
    this.bus.reservations[this.id] = -1;
    this.flushCodeCache();
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

  /** Drives one device interrupt line (mip bit number). A rising line wakes wfi and ends the current block. */
  setIrqLine(bit: number, level: boolean): void {
    const m = 1 << bit;
    const old = this.irqLines;
    this.irqLines = level ? old | m : old & ~m;
    if (level && !(old & m)) { this.waiting = false; this.brk = true; }
  }

  // ------------------------------------------------------------------ traps --------------------
  /** Trap entry (exceptions). `epc` is the PC of the trapping instruction. Delegation (medeleg/hedeleg) goes here later. */
  trap(cause: number, tval: bigint, epc: number | bigint): void {
    const epcU = typeof epc === 'bigint' ? BigInt.asUintN(64, epc) : BigInt.asUintN(64, BigInt(epc));
    const c = BigInt(cause);
    if (this.mtvec === 0n) {
      this.fatal = { cause: c, tval: BigInt.asUintN(64, tval), pc: epcU };
      if (typeof epc === 'number') this.pc = epc;
      this.brk = true;
      return;
    }
    this.mepc = epcU;
    this.mcause = c;
    this.mtval = BigInt.asUintN(64, tval);
    this.mstatusMPIE = this.mstatusMIE;
    this.mstatusMIE = 0;
    this.mstatusMPP = this.priv;
    this.priv = PRV_M;
    this.pc = Number(BigInt.asIntN(64, this.mtvec & ~3n)); // direct mode; vectored only affects interrupts
  }

  /** Raise the exception recorded by a failed memory access. */
  private raise(epc: number): void { this.trap(this.excCause, this.excTval, epc); }

  private illegal(d: Decoded, pc: number): false {
    this.trap(Cause.IllegalInstruction, BigInt(d.raw >>> 0), pc);
    return false;
  }

  /** Jump to a 64-bit target given as a pair; handles misalignment and unrepresentable targets. */
  private jumpPair(lo: number, hi: number, pc: number): boolean {
    if ((lo & 3) !== 0) { this.trap(Cause.InstructionMisaligned, pairToBigU(lo, hi), pc); return false; }
    if (hi >= SAFE_HI || hi < -SAFE_HI) {
      // No memory can exist there: the fetch faults with the exact address.
      this.trap(Cause.InstructionAccessFault, pairToBigU(lo, hi), pairToBigU(lo, hi));
      return false;
    }
    this.pc = hi * TWO32 + (lo >>> 0);
    return true;
  }

  // ------------------------------------------------------------------ memory seam --------------
  /**
   * Virtual -> physical. M-mode without MPRV: bare, the physical address is the 64-bit address
   * itself. Returns -1 after recording the fault (cause per access type) in excCause/excTval.
   */
  private translate(lo: number, hi: number, access: Access): number {
    if (hi >= 0 && hi < SAFE_HI) return hi * TWO32 + (lo >>> 0);
    this.excCause = access === Access.Fetch ? Cause.InstructionAccessFault : access === Access.Load ? Cause.LoadAccessFault : Cause.StoreAccessFault;
    this.excTval = pairToBigU(lo, hi);
    return -1;
  }

  /**
   * Ordinary load of `size` bytes at (lo, hi). Result (sign- or zero-extended) in rlo/rhi.
   * Misaligned ordinary loads/stores are emulated (split into byte accesses, each translated) —
   * the spec allows either emulation or a misaligned trap; we choose emulation.
   */
  load(lo: number, hi: number, size: number, signed: boolean): boolean {
    let vlo: number, vhi: number;
    if ((lo & (size - 1)) === 0) {
      const pa = this.translate(lo, hi, Access.Load);
      if (pa < 0) return false;
      if (!this.bus.read(pa, size)) return this.accessFault(lo, hi, Cause.LoadAccessFault);
      vlo = this.bus.rlo; vhi = this.bus.rhi;
    } else {
      vlo = 0; vhi = 0;
      for (let i = 0; i < size; i++) {
        add64(lo, hi, i, 0);
        const pa = this.translate(R[0], R[1], Access.Load);
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
      const pa = this.translate(lo, hi, Access.Store);
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
      const pa = this.translate(R[0], R[1], Access.Store);
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
  /** Fetch+decode the instruction at `pc` (cached per RAM page). Records the fault on failure. */
  fetch(pc: number): Decoded | undefined {
    const hi = Math.floor(pc / TWO32);
    const pa = this.translate(pc | 0, hi | 0, Access.Fetch);
    if (pa < 0) return undefined;
    const o = this.bus.ramOffset(pa, 4);
    if (o < 0) { this.excCause = Cause.InstructionAccessFault; this.excTval = BigInt.asUintN(64, BigInt(pc)); return undefined; }
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
      for (const b of list) if (this.blocks.get(b.pc) === b) this.blocks.delete(b.pc);
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
    if (this.engine === 'interpreter') {
      while (done < budget && !this.brk) if (this.step()) done++;
      return done;
    }
    while (done < budget && !this.brk) {
      const pc = this.pc;
      let b: Block | null | undefined = this.blocks.get(pc);
      if (b === undefined) b = this.compile(pc);
      const left = budget - done;
      if (b !== null && b.len <= left) {
        const n = b.fn(left);
        done += n;
        this.retired += n;
      } else if (this.step()) done++;
    }
    return done;
  }

  private compile(pc: number): Block | null {
    const b = compileBlock(this, pc);
    if (b === null) return null;
    this.compiledBlocks++;
    this.blocks.set(pc, b);
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
        const cause = this.priv === PRV_M ? Cause.EcallM : Cause.EcallU;
        if (this.ecallHook !== undefined && this.ecallHook(this, cause)) break;
        this.trap(cause, 0n, pc); return false;
      }
      case Op.EBREAK: this.trap(Cause.Breakpoint, BigInt.asUintN(64, BigInt(pc)), pc); return false;
      case Op.MRET: {
        if (this.priv < PRV_M) return this.illegal(d, pc);
        // priv <- MPP; MIE <- MPIE; MPIE <- 1; MPP <- least privileged mode (U); MPRV cleared when leaving M
        this.mstatusMIE = this.mstatusMPIE;
        this.mstatusMPIE = 1;
        this.priv = this.mstatusMPP;
        this.mstatusMPP = PRV_U;
        if (this.priv !== PRV_M) this.mstatusMPRV = 0;
        bigToPair(this.mepc);
        if (!this.jumpPair(R[0], R[1], pc)) return false;
        return true;
      }
      case Op.WFI:
        if (this.priv === PRV_U && this.mstatusTW) return this.illegal(d, pc);
        this.waiting = true; this.brk = true; break;
      case Op.SRET: case Op.SFENCE_VMA: return this.illegal(d, pc); // no S-mode in this issue
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
    const acc = d.op === Op.LR ? Access.Load : Access.Store;
    const pa = this.translate(al, ah, acc);
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
  private csrOp(d: Decoded, pc: number): boolean {
    const num = d.csr;
    const isImm = d.op >= Op.CSRRWI;
    const src = isImm ? BigInt(d.imm) : pairToBigU(this.xl[d.rs1], this.xh[d.rs1]);
    const kind = isImm ? d.op - 3 : d.op; // CSRRW/CSRRS/CSRRC
    const writes = kind === Op.CSRRW || d.rs1 !== 0; // csrrs/c with x0 / zimm 0 do not write
    const reads = kind !== Op.CSRRW || d.rd !== 0;
    if (((num >>> 8) & 3) > this.priv) return this.illegal(d, pc);
    if (num >= 0xc00 && num <= 0xc1f && this.priv < PRV_M && ((this.mcounteren >>> (num & 31)) & 1) === 0) return this.illegal(d, pc);
    if (writes && (num >>> 10) === 3) return this.illegal(d, pc); // read-only CSR
    let old = 0n;
    if (reads || kind !== Op.CSRRW) {
      const v = this.csrRead(num);
      if (v === undefined) return this.illegal(d, pc);
      old = v;
    } else if (this.csrRead(num) === undefined) return this.illegal(d, pc);
    if (writes) {
      const nv = kind === Op.CSRRW ? src : kind === Op.CSRRS ? old | src : old & ~src;
      this.csrWrite(num, nv);
    }
    if (reads) { bigToPair(old); this.wr(d.rd, R[0], R[1]); }
    return true;
  }

  /**
   * Reads a CSR (no privilege check; callers check). Returns undefined for CSRs that do not exist.
   * Also the debugger's read path (no side effects).
   */
  csrRead(num: number): bigint | undefined {
    switch (num) {
      case CSR.mstatus: // UXL = 2 (64-bit U-mode)
        return (2n << 32n) | BigInt((this.mstatusMIE << 3) | (this.mstatusMPIE << 7) | (this.mstatusMPP << 11) | (this.mstatusMPRV << 17) | (this.mstatusTW << 21));
      case CSR.misa: return (2n << 62n) | (1n << 0n) | (1n << 8n) | (1n << 12n) | (1n << 20n); // RV64 I M A U
      case CSR.mcounteren: return BigInt(this.mcounteren);
      case CSR.mie: return BigInt(this.mie);
      case CSR.mip: return BigInt(this.mip | this.irqLines);
      case CSR.mtvec: return this.mtvec;
      case CSR.mscratch: return this.mscratch;
      case CSR.mepc: return this.mepc;
      case CSR.mcause: return this.mcause;
      case CSR.mtval: return this.mtval;
      case CSR.mcountinhibit: return 0n;
      case CSR.mcycle: case CSR.cycle: return BigInt.asUintN(64, BigInt(this.retired) + this.cycleOffset);
      case CSR.minstret: case CSR.instret: return BigInt.asUintN(64, BigInt(this.retired) + this.instretOffset);
      case CSR.time: return BigInt.asUintN(64, this.timeSource());
      case CSR.mvendorid: case CSR.marchid: case CSR.mimpid: case CSR.mconfigptr: return 0n;
      case CSR.mhartid: return BigInt(this.id);
    }
    if (num >= 0x3a0 && num <= 0x3af) return (num & 1) ? undefined : this.pmpcfg[num - 0x3a0]; // RV64: odd pmpcfg do not exist
    if (num >= 0x3b0 && num <= 0x3ef) return this.pmpaddr[num - 0x3b0];
    if ((num >= 0xb03 && num <= 0xb1f) || (num >= 0xc03 && num <= 0xc1f) || (num >= 0x323 && num <= 0x33f)) return 0n; // hpm counters/events: hardwired 0
    return undefined;
  }

  /** Writes a CSR with WARL legalisation (no privilege check). Unknown CSRs are ignored. */
  csrWrite(num: number, v: bigint): void {
    v = BigInt.asUintN(64, v);
    switch (num) {
      case CSR.mstatus: {
        this.mstatusMIE = Number((v >> 3n) & 1n);
        this.mstatusMPIE = Number((v >> 7n) & 1n);
        const mpp = Number((v >> 11n) & 3n);
        if (mpp === PRV_U || mpp === PRV_M) this.mstatusMPP = mpp; // WARL: S (1) and 2 are not legal: keep
        this.mstatusMPRV = Number((v >> 17n) & 1n);
        this.mstatusTW = Number((v >> 21n) & 1n);
        break;
      }
      case CSR.mcounteren: this.mcounteren = Number(v & 0xffffffffn) >>> 0; break;
      case CSR.mie: this.mie = Number(v & 0x888n); break;
      case CSR.mtvec: {
        // WARL: mode 0 (direct) or 1 (vectored); the base must be a representable address (|addr| < 2^53).
        const legal = (v & ~3n) | (v & 1n);
        if (Number.isSafeInteger(Number(BigInt.asIntN(64, legal)))) this.mtvec = legal;
        break;
      }
      case CSR.mscratch: this.mscratch = v; break;
      case CSR.mepc: this.mepc = v & ~3n; break; // IALIGN=32
      case CSR.mcause: this.mcause = v; break;
      case CSR.mtval: this.mtval = v; break;
      // The written value is what the next instruction reads: this instruction's own retirement is
      // counted after the write, so compensate by one.
      case CSR.mcycle: this.cycleOffset = v - BigInt(this.retired) - 1n; break;
      case CSR.minstret: this.instretOffset = v - BigInt(this.retired) - 1n; break;
      default:
        if (num >= 0x3a0 && num <= 0x3af && !(num & 1)) this.pmpcfg[num - 0x3a0] = v & 0x9f9f9f9f9f9f9f9fn; // WARL: reserved bits 5-6 of each byte read 0
        else if (num >= 0x3b0 && num <= 0x3ef) this.pmpaddr[num - 0x3b0] = v & ((1n << 54n) - 1n); // 56-bit physical addresses
        break; // misa, mip (no software-writable bits with M only), hpm*: read-only or hardwired
    }
  }

  /** Is the first instruction at `pc` one that compiled blocks never contain? */
  static endsBlock(d: Decoded): boolean { return isSystem(d.op); }
}
