/** Unit tests: TLB geometry/replacement/fence semantics, the walker (Sv39/Sv48/x4), PMP. */
import { strict as assert } from 'node:assert';
import { Tlb } from '../../../simulator/riscv/mmu/tlb';
import { Mmu, Acc } from '../../../simulator/riscv/mmu/mmu';
import { Pmp } from '../../../simulator/riscv/mmu/pmp';
import { Bus } from '../../../simulator/machine/bus';

const G = 0x20;

describe('TLB model', () => {
  it('rejects bad geometry', () => {
    assert.throws(() => new Tlb({ entries: 48, ways: 4, replacement: 'lru' }));
    assert.throws(() => new Tlb({ entries: 4, ways: 8, replacement: 'lru' }));
  });

  it('set-associative placement and LRU replacement', () => {
    const t = new Tlb({ entries: 8, ways: 2, replacement: 'lru' }); // 4 sets
    const a = t.fill(0, 100, 0, false, 0, 1, 0xcf, 0, 0);
    const b = t.fill(4, 104, 0, false, 0, 1, 0xcf, 0, 0); // same set (vpn & 3 = 0)
    assert.equal(Math.floor(a / 2), Math.floor(b / 2));
    t.touch(a); // a most recent -> b is the victim
    t.fill(8, 108, 0, false, 0, 1, 0xcf, 0, 0);
    assert.equal(t.lookup(4, false, 0, 1, false), -1);
    assert.notEqual(t.lookup(0, false, 0, 1, false), -1);
    assert.notEqual(t.lookup(8, false, 0, 1, false), -1);
    assert.equal(t.evictions, 1);
  });

  it('FIFO replacement ignores use', () => {
    const t = new Tlb({ entries: 2, ways: 2, replacement: 'fifo' });
    const a = t.fill(1, 1, 0, false, 0, 0, 0xcf, 0, 0);
    t.fill(2, 2, 0, false, 0, 0, 0xcf, 0, 0);
    t.touch(a);
    t.fill(3, 3, 0, false, 0, 0, 0xcf, 0, 0);
    assert.equal(t.lookup(1, false, 0, 0, false), -1, 'oldest filled is replaced even though it was used');
  });

  it('seeded random replacement is deterministic', () => {
    const run = (seed: number): number[] => {
      const t = new Tlb({ entries: 8, ways: 8, replacement: 'random', seed });
      for (let v = 0; v < 40; v++) t.fill(v, v, 0, false, 0, 0, 0xcf, 0, 0);
      return t.entries().map((e) => e.vpn);
    };
    assert.deepEqual(run(7), run(7));
    assert.notDeepEqual(run(7), run(8));
  });

  it('ASID/global/VMID tags and sfence operand semantics', () => {
    const t = new Tlb({ entries: 16, ways: 16, replacement: 'lru' });
    t.fill(1, 1, 0, false, 0, 5, 0xcf, 0, 0);
    t.fill(2, 2, 0, false, 0, 5, 0xcf | G, 0, 0);
    t.fill(3, 3, 0, false, 0, 6, 0xcf, 0, 0);
    t.fill(1, 9, 1, true, 1, 5, 0xcf, 0, 0); // guest entry, same vpn/asid, VMID 1
    assert.equal(t.lookup(1, false, 0, 6, false), -1, 'other ASID misses');
    assert.notEqual(t.lookup(2, false, 0, 6, false), -1, 'global hits in any ASID');
    t.flush({ virt: false, asid: 5 }); // sfence.vma x0, asid5
    assert.equal(t.lookup(1, false, 0, 5, false), -1);
    assert.notEqual(t.lookup(2, false, 0, 5, false), -1, 'global survives an ASID fence');
    assert.notEqual(t.lookup(3, false, 0, 6, false), -1, 'other ASID survives');
    assert.notEqual(t.lookup(1, true, 1, 5, false), -1, 'guest entries untouched by sfence (V=0)');
    t.flush({ virt: false, vpn: 2 }); // sfence.vma addr, x0: global too
    assert.equal(t.lookup(2, false, 0, 5, false), -1);
    t.flush({ virt: true, vmid: 2, vsStageOnly: true });
    assert.notEqual(t.lookup(1, true, 1, 5, false), -1, 'hfence.vvma for VMID 2 leaves VMID 1');
    t.flush({ virt: true, vmid: 1, vsStageOnly: true });
    assert.equal(t.lookup(1, true, 1, 5, false), -1);
  });

  it('an address fence drops every 4 KiB fragment of a superpage', () => {
    const t = new Tlb({ entries: 16, ways: 4, replacement: 'lru' });
    t.fill(512 + 3, 7, 0, false, 0, 0, 0xcf, 1, 0);
    t.fill(512 + 9, 8, 0, false, 0, 0, 0xcf, 1, 0);
    t.fill(1024, 9, 0, false, 0, 0, 0xcf, 0, 0);
    assert.equal(t.flush({ virt: false, vpn: 512 + 500 }), 2);
    assert.equal(t.entries().length, 1);
  });
});

