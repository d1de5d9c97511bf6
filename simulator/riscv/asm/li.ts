/**
 * `li rd, constant` expansion, reproducing the sequence GNU as 2.40 emits for RV64 (checked
 * against it by the oracle test): a 32-bit value is `lui` + `addiw` (or a lone `addi` when it
 * fits 12 bits); a wider value is built recursively from its upper part, then shifted left past
 * the run of trailing zeros and completed with `addi` of the low 12 bits.
 */
import { sext } from './eval';

export interface LiStep {
  op: 'lui' | 'addi' | 'addiw' | 'slli';
  /** true: source register is rd itself; false: x0 (only for the first step). */
  fromRd: boolean;
  imm: bigint;
}

/** `rdIsZero`: GNU as still emits the final addiw when the destination is x0. */
export function liSteps(value: bigint, rdIsZero = false, top = true): LiStep[] {
  const v = BigInt.asIntN(64, value);
  const lower = sext(v, 12);
  if (v !== sext(v, 32)) {
    const upper = BigInt.asIntN(64, v - lower);
    let shift = 12n;
    while (((upper >> shift) & 1n) === 0n) shift++;
    const steps = liSteps(upper >> shift, rdIsZero, false);
    steps.push({ op: 'slli', fromRd: true, imm: shift });
    if (lower !== 0n) steps.push({ op: 'addi', fromRd: true, imm: lower });
    return steps;
  }
  const upper = v - lower;
  const steps: LiStep[] = [];
  if (upper !== 0n) steps.push({ op: 'lui', fromRd: false, imm: (upper >> 12n) & 0xfffffn });
  if (lower !== 0n || upper === 0n || rdIsZero) {
    const hasHi = upper !== 0n;
    steps.push({ op: top && !hasHi ? 'addi' : 'addiw', fromRd: hasHi, imm: lower });
  }
  return steps;
}
