/**
 * Hart.vmExitHook: consulted exactly for traps taken with V=1 whose target is HS; returning false
 * keeps the architectural trap; returning true resumes where the hook says.
 */
import { strict as assert } from 'node:assert';
import { assemble } from '../../simulator/riscv/asm';
import { Machine } from '../../simulator/machine';
import type { VmExitTrap } from '../../simulator/riscv/hart/hart';

/*
 * M-mode sets up delegation and enters VS (hgatp and vsatp Bare). The guest:
 *  - takes VSSIP as an interrupt into HS (hvip.VSSIP with hideleg clear: HS target from V=1),
 *  - ecall (cause 10, delegated to HS),
 *  - an illegal instruction (delegated on to VS by hedeleg: not an exit),
 *  - hfence.vvma (virtual instruction 22 into HS),
 *  - a load from GPA 0x40000000 with hgatp Sv39x4 mapping only 0x80000000..0xbfffffff (guest-page fault 21),
 *  - ecall with a7 = 99 (the HS handler writes tohost = 1).
 * The HS handler records scause (| 0x1000 when it came from V=1 per hstatus.SPV) into `log`, the
 * VS handler records vscause | 0x100. An M-mode trap fails the test.
 */
const PROGRAM = `
  .section .text.init, "ax", @progbits
  .globl _start
_start:
  la t0, mtrap
  csrw mtvec, t0
  li t0, -1
  csrw pmpaddr0, t0
  li t0, 0x1f
  csrw pmpcfg0, t0
  li t0, (1 << 10) | (1 << 2) | (1 << 21) | (1 << 22)
  csrw medeleg, t0
  li t0, (1 << 2)
  csrw hedeleg, t0
  la t0, strap
  csrw stvec, t0
  la t0, vstrap
  csrw vstvec, t0
  la s0, log
  li t0, 4
  csrs hie, t0            /* VSSIE */
  csrs hvip, t0           /* VSSIP pending, hideleg clear: taken into HS once in VS */
  li t0, (3 << 11)
  csrc mstatus, t0
  li t0, (1 << 11)
  csrs mstatus, t0        /* MPP = S */
  li t0, 1
  slli t0, t0, 39
  csrs mstatus, t0        /* MPV = 1 */
  la t0, gstage_root      /* G-stage root[2]: GPA 0x80000000 (1 GiB) identity, RWX U A D */
  li t1, ((0x80000000 >> 12) << 10) | 0xdf
  sd t1, 16(t0)
  la t0, guest
  csrw mepc, t0
  mret

guest:
  li a0, 0
  ecall
  sd a0, 0(s1)            /* s1 = result slot: the ecall's a0 (42 when the hook handled it) */
  .word 0                 /* illegal: into VS */
  hfence.vvma             /* virtual instruction */
  la t0, gstage_root
  srli t0, t0, 12
  li t1, 8
  slli t1, t1, 60
  or t0, t0, t1
  mv a0, t0
  li a7, 98               /* ask HS to install hgatp = a0 */
  ecall
  li t0, 0x40000000
  ld t1, 0(t0)            /* load guest-page fault */
  li a7, 99
  ecall
1: j 1b

  .align 2
strap:
  csrr t2, scause
  csrr t3, hstatus
  srli t3, t3, 7
  andi t3, t3, 1
  slli t3, t3, 12
  or t2, t2, t3
  sd t2, 0(s0)
  addi s0, s0, 8
  csrr t2, scause
  bltz t2, 2f             /* interrupt: clear hvip.VSSIP, resume at sepc */
  li t3, 10
  bne t2, t3, 1f
  li t3, 99
  beq a7, t3, done
  li t3, 98
  bne a7, t3, 1f
  csrw hgatp, a0
  hfence.gvma
1:csrr t2, sepc
  addi t2, t2, 4
  csrw sepc, t2
  sret
2:li t3, 4
  csrc hvip, t3
  sret
done:
  li t0, 1
  la t1, tohost
  sd t0, 0(t1)
3: j 3b

  .align 2
vstrap:
  csrr t2, scause         /* vscause under V=1 */
  ori t2, t2, 0x100
  sd t2, 0(s0)
  addi s0, s0, 8
  csrr t2, sepc
  addi t2, t2, 4
  csrw sepc, t2
  sret

  .align 2
mtrap:
  li t0, 3
  la t1, tohost
  sd t0, 0(t1)
1: j 1b

  .section .data
  .align 14
gstage_root: .zero 16384
log: .zero 128
slot: .dword 0
  .align 6
  .globl tohost
tohost: .dword 0
`;

