/** Deterministic pseudo-random numbers (mulberry32) and random text for the fuzz tests. */
export class Random {
  private state: number;
  constructor(seed: number) {
    this.state = seed >>> 0;
  }

  next(): number {
    this.state = (this.state + 0x6d2b79f5) >>> 0;
    let t = this.state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }

  int(n: number): number {
    return Math.floor(this.next() * n);
  }

  pick<T>(xs: readonly T[]): T {
    return xs[this.int(xs.length)];
  }

  /** Random UTF-16 code units: control characters, lone surrogates, astral pairs, ASCII. */
  bytes(n: number): string {
    let s = '';
    for (let k = 0; k < n; k++) {
      const kind = this.int(6);
      if (kind === 0) s += String.fromCharCode(this.int(32));
      else if (kind === 1) s += String.fromCharCode(0xd800 + this.int(0x800));
      else if (kind === 2) s += String.fromCodePoint(0x10000 + this.int(0x1000));
      else if (kind === 3) s += String.fromCharCode(0x80 + this.int(0x780));
      else s += String.fromCharCode(32 + this.int(95));
    }
    return s;
  }
}
