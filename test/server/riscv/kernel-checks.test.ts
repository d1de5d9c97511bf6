import { riscvGuestLanguage as L } from '../../../server/riscv';
import { expect, messageText } from './expect';
import { MemoryWorkspace, lines } from './workspace';

/** [line, code] of the kernel-check diagnostics of one file. */
function kernel(text: string, off: Record<string, boolean> = {}): [number, string, string][] {
  const ws = new MemoryWorkspace({ '/w/k.S': text });
  ws.kernelChecks = off;
  const codes = ['satp-fence', 'vsatp-fence', 'hgatp-fence', 'xret-previous-privilege', 'pt-store-fence'];
  return L.quickDiagnostics(ws.doc('/w/k.S'), ws.ctx)
    .filter((d) => codes.includes(String(d.code)))
    .map((d) => [d.range.start.line, String(d.code), messageText(d.message)]);
}

describe('riscv-guest kernel checks', () => {
  describe('satp-fence / vsatp-fence / hgatp-fence', () => {
    it('flags a satp write followed by a memory access before sfence.vma', () => {
      expect(kernel(lines('  csrw satp, a0', '  ld a1, 0(sp)', '  sfence.vma'))).to.deep.equal([
        [0, 'satp-fence', 'satp is written but no sfence.vma follows before the new translation is relied on (ld at line 2)'],
      ]);
    });
    it('accepts the fence right after the write, with CSR and ALU work in between', () => {
      expect(kernel(lines('  csrw satp, a0', '  csrw stvec, a1', '  li t0, 1', '  sfence.vma', '  ld a1, 0(sp)'))).to.deep.equal([]);
    });
    it('flags a write at the end of the code and a jump before the fence', () => {
      expect(kernel(lines('  csrw satp, a0')).map((x) => x[2])).to.deep.equal(['satp is written but no sfence.vma follows before the end of section .text']);
      expect(kernel(lines('  csrw satp, a0', '  j 1f', '1:', '  sfence.vma')).map((x) => x[0])).to.deep.equal([0]);
    });
    it('reads satp without complaint (csrr and csrrs with x0 do not write)', () => {
      expect(kernel(lines('  csrr a0, satp', '  csrrs a1, satp, x0', '  ret'))).to.deep.equal([]);
    });
    it('wants hfence.vvma after vsatp and hfence.gvma after hgatp, not sfence.vma', () => {
      expect(kernel(lines('  csrw vsatp, a0', '  sfence.vma', '  sd a0, 0(sp)', '  csrw hgatp, a1', '  hfence.vvma', '  sret')).map((x) => [x[0], x[1]])).to.deep.equal([
        [0, 'vsatp-fence'], [3, 'hgatp-fence'], [5, 'xret-previous-privilege'],
      ]);
      expect(kernel(lines('  csrw vsatp, a0', '  hfence.vvma', '  csrw hgatp, a1', '  hfence.gvma', '  sret'), { 'xret-previous-privilege': false })).to.deep.equal([]);
    });
    it('is switched off by its setting', () => {
      expect(kernel(lines('  csrw satp, a0', '  ld a1, 0(sp)'), { 'satp-fence': false })).to.deep.equal([]);
    });
  });

  describe('xret-previous-privilege', () => {
    it('flags an mret whose path from a called entry never writes mstatus.MPP', () => {
      const r = kernel(lines('  .globl enter', 'enter:', '  la t0, target', '  csrw mepc, t0', '  mret', 'target:', '  j target'));
      expect(r).to.deep.equal([[4, 'xret-previous-privilege', "mret may return with mstatus.MPP left as it was: a path that enters at 'enter' (line 2) does not write mstatus.MPP first"]]);
    });
    it('accepts MPP set with csrs of a mask that has MPP bits, and csrw of the whole register', () => {
      expect(kernel(lines('enter:', '  li t0, 1 << 11', '  csrs mstatus, t0', '  mret'))).to.deep.equal([]);
      expect(kernel(lines('enter:', '  csrw mstatus, a0', '  mret'))).to.deep.equal([]);
    });
    it('still flags when the mask written does not touch MPP', () => {
      expect(kernel(lines('enter:', '  li t0, 0x80', '  csrs mstatus, t0', '  mret')).map((x) => x[0])).to.deep.equal([3]);
    });
    it('flags only the path that skips the write', () => {
      const text = lines('enter:', '  beqz a0, 1f', '  li t0, 3 << 11', '  csrs mstatus, t0', '1:', '  mret');
      expect(kernel(text).map((x) => x[0])).to.deep.equal([5]);
    });
    it('accepts a trap handler (its address goes to mtvec/stvec): the trap set MPP/SPP', () => {
      const text = lines('  la t0, handler', '  csrw mtvec, t0', '  la t0, shandler', '  csrw stvec, t0', '  j .', 'handler:', '  csrr t0, mepc', '  addi t0, t0, 4', '  csrw mepc, t0', '  mret', 'shandler:', '  sret');
      expect(kernel(text)).to.deep.equal([]);
    });
    it('accepts the handlers of a vectored trap table', () => {
      const text = lines('  la t0, vec', '  ori t0, t0, 1', '  csrw mtvec, t0', '  j .', 'vec:', '  j h0', '  j h1', 'h0:', '  mret', 'h1:', '  mret');
      expect(kernel(text)).to.deep.equal([]);
    });
    it('wants sstatus.SPP (bit 8) for sret', () => {
      expect(kernel(lines('enter:', '  li t0, 1 << 11', '  csrs sstatus, t0', '  sret')).map((x) => x[2])).to.deep.equal([
        "sret may return with sstatus.SPP left as it was: a path that enters at 'enter' (line 1) does not write sstatus.SPP first",
      ]);
      expect(kernel(lines('enter:', '  li t0, 1 << 8', '  csrc sstatus, t0', '  sret'))).to.deep.equal([]);
    });
    it('is switched off by its setting', () => {
      expect(kernel(lines('enter:', '  mret'), { 'xret-previous-privilege': false })).to.deep.equal([]);
    });
  });

  describe('pt-store-fence', () => {
    const setup = ['  la s0, root', '  srli t0, s0, 12', '  csrw satp, t0', '  sfence.vma'];
    const data = ['  .data', '  .balign 4096', 'root:', '  .zero 4096', 'l1:', '  .zero 4096'];
    it('flags a store to a page-table root (its address reaches satp) that returns without a fence', () => {
      const r = kernel(lines(...setup, 'update:', '  la a1, root', '  sd a0, 8(a1)', '  ret', ...data));
      expect(r).to.deep.equal([[6, 'pt-store-fence', "store to page-table page 'root' is not followed by sfence.vma/hfence on every path: the code returns (jalr) at line 8 without one"]]);
    });
    it('follows page-table entries to the next-level table', () => {
      const text = lines('  la s0, root', '  la s1, l1', '  srli t0, s1, 12', '  slli t0, t0, 10', '  ori t0, t0, 1', '  sd t0, 0(s0)', '  srli t0, s0, 12', '  csrw satp, t0', '  sfence.vma',
        'poke:', '  la a1, l1', '  sd a0, 16(a1)', '  ret', ...data);
      expect(kernel(text).map((x) => [x[0], x[2].slice(0, 33)])).to.deep.equal([[11, "store to page-table page 'l1' is "]]);
    });
    it('accepts a store followed by sfence.vma on every path, and stores to other memory', () => {
      expect(kernel(lines(...setup, 'update:', '  la a1, root', '  sd a0, 8(a1)', '  beqz a0, 1f', '  sfence.vma', '  ret', '1:', '  sfence.vma a0', '  ret', 'other:', '  sd a0, 0(sp)', '  ret', ...data))).to.deep.equal([]);
    });
    it('flags the branch that skips the fence', () => {
      expect(kernel(lines(...setup, 'update:', '  la a1, root', '  sd a0, 8(a1)', '  beqz a0, 1f', '  sfence.vma', '1:', '  ret', ...data)).map((x) => x[0])).to.deep.equal([6]);
    });
    it('reports stores that miss the same fence once, the others as related information', () => {
      const ws = new MemoryWorkspace({ '/w/k.S': lines(...setup, 'update:', '  la a1, root', '  sd a0, 8(a1)', '  sd a0, 16(a1)', '  ret', ...data) });
      const ds = L.quickDiagnostics(ws.doc('/w/k.S'), ws.ctx).filter((d) => d.code === 'pt-store-fence');
      expect(ds.map((d) => d.range.start.line)).to.deep.equal([6]);
      expect(ds[0].relatedInformation?.map((r) => r.location.range.start.line)).to.deep.equal([8, 7]);
    });
    it('is switched off by its setting', () => {
      expect(kernel(lines(...setup, '  la a1, root', '  sd a0, 8(a1)', '  ret', ...data), { 'pt-store-fence': false })).to.deep.equal([]);
    });
  });
});
