/**
 * Facts about a program that the compiler may use to drop run-time work. The verifier
 * (simulator/ebpf/verifier) implements this interface from its analysis; the compiler never
 * computes facts itself. Every method is optional and every answer is a promise about *all*
 * executions of the program from slot 0 with r1/r2 as the event defines them: a wrong "true"
 * makes the compiled code skip a check the interpreter performs, so only proven facts may be
 * reported. Without facts (or with a method absent or answering false/undefined) every check
 * stays.
 *
 * Slots are instruction slots (`Insn.slot`: an lddw takes two); registers are 0..10.
 *
 * Stability: additive changes only (the verifier codes against this shape).
 */

/** An inclusive interval of a register's value read as an unsigned 64-bit number. */
export interface ScalarRange {
  min: bigint;
  max: bigint;
}

export interface CompilerFacts {
  /**
   * The load, store or atomic at `slot` always addresses memory inside one region, entirely
   * (offset + size <= region size), and, for a store or an atomic, a writable one. When true
   * the compiler emits the access without the region/bounds/writability test.
   */
  accessInBounds?(slot: number): boolean;
  /**
   * Before the instruction at `slot` executes, register `reg` always holds a scalar (not a
   * pointer) in this unsigned range. The compiler uses ranges inside [0, 2^32) to do 64-bit
   * additions, subtractions and comparisons on the low halves only.
   */
  scalarRange?(slot: number, reg: number): ScalarRange | undefined;
  /**
   * The loop whose header starts at `headerSlot` runs its header at most `n` times per entry
   * into the loop. Informative for now (the compiler's budget test at a loop header is one
   * comparison per iteration already).
   */
  loopBound?(headerSlot: number): number | undefined;
}

/** True when `r` lies inside [0, 2^32), so the register's high half is 0. */
export function fits32(r: ScalarRange | undefined): boolean {
  return r !== undefined && r.min >= 0n && r.max <= 0xffffffffn && r.min <= r.max;
}
