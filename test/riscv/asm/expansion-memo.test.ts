/**
 * Pass one reuses an unchanged line's machine instructions and the linker its encoding
 * (expansion-memo.ts, link.ts). Each case edits a *different* line than the one whose
 * expansion depends on it, keeping line numbers, so the dependent line's statement object is
 * the one remembered; the warm assembly must still equal a cold one, and the dependent line
 * must really change (or keep reporting its error).
 */
import { strict as assert } from 'node:assert';
import { assemble, type AsmResult } from '../../../simulator/riscv/asm';
import { clearLineCache } from '../../../simulator/riscv/asm/line-cache';

const PATH = '/memo/kernel.S';

function asm(text: string, lineCache: boolean): AsmResult {
  return assemble([{ path: PATH, text }], { lineCache });
}

/** Assembles `before` warm (twice, as typing would), then `after` warm; returns the warm and a cold result of `after`. */
function edit(before: string, after: string): { warm: AsmResult; cold: AsmResult; first: AsmResult } {
  clearLineCache();
  asm(before, true);
  const first = asm(before, true);
  const warm = asm(after, true);
  const cold = asm(after, false);
  return { warm, cold, first };
}

const text = (lines: string[]): string => `${lines.join('\n')}\n`;

function bytes(r: AsmResult): number[] {
  return (r.image?.sections ?? []).flatMap((s) => [...s.data]);
}

describe('RV64 pass-one expansion memo', () => {
  it('an .equ changed on another line changes the li sequence that reads it', () => {
    const lines = ['  .equ N, 16', '_start:', '  li a0, N', '  ret'];
    const { warm, cold, first } = edit(text(lines), text(['  .equ N, 0x12345678', ...lines.slice(1)]));
    assert.deepStrictEqual(warm, cold);
    assert.ok(bytes(warm).length > bytes(first).length, 'the li became longer (lui + addi)');
  });

  it('a numeric label added between a 1: and a 1b moves where 1b points', () => {
    const lines = ['_start:', '1:', '  addi a0, a0, 1', '  nop', '  bnez a0, 1b', '  ret'];
    const { warm, cold, first } = edit(text(lines), text(['_start:', '1:', '  addi a0, a0, 1', '1:', '  bnez a0, 1b', '  ret']));
    assert.deepStrictEqual(warm, cold);
    assert.notDeepStrictEqual(bytes(warm), bytes(first));
  });

  it('a size change before an expression of . is seen by the line that reads .', () => {
    const lines = ['_start:', '  nop', '  li a0, . - _start', '  ret'];
    const { warm, cold, first } = edit(text(lines), text(['_start:', '  li t0, 0x12345678', '  li a0, . - _start', '  ret']));
    assert.deepStrictEqual(warm, cold);
    assert.notDeepStrictEqual(bytes(warm).slice(-8), bytes(first).slice(-8));
  });

  it('an immediate pushed out of range by another line reports on every assembly, and recovers', () => {
    const ok = ['  .equ K, 100', '_start:', '  addi a0, a0, K', '  ret'];
    const bad = ['  .equ K, 5000', ...ok.slice(1)];
    const once = edit(text(ok), text(bad));
    assert.deepStrictEqual(once.warm, once.cold);
    assert.equal(once.warm.diagnostics.filter((d) => d.severity === 'error').length, 1, JSON.stringify(once.warm.diagnostics));
    // Unchanged text again: the error must come back, not be remembered away.
    const again = asm(text(bad), true);
    assert.deepStrictEqual(again, asm(text(bad), false));
    const back = asm(text(ok), true);
    assert.deepStrictEqual(back, asm(text(ok), false));
    assert.equal(back.diagnostics.length, 0);
  });

  it('a label moved by an edit above re-encodes the branches and calls that reach it', () => {
    const lines = ['_start:', '  call f', '  j _start', '  nop', 'f:', '  ret'];
    const { warm, cold, first } = edit(text(lines), text(['_start:', '  call f', '  j _start', '  li t1, 0x12345678', 'f:', '  ret']));
    assert.deepStrictEqual(warm, cold);
    assert.notDeepStrictEqual(bytes(warm).slice(0, 8), bytes(first).slice(0, 8), 'the call reaches further');
  });
});