/** A bus with RAM at 0x80000000 and helpers to write PTEs. */
function setup(): { bus: Bus; mmu: Mmu; pte: (addr: number, ppnAddr: number, flags: number) => void } {
  const bus = new Bus(0x80000000, 1 << 22);
  const mmu = new Mmu(bus, { entries: 16, ways: 4, replacement: 'lru' });
  mmu.pmp.writeAddr(0, (1n << 54n) - 1n);
  mmu.pmp.writeCfg(0, 0x1fn); // NAPOT RWX all memory
  const pte = (addr: number, ppnAddr: number, flags: number): void => {
    const v = (BigInt(ppnAddr) >> 12n) << 10n | BigInt(flags);
    bus.write(addr, 4, Number(v & 0xffffffffn) | 0, Number(v >> 32n) | 0);
    bus.write(addr + 4, 4, Number(v >> 32n) | 0, 0);
  };
  return { bus, mmu, pte };
}
const split = (va: bigint): [number, number] => [Number(BigInt.asIntN(32, va)), Number(BigInt.asIntN(32, va >> 32n))];
const V = 1, R = 2, W = 4, X = 8, U = 16, A = 64, D = 128;

describe('page-table walker', () => {
  it('Sv39 4 KiB page, counters, stale entry until fence', () => {
    const { mmu, pte } = setup();
    const root = 0x80100000, l1 = 0x80101000, l0 = 0x80102000;
    mmu.sMode = 8; mmu.sRoot = root;
    pte(root + 8 * 1, l1, V); pte(l1, l0, V); pte(l0 + 8 * 5, 0x80200000, V | R | W | A | D);
    const [lo, hi] = split(0x40005123n);
    assert.equal(mmu.translate(lo, hi, Acc.Load, 1, false), 0x80200123);
    assert.deepEqual([mmu.counters.misses, mmu.counters.walks, mmu.counters.walkRefs, mmu.counters.fills], [1, 1, 3, 1]);
    pte(l0 + 8 * 5, 0x80300000, V | R | W | A | D);
    assert.equal(mmu.translate(lo, hi, Acc.Load, 1, false), 0x80200123, 'stale entry still used');
    assert.equal(mmu.counters.hits, 1);
    mmu.flush('sfence.vma', { vaddr: 0x40005000n });
    assert.equal(mmu.translate(lo, hi, Acc.Load, 1, false), 0x80300123);
  });

  it('Sv48 gigapage and 512 GiB page; misaligned superpage faults', () => {
    const { mmu, pte } = setup();
    const root = 0x80100000, l2 = 0x80101000;
    mmu.sMode = 9; mmu.sRoot = root;
    pte(root, l2, V); pte(l2 + 8 * 2, 0x80000000, V | R | A);
    let [lo, hi] = split(0x80001234n);
    assert.equal(mmu.translate(lo, hi, Acc.Load, 1, false), 0x80001234);
    pte(l2 + 8 * 3, 0x80200000, V | R | A); // gigapage with ppn not 1 GiB aligned
    [lo, hi] = split(0xc0000000n);
    assert.equal(mmu.translate(lo, hi, Acc.Load, 1, false), -1);
    assert.equal(mmu.fCause, 13);
    [lo, hi] = split(0xffff800000000000n); // canonical Sv48, root index 256: invalid
    assert.equal(mmu.translate(lo, hi, Acc.Store, 1, false), -1);
    assert.equal(mmu.fCause, 15);
    [lo, hi] = split(0x0000800000000000n); // non-canonical
    assert.equal(mmu.translate(lo, hi, Acc.Fetch, 1, false), -1);
    assert.equal(mmu.fCause, 12);
  });

  it('permissions: U/SUM, MXR, A/D (page fault, no hardware update), fetch from U page in S', () => {
    const { mmu, pte, bus } = setup();
    const root = 0x80100000;
    mmu.sMode = 8; mmu.sRoot = root;
    pte(root + 8 * 0, 0x00000000, V | R | W | X | U | A); // U gigapage, D = 0
    pte(root + 8 * 1, 0x40000000, V | X | A | D); // execute-only
    const ld = (va: bigint, priv: number, acc = Acc.Load): number => { const [lo, hi] = split(va); return mmu.translate(lo, hi, acc, priv, false); };
    assert.equal(ld(0x1000n, 1), -1, 'S load from U page without SUM');
    mmu.sum = 1; mmu.clearHost();
    assert.equal(ld(0x1000n, 1), 0x1000);
    assert.equal(ld(0x1000n, 1, Acc.Fetch), -1, 'S never executes U pages');
    assert.equal(ld(0x1000n, 0), 0x1000, 'U load');
    assert.equal(ld(0x1000n, 0, Acc.Store), -1, 'D = 0 store faults');
    assert.equal(mmu.fCause, 15);
    bus.read(root, 8);
    assert.equal(bus.rlo & D, 0, 'the walker never sets D');
    assert.equal(ld(0x40000000n, 1), -1, 'X-only without MXR');
    mmu.mxr = 1;
    assert.equal(ld(0x40000000n, 1), 0x40000000 - 0x40000000 + 0x40000000);
    pte(root + 8 * 2, 0x80000000, V | R | W); // A = 0
    mmu.flush('all');
    assert.equal(ld(0x80000000n, 1), -1);
    assert.equal(mmu.fCause, 13);
  });

  it('PTE read outside memory or denied by PMP is an access fault', () => {
    const { mmu, pte } = setup();
    mmu.sMode = 8; mmu.sRoot = 0x10000000; // no memory there
    let [lo, hi] = split(0x1000n);
    assert.equal(mmu.translate(lo, hi, Acc.Load, 1, false), -1);
    assert.equal(mmu.fCause, 5);
    mmu.sRoot = 0x80100000;
    pte(0x80100000, 0x80000000, V | R | A);
    mmu.pmp.writeAddr(0, (0x80100000n + 4096n) >> 2n); mmu.pmp.writeAddr(1, 0x80100000n >> 2n); // entry 1 NA4? use TOR below
    mmu.pmp.writeCfg(0, 0n);
    // entry0: TOR [0, 0x80100000) RWX; entry1 (addr1 as top) nothing else -> PTE page not covered -> S denied
    mmu.pmp.writeAddr(0, 0x80100000n >> 2n); mmu.pmp.writeCfg(0, 0x0fn);
    [lo, hi] = split(0x2000n);
    assert.equal(mmu.translate(lo, hi, Acc.Fetch, 1, false), -1);
    assert.equal(mmu.fCause, 1);
  });

  it('two-stage: G-stage Sv39x4, guest-page faults with htval, implicit PTE-read pseudoinstruction', () => {
    const { mmu, pte } = setup();
    const groot = 0x80100000; // 16 KiB root
    mmu.gMode = 8; mmu.gRoot = groot; mmu.vmid = 3;
    pte(groot + 8 * 2, 0x80000000, V | R | W | X | U | A | D); // GPA 0x80000000.. 1 GiB -> PA same
    // vsatp bare: GPA = VA
    let [lo, hi] = split(0x80000010n);
    assert.equal(mmu.translate(lo, hi, Acc.Load, 1, true), 0x80000010);
    const refs = mmu.counters.walkRefs;
    assert.equal(refs, 1, 'one G-stage reference (gigapage)');
    [lo, hi] = split(0x40000010n);
    assert.equal(mmu.translate(lo, hi, Acc.Store, 1, true), -1);
    assert.deepEqual([mmu.fCause, mmu.fTval2, mmu.fTinst, mmu.fGva], [23, 0x40000010n >> 2n, 0, true]);
    // VS-stage Sv39 whose root GPA is not mapped by the G-stage: implicit access -> pseudoinstruction
    mmu.vsMode = 8; mmu.vsRoot = 0x40000000;
    [lo, hi] = split(0x1000n);
    assert.equal(mmu.translate(lo, hi, Acc.Fetch, 1, true), -1);
    assert.deepEqual([mmu.fCause, mmu.fTval, mmu.fTval2, mmu.fTinst], [20, 0x1000n, 0x40000000n >> 2n, 0x3000]);
    // VS root in mapped guest memory: two-stage walk counts every G-stage reference
    mmu.vsRoot = 0x80200000;
    pte(0x80200000, 0x80000000, V | R | W | X | A | D); // VS gigapage VA 0 -> GPA 0x80000000
    mmu.resetCounters();
    [lo, hi] = split(0x123n);
    assert.equal(mmu.translate(lo, hi, Acc.Load, 1, true), 0x80000123);
    assert.equal(mmu.counters.walkRefs, 1 + 1 + 1, 'G-stage for the VS PTE, the VS PTE, G-stage for the final GPA');
  });
});

