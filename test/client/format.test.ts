import assert from 'node:assert/strict';
import { formatCount, formatRate, formatSize, formatValue, parseAddressInput, parseHex } from '../../client/model/format';

describe('client/model/format', () => {
  it('shows protocol hex values in hex or decimal', () => {
    assert.equal(formatValue('0x80001000', 'hex'), '0x80001000');
    assert.equal(formatValue('0X80001000', 'dec'), '2147487744');
    assert.equal(formatValue('0xffffffffffffffff', 'dec'), '18446744073709551615');
    assert.equal(formatValue('bogus', 'hex'), 'bogus (?)');
  });
  it('rejects non-hex protocol values with the text quoted', () => {
    assert.throws(() => parseHex('12'), /'12'/);
    assert.equal(parseHex('0x10'), 16n);
  });
  it('formats counts, sizes and rates', () => {
    assert.equal(formatCount(1234567), '1,234,567');
    assert.equal(formatSize(4096), '4 KiB');
    assert.equal(formatSize(2 * 1024 * 1024), '2 MiB');
    assert.equal(formatSize(2 ** 30), '1 GiB');
    assert.equal(formatSize(1000), '1000 B');
    assert.equal(formatRate(90, 10), '90.0%');
    assert.equal(formatRate(0, 0), '–');
  });
  it('parses typed addresses and says why a bad one is bad', () => {
    assert.deepEqual(parseAddressInput(' 0x8000_1000 '), { ok: true, value: '0x80001000' });
    assert.deepEqual(parseAddressInput('4096'), { ok: true, value: '0x1000' });
    assert.deepEqual(parseAddressInput('0b101'), { ok: true, value: '0x5' });
    const bad = parseAddressInput('0xzz');
    assert.equal(bad.ok, false);
    assert.match(bad.ok ? '' : bad.error, /'0xzz' is not a number/);
    const big = parseAddressInput('0x1_0000_0000_0000_0000');
    assert.match(big.ok ? '' : big.error, /64 bits/);
    assert.equal(parseAddressInput('').ok, false);
  });
});
