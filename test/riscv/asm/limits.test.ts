/**
 * Runaway input ends in a located error, quickly: repetitions and macro expansions that multiply
 * past a million lines, a reservation over 64 MiB, a section past 128 MiB. Each case used to run
 * for seconds, allocate gigabytes or never end; the mocha timeout is the "quickly".
 */
import { strict as assert } from 'node:assert';
import { assemble } from '../../../simulator/riscv/asm';

function errors(text: string): string[] {
  const r = assemble([{ path: 'r.S', text }]);
  assert.equal(r.image, undefined, 'the file must not assemble');
  return r.diagnostics.filter((d) => d.severity === 'error').map((d) => `${d.range.line}:${d.range.column} ${d.code} ${d.message}`);
}

const LIMIT = "would take this file's repetitions and macro expansions past 1,000,000 lines";

describe('RV64 assembler limits against runaway input', function () {
  this.timeout(20_000);

  it('a .rept count past the limit is an error at the count, nothing is expanded', () => {
    const e = errors('  nop\n  .rept 2000000\n  nop\n  .endr\n');
    assert.equal(e.length, 1);
    assert.ok(e[0].startsWith(`2:9 expansion-limit .rept 2000000 ${LIMIT}`), e[0]);
    assert.ok(e[0].includes('a kernel file needs far fewer'), e[0]);
  });

  it('nested .rept counts that multiply past the limit: one error, at the .rept that crosses it', () => {
    assert.deepEqual(
      errors('.rept 1000000\n.rept 1000000\n  nop\n.endr\n.endr\n').map((m) => m.slice(0, 30)),
      ['1:7 expansion-limit .rept 1000'],
    );
    // Counts that are fine alone (1000 each) but multiply to 10^9: the innermost, whose expansion crosses, reports.
    const e = errors('.rept 1000\n.rept 1000\n.rept 1000\n  nop\n.endr\n.endr\n.endr\n');
    assert.equal(e.length, 1);
    assert.match(e[0], /^3:7 expansion-limit \.rept 1000 would take/);
  });

  it('a macro that calls itself twice stops at the depth limit with one error', () => {
    const e = errors('.macro twice\n  twice\n  twice\n.endm\n  twice\n');
    assert.equal(e.length, 1);
    assert.match(e[0], /nested more than 100 deep/);
  });

  it('an empty .rept body with an enormous count ends at once', () => {
    const r = assemble([{ path: 'r.S', text: '.rept 1000000000000\n.endr\n  nop\n' }]);
    assert.deepEqual(r.diagnostics, []);
    assert.equal(r.image?.sections.find((s) => s.name === '.text')?.size, 4);
  });

  it('a reservation over 64 MiB is an error at its size', () => {
    assert.deepEqual(errors('  .bss\n  .zero 0x4000001\n'), [
      "2:9 size-limit .zero 67108865 reserves over 64 MiB, the assembler's limit on one reservation (far more than a guest kernel needs)",
    ]);
    assert.match(errors('  .data\n  .org 0x8000000\n')[0], /^2:8 size-limit \.org 134217728 would reserve 134217728 bytes, over the assembler's 64 MiB limit/);
  });

  it('reservations that add up past 128 MiB in one section: an error at the one that crosses', () => {
    assert.deepEqual(errors('  .bss\n  .rept 3\n  .space 0x4000000\n  .endr\n'), [
      "3:3 size-limit .bss would grow past 128 MiB, the assembler's limit on one section (far more than a guest kernel's memory)",
    ]);
  });

  it('what a kernel file does stays well inside the limits', () => {
    const text = ['  .data', '  .balign 4096', 'root:', '  .set i, 0', '  .rept 512', '  .dword (i << 28) | 0xcf', '  .set i, i + 1', '  .endr', '  .bss', '  .zero 0x1000000'].join('\n');
    const r = assemble([{ path: 'k.S', text }]);
    assert.deepEqual(r.diagnostics, []);
    assert.equal(r.image?.sections.find((s) => s.name === '.data')?.size, 4096);
  });
});
