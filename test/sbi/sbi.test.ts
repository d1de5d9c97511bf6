/** The SBI module as a pure function, against a recording stub of the machine services. */
import { strict as assert } from 'node:assert';
import {
  EID, HsmState, SBI_ERR_ALREADY_AVAILABLE, SBI_ERR_FAILED, SBI_ERR_INVALID_ADDRESS, SBI_ERR_INVALID_PARAM,
  SBI_ERR_NOT_SUPPORTED, hartMask, sbiCall, type RfenceRequest, type SbiEnv, type SbiReturn,
} from '../../simulator/sbi';

const ALL = (1n << 64n) - 1n;

class Stub implements SbiEnv {
  hartCount = 4;
  machineIds = { mvendorid: 1n, marchid: 2n, mimpid: 3n };
  hasHypervisor = false;
  states: HsmState[] = [HsmState.Started, HsmState.Stopped, HsmState.Stopped, HsmState.Started];
  log: string[] = [];
  input = [0x61, 0x62, 0x63];
  mem = new Uint8Array(64);
  currentVmid(hart: number): number { return 7 + hart; }
  setTimer(hart: number, t: bigint): void { this.log.push(`timer ${hart} ${t}`); }
  sendIpi(from: number, to: number): void { this.log.push(`ipi ${from}->${to}`); }
  rfence(from: number, targets: readonly number[], r: RfenceRequest): void { this.log.push(`rfence ${from}->${targets.join(',')} ${JSON.stringify(r, (_k, v: unknown) => (typeof v === 'bigint' ? `0x${v.toString(16)}` : v))}`); }
  hsmState(h: number): HsmState { return this.states[h]; }
  hartStart(_from: number, t: number, addr: bigint, opaque: bigint): void { this.log.push(`start ${t} 0x${addr.toString(16)} ${opaque}`); this.states[t] = HsmState.StartPending; }
  hartStop(h: number): void { this.log.push(`stop ${h}`); this.states[h] = HsmState.Stopped; }
  hartSuspend(h: number, retentive: boolean, addr: bigint, opaque: bigint): void { this.log.push(`suspend ${h} ${retentive} 0x${addr.toString(16)} ${opaque}`); }
  isExecutable(addr: bigint): boolean { return addr >= 0x80000000n && addr < 0x80100000n; }
  readMemory(addr: bigint, n: number): Uint8Array | undefined { return addr >= 0x1000n && addr + BigInt(n) <= 0x1040n ? this.mem.slice(Number(addr) - 0x1000, Number(addr) - 0x1000 + n) : undefined; }
  writeMemory(addr: bigint, d: Uint8Array): boolean { if (!this.readMemory(addr, d.length)) return false; this.mem.set(d, Number(addr) - 0x1000); return true; }
  consoleWrite(b: Uint8Array): void { this.log.push(`out ${new TextDecoder().decode(b)}`); }
  consoleRead(max: number): Uint8Array { return Uint8Array.from(this.input.splice(0, max)); }
  systemReset(type: string, failure: boolean): void { this.log.push(`reset ${type} ${failure}`); }
}

const call = (env: SbiEnv, eid: bigint, fid: bigint, ...args: bigint[]): SbiReturn => sbiCall({ hart: 0, eid, fid, args: [...args, 0n, 0n, 0n, 0n, 0n, 0n].slice(0, 6) }, env);
const ret = (error: bigint, value = 0n): SbiReturn => ({ kind: 'sbiret', error, value });

