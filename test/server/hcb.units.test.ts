/**
 * In-process checks of hcb pieces whose answers are easy to get subtly wrong: the worst-case path
 * through nested loops and calls, and register liveness across jumps.
 */
import assert from 'node:assert/strict';
import { assemble } from '../../simulator/ebpf/asm/assembler';
import { verifyHcb } from '../../simulator/ebpf/verifier/index';
import { TextDocument } from 'vscode-languageserver-textdocument';
import { hcbLanguage } from '../../server/hcb/index';
import { liveness, registersOf } from '../../server/hcb/liveness';
import { applyEdits } from './support/edits';
import { worstCasePath } from '../../server/hcb/worstCase';

function worst(src: string): number | null {
  const asm = assemble(src);
  assert.deepEqual(asm.diagnostics, []);
  const r = verifyHcb(asm);
  assert.ok(r.ok, r.diagnostics.map((d) => d.message).join('\n'));
  return worstCasePath(asm.program.insns, r.analysis.loopBounds);
}

describe('hcb: worst-case path and liveness', () => {
  it('straight line and branches: the longer arm counts', () => {
    assert.equal(worst('.event tracing\n  r0 = 0\n  exit\n'), 2);
    assert.equal(worst('.event tracing\n  r0 = 0\n  r2 = *(u32 *)(r1 + 8)\n  if r2 > 3 goto out\n  r0 = 1\n  r0 += 2\nout:\n  exit\n'), 6);
  });

  it('nested loops multiply by their proven bounds', () => {
    const src = ['.event tracing', '  r0 = 0', '  r1 = 0', 'outer:', '  r2 = 0', 'inner:', '  r0 += 1', '  r2 += 1', '  if r2 < 3 goto inner', '  r1 += 1', '  if r1 < 2 goto outer', '  exit', ''].join('\n');
    // 2 + 2 x (r2 = 0, 3 x 3 inner, r1 += 1, if) + exit
    assert.equal(worst(src), 2 + 2 * (1 + 3 * 3 + 2) + 1);
  });

  it('a call costs the callee worst case', () => {
    const src = ['.event tracing', '  r6 = r1', '  call f', '  r1 = r6', '  call f', '  exit', 'f:', '  r0 = *(u32 *)(r1 + 8)', '  if r0 > 3 goto big', '  exit', 'big:', '  r0 -= 3', '  r0 *= 2', '  exit', ''].join('\n');
    // f: load, if, r0 -= 3, r0 *= 2, exit = 5; main: r6 = r1, call (1 + 5), r1 = r6, call (1 + 5), exit
    assert.equal(worst(src), 1 + 6 + 1 + 6 + 1);
  });

  it('liveness: registers live after a jump come from both successors', () => {
    const asm = assemble(['.event tracing', '  r6 = 1', '  r7 = 2', '  r2 = *(u32 *)(r1 + 8)', '  if r2 > 3 goto other', '  r0 = r6', '  exit', 'other:', '  r0 = r7', '  exit', ''].join('\n'));
    const l = liveness(asm.program.insns);
    assert.deepEqual(registersOf(l.before[3]), [2, 6, 7]);
    assert.deepEqual(registersOf(l.after[3]), [6, 7]);
    assert.deepEqual(registersOf(l.before[4]), [6]);
    assert.deepEqual(registersOf(l.before[0]), [1]);
  });
});

describe('hcb: quick fixes are checked before they are offered', () => {
  const ctx = { files: { read: () => undefined, uris: () => [], generation: 0 }, settings: { kernelChecks: {}, inlayHints: false } };
  const actionsAt = (text: string, line: number): string[] => {
    const doc = TextDocument.create('file:///virtual/fix.hcb', 'hcb', 1, text);
    const range = { start: { line, character: 0 }, end: { line, character: 0 } };
    return (hcbLanguage.codeActions?.(doc, range, { diagnostics: [], only: ['quickfix'] }, ctx) ?? []).map((a) => a.title);
  };
  const lookup = ['  *(u32 *)(r10 - 4) = 0', '  r2 = r10', '  r2 += -4', '  r1 = counts ll', '  call map_lookup_elem'];

  it('offers the null check inside a bpf-to-bpf function, and the fixed program verifies', () => {
    for (const tail of [[], ['g:', '  r0 = 0', '  exit']]) {
      const text = ['.event tracing', '.map counts, hash, 4, 8, 16', '  call f', ...(tail.length ? ['  call g'] : []), '  exit', 'f:', ...lookup, '  r0 = *(u64 *)(r0 + 0)', '  exit', ...tail, ''].join('\n');
      const line = text.split('\n').indexOf('  r0 = *(u64 *)(r0 + 0)');
      const doc = TextDocument.create('file:///virtual/fix.hcb', 'hcb', 1, text);
      const range = { start: { line, character: 0 }, end: { line, character: 0 } };
      const actions = hcbLanguage.codeActions?.(doc, range, { diagnostics: [], only: ['quickfix'] }, ctx) ?? [];
      assert.deepEqual(actions.map((a) => a.title), ['Add a null check of r0 before this use']);
      const fixed = applyEdits(text, actions[0].edit?.changes?.['file:///virtual/fix.hcb'] ?? []);
      assert.equal(verifyHcb(assemble(fixed)).ok, true, fixed);
    }
  });

  it('offers nothing where there is nothing to fix', () => {
    assert.deepEqual(actionsAt('.event tracing\n  r0 = 0\n  exit\n', 1), []);
  });
});