describe('two VMIDs', () => {
  it('hfence.vvma in one VM leaves the other VM\'s (stale) entries', () => {
    const { mmu, pte } = setup();
    mmu.gMode = 0; mmu.vsMode = 8; mmu.vsRoot = 0x80100000;
    pte(0x80100000, 0x80000000, V | R | W | A | D); // VS gigapage VA 0 -> 0x80000000
    const ld = (): number => { const [lo, hi] = split(0x10n); return mmu.translate(lo, hi, Acc.Load, 1, true); };
    mmu.vmid = 1; assert.equal(ld(), 0x80000010);
    mmu.vmid = 2; assert.equal(ld(), 0x80000010);
    pte(0x80100000, 0x40000000, V | R | W | A | D); // both guests' PTE changes (same table here)
    mmu.vmid = 1; mmu.flush('hfence.vvma'); // current VMID 1
    assert.equal(ld(), 0x40000010, 'VM 1 sees the new mapping');
    mmu.vmid = 2; mmu.resetCounters();
    assert.equal(ld(), 0x80000010, 'VM 2 still uses its stale entry');
    assert.equal(mmu.counters.hits, 1);
    mmu.flush('hfence.vvma', { vmid: 2 });
    assert.equal(ld(), 0x40000010);
    assert.equal(mmu.counters.flushes.hfenceVvma, 1);
  });
});