describe('SBI', function () {
  it('Base: spec 2.0, implementation id/version, probe, machine ids; unknown functions and extensions', function () {
    const e = new Stub();
    assert.deepEqual(call(e, EID.BASE, 0n), ret(0n, 0x2000000n));
    assert.deepEqual(call(e, EID.BASE, 1n), ret(0n, 0x484cn));
    assert.deepEqual(call(e, EID.BASE, 2n), ret(0n, 0x10000n));
    for (const eid of [EID.BASE, EID.TIME, EID.IPI, EID.RFENCE, EID.HSM, EID.SRST, EID.DBCN, 0x01n, 0x02n]) assert.deepEqual(call(e, EID.BASE, 3n, eid), ret(0n, 1n), `probe ${eid.toString(16)}`);
    for (const eid of [0x03n, 0x504d55n, 0x12345n]) assert.deepEqual(call(e, EID.BASE, 3n, eid), ret(0n, 0n));
    assert.deepEqual(call(e, EID.BASE, 4n), ret(0n, 1n));
    assert.deepEqual(call(e, EID.BASE, 5n), ret(0n, 2n));
    assert.deepEqual(call(e, EID.BASE, 6n), ret(0n, 3n));
    assert.deepEqual(call(e, EID.BASE, 7n), ret(SBI_ERR_NOT_SUPPORTED));
    assert.deepEqual(call(e, 0x0a000000n, 0n), ret(SBI_ERR_NOT_SUPPORTED));
    assert.deepEqual(call(e, EID.TIME, 1n), ret(SBI_ERR_NOT_SUPPORTED));
  });

  it('hart masks: base -1 means all harts; bits beyond the harts are invalid', function () {
    assert.deepEqual(hartMask(0b101n, 0n, 4), [0, 2]);
    assert.deepEqual(hartMask(0b11n, 2n, 4), [2, 3]);
    assert.deepEqual(hartMask(0n, ALL, 3), [0, 1, 2]);
    assert.equal(hartMask(0b100n, 2n, 4), undefined);
    assert.deepEqual(hartMask(0n, 9n, 4), []);
  });

  it('TIME and IPI reach the services; invalid masks are SBI_ERR_INVALID_PARAM', function () {
    const e = new Stub();
    assert.deepEqual(call(e, EID.TIME, 0n, 12345n), ret(0n));
    assert.deepEqual(call(e, EID.IPI, 0n, 0b1010n, 0n), ret(0n));
    assert.deepEqual(call(e, EID.IPI, 0n, 1n, 4n), ret(SBI_ERR_INVALID_PARAM));
    assert.deepEqual(e.log, ['timer 0 12345', 'ipi 0->1', 'ipi 0->3']);
  });

  it('RFENCE: ranges, ASIDs, whole-space forms; hfence needs H; VVMA uses the caller VMID', function () {
    const e = new Stub();
    assert.deepEqual(call(e, EID.RFENCE, 0n, 2n, 0n), ret(0n));
    assert.deepEqual(call(e, EID.RFENCE, 1n, 2n, 0n, 0n, 0n), ret(0n));
    assert.deepEqual(call(e, EID.RFENCE, 1n, 2n, 0n, 0x1000n, ALL), ret(0n));
    assert.deepEqual(call(e, EID.RFENCE, 2n, 6n, 0n, 0x4000n, 0x2000n, 0x1_0005n), ret(0n));
    assert.deepEqual(call(e, EID.RFENCE, 3n, 2n, 0n, 0n, 0n, 1n), ret(SBI_ERR_NOT_SUPPORTED));
    assert.deepEqual(call(e, EID.RFENCE, 7n, 2n, 0n), ret(SBI_ERR_NOT_SUPPORTED));
    assert.deepEqual(call(e, EID.RFENCE, 1n, 0x10n, 0n, 0n, 0n), ret(SBI_ERR_INVALID_PARAM));
    e.hasHypervisor = true;
    assert.deepEqual(call(e, EID.RFENCE, 3n, 2n, 0n, 0x8000n, 0x1000n, 9n), ret(0n));
    assert.deepEqual(call(e, EID.RFENCE, 5n, 2n, 0n, 0x8000n, 0x1000n, 4n), ret(0n));
    assert.deepEqual(call(e, EID.RFENCE, 6n, 2n, 0n, 0n, 0n), ret(0n));
    assert.deepEqual(e.log, [
      'rfence 0->1 {"kind":"fence.i","all":true,"start":"0x0","size":"0x0"}',
      'rfence 0->1 {"kind":"sfence.vma","all":true,"start":"0x0","size":"0x0"}',
      'rfence 0->1 {"kind":"sfence.vma","all":true,"start":"0x1000","size":"0xffffffffffffffff"}',
      'rfence 0->1,2 {"kind":"sfence.vma","all":false,"start":"0x4000","size":"0x2000","asid":5}',
      'rfence 0->1 {"kind":"hfence.gvma","all":false,"start":"0x8000","size":"0x1000","vmid":9}',
      'rfence 0->1 {"kind":"hfence.vvma","all":false,"start":"0x8000","size":"0x1000","asid":4,"vmid":7}',
      'rfence 0->1 {"kind":"hfence.vvma","all":true,"start":"0x0","size":"0x0","vmid":7}',
    ]);
  });

  it('HSM: start/stop/status/suspend with their error codes', function () {
    const e = new Stub();
    assert.deepEqual(call(e, EID.HSM, 2n, 1n), ret(0n, BigInt(HsmState.Stopped)));
    assert.deepEqual(call(e, EID.HSM, 2n, 4n), ret(SBI_ERR_INVALID_PARAM));
    assert.deepEqual(call(e, EID.HSM, 0n, 1n, 0x80000000n, 42n), ret(0n));
    assert.deepEqual(call(e, EID.HSM, 0n, 1n, 0x80000000n, 42n), ret(SBI_ERR_ALREADY_AVAILABLE));
    assert.deepEqual(call(e, EID.HSM, 0n, 2n, 0x1000n, 0n), ret(SBI_ERR_INVALID_ADDRESS));
    assert.deepEqual(call(e, EID.HSM, 0n, 9n, 0x80000000n, 0n), ret(SBI_ERR_INVALID_PARAM));
    assert.deepEqual(call(e, EID.HSM, 1n), { kind: 'none' });
    assert.deepEqual(call(e, EID.HSM, 1n), ret(SBI_ERR_FAILED), 'a stopped hart cannot stop');
    assert.deepEqual(call(e, EID.HSM, 3n, 0n), ret(0n));
    assert.deepEqual(call(e, EID.HSM, 3n, 0x80000000n, 0x80000100n, 5n), { kind: 'none' });
    assert.deepEqual(call(e, EID.HSM, 3n, 0x80000000n, 0x10n, 5n), ret(SBI_ERR_INVALID_ADDRESS));
    assert.deepEqual(call(e, EID.HSM, 3n, 1n), ret(SBI_ERR_INVALID_PARAM), 'reserved suspend type');
    assert.deepEqual(call(e, EID.HSM, 3n, 0x10000000n), ret(SBI_ERR_INVALID_PARAM), 'platform-specific, not implemented');
    assert.deepEqual(e.log, ['start 1 0x80000000 42', 'stop 0', 'suspend 0 true 0x0 0', 'suspend 0 false 0x80000100 5']);
  });

  it('DBCN and legacy console: memory checks, partial reads, getchar -1', function () {
    const e = new Stub();
    e.mem.set(new TextEncoder().encode('hey'), 0);
    assert.deepEqual(call(e, EID.DBCN, 0n, 3n, 0x1000n, 0n), ret(0n, 3n));
    assert.deepEqual(call(e, EID.DBCN, 0n, 3n, 0x1000n, 1n), ret(SBI_ERR_INVALID_PARAM), 'base_addr_hi must be 0 on RV64');
    assert.deepEqual(call(e, EID.DBCN, 0n, 100n, 0x1000n, 0n), ret(SBI_ERR_INVALID_PARAM));
    assert.deepEqual(call(e, EID.DBCN, 1n, 2n, 0x1010n, 0n), ret(0n, 2n));
    assert.deepEqual([...e.mem.slice(0x10, 0x12)], [0x61, 0x62]);
    assert.deepEqual(call(e, EID.DBCN, 1n, 8n, 0x1010n, 0n), ret(0n, 1n));
    assert.deepEqual(call(e, EID.DBCN, 2n, 0x2an), ret(0n));
    assert.deepEqual(call(e, EID.LEGACY_PUTCHAR, 0n, 0x0an), { kind: 'legacy', a0: 0n });
    assert.deepEqual(call(e, EID.LEGACY_GETCHAR, 0n), { kind: 'legacy', a0: ALL });
    assert.deepEqual(call(e, EID.DBCN, 3n), ret(SBI_ERR_NOT_SUPPORTED));
    assert.deepEqual(e.log, ['out hey', 'out *', 'out \n']);
  });

  it('SRST: shutdown, reboots, system failure; reserved types and reasons', function () {
    const e = new Stub();
    assert.deepEqual(call(e, EID.SRST, 0n, 0n, 0n), { kind: 'none' });
    assert.deepEqual(call(e, EID.SRST, 0n, 0n, 1n), { kind: 'none' });
    assert.deepEqual(call(e, EID.SRST, 0n, 1n, 0n), { kind: 'none' });
    assert.deepEqual(call(e, EID.SRST, 0n, 2n, 0xe0000001n), { kind: 'none' });
    assert.deepEqual(call(e, EID.SRST, 0n, 3n, 0n), ret(SBI_ERR_INVALID_PARAM));
    assert.deepEqual(call(e, EID.SRST, 0n, 0xf0000000n, 0n), ret(SBI_ERR_NOT_SUPPORTED));
    assert.deepEqual(call(e, EID.SRST, 0n, 0n, 2n), ret(SBI_ERR_INVALID_PARAM));
    assert.deepEqual(call(e, EID.LEGACY_SHUTDOWN, 0n), { kind: 'none' });
    assert.deepEqual(e.log, ['reset shutdown false', 'reset shutdown true', 'reset cold-reboot false', 'reset warm-reboot false', 'reset shutdown false']);
  });
});
