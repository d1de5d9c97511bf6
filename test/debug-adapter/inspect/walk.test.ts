/**
 * The software walk against the hardware's: hand-built Sv39, Sv48 and two-stage (Sv39 over
 * Sv39x4) tables with every kind of leaf (superpages, misaligned ones, reserved encodings, missing
 * A/D/U, holes in the G-stage), and for each address, access, privilege and SUM/MXR setting the
 * MMU's own translation (after a TLB flush, so it walks) must give the same physical address or
 * the same kind of fault, with the same number of memory references.
 */
import { strict as assert } from 'node:assert';
import { Machine } from '../../../simulator/machine';
import { Acc } from '../../../simulator/riscv/mmu/mmu';
import { CSR } from '../../../simulator/riscv/hart/csr';
import { walk, type TranslationRegs, type WalkAccess } from '../../../debug-adapter/inspect/walk';
import { translate } from '../../../debug-adapter/inspect';
import { build } from './helpers';

const V = 1n, R = 2n, W = 4n, X = 8n, U = 16n, G = 32n, A = 64n, D = 128n;

/** xorshift32: the same cases on every run. */
function rng(seed: number): () => number {
  let x = seed >>> 0 || 1;
  return () => { x ^= x << 13; x >>>= 0; x ^= x >>> 17; x ^= x << 5; x >>>= 0; return x; };
}

class Tables {
  private next: bigint;
  constructor(private readonly m: Machine, base: bigint, private readonly toHost: (a: bigint) => bigint = (a) => a) { this.next = base; }
  alloc(bytes = 4096n, align = 4096n): bigint {
    const at = (this.next + align - 1n) / align * align;
    this.next = at + bytes;
    return at;
  }
  write(addr: bigint, pte: bigint): void {
    const b = new Uint8Array(8);
    new DataView(b.buffer).setBigUint64(0, pte, true);
    this.m.writeMemory(this.toHost(addr), b);
  }
  /** Installs `pte` for `va` at `level` in a tree of `levels`, creating pointer tables. */
  map(root: bigint, levels: number, va: bigint, level: number, pte: bigint, rootEntries = 512n): void {
    let table = root;
    for (let i = levels - 1; i > level; i--) {
      const idx = i === levels - 1 ? (va >> BigInt(12 + 9 * i)) % rootEntries : (va >> BigInt(12 + 9 * i)) & 511n;
      const slot = table + idx * 8n;
      const cur = this.read(slot);
      if (cur & V && !(cur & (R | X))) { table = (cur >> 10n) << 12n; continue; }
      const next = this.alloc();
      this.write(slot, ((next >> 12n) << 10n) | V);
      table = next;
    }
    const idx = level === levels - 1 ? (va >> BigInt(12 + 9 * level)) % rootEntries : (va >> BigInt(12 + 9 * level)) & 511n;
    this.write(table + idx * 8n, pte);
  }
  read(addr: bigint): bigint {
    const b = this.m.readMemory(this.toHost(addr), 8);
    return new DataView(b.buffer, b.byteOffset).getBigUint64(0, true);
  }
}

const leaf = (pa: bigint, flags: bigint): bigint => ((pa >> 12n) << 10n) | flags;

function newMachine(): Machine {
  const m = new Machine({ ramSize: 64 << 20 });
  m.load({ entry: m.ramBase, sections: [], symbols: [], sourceMap: [] });
  const h = m.harts[0];
  h.csrWrite(0x3b0, (1n << 54n) - 1n); // PMP: everything RWX for S/U
  h.csrWrite(0x3a0, 0x1fn);
  return m;
}

const ACCESS: [WalkAccess, Acc][] = [['read', Acc.Load], ['write', Acc.Store], ['execute', Acc.Fetch]];
const kindOf = (cause: number): string => (cause >= 20 ? 'guest-page-fault' : cause >= 12 ? 'page-fault' : 'access-fault');

