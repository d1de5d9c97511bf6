/** Expressions: the parser and evaluator on their own (a fake environment), then against a running guest. */
import { strict as assert } from 'node:assert';
import { U64, evaluateNode, formatValue, parse, type EvalEnv } from '../../../debug-adapter/inspect/expression';
import { InspectError, evaluate, readMemory, writeMemory } from '../../../debug-adapter/inspect';
import { build } from './helpers';

/** Memory: byte i at address 0x1000 + i is i; names a = 5, base = 0x1000 (a symbol). */
const env: EvalEnv = {
  lookup: (n) => (n === 'a' ? { value: 5n, type: U64, kind: 'register' } : n === 'base' ? { value: 0x1000n, type: U64, kind: 'symbol' } : undefined),
  read: (address, size, column) => {
    if (address < 0x1000n || address + BigInt(size) > 0x1100n) throw new InspectError(`cannot read ${address}`, column);
    let v = 0n;
    for (let i = size - 1; i >= 0; i--) v = (v << 8n) | ((address - 0x1000n + BigInt(i)) & 0xffn);
    return v;
  },
};
const ev = (src: string): bigint => evaluateNode(parse(src), env).value;

describe('inspect: expressions', () => {
  it('precedence and associativity as in C', () => {
    const cases: [string, bigint][] = [
      ['1 + 2 * 3', 7n], ['(1 + 2) * 3', 9n], ['1 << 4 | 1', 17n], ['10 - 3 - 2', 5n], ['100 / 10 / 5', 2n],
      ['2 + 3 << 1', 10n], ['1 | 2 ^ 3 & 4', 3n], ['3 < 4 == 1', 1n], ['1 && 0 || 1', 1n], ['0 || 0 && 1', 0n],
      ['-2 * -3', 6n], ['~0 + 1', 0n], ['!0 + !5', 1n], ['5 ^ 3', 6n], ['2 >= 3', 0n], ['7 % 4 * 2', 6n], ['a * a - a', 20n],
      ['0x10 + 0b101 + 0o17 + 1_000', 1036n], ['base[0] == 0x0706050403020100', 1n],
    ];
    for (const [src, want] of cases) assert.equal(ev(src), want, src);
  });

  it('signed and unsigned arithmetic, casts, pointer scaling', () => {
    const cases: [string, bigint][] = [
      ['-7 / 2', -3n], ['-7 % 3', -1n], ['-16 >> 2', -4n], ['(u64)-16 >> 60', 15n], ['(u64)-1 / 2', (1n << 63n) - 1n],
      ['(u8)0x1ff', 0xffn], ['(i8)0xff', -1n], ['(unsigned char)300', 44n], ['(int)0x80000000', -2147483648n], ['(unsigned)-1', 0xffffffffn],
      ['(long long)-1', -1n], ['(unsigned long)-1 == (u64)-1', 1n], ['(u16 *)0x1000 + 2', 0x1004n], ['(u64 *)0x1018 - (u64 *)0x1000', 3n],
      ['-1 < 0', 1n], ['(u64)-1 < 0', 0n], ['a - 6 < 0', 0n],
    ];
    for (const [src, want] of cases) assert.equal(ev(src), want, src);
    assert.equal(evaluateNode(parse('(i8)0xff'), env).type.name, 'i8');
    assert.equal(evaluateNode(parse('(u32 *)base'), env).type.name, 'u32 *');
    assert.equal(formatValue(evaluateNode(parse('(u8)0x1ff'), env)), '0xff');
    assert.equal(formatValue(evaluateNode(parse('-5'), env)), '-5');
    assert.equal(formatValue(evaluateNode(parse('-5'), env), 'hex'), '0xfffffffffffffffb');
  });

  it('dereferences, indexing and address-of read through the environment', () => {
    assert.equal(ev('*(u8 *)(base + 7)'), 7n);
    assert.equal(ev('*(u32 *)(base + 4)'), 0x07060504n);
    assert.equal(ev('*(u16 *)base'), 0x0100n);
    assert.equal(ev('((u8 *)base)[9]'), 9n);
    assert.equal(ev('((u16 *)base)[1]'), 0x0302n);
    assert.equal(ev('*(i8 *)(base + 0x80)'), -128n);
    assert.equal(ev('*base'), 0x0706050403020100n, '*e of a non-pointer reads a u64');
    assert.equal(ev('&*(u32 *)(base + 4)'), 0x1004n);
    assert.equal(ev('&base'), 0x1000n);
  });

  it('malformed input: a located InspectError', () => {
    const cases: [string, number, RegExp][] = [
      ['1 +', 4, /ends where an operand/], ['(1 + 2', 7, /missing '\)'/], ['1 + 2)', 6, /unmatched/], ['foo + 1', 1, /no register, CSR or symbol named 'foo'/],
      ['1 / 0', 3, /division by zero/], ['1 $ 2', 3, /expected an operator/], ['', 1, /empty/], ['2 3', 3, /expected an operator/],
      ['1 # 2', 3, /unexpected character/], ['0x', 1, /malformed number/], ['12abc', 1, /malformed number/], ['99999999999999999999999', 1, /64 bits/],
      ['*(void *)base', 1, /void/], ['1 << 64', 3, /shift count/], ['*(u64 *)0x5000', 1, /cannot read/], ['a[base', 7, /missing '\]'/], ['()', 2, /empty parentheses/],
      ['(u8 *)', 7, /ends where an operand/], ['&5', 1, /'&' needs/],
    ];
    for (const [src, col, msg] of cases) {
      assert.throws(() => ev(src), (e: unknown) => {
        assert.ok(e instanceof InspectError, `${src}: ${String(e)}`);
        assert.match(e.message, msg, src);
        assert.equal(e.column, col, `${src}: column of "${e.message}"`);
        return true;
      });
    }
  });

  it('on a guest: registers, CSRs (the guest\'s view), symbols, memory through its translation', () => {
    const b = build('hello-vm/hello-vm.hlab.json');
    b.run(300);
    const t = b.target;
    const h = t.machine.harts[0];
    const ctx = { hart: 0, vm: 'hello', vcpu: 0 };
    const sp = h.getReg(2);
    assert.ok(sp >> 38n !== 0n, 'sp is a high-half address');
    assert.equal(evaluate(t, ctx, 'sp').value, sp);
    assert.equal(evaluate(t, ctx, 'sp').memoryReference, `0x${sp.toString(16)}`);
    assert.equal(evaluate(t, ctx, 'x2 == $sp').value, 1n);
    const data = Uint8Array.from([0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77, 0x88]);
    assert.equal(writeMemory(t, ctx, sp + 16n, data, 'virtual'), 8);
    const r = evaluate(t, ctx, '*(u64 *)(sp + 16)');
    assert.equal(r.value, 0x8877665544332211n);
    assert.equal(r.text, '0x8877665544332211');
    assert.equal(r.type, 'u64');
    assert.equal(evaluate(t, ctx, '*(u16 *)(sp + 17)').value, 0x3322n);
    assert.equal(evaluate(t, ctx, '*(i8 *)(sp + 23)').value, -120n);
    assert.equal(evaluate(t, ctx, '*(u8 *)msg_boot').value, BigInt('h'.charCodeAt(0)));
    const start = t.hypervisor?.readGuest(t.hypervisor.vms[0], 0x80000000n, 4);
    assert.ok(start);
    assert.equal(evaluate(t, ctx, '*(u32 *)_start').value, BigInt(new DataView(start.buffer, start.byteOffset).getUint32(0, true)));
    const sym = evaluate(t, ctx, '_start');
    assert.equal(sym.value, 0x80000000n);
    assert.equal(sym.text, '0x80000000 <_start>');
    assert.equal(sym.memoryReference, '0x80000000');
    assert.equal(evaluate(t, ctx, 'satp').value, h.vsatp, 'satp of a vCPU thread is the guest\'s (vsatp)');
    assert.equal(evaluate(t, ctx, 'hgatp').value, h.hgatp);
    assert.equal(evaluate(t, ctx, 'pc').text.includes('<puts'), true);
    assert.equal(evaluate(t, ctx, '(sp - 8) / 8', { format: 'decimal' }).text, ((sp - 8n) / 8n).toString());
    assert.throws(() => evaluate(t, ctx, '*(u64 *)0x5000'), (e: unknown) => e instanceof InspectError && e.column === 1 && /guest-page fault/.test(e.message));
    assert.throws(() => evaluate(t, ctx, 'sp + nothere'), (e: unknown) => e instanceof InspectError && e.column === 6);
    assert.equal(readMemory(t, ctx, sp + 16n, 8, 'virtual').data[0], 0x11);
  });
});
