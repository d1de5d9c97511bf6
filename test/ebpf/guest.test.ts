import { strict as assert } from 'node:assert';
import { assembleOrThrow } from '../../simulator/ebpf/asm/assembler';
import { GUEST_EACCES, GUEST_EFAULT, type GuestMemory } from '../../simulator/ebpf/vm/guest';
import { RuntimeCheckError } from '../../simulator/ebpf/vm/memory';
import { Vm, type EngineKind } from '../../simulator/ebpf/vm/vm';

/** A fake guest: pages 0x1000-0x3fff mapped to GPA + 0x80000000, except page 0x2000 (not present); bytes = low byte of the address. */
class FakeGuest implements GuestMemory {
  reads: [bigint, number][] = [];
  read(gva: bigint, length: number): Uint8Array | 'fault' {
    this.reads.push([gva, length]);
    for (let a = gva; a < gva + BigInt(length); a++) if (this.translate(a) === 'fault') return 'fault';
    return Uint8Array.from({ length }, (_, k) => Number((gva + BigInt(k)) & 0xffn));
  }
  translate(gva: bigint): bigint | 'fault' {
    if (gva < 0x1000n || gva >= 0x4000n || (gva >= 0x2000n && gva < 0x3000n)) return 'fault';
    return gva + 0x8000_0000n;
  }
}

const READ = (gva: string, size: number): string => `
.range 0x1000, 0x5000
  *(u64 *)(r10 - 8) = -1
  *(u64 *)(r10 - 16) = -1
  r1 = r10
  r1 += -16
  r2 = ${size}
  r3 = ${gva} ll
  call guest_read
  r6 = r0
  r0 = *(u64 *)(r10 - 16)
  if r6 == 0 goto out
  r0 = r6
out:
  exit`;

function run(src: string, engine: EngineKind, guest: GuestMemory): bigint {
  return new Vm(assembleOrThrow(src).program, { guest }).run(engine).r0;
}

describe('eBPF guest-window helpers', function () {
  for (const e of ['interp', 'jit'] as const) {
    describe(e, function () {
      it('guest_read copies bytes inside the range and reports faults and out-of-range addresses as error codes', function () {
        const g = new FakeGuest();
        assert.equal(run(READ('0x1008', 8), e, g), 0x0f0e0d0c0b0a0908n);
        assert.equal(run(READ('0x1ffc', 8), e, g), BigInt.asUintN(64, BigInt(GUEST_EFAULT))); // crosses into the unmapped page
        assert.equal(run(READ('0x0ff8', 8), e, g), BigInt.asUintN(64, BigInt(GUEST_EACCES))); // below the range
        assert.equal(run(READ('0x4ffc', 8), e, g), BigInt.asUintN(64, BigInt(GUEST_EACCES))); // runs past the end
        assert.equal(run(READ('0xfffffffffffffffc', 8), e, g), BigInt.asUintN(64, BigInt(GUEST_EACCES))); // wraps
        // a fault inside the range (the fake has no page at 0x4000): -EFAULT, and the buffer is zeroed
        const vm = new Vm(assembleOrThrow(READ('0x4000', 8)).program, { guest: g });
        assert.equal(vm.run(e).r0, BigInt.asUintN(64, BigInt(GUEST_EFAULT)));
        assert.deepEqual([...vm.stack.bytes.subarray(vm.stack.size - 16, vm.stack.size - 8)], new Array(8).fill(0));
      });

      it('guest_read never lets the guest side break the host; a bad destination is the program\'s fault', function () {
        const throwing: GuestMemory = {
          read: () => {
            throw new Error('host bug');
          },
        };
        assert.equal(run(READ('0x1000', 8), e, throwing), BigInt.asUintN(64, BigInt(GUEST_EFAULT)));
        const short: GuestMemory = { read: () => new Uint8Array(2) };
        assert.equal(run(READ('0x1000', 8), e, short), BigInt.asUintN(64, BigInt(GUEST_EFAULT)));
        const noRange = READ('0x1000', 8).replace('.range 0x1000, 0x5000', '');
        const g = new FakeGuest();
        assert.equal(run(noRange, e, g), BigInt.asUintN(64, BigInt(GUEST_EACCES)));
        assert.equal(g.reads.length, 0, 'no guest access outside the permitted range');
        assert.throws(() => run(READ('0x1000', 32), e, g), (x: unknown) => x instanceof RuntimeCheckError && x.kind === 'out-of-bounds');
      });

      it('guest_read_u64 and guest_translate', function () {
        const g = new FakeGuest();
        const u = (gva: string): string => `.range 0x1000, 0x5000\nr1 = ${gva} ll\ncall guest_read_u64\nexit`;
        assert.equal(run(u('0x3010'), e, g), 0x1716151413121110n);
        assert.equal(run(u('0x2010'), e, g), 0n);
        assert.equal(run(u('0x5000'), e, g), 0n);
        const t = (gva: string): string => `.range 0x1000, 0x5000\nr1 = ${gva} ll\ncall guest_translate\nexit`;
        assert.equal(run(t('0x1234'), e, g), 0x8000_1234n);
        assert.equal(run(t('0x2234'), e, g), 0xffffffffffffffffn);
        assert.equal(run(t('0x0234'), e, g), 0xffffffffffffffffn);
        assert.equal(run(t('0x1234'), e, { read: () => 'fault' }), 0xffffffffffffffffn);
      });
    });
  }

  it('without a guest memory the guest helpers are unavailable (bad-helper)', function () {
    assert.throws(() => new Vm(assembleOrThrow('r1 = 0\ncall guest_read_u64\nexit').program).run('interp'), (x: unknown) => x instanceof RuntimeCheckError && x.kind === 'bad-helper');
  });
});