/** Compares software and hardware for every address, access and privilege setting; returns the cases compared. */
function compare(m: Machine, addresses: bigint[], setups: { priv: number; virt: boolean; sum: boolean; mxr: boolean; vsum?: boolean; vmxr?: boolean }[]): { cases: number; faults: number; ok: number } {
  const h = m.harts[0];
  let cases = 0, faults = 0, ok = 0;
  for (const st of setups) {
    const ms = (h.csrRead(CSR.mstatus) ?? 0n) & ~((1n << 18n) | (1n << 19n));
    h.csrWrite(CSR.mstatus, ms | (st.sum ? 1n << 18n : 0n) | (st.mxr ? 1n << 19n : 0n));
    h.csrWrite(CSR.vsstatus, (st.vsum ? 1n << 18n : 0n) | (st.vmxr ? 1n << 19n : 0n));
    h.priv = st.priv; h.virt = st.virt ? 1 : 0;
    h.ctxChanged();
    const regs: TranslationRegs = { priv: st.priv, virt: st.virt, satp: h.satp, vsatp: h.vsatp, hgatp: h.hgatp, sum: st.sum, mxr: st.mxr, vsum: st.vsum ?? false, vmxr: st.vmxr ?? false };
    for (const va of addresses) {
      for (const [access, acc] of ACCESS) {
        const sw = walk(m, regs, va, access);
        h.mmu.flush('all');
        const refs0 = h.mmu.counters.walkRefs;
        const lo = Number(va & 0xffffffffn) | 0, hi = Number(BigInt.asIntN(32, va >> 32n));
        const pa = h.mmu.translate(lo, hi, acc, st.priv, st.virt, false, false, 1);
        const refs = h.mmu.counters.walkRefs - refs0;
        const what = `${access} of 0x${va.toString(16)} at priv ${st.priv} virt ${st.virt} sum ${st.sum} mxr ${st.mxr}`;
        if (pa < 0) {
          assert.equal(sw.pa, null, `${what}: hardware faults (cause ${h.mmu.fCause}), software gives 0x${sw.pa?.toString(16)}`);
          assert.equal(sw.faultKind, kindOf(h.mmu.fCause), `${what}: ${sw.fault}`);
          faults++;
        } else {
          assert.equal(sw.pa, BigInt(pa), `${what}: ${sw.fault ?? ''}`);
          ok++;
        }
        assert.equal(sw.references, refs, `${what}: memory references`);
        cases++;
      }
    }
  }
  return { cases, faults, ok };
}

const FLAG_SETS = [V | R | A, V | R | W | A | D, V | R | W | A, V | X | A, V | R | X | A | D, V | R | U | A, V | R | W | U | A | D, V | X | U | A, V | W | A | D, V | R | W | X | G | A | D, R | W | A | D, V | R | W | X | U | D];

