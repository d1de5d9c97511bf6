/**
 * get_prandom_u32's generator (xorshift32) with its state as explicit data. Each hyper-callback
 * owns one: snapshots capture the state with the callback, so a machine restored from a
 * checkpoint draws the numbers the original run drew, and a debugger's replay of a run starts
 * from the state that run started from.
 */

/** The state every generator starts from unless told otherwise. */
export const PRANDOM_SEED = 0x2545f491;

export class Prandom {
  private value: number;

  constructor(state: number = PRANDOM_SEED) {
    this.value = Prandom.check(state);
  }

  /** The current state (an unsigned 32-bit number, never 0): the next draws follow from it alone. */
  get state(): number { return this.value; }

  set state(s: number) { this.value = Prandom.check(s); }

  /** The next number (unsigned 32-bit); advances the state. */
  next(): number {
    let s = this.value | 0;
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    this.value = s >>> 0;
    return this.value;
  }

  /** xorshift never leaves 0 and works on 32 bits: anything else is a caller's mistake. */
  private static check(s: number): number {
    if (!Number.isInteger(s) || s <= 0 || s > 0xffffffff) throw new RangeError(`prandom state must be an integer in 1..0xffffffff, got ${s}`);
    return s;
  }
}
