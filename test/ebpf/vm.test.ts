import { strict as assert } from 'node:assert';
import { assembleOrThrow } from '../../simulator/ebpf/asm/assembler';
import { Memory, RuntimeCheckError } from '../../simulator/ebpf/vm/memory';
import { Vm, type EngineKind } from '../../simulator/ebpf/vm/vm';

const ENGINES: EngineKind[] = ['interp', 'jit'];

function run(src: string, engine: EngineKind, opts: ConstructorParameters<typeof Vm>[1] = {}, r1 = 0n, budget = 100_000): bigint {
  const vm = new Vm(assembleOrThrow(src).program, opts);
  return vm.run(engine, r1, 0n, budget).r0;
}

describe('eBPF engines', function () {
  for (const e of ENGINES) {
    describe(e, function () {
      it('64-bit arithmetic, division and modulo edge cases per RFC 9669', function () {
        assert.equal(run('r0 = -1\nr1 = 0\nr0 /= r1\nexit', e), 0n);
        assert.equal(run('r0 = -1\nr1 = 0\nr0 %= r1\nexit', e), 0xffffffffffffffffn);
        assert.equal(run('r0 = -1\nw1 = 0\nw0 %= w1\nexit', e), 0xffffffffn);
        assert.equal(run('r0 = 0x8000000000000000 ll\nr1 = -1\nr0 s/= r1\nexit', e), 0x8000000000000000n);
        assert.equal(run('r0 = 0x8000000000000000 ll\nr1 = -1\nr0 s%= r1\nexit', e), 0n);
        assert.equal(run('w0 = 0x80000000\nw0 s/= -1\nexit', e), 0x80000000n);
        assert.equal(run('r0 = 0xfffffffffffffff0 ll\nr1 = 3\nr0 /= r1\nexit', e), 0xfffffffffffffff0n / 3n);
        assert.equal(run('r0 = 0x123456789abcdef ll\nr1 = 0xfedcba987654321 ll\nr0 *= r1\nexit', e), BigInt.asUintN(64, 0x123456789abcdefn * 0xfedcba987654321n));
        assert.equal(run('r0 = 1\nr1 = 65\nr0 <<= r1\nexit', e), 2n);
        assert.equal(run('r0 = -8\nr0 s>>= 1\nexit', e), BigInt.asUintN(64, -4n));
        assert.equal(run('r0 = -1\nw0 += 0\nexit', e), 0xffffffffn);
        assert.equal(run('r0 = 0x0102030405060708 ll\nr0 = be64 r0\nexit', e), 0x0807060504030201n);
      });

      it('bpf-to-bpf calls get their own stack frame and keep r6-r9', function () {
        const src = `
          r6 = 7
          *(u64 *)(r10 - 8) = r6
          call f
          r1 = *(u64 *)(r10 - 8)
          r0 += r1
          r0 += r6
          exit
        f:
          *(u64 *)(r10 - 8) = 100
          r6 = 1000
          r0 = *(u64 *)(r10 - 8)
          exit`;
        assert.equal(run(src, e), 114n);
      });

      it('maps: lookup, update through the value pointer, delete', function () {
        const src = `
          .map h, hash, 4, 8, 4
          *(u32 *)(r10 - 4) = 42
          *(u64 *)(r10 - 16) = 5
          r1 = h ll
          r2 = r10
          r2 += -4
          r3 = r10
          r3 += -16
          r4 = 0
          call map_update_elem
          r1 = h ll
          r2 = r10
          r2 += -4
          call map_lookup_elem
          if r0 == 0 goto fail
          r1 = 1
          lock *(u64 *)(r0 + 0) += r1
          r0 = *(u64 *)(r0 + 0)
          exit
        fail:
          r0 = -1
          exit`;
        assert.equal(run(src, e), 6n);
      });

      it('throws RuntimeCheckError on out-of-region access, bad helpers, budget, and (checked) division by zero', function () {
        const check = (src: string, kind: string, opts = {}, r1 = 0n): void =>
          assert.throws(
            () => run(src, e, opts, r1, 1000),
            (x: unknown) => x instanceof RuntimeCheckError && x.kind === kind,
          );
        check('r0 = *(u64 *)(r10 + 0)\nexit', 'out-of-bounds');
        check('r1 = 0\nr0 = *(u8 *)(r1 + 0)\nexit', 'out-of-bounds');
        check('call 999\nexit', 'bad-helper');
        check('l: goto l', 'budget');
        check('r0 = 1\nr1 = 0\nr0 /= r1\nexit', 'division-by-zero', { trapDivision: true });
        const vm = new Vm(assembleOrThrow('*(u32 *)(r1 + 0) = 1\nexit').program);
        const ctx = vm.mem.addRegion('context', new Uint8Array(8), false);
        assert.throws(() => vm.run(e, Memory.address(ctx)), (x: unknown) => x instanceof RuntimeCheckError && x.kind === 'read-only');
      });
    });
  }
});
