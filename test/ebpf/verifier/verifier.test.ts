import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { assemble } from '../../../simulator/ebpf/asm/assembler';
import { verifyHcb } from '../../../simulator/ebpf/verifier/index';
import { runPrevailTexts } from '../../../simulator/ebpf/verifier/prevail';
import * as S from '../../../simulator/ebpf/verifier/scalar';
import { main } from '../../../simulator/cli/main';

function check(src: string): ReturnType<typeof verifyHcb> {
  const asm = assemble(src, { file: 'cb.hcb' });
  assert.deepEqual(asm.diagnostics.filter((d) => d.severity === 'error'), []);
  return verifyHcb(asm);
}
const errors = (r: ReturnType<typeof verifyHcb>): string[] => r.diagnostics.filter((d) => d.severity === 'error').map((d) => d.message);

const MAP = '.event page-reclaim\n.map counts, array, 4, 8, 16\n';

describe('verifier: scalar domain', () => {
  it('adds, refines and keeps tnums', () => {
    const a = S.range(0n, 10n, false);
    const b = S.add(a, S.konst(5n));
    assert.equal(b.umin, 5n);
    assert.equal(b.umax, 15n);
    const r = S.refine('lt', b, S.konst(8n));
    assert.ok(r);
    assert.equal(r[0].umax, 7n);
    assert.equal(S.refine('gt', b, S.konst(20n)), null);
    const m = S.and(S.TOP, S.konst(0xf0n));
    assert.equal(m.umax, 0xf0n);
    assert.equal(m.tm, 0xf0n);
  });
  it('32-bit views refine the low half', () => {
    const x = S.range((1n << 32n) + 10n, (1n << 32n) + 11n, false);
    const r = S.refine32('eq', x, S.konst(11n));
    assert.ok(r);
    assert.equal(r[0].umin, (1n << 32n) + 11n);
    assert.equal(S.refine32('eq', x, S.konst(13n)), null);
  });
});

