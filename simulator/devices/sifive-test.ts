/**
 * SiFive test finisher ("sifive,test0", QEMU virt at 0x100000): a 32-bit register whose low 16
 * bits select an action and whose high 16 bits carry an exit code.
 *
 * - 0x5555 FINISHER_PASS: the machine stops with 'pass'.
 * - 0x3333 FINISHER_FAIL: the machine stops with 'fail', failCode = value >> 16.
 * - 0x7777 FINISHER_RESET: the machine stops with 'reset' (the host decides what a reset means).
 * Other values are ignored, as on QEMU. Reads return 0.
 */
import type { MmioDevice } from '../machine/bus';

export const SIFIVE_TEST_BASE = 0x100000;
export const SIFIVE_TEST_SIZE = 0x1000;

export type FinisherAction = { kind: 'pass' } | { kind: 'fail'; code: number } | { kind: 'reset' };

export class SifiveTest implements MmioDevice {
  readonly name = 'sifive-test';
  constructor(private readonly onFinish: (action: FinisherAction) => void) {}

  read(offset: number, size: number): bigint | undefined {
    return offset + size <= 8 ? 0n : undefined;
  }

  write(offset: number, size: number, value: bigint): boolean {
    if (offset !== 0 || size < 4) return offset + size <= 8;
    const v = Number(value & 0xffffffffn);
    const op = v & 0xffff;
    if (op === 0x5555) this.onFinish({ kind: 'pass' });
    else if (op === 0x3333) this.onFinish({ kind: 'fail', code: v >>> 16 });
    else if (op === 0x7777) this.onFinish({ kind: 'reset' });
    return true;
  }
}