function image(): ReturnType<typeof assemble>['image'] & object {
  const src = PROGRAM.replace('guest:\n  li a0, 0', 'guest:\n  la s1, slot\n  li a0, 0');
  const r = assemble([{ path: 'hook.S', text: src }]);
  if (!r.image) throw new Error(r.diagnostics.map((d) => `${d.range.line}: ${d.message}`).join('\n'));
  return r.image;
}

function symbol(img: ReturnType<typeof image>, name: string): bigint {
  const s = img.symbols.find((x) => x.name === name);
  if (!s) throw new Error(name);
  return s.value;
}

for (const engine of ['compiled', 'interpreter'] as const) {
  describe(`Hart.vmExitHook (${engine})`, () => {
    it('sees exactly the traps from V=1 that target HS; returning false keeps the architectural trap', () => {
      const img = image();
      const m = new Machine({ engine, ramSize: 1 << 20 });
      m.load(img);
      const seen: VmExitTrap[] = [];
      m.hart.vmExitHook = (h, e) => { assert.equal(h.virt, 1, 'hook runs before the trap changes V'); seen.push(e); return false; };
      const r = m.run({ maxInstructions: 10_000n });
      assert.equal(r.reason, 'pass', `${r.message} mcause ${m.readCsr(0x342)} mepc ${m.readCsr(0x341)?.toString(16)} mtval ${m.readCsr(0x343)?.toString(16)} seen ${seen.map((e) => e.cause)}`);
      // The HS handler saw every one of them (SPV = 1), the VS handler the illegal instruction.
      const log = [...Array(8).keys()].map((i) => m.readU64(symbol(img, 'log') + BigInt(8 * i))).filter((v) => v !== 0n);
      const INT = 1n << 63n;
      assert.deepEqual(log, [INT | 0x1002n, 0x100an, 0x102n, 0x1016n, 0x100an, 0x1015n, 0x100an]);
      assert.deepEqual(seen.map((e) => [e.cause, e.interrupt]), [[2, true], [10, false], [22, false], [10, false], [21, false], [10, false]]);
      const gpf = seen[4];
      assert.equal(gpf.htval, 0x40000000n >> 2n);
      assert.equal(gpf.tval, 0x40000000n);
      assert.equal(gpf.gva, true);
      assert.equal(seen[2].tval, 0x22000073n, 'hfence.vvma bits as tval');
    });

    it('returning true resumes where the hook left the hart, with no trap taken', () => {
      const img = image();
      const m = new Machine({ engine, ramSize: 1 << 20 });
      m.load(img);
      const seen: number[] = [];
      m.hart.vmExitHook = (h, e) => {
        seen.push(e.cause);
        if (e.cause !== 10 || h.getReg(17) !== 0n) return false;
        h.setReg(10, 42n);
        h.pc = Number(e.epc) + 4;
        return true;
      };
      const r = m.run({ maxInstructions: 10_000n });
      assert.equal(r.reason, 'pass', r.message);
      assert.equal(m.readU64(symbol(img, 'slot')), 42n, 'the guest saw the hook\'s a0');
      const log = [...Array(8).keys()].map((i) => m.readU64(symbol(img, 'log') + BigInt(8 * i))).filter((v) => v !== 0n);
      assert.deepEqual(log, [(1n << 63n) | 0x1002n, 0x102n, 0x1016n, 0x100an, 0x1015n, 0x100an], 'the handled ecall never reached the HS handler');
      assert.deepEqual(seen, [2, 10, 22, 10, 21, 10]);
    });
  });
}
