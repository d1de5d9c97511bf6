/**
 * Robustness: a hart caught in a trap loop (a handler address that itself faults) makes `run()`
 * return promptly with a clear reason instead of spinning forever; trap and trap-return costs
 * reach virtual time; cycle/mcycle read virtual cycles; hart and MMU trace events.
 */
import { strict as assert } from 'node:assert';
import { Machine, type Engine } from '../../simulator/machine';
import { TRAP_LOOP_LIMIT } from '../../simulator/riscv/hart/hart';
import { TraceBuffer, type TraceEvent } from '../../simulator/trace';
import { build } from '../platform/helpers';

const ENGINES: Engine[] = ['compiled', 'interpreter'];

/** S-mode code whose stvec points at an address with nothing behind it; instruction access faults are delegated to S. */
const S_LOOP = `
  li t0, 0x1000          # no memory there: fetching it is an instruction access fault
  csrw stvec, t0
  li t0, 2               # medeleg: instruction access fault (1) to S
  csrw medeleg, t0
  li t0, -1              # PMP: everything RWX for S/U
  csrw pmpaddr0, t0
  li t0, 0x1f
  csrw pmpcfg0, t0
  la t0, smode
  csrw mepc, t0
  li t0, 0x800           # MPP = S
  csrw mstatus, t0
  mret
smode:
  li t1, 0x1000
  jr t1                  # first fault; its handler (stvec = 0x1000) faults again, forever
`;

describe('robustness: trap loops', function () {
  this.timeout(20_000);
  for (const engine of ENGINES) {
    it(`${engine}: a fetch fault at stvec whose handler faults stops promptly with a clear reason`, function () {
      const m = new Machine({ engine, ramSize: 1 << 20 });
      m.load(build(S_LOOP));
      const t0 = Date.now();
      const r = m.run({ maxInstructions: 100_000_000n });
      assert.ok(Date.now() - t0 < 2000, 'took too long');
      assert.equal(r.reason, 'trap');
      assert.match(r.message, /^hart 0 is stuck in a trap loop: instruction access fault at 0x1000 repeating/);
      assert.equal(r.trap?.cause, 1n);
      assert.equal(r.trap?.pc, 0x1000n);
      assert.ok(r.instret < 100n);
      assert.ok(m.hart.traps >= TRAP_LOOP_LIMIT - 1);
    });

    it(`${engine}: the same with the loop in M mode (mtvec at an unmapped address)`, function () {
      const m = new Machine({ engine, ramSize: 1 << 20 });
      m.load(build('  li t0, 0x1000\n  csrw mtvec, t0\n  ecall\n'));
      const r = m.run({ maxInstructions: 100_000_000n });
      assert.equal(r.reason, 'trap');
      assert.match(r.message, /stuck in a trap loop: instruction access fault at 0x1000 repeating/);
    });

    it(`${engine}: a bare hart.run(budget) returns with stuck set instead of spinning`, function () {
      const m = new Machine({ engine, ramSize: 1 << 20 });
      m.load(build(S_LOOP));
      const h = m.hart;
      const ran = h.run(1_000_000);
      assert.ok(ran < 100);
      assert.ok(h.stuck !== undefined);
      assert.equal(h.stuck.cause, 1n);
    });
  }

  it('a handler that retires instructions between traps is not a loop (limit is reached instead)', function () {
    const m = new Machine({ ramSize: 1 << 20 });
    m.load(build(`
  la t0, h
  csrw mtvec, t0
1: ecall
  j 1b
h:
  csrr t1, mepc
  addi t1, t1, 4
  csrw mepc, t1
  mret
`));
    const r = m.run({ maxInstructions: 100_000n });
    assert.equal(r.reason, 'limit');
  });
});