describe('verifier: hyper-callbacks', () => {
  it('accepts a checked map lookup and reports where r0 holds what', () => {
    const r = check(`${MAP}
  r1 = *(u64 *)(r1 + 8)
  *(u32 *)(r10 - 4) = 0
  r2 = r10
  r2 += -4
  r1 = counts ll
  call map_lookup_elem
  if r0 == 0 goto out
  r1 = *(u64 *)(r0 + 0)
  r1 += 1
  *(u64 *)(r0 + 0) = r1
out:
  r0 = 0
  exit
`);
    assert.deepEqual(errors(r), []);
    assert.ok(r.ok);
    assert.match(r.describe(6), /r0=map_value\(8B\) or null/);
    assert.match(r.describe(7), /r0=map_value\(8B\)/);
  });

  it('rejects a map value used without a null check, with a hint and the path', () => {
    const r = check(`${MAP}
  *(u32 *)(r10 - 4) = 0
  r2 = r10
  r2 += -4
  r1 = counts ll
  call map_lookup_elem
  r1 = *(u64 *)(r0 + 0)
  r0 = 0
  exit
`);
    assert.equal(r.ok, false);
    const d = r.diagnostics.find((x) => x.severity === 'error');
    assert.ok(d);
    assert.match(d.message, /possible null access: r0 may be 0/);
    assert.match(d.message, /if r0 == 0 goto/);
    assert.equal(d.range.file, 'cb.hcb');
    assert.equal(d.range.line, 9);
    assert.ok((d.related ?? []).length >= 3);
    assert.match(d.related?.[d.related.length - 1].message ?? '', /^here:/);
  });

  it('rejects uninitialised reads, r0 unset, pointer leaks, r10 writes, read-only context', () => {
    assert.match(errors(check('.event tracing\n  r0 = r2\n  exit\n')).join(), /r2 is read before it is initialised/);
    assert.match(errors(check('.event tracing\n  exit\n')).join(), /r0 is not set at exit/);
    assert.match(errors(check('.event tracing\n  r0 = r10\n  exit\n')).join(), /leak/);
    assert.match(errors(check('.event tracing\n  r10 = 0\n  r0 = 0\n  exit\n')).join(), /read-only/);
    assert.match(errors(check('.event tracing\n  r2 = 1\n  *(u64 *)(r1 + 0) = r2\n  r0 = 0\n  exit\n')).join(), /read-only/);
    assert.deepEqual(errors(check('.event io-submission\n  r2 = 1\n  *(u32 *)(r1 + 28) = r2\n  r0 = 0\n  exit\n')), []);
    assert.match(errors(check('.event tracing\n  r0 = *(u64 *)(r10 - 8)\n  exit\n')).join(), /uninitialised stack/);
    assert.match(errors(check('.event tracing\n  r0 = *(u64 *)(r1 + 48)\n  exit\n')).join(), /out of bounds/);
    assert.match(errors(check('.event tracing\n  call map_lookup_elem\n  r0 = r1\n  exit\n')).join(), /argument 1/);
  });

  it('keeps spilled pointers, clobbers r1-r5 at calls, preserves r6-r9', () => {
    const ok = check('.event tracing\n  *(u64 *)(r10 - 8) = r1\n  r6 = r1\n  call ktime_get_ns\n  r1 = *(u64 *)(r10 - 8)\n  r0 = *(u64 *)(r1 + 16)\n  r0 = *(u64 *)(r6 + 16)\n  exit\n');
    assert.deepEqual(errors(ok), []);
    assert.match(errors(check('.event tracing\n  call ktime_get_ns\n  r0 = *(u64 *)(r1 + 16)\n  exit\n')).join(), /r1 is read before/);
  });

  it('proves bounded loops terminate and rejects unbounded ones', () => {
    const ok = check('.event tracing\n  r0 = 0\n  r6 = 0\nloop:\n  r0 += r6\n  r6 += 1\n  if r6 < 10 goto loop\n  exit\n');
    assert.deepEqual(errors(ok), []);
    const bad = check('.event tracing\n  r0 = 0\n  r6 = *(u64 *)(r1 + 16)\nloop:\n  r0 += 1\n  if r6 != 0 goto loop\n  exit\n');
    assert.match(errors(bad).join(), /terminates/);
  });

  it('rejects unreachable code and jumps out of the program', () => {
    assert.match(errors(check('.event tracing\n  r0 = 0\n  exit\n  r0 = 1\n  exit\n')).join(), /unreachable code/);
  });

  it('bounds variable offsets into map values through branch refinement', () => {
    const src = (limit: number): string => `${MAP}
  r6 = *(u64 *)(r1 + 8)
  *(u32 *)(r10 - 4) = 0
  r2 = r10
  r2 += -4
  r1 = counts ll
  call map_lookup_elem
  if r0 == 0 goto out
  if r6 > ${limit} goto out
  r0 += r6
  r1 = *(u8 *)(r0 + 0)
out:
  r0 = 0
  exit
`;
    assert.deepEqual(errors(check(src(7))), []);
    assert.match(errors(check(src(8))).join(), /map value read out of bounds/);
  });

  it('requires atomics to be naturally aligned, proving it from the offset\'s known bits', () => {
    const stack = (off: number): string => `.event tracing
  r1 = 1
  *(u64 *)(r10 - 16) = r1
  *(u64 *)(r10 - 8) = r1
  lock *(u64 *)(r10 - ${off}) += r1
  r0 = 0
  exit
`;
    assert.deepEqual(errors(check(stack(8))), []);
    assert.match(errors(check(stack(12))).join(), /misaligned atomic: an 8-byte atomic operation needs an 8-byte aligned address, but r10-12 is at offset -12/);
    // A variable index into a 64-byte map value: aligned when it is a multiple of 8 (known low bits).
    const indexed = (shift: number): string => `.event tracing
.map slots, array, 4, 64, 1
  r6 = *(u64 *)(r1 + 16)
  *(u32 *)(r10 - 4) = 0
  r2 = r10
  r2 += -4
  r1 = slots ll
  call map_lookup_elem
  if r0 == 0 goto out
  r6 &= 7
  r6 <<= ${shift}
  r0 += r6
  r1 = 1
  lock *(u32 *)(r0 + 0) += r1
out:
  r0 = 0
  exit
`;
    assert.deepEqual(errors(check(indexed(3))), []);
    assert.deepEqual(errors(check(indexed(2))), []);
    assert.match(errors(check(indexed(1))).join(), /misaligned atomic: a 4-byte atomic .* not known to be a multiple of 4/);
  });
});