describe('PMP', () => {
  it('TOR/NA4/NAPOT, priority, partial match, L bit and M-mode', () => {
    const p = new Pmp();
    assert.equal(p.check(0x1000, 4, 3, 1), true, 'M with no entries');
    assert.equal(p.check(0x1000, 4, 1, 1), false, 'S with no matching entry');
    p.writeAddr(0, 0x1000n >> 2n); p.writeCfg(0, 0x08n | 0x01n); // entry0 TOR [0,0x1000) R
    p.writeAddr(1, 0x2000n >> 2n); // NA4 at 0x2000
    p.writeAddr(2, (0x3000n >> 2n) | 0x1ffn); // NAPOT 4 KiB at 0x3000
    p.writeCfg(0, 0x09n | (0x13n << 8n) | (0x1bn << 16n)); // entry1 NA4 RW, entry2 NAPOT R W
    assert.equal(p.check(0xff0, 4, 1, 1), true);
    assert.equal(p.check(0xffe, 4, 1, 1), false, 'partial overlap fails');
    assert.equal(p.check(0x2000, 4, 1, 2), true);
    assert.equal(p.check(0x2000, 8, 1, 2), false);
    assert.equal(p.check(0x3ff8, 8, 0, 3), true);
    assert.equal(p.check(0x3ff8, 8, 0, 4), false, 'no X');
    p.writeCfg(0, 0x89n); // lock entry 0 (TOR R), clear others
    assert.equal(p.anyLocked, true);
    assert.equal(p.check(0x10, 4, 3, 2), false, 'locked entry applies to M');
    p.writeAddr(0, 0n);
    assert.equal(p.readAddr(0), 0x1000n >> 2n, 'locked pmpaddr ignores writes');
    p.writeCfg(0, 0n);
    assert.equal(p.readCfg(0) & 0xffn, 0x89n, 'locked cfg ignores writes');
  });
});
