import { strict as assert } from 'node:assert';
import { assemble, assembleOrThrow } from '../../simulator/ebpf/asm/assembler';
import { disassemble } from '../../simulator/ebpf/asm/disasm';
import * as I from '../../simulator/ebpf/isa';
import { encodeProgram } from '../../simulator/ebpf/isa';

const KERNEL = `
.event page-reclaim
.map counts, array, 4, 8, 16
.range 0x1000, 0x2000
start:
  r0 = *(u32 *)(r1 + 4)
  *(u64 *)(r10 - 8) = r1
  *(u32 *)(r10 - 12) = 7
  w1 += 3
  r1 = -r1
  w2 = -w2
  r3 s/= r4
  w3 s%= 5
  r5 s>>= 2
  if r1 s> r2 goto out
  if w1 == 0 goto +3
  goto out
  gotol out
  lock *(u64 *)(r10 - 8) += r1
  lock *(u32 *)(r10 - 8) ^= w1
  r0 = atomic_fetch_add((u64 *)(r1 + 0), r0)
  w2 = atomic_fetch_or((u32 *)(r1 + 4), w2)
  r2 = xchg_64(r1 + 8, r2)
  r0 = cmpxchg_64(r1 + 0, r0, r3)
  r1 = 0x123456789 ll
  r1 = counts ll
  r2 = map_value(counts) + 8 ll
  call map_lookup_elem
  call helper
  callx r1
  r1 = be16 r1
  r1 = le32 r1
  r1 = bswap32 r1
  r1 = (s8)r2
  w1 = (s16)w2
  r1 = *(s16 *)(r2 + 0)
  r1 = *(s8 *)(r2 - 2)
out:
  exit
helper:
  r0 = 0 // comment
  exit # another
`;

describe('eBPF assembler', function () {
  it('reads the kernel/LLVM syntax with directives, maps and helper/function references', function () {
    const r = assemble(KERNEL, { file: 'k.hcb' });
    assert.deepEqual(r.diagnostics, []);
    assert.equal(r.program.event, 'page-reclaim');
    assert.deepEqual(r.program.maps, [{ name: 'counts', type: 'array', keySize: 4, valueSize: 8, maxEntries: 16 }]);
    assert.deepEqual(r.program.range, { start: 0x1000n, end: 0x2000n });
    const ins = r.program.insns;
    assert.deepEqual(ins[0], { opcode: 0x61, dst: 0, src: 1, off: 4, imm: 0, slot: 0 });
    assert.equal(ins[1].opcode, 0x7b);
    assert.equal(ins[1].off, -8);
    assert.equal(ins[3].opcode, 0x04);
    assert.equal(ins[4].opcode, 0x87);
    assert.equal(ins[6].off, 1); // sdiv
    assert.ok(I.isSignedDivMod(ins[7]));
    const lddw = ins.find((i) => I.isLddw(i) && i.src === 0);
    assert.equal(lddw && I.lddwValue(lddw), 0x123456789n);
    const mapRef = r.references.find((x) => x.kind === 'map');
    assert.equal(mapRef?.name, 'counts');
    assert.ok(r.references.some((x) => x.kind === 'helper' && x.name === 'map_lookup_elem' && x.target === 1));
    assert.ok(r.references.some((x) => x.kind === 'function' && x.name === 'helper'));
    assert.ok(r.references.some((x) => x.kind === 'label' && x.name === 'out'));
    const local = ins.find((i) => I.isLocalCall(i));
    assert.ok(local);
    assert.ok(ins.some((i) => I.isCallx(i) && i.dst === 1));
    assert.ok(ins.some((i) => i.opcode === (I.BPF_JMP32 | I.BPF_JA)));
    assert.ok(r.insns.every((x) => x.range.line > 0 && x.range.endColumn > x.range.column));
    // round trip through the disassembler (maps by name)
    const bytes = encodeProgram(ins);
    const text = ['.map counts, array, 4, 8, 16', ...disassemble(bytes, { maps: r.program.maps })].join('\n');
    const again = assemble(text, { file: 'dis.hcb' });
    assert.deepEqual(again.diagnostics, [], text);
    assert.deepEqual(encodeProgram(again.program.insns), bytes, text);
  });

  it('ubpf and kernel syntax give the same instructions', function () {
    const a = assembleOrThrow('mov %r0, 1\nldxw %r0, [%r1+4]\njgt %r1, 2, +1\nlddw %r0, 0x123456789\nbe16 %r0\nlock fetch add [%r10-8], %r1\nexit').bytes;
    const b = assembleOrThrow('r0 = 1\nr0 = *(u32 *)(r1 + 4)\nif r1 > 2 goto +1\nr0 = 0x123456789 ll\nr0 = be16 r0\nr1 = atomic_fetch_add((u64 *)(r10 - 8), r1)\nexit').bytes;
    assert.deepEqual(a, b);
  });

  it('reports located errors in plain words and keeps going', function () {
    const r = assemble('r0 = 0x1_0000_0000\nr1 = *(u128 *)(r1 + 0)\ngoto nowhere\nr0 = 1\nfrob r1\ncall no_such_helper\nexit', { file: 'e.hcb' });
    const msgs = r.diagnostics.map((d) => `${d.range.line}:${d.range.column}-${d.range.endColumn} ${d.message}`);
    assert.match(msgs[0], /^1:6-19 immediate 0x1_0000_0000 does not fit the signed 32-bit field of mov/);
    assert.match(msgs[1], /^2:8.*'u128' is not a memory type/);
    assert.ok(msgs.some((m) => /^5:.*unknown instruction 'frob'/.test(m)), msgs.join('\n'));
    assert.ok(msgs.some((m) => /^3:6-13 no label 'nowhere'/.test(m)), msgs.join('\n'));
    assert.ok(msgs.some((m) => /^6:.*'no_such_helper' is neither a label nor a known helper/.test(m)), msgs.join('\n'));
    assert.equal(r.program.insns.length, 4); // lines that parsed keep their slots (unresolved references included)
  });

  it('rejects bad directives', function () {
    const r = assemble('.event nap-time\n.map m, tree, 4, 4, 1\n.map a, array, 8, 4, 1\n.range 5, 1\nexit');
    assert.equal(r.diagnostics.length, 4);
  });

  it('decodeProgram reports the slot of a bad instruction', function () {
    const bytes = encodeProgram([I.insn(0xb7, 0, 0, 0, 1), I.insn(0xff), I.insn(I.OPCODE_EXIT)]);
    assert.throws(() => I.decodeProgram(bytes), (e: unknown) => e instanceof I.IsaError && e.slot === 1);
    assert.throws(() => I.decodeProgram(bytes.slice(0, 12)), I.IsaError);
  });
});