describe('inspect: software walk against the MMU', () => {
  it('Sv39 and Sv48: 4 KiB pages with every flag mix, superpages, misaligned superpages, holes, bare M-mode', () => {
    for (const levels of [3, 4]) {
      const m = newMachine();
      const h = m.harts[0];
      const t = new Tables(m, 0x80100000n);
      const root = t.alloc();
      const next = rng(levels * 7919);
      const addresses: bigint[] = [];
      // 4 KiB pages at 0x10000000.. with mixed flags; every other page stays a hole.
      for (let i = 0; i < 24; i++) {
        const va = 0x10000000n + BigInt(i) * 0x2000n;
        t.map(root, levels, va, 0, leaf(0x81000000n + BigInt(i) * 0x1000n, FLAG_SETS[next() % FLAG_SETS.length]));
        addresses.push(va + BigInt(next() % 4096), va + 0x1000n);
      }
      t.map(root, levels, 0x40000000n, 1, leaf(0x82000000n, V | R | W | X | A | D)); // megapage
      t.map(root, levels, 0x40200000n, 1, leaf(0x82001000n, V | R | W | X | A | D)); // misaligned megapage
      t.map(root, levels, 0x40400000n, 0, V); // pointer at level 0: not a leaf
      const high = levels === 3 ? 0xffffffc000000000n : 0xffff800000000000n;
      t.map(root, levels, high, levels - 1, leaf(0x80000000n, V | R | W | X | A | D)); // top-level superpage in the high half
      addresses.push(0x40000000n, 0x401ffff8n, 0x40200010n, 0x40400008n, high + 0x123456n, high - 0x1000n, 0x4000000000n, 0x8000000000000000n, 0x12n);
      h.csrWrite(CSR.satp, ((levels === 3 ? 8n : 9n) << 60n) | (5n << 44n) | (root >> 12n));
      const r = compare(m, addresses, [
        { priv: 1, virt: false, sum: false, mxr: false }, { priv: 1, virt: false, sum: true, mxr: true },
        { priv: 0, virt: false, sum: false, mxr: false }, { priv: 3, virt: false, sum: false, mxr: false },
      ]);
      assert.ok(r.faults > 50 && r.ok > 50, `both outcomes exercised (${r.ok} translations, ${r.faults} faults)`);
    }
  });

  it('two stages: Sv39 guest tables over Sv39x4 (G-stage holes, superpages, missing U/A/W), every VS PTE read through the G-stage', () => {
    const m = newMachine();
    const h = m.harts[0];
    const host = new Tables(m, 0x80100000n);
    const groot = host.alloc(16384n, 16384n);
    // Guest RAM GPA 0x80000000 + 1 MiB -> HPA 0x81000000 page by page, with a few pages left out or restricted.
    const gmap = new Map<bigint, bigint>();
    for (let p = 0n; p < 256n; p++) {
      const gpa = 0x80000000n + p * 0x1000n;
      if (p % 37n === 36n) continue; // hole
      const flags = p % 41n === 40n ? V | R | A : p % 43n === 42n ? V | R | W | X | A | D : V | R | W | X | U | A | D;
      host.map(groot, 3, gpa, 0, leaf(0x81000000n + p * 0x1000n, flags), 2048n);
      gmap.set(gpa, 0x81000000n + p * 0x1000n);
    }
    host.map(groot, 3, 0x80400000n, 1, leaf(0x81400000n, V | R | W | X | U | A | D), 2048n); // a 2 MiB G-stage superpage
    host.map(groot, 3, 0x80600000n, 1, leaf(0x81601000n, V | R | W | X | U | A | D), 2048n); // misaligned
    const toHost = (g: bigint): bigint => {
      const base = gmap.get(g & ~0xfffn);
      if (base !== undefined) return base + (g & 0xfffn);
      if (g >= 0x80400000n && g < 0x80600000n) return 0x81400000n + (g - 0x80400000n);
      throw new Error(`GPA 0x${g.toString(16)} is not mapped for the test's table writes`);
    };
    const guest = new Tables(m, 0x80000000n, toHost);
    const vroot = guest.alloc();
    const next = rng(4242);
    const addresses: bigint[] = [];
    for (let i = 0; i < 40; i++) {
      const va = 0x20000000n + BigInt(i) * 0x1000n;
      const target = i % 9 === 8 ? 0x80000000n + 36n * 0x1000n : i % 7 === 6 ? 0x80400000n + BigInt(i) * 0x1000n : 0x80000000n + BigInt(60 + (next() % 190)) * 0x1000n;
      guest.map(vroot, 3, va, 0, leaf(target, FLAG_SETS[next() % FLAG_SETS.length]));
      addresses.push(va + BigInt(next() % 4096));
    }
    // Guest pages over G-stage leaves without U (40, 42) or read-only (81): guest-page faults.
    for (const [k, p] of [40n, 42n, 81n].entries()) {
      const va = 0x20100000n + BigInt(k) * 0x1000n;
      guest.map(vroot, 3, va, 0, leaf(0x80000000n + p * 0x1000n, V | R | W | X | A | D));
      addresses.push(va + 8n);
    }
    guest.map(vroot, 3, 0x40000000n, 1, leaf(0x80400000n, V | R | W | X | A | D)); // guest megapage over a G megapage
    guest.map(vroot, 3, 0xffffffc000000000n, 2, leaf(0x80000000n, V | R | W | X | A | D)); // guest gigapage over G 4 KiB pages
    addresses.push(0x40000000n, 0x401ff000n, 0xffffffc000001234n, 0xffffffc000024008n, 0xffffffc000300000n, 0xffffffc000600010n, 0x50000000n, 0x8000000000000000n);
    h.csrWrite(CSR.hgatp, (8n << 60n) | (3n << 44n) | (groot >> 12n));
    h.csrWrite(CSR.vsatp, (8n << 60n) | (1n << 44n) | (vroot >> 12n));
    const r = compare(m, addresses, [
      { priv: 1, virt: true, sum: false, mxr: false }, { priv: 0, virt: true, sum: false, mxr: false },
      { priv: 1, virt: true, sum: false, mxr: true, vsum: true, vmxr: true },
    ]);
    assert.ok(r.faults > 30 && r.ok > 30, `both outcomes exercised (${r.ok} translations, ${r.faults} faults)`);
    // vsatp Bare under V=1: guest physical addresses through the G-stage alone.
    h.csrWrite(CSR.vsatp, 0n);
    const bare = compare(m, [0x80000000n, 0x80024010n, 0x80401000n, 0x80600000n, 0x90000000n, 1n << 41n, 0x1000n], [{ priv: 1, virt: true, sum: false, mxr: false }]);
    assert.ok(bare.ok > 0 && bare.faults > 0);
  });

  it('a debug walk ignores permissions and A/D but not the structure of the tables', () => {
    const m = newMachine();
    const t = new Tables(m, 0x80100000n);
    const root = t.alloc();
    t.map(root, 3, 0x10000000n, 0, leaf(0x81000000n, V | X | U)); // execute-only user page without A
    t.map(root, 3, 0x10001000n, 0, leaf(0x81001000n, V | W | A | D)); // reserved W-only
    const regs: TranslationRegs = { priv: 1, virt: false, satp: (8n << 60n) | (root >> 12n), vsatp: 0n, hgatp: 0n, sum: false, mxr: false, vsum: false, vmxr: false };
    assert.equal(walk(m, regs, 0x10000010n, 'read').faultKind, 'page-fault');
    assert.equal(walk(m, regs, 0x10000010n, 'debug').pa, 0x81000010n);
    assert.equal(walk(m, regs, 0x10001010n, 'debug').faultKind, 'page-fault');
  });

  it('translate on a running guest (hello-vm) gives what the hart\'s MMU gives, with as many references', () => {
    const b = build('hello-vm/hello-vm.hlab.json');
    b.run(300);
    const t = b.target;
    const h = t.machine.harts[0];
    const ctx = { hart: 0, vm: 'hello', vcpu: 0 };
    const cases: [bigint, 'read' | 'write' | 'execute', Acc][] = [
      [h.getPc(), 'execute', Acc.Fetch], [h.getReg(2) - 8n, 'write', Acc.Store], [0xffffffc000001000n, 'read', Acc.Load], [0x80000010n, 'read', Acc.Load],
      [0x10000000n, 'write', Acc.Store], [0x5000n, 'read', Acc.Load], [0xffffffc000000010n, 'write', Acc.Store],
    ];
    const results = cases.map(([va, access]) => translate(t, ctx, { address: `0x${va.toString(16)}`, access }));
    // Only now touch the hardware (its walks fill the TLB and count).
    cases.forEach(([va, access, acc], i) => {
      const r = results[i];
      h.mmu.flush('all');
      const refs0 = h.mmu.counters.walkRefs;
      const pa = h.mmu.translate(Number(va & 0xffffffffn) | 0, Number(BigInt.asIntN(32, va >> 32n)), acc, h.priv, true, false, false, 1);
      assert.equal(r.hpa, pa < 0 ? null : `0x${pa.toString(16)}`, `${access} 0x${va.toString(16)}: ${r.fault ?? ''}`);
      assert.equal(r.references, h.mmu.counters.walkRefs - refs0);
      if (pa < 0) assert.ok(r.fault !== null && (h.mmu.fCause >= 20) === r.fault.startsWith('guest-page fault'));
    });
    assert.ok(results.some((r) => r.hpa === null) && results.some((r) => r.hpa !== null));
  });
});