describe('trap accounting and virtual cycles', function () {
  this.timeout(20_000);
  const PROG = `
  la t0, h
  csrw mtvec, t0
  li s0, 100
1: ecall
  addi s0, s0, -1
  bnez s0, 1b
  li t0, 1
  la t1, tohost
  sd t0, 0(t1)
2: j 2b
h:
  csrr t1, mepc
  addi t1, t1, 4
  csrw mepc, t1
  mret
`;
  for (const engine of ENGINES) {
    it(`${engine}: traps and mret are counted and charged trapEntry / trapReturn cycles`, function () {
      const run = (costs: Record<string, number>): { cycles: number; traps: number; returns: number } => {
        const m = new Machine({ engine, ramSize: 1 << 20, costs });
        m.load(build(PROG));
        const r = m.run({ maxInstructions: 1_000_000n });
        assert.equal(r.reason, 'pass');
        return { cycles: r.cycles, traps: m.hart.traps, returns: m.hart.trapReturns };
      };
      const a = run({ trapEntry: 0, trapReturn: 0 });
      const b = run({ trapEntry: 50, trapReturn: 7 });
      assert.equal(a.traps, 100);
      assert.equal(a.returns, 100);
      assert.equal(b.cycles - a.cycles, 100 * 50 + 100 * 7);
    });
  }

  it('cycle/mcycle read the hart\'s virtual clock (costs included), instret counts instructions', function () {
    const m = new Machine({ ramSize: 1 << 20, costs: { trapEntry: 1000 } });
    m.load(build(`
  la t0, h
  csrw mtvec, t0
  csrr s0, mcycle
  csrr s2, minstret
  ecall
  csrr s1, mcycle
  csrr s3, minstret
  li t0, 1
  la t1, tohost
  sd t0, 0(t1)
2: j 2b
h:
  csrr t1, mepc
  addi t1, t1, 4
  csrw mepc, t1
  mret
`));
    assert.equal(m.run({ maxInstructions: 10_000n }).reason, 'pass');
    const dc = m.getReg(9) - m.getReg(8), di = m.getReg(19) - m.getReg(18);
    assert.ok(dc >= 1000n, `mcycle advanced by ${dc}`);
    assert.ok(di < 10n, `minstret advanced by ${di}`);
  });

  it('a write to mcycle is what the next instruction reads', function () {
    const m = new Machine({ ramSize: 1 << 20 });
    m.load(build(`
  li t0, 5000
  csrw mcycle, t0
  csrr s0, mcycle
  li t0, 1
  la t1, tohost
  sd t0, 0(t1)
2: j 2b
`));
    assert.equal(m.run({ maxInstructions: 10_000n }).reason, 'pass');
    assert.equal(m.getReg(8), 5000n);
  });
});

describe('hart and MMU trace events', function () {
  this.timeout(20_000);
  for (const engine of ENGINES) {
    it(`${engine}: trap, walk, tlb-fill and tlb-flush events`, function () {
      const trace = new TraceBuffer(4096);
      const m = new Machine({ engine, ramSize: 1 << 20, trace });
      // Sv39 identity gigapage for RAM (0x80000000) in S mode, one ecall from S, an sfence.vma.
      m.load(build(`
  la t0, h
  csrw mtvec, t0
  li t0, -1
  csrw pmpaddr0, t0
  li t0, 0x1f
  csrw pmpcfg0, t0
  la t0, pt
  li t1, 0x80000000
  srli t1, t1, 2
  ori t1, t1, 0xcf        # V R W X A D
  sd t1, 16(t0)           # entry 2 maps 0x80000000..0xbfffffff
  srli t0, t0, 12
  li t1, 8
  slli t1, t1, 60
  or t0, t0, t1
  csrw satp, t0
  la t0, s
  csrw mepc, t0
  li t0, 0x800
  csrw mstatus, t0
  mret
s:
  la t2, buf
  ld t3, 0(t2)
  sfence.vma
  ecall
h:
  li t0, 1
  la t1, tohost
  sd t0, 0(t1)
2: j 2b
  .align 12
pt: .zero 4096
buf: .dword 7
`));
      const r = m.run({ maxInstructions: 10_000n });
      assert.equal(r.reason, 'pass', r.message);
      const ev = trace.events();
      const of = <K extends TraceEvent['kind']>(k: K): Extract<TraceEvent, { kind: K }>[] => ev.filter((e): e is Extract<TraceEvent, { kind: K }> => e.kind === k);
      const traps = of('trap');
      assert.equal(traps.length, 1);
      assert.deepEqual({ ...traps[0], time: 0 }, { kind: 'trap', time: 0, hart: 0, cause: 9, interrupt: false, from: 'HS', to: 'M', pc: traps[0].pc, tval: 0n });
      const walks = of('walk');
      assert.ok(walks.length >= 2);
      assert.equal(walks[0].stage, 'single');
      assert.equal(walks[0].references, 1);
      assert.equal(walks[0].access, 'x');
      const fills = of('tlb-fill');
      assert.equal(fills.length, walks.length);
      assert.equal(fills[0].pageSize, 1 << 30);
      assert.equal(fills[0].perm, 'rwx--');
      const flushes = of('tlb-flush').filter((f) => f.op !== 'full'); // load() resets the harts: a full flush
      assert.equal(flushes.length, 1);
      assert.equal(flushes[0].op, 'sfence.vma');
      assert.ok(flushes[0].entries >= 2);
    });
  }
});
