/**
 * Physical memory protection (privileged spec 1.12, 3.7): 64 entries, grain 4 bytes (G = 0),
 * modes OFF / TOR / NA4 / NAPOT, the L bit (locks the entry and applies it to M-mode), the lowest
 * numbered matching entry decides, and an access that only partially overlaps that entry fails.
 * With no matching entry, M-mode succeeds and S/U fail.
 *
 * Ranges are precomputed as JS numbers when the CSRs are written (physical addresses above 2^53
 * do not exist in the machine, so larger bounds are clamped).
 */
export const PMP_R = 1, PMP_W = 2, PMP_X = 4, PMP_L = 0x80;
const A_OFF = 0, A_TOR = 1, A_NA4 = 2; // 3 = NAPOT
const LIMIT = 2 ** 53;

export class Pmp {
  /** pmpNcfg bytes. */
  readonly cfg = new Uint8Array(64);
  /** pmpaddrN (bits 55:2 of the address, 54 bits). */
  readonly addr = new Array<bigint>(64).fill(0n);
  /** Active entries (mode != OFF) in priority order: index, lo, hi (exclusive), cfg. */
  private active: { lo: number; hi: number; cfg: number }[] = [];
  /** Some active entry has L set (then M-mode accesses are checked too). */
  anyLocked = false;
  /**
   * M-mode data accesses cannot be refused: no entry is locked and every entry's bounds are
   * multiples of 8, so no naturally aligned access of up to 8 bytes can straddle an entry (a
   * partial match fails even in M-mode). Misaligned accesses are split into single bytes, as the
   * spec allows. Instruction fetches (4-byte aligned, 4-byte grain) only need `!anyLocked`.
   */
  mDataUnchecked = true;
  /** Bumped on every change (host-side caches keyed on PMP state compare it). */
  version = 0;

  reset(): void { this.cfg.fill(0); this.addr.fill(0n); this.recompute(); }

  /** pmpcfgK CSR (K even, RV64): 8 entries. */
  readCfg(k: number): bigint {
    let v = 0n;
    for (let i = 7; i >= 0; i--) v = (v << 8n) | BigInt(this.cfg[k * 4 + i]);
    return v;
  }

  writeCfg(k: number, v: bigint): void {
    for (let i = 0; i < 8; i++) {
      const e = k * 4 + i;
      if (this.cfg[e] & PMP_L) continue; // locked: writes ignored
      let b = Number((v >> BigInt(8 * i)) & 0xffn) & 0x9f; // bits 5-6 reserved (read 0)
      if ((b & (PMP_R | PMP_W)) === PMP_W) b &= ~PMP_W; // R=0 W=1 is reserved: legalise to R=0 W=0
      this.cfg[e] = b;
    }
    this.recompute();
  }

  readAddr(i: number): bigint { return this.addr[i]; }

  writeAddr(i: number, v: bigint): void {
    if (this.cfg[i] & PMP_L) return;
    if (i + 1 < 64 && (this.cfg[i + 1] & PMP_L) && ((this.cfg[i + 1] >> 3) & 3) === A_TOR) return;
    this.addr[i] = v & ((1n << 54n) - 1n);
    this.recompute();
  }

  private recompute(): void {
    this.active = [];
    this.anyLocked = false;
    let aligned8 = true;
    for (let i = 0; i < 64; i++) {
      const c = this.cfg[i];
      const a = (c >> 3) & 3;
      if (a === A_OFF) continue;
      let lo: bigint, hi: bigint;
      const ad = this.addr[i] << 2n;
      if (a === A_TOR) { lo = i === 0 ? 0n : this.addr[i - 1] << 2n; hi = ad; } else if (a === A_NA4) { lo = ad; hi = ad + 4n; } else {
        let ones = 0n;
        while (((this.addr[i] >> ones) & 1n) === 1n && ones < 54n) ones++;
        const size = 1n << (ones + 3n);
        lo = ad & ~(size - 1n);
        hi = lo + size;
      }
      const nlo = lo >= BigInt(LIMIT) ? LIMIT : Number(lo);
      const nhi = hi >= BigInt(LIMIT) ? LIMIT : Number(hi);
      if (c & PMP_L) this.anyLocked = true;
      if (nhi > nlo) {
        this.active.push({ lo: nlo, hi: nhi, cfg: c }); // an empty range matches nothing
        if (nlo % 8 !== 0 || nhi % 8 !== 0) aligned8 = false;
      }
    }
    this.mDataUnchecked = !this.anyLocked && aligned8;
    this.version++;
  }

  /**
   * May an access of privilege `priv` (0 U, 1 S, 3 M) touch [pa, pa+size) with permission bits
   * `perm` (PMP_R/W/X, several for AMOs)? True only if one entry decides for all bytes.
   */
  check(pa: number, size: number, priv: number, perm: number): boolean {
    const end = pa + size;
    const act = this.active;
    for (let i = 0; i < act.length; i++) {
      const e = act[i];
      if (end <= e.lo || pa >= e.hi) continue;
      if (pa < e.lo || end > e.hi) return false; // partial match fails
      if (priv === 3 && !(e.cfg & PMP_L)) return true;
      return (e.cfg & perm) === perm;
    }
    return priv === 3;
  }
}