describe('verifier: CLI', () => {
  const dir = fs.mkdtempSync(path.join(fs.realpathSync('/tmp'), 'hl-verify-'));
  const out: string[] = [];
  const io = {
    out: (t: string) => void out.push(t),
    err: (t: string) => void out.push(t),
    console: () => {},
    readFile: (p: string) => fs.readFileSync(p),
    writeFile: () => {},
    exists: (p: string) => fs.existsSync(p),
  };
  it('exit 0 accepted, 1 rejected with file:line:col, 2 bad file', () => {
    fs.writeFileSync(path.join(dir, 'ok.hcb'), '.event tracing\n  r0 = 0\n  exit\n');
    fs.writeFileSync(path.join(dir, 'bad.hcb'), '.event tracing\n  r0 = r3\n  exit\n');
    fs.writeFileSync(path.join(dir, 'broken.hcb'), '.event tracing\n  r0 = = 1\n');
    assert.equal(main(io, ['verify', path.join(dir, 'ok.hcb')]), 0);
    out.length = 0;
    assert.equal(main(io, ['verify', path.join(dir, 'bad.hcb')]), 1);
    assert.match(out.join('\n'), /bad\.hcb:2:\d+: error: r3 is read before it is initialised/);
    assert.equal(main(io, ['verify', path.join(dir, 'broken.hcb')]), 2);
    out.length = 0;
    assert.equal(main(io, ['verify', '--json', path.join(dir, 'bad.hcb')]), 1);
    assert.equal(JSON.parse(out.join('\n')).ok, false);
  });
});

describe('verifier: PREVAIL conformance', function () {
  this.timeout(60_000);
  it('agrees on >= 98% of the verdicts and proves the post constraints it claims', () => {
    const dir = path.join(import.meta.dirname, '../../../../shared/conformance/prevail');
    const files = fs
      .readdirSync(dir)
      .filter((f) => f.endsWith('.yaml') && f !== 'test-schema.yaml')
      .map((name) => ({ name, text: fs.readFileSync(path.join(dir, name), 'utf8') }));
    const r = runPrevailTexts(files);
    assert.equal(r.outcomes.length, 527);
    const disagreements = r.outcomes.filter((o) => !o.agree).map((o) => o.case.name);
    const doc = fs.readFileSync(path.join(import.meta.dirname, 'prevail-disagreements.md'), 'utf8');
    for (const name of disagreements) assert.ok(doc.includes(name), `disagreement not explained in prevail-disagreements.md: ${name}`);
    assert.ok(r.passed >= 521, `verdict agreement ${r.passed}/527`);
    assert.ok(r.postProved >= POST_FLOOR, `post constraints proved ${r.postProved}/${r.postTotal}`);
  });
});

const POST_FLOOR = 2090;

describe('verifier: notes and queries', () => {
  it('notes a division by a register that may be 0 without rejecting, and answers state queries', () => {
    const r = check('.event tracing\n  r2 = *(u64 *)(r1 + 16)\n  r0 = 100\n  r0 /= r2\n  exit\n');
    assert.ok(r.ok);
    assert.ok(r.diagnostics.some((d) => d.severity === 'info' && /division by zero/.test(d.message)));
    assert.match(r.describe(1), /after: .*r0=100/);
    assert.match(r.describe(2), /after: .*r0=s\[0, 100\]/);
    assert.equal(r.stateAfter(2)?.regs[0].t, 'num');
  });
});
