import { strict as assert } from 'node:assert';
import { assembleOrThrow } from '../../simulator/ebpf/asm/assembler';
import { verifyHcb } from '../../simulator/ebpf/verifier';
import { verifierFacts } from '../../simulator/ebpf/verifier/facts';
import type { GuestMemory } from '../../simulator/ebpf/vm/guest';
import { Memory } from '../../simulator/ebpf/vm/memory';
import { Vm, type EngineKind } from '../../simulator/ebpf/vm/vm';

/** Guest pages 0x1000-0x4fff mapped except 0x2000-0x2fff; each byte is the low byte of its address. */
class FakeGuest implements GuestMemory {
  reads = 0;
  read(gva: bigint, length: number): Uint8Array | 'fault' {
    this.reads++;
    for (let a = gva; a < gva + BigInt(length); a++) if (a < 0x1000n || a >= 0x5000n || (a >= 0x2000n && a < 0x3000n)) return 'fault';
    return Uint8Array.from({ length }, (_, k) => Number((gva + BigInt(k)) & 0xffn));
  }
}

const program = (body: string, range = '.range 0x1000, 0x5000'): string => `.event tracing\n${range}\n${body}`;

/** r0 = the u64 at window offset arg0 (tracing ctx +16), bounds-checked; 0 when out of range. */
const VARIABLE = program(`
  r6 = *(u64 *)(r1 + 16)
  call guest_window
  if r6 > 0x3ff8 goto out
  r0 += r6
  r0 = *(u64 *)(r0 + 0)
  exit
out:
  r0 = 0
  exit`);

function ctxWith(arg0: bigint): Uint8Array {
  const ctx = new Uint8Array(48);
  new DataView(ctx.buffer).setBigUint64(16, arg0, true);
  return ctx;
}

function runWindow(src: string, engine: EngineKind, arg0: bigint, withFacts: boolean): bigint {
  const asm = assembleOrThrow(src);
  const verdict = verifyHcb(asm);
  assert.ok(verdict.ok, verdict.diagnostics.map((d) => d.message).join('\n'));
  const vm = new Vm(asm.program, { guest: new FakeGuest(), ...(withFacts ? { facts: verifierFacts(verdict, asm.program.insns) } : {}) });
  const ctx = vm.mem.addRegion('context', ctxWith(arg0), false);
  return vm.run(engine, Memory.address(ctx)).r0;
}

const rejection = (src: string): string => {
  const r = verifyHcb(assembleOrThrow(src));
  assert.equal(r.ok, false, 'the verifier accepted it');
  return r.diagnostics.filter((d) => d.severity === 'error').map((d) => d.message).join('\n');
};

describe('guest window (pointer type over the registered guest range)', () => {
  for (const engine of ['interp', 'jit'] as EngineKind[]) {
    for (const withFacts of [false, true]) {
      it(`loads read guest memory through the window (${engine}${withFacts ? ', with verifier facts' : ''})`, () => {
        assert.equal(runWindow(VARIABLE, engine, 0x10n, withFacts), 0x1716151413121110n);
        assert.equal(runWindow(VARIABLE, engine, 0x3ff8n, withFacts), 0xfffefdfcfbfaf9f8n, 'the last 8 bytes of the range');
      });
      it(`a load from an unmapped guest page reads 0, and the host goes on (${engine}${withFacts ? ', with facts' : ''})`, () => {
        assert.equal(runWindow(VARIABLE, engine, 0x1008n, withFacts), 0n);
        assert.equal(runWindow(VARIABLE, engine, 0x0ffcn, withFacts), 0n, 'a load straddling into the unmapped page');
        assert.equal(runWindow(VARIABLE, engine, 0x2000n, withFacts), 0x0706050403020100n, 'the first mapped page after the hole');
      });
    }
  }

  it('sub-word and sign-extending loads', () => {
    const src = program(`
  call guest_window
  r1 = *(u8 *)(r0 + 0x2f)
  r2 = *(u16 *)(r0 + 0x30)
  r3 = *(s8 *)(r0 + 0x3f80)
  r0 = r1
  r0 <<= 16
  r0 |= r2
  r0 += r3
  exit`);
    for (const engine of ['interp', 'jit'] as EngineKind[]) {
      // 0x102f -> 0x2f; 0x1030 -> 0x3130; 0x4f80 -> (s8)0x80 = -128
      assert.equal(runWindow(src, engine, 0n, true), BigInt.asUintN(64, (0x2fn << 16n | 0x3130n) - 128n));
    }
  });

  it('the verifier rejects loads it cannot prove inside the range, with the window size in the message', () => {
    assert.match(rejection(program('  call guest_window\n  r0 = *(u64 *)(r0 + 0x3ffc)\n  exit')), /guest window read out of bounds: r0\+16380 reaches byte 16388 of a 16384-byte guest window/);
    assert.match(rejection(program('  r6 = *(u64 *)(r1 + 16)\n  call guest_window\n  r0 += r6\n  r0 = *(u8 *)(r0 + 0)\n  exit')), /pointer offset of r0 becomes unbounded/);
    assert.match(rejection(program('  r6 = *(u64 *)(r1 + 16)\n  call guest_window\n  if r6 > 0x3ffc goto out\n  r0 += r6\n  r0 = *(u64 *)(r0 + 0)\n  exit\nout:\n  r0 = 0\n  exit')), /guest window read out of bounds: r0\+0 reaches byte 16388 of a 16384-byte guest window/);
    assert.match(rejection(program('  call guest_window\n  r0 = *(u8 *)(r0 - 1)\n  exit')), /below 0/);
  });

  it('the verifier rejects stores through the window, helpers given a window pointer, and a program without a range', () => {
    assert.match(rejection(program('  call guest_window\n  *(u64 *)(r0 + 0) = 1\n  r0 = 0\n  exit')), /guest window is read-only/);
    assert.match(rejection(program('  call guest_window\n  r1 = r0\n  r2 = 8\n  call trace_printk\n  r0 = 0\n  exit')), /points into the guest window/);
    assert.match(rejection(program('  call guest_window\n  r0 = 0\n  exit', '')), /guest_window needs a guest range/);
  });

  it('window pointers never leak: returning one is rejected, and a map cannot store one', () => {
    assert.match(rejection(program('  call guest_window\n  exit')), /r0 is guest_window\(16384B\) at exit: returning a pointer would leak a host address/);
    const storeToMap = `.event tracing
.map m, array, 4, 8, 1
.range 0x1000, 0x5000
  call guest_window
  r6 = r0
  *(u32 *)(r10 - 4) = 0
  r1 = m ll
  r2 = r10
  r2 += -4
  call map_lookup_elem
  if r0 == 0 goto out
  *(u64 *)(r0 + 0) = r6
out:
  r0 = 0
  exit`;
    assert.match(rejection(storeToMap), /only numbers can be stored to map values: r6 is guest_window/);
  });

  it('hover-level state names the window', () => {
    const asm = assembleOrThrow(program('  call guest_window\n  r0 = *(u64 *)(r0 + 8)\n  exit'));
    const r = verifyHcb(asm);
    assert.ok(r.ok);
    assert.match(r.describe(1), /r0=guest_window\(16384B\)/);
  });
});
