/**
 * The native SBI firmware (RISC-V Supervisor Binary Interface 2.0) as a pure function of the
 * calling hart's argument registers and a set of machine services.
 *
 * The machine calls {@link sbiCall} when a hart in S (HS) mode executes `ecall`; the hypervisor can
 * later serve VS-mode guests with the same function and services that act on vCPUs. Nothing here
 * touches a hart directly: every effect goes through {@link SbiEnv}.
 *
 * Extensions: Base (0x10), TIME, IPI, RFENCE, HSM, SRST, DBCN and the legacy console calls
 * (0x00 set_timer, 0x01 putchar, 0x02 getchar, 0x08 shutdown). Unknown extensions and functions
 * return SBI_ERR_NOT_SUPPORTED.
 */
import {
  EID, HsmState, REASON_SYSTEM_FAILURE, RESET_COLD_REBOOT, RESET_SHUTDOWN, RESET_WARM_REBOOT,
  SBI_ERR_ALREADY_AVAILABLE, SBI_ERR_FAILED, SBI_ERR_INVALID_ADDRESS, SBI_ERR_INVALID_PARAM, SBI_ERR_NOT_SUPPORTED,
  SBI_IMPL_ID, SBI_IMPL_VERSION, SBI_SPEC_VERSION, SBI_SUCCESS, SUSPEND_NON_RETENTIVE, SUSPEND_RETENTIVE,
} from './constants';

/** The call as the registers hold it: a7 = EID, a6 = FID, a0..a5 = arguments. */
export interface SbiCall {
  /** Hart (or vCPU) id of the caller. */
  hart: number;
  eid: bigint;
  fid: bigint;
  /** a0..a5 as unsigned 64-bit values. */
  args: readonly bigint[];
}

/**
 * What the call returns: `error`/`value` go to a0/a1; a legacy call sets only a0 (`legacy`);
 * `none` means the caller does not continue (hart stopped, system reset) and its registers are
 * left alone.
 */
export type SbiReturn = { kind: 'sbiret'; error: bigint; value: bigint } | { kind: 'legacy'; a0: bigint } | { kind: 'none' };

export type RfenceKind = 'fence.i' | 'sfence.vma' | 'hfence.gvma' | 'hfence.vvma';

export interface RfenceRequest {
  kind: RfenceKind;
  /** Start and size of the range; `all` = the whole address space. */
  all: boolean;
  start: bigint;
  size: bigint;
  asid?: number;
  vmid?: number;
}

/** Services of the machine (or of the hypervisor, for a guest). Harts are numbered 0..hartCount-1. */
export interface SbiEnv {
  readonly hartCount: number;
  /** mvendorid, marchid, mimpid of the machine. */
  readonly machineIds: { mvendorid: bigint; marchid: bigint; mimpid: bigint };
  /** Whether the H extension is present (RFENCE hfence calls need it). */
  readonly hasHypervisor: boolean;
  /** The caller's current hgatp.VMID (for remote_hfence_vvma). */
  currentVmid(hart: number): number;
  /** Programs the supervisor timer of `hart`: STIP clears now and sets when time >= `stime`. */
  setTimer(hart: number, stime: bigint): void;
  /** Sends a supervisor software interrupt from `from` to `target`. */
  sendIpi(from: number, target: number): void;
  /** Executes the fence on every target hart (the call returns once all have done so). */
  rfence(from: number, targets: readonly number[], request: RfenceRequest): void;
  hsmState(hart: number): HsmState;
  /** Starts a STOPPED hart at `addr` in S mode with a0 = hartid, a1 = opaque. */
  hartStart(from: number, target: number, addr: bigint, opaque: bigint): void;
  hartStop(hart: number): void;
  /** Suspends the caller; non-retentive suspends resume at `resumeAddr` with a1 = opaque. */
  hartSuspend(hart: number, retentive: boolean, resumeAddr: bigint, opaque: bigint): void;
  /** Whether `addr` is memory a hart can execute from (start and resume addresses). */
  isExecutable(addr: bigint): boolean;
  /** Reads guest physical memory; undefined if any byte is not accessible. */
  readMemory(addr: bigint, length: number): Uint8Array | undefined;
  /** Writes guest physical memory; false if any byte is not accessible (nothing is then written). */
  writeMemory(addr: bigint, data: Uint8Array): boolean;
  consoleWrite(bytes: Uint8Array): void;
  /** Takes up to `max` bytes of console input (possibly none). */
  consoleRead(max: number): Uint8Array;
  /** system_reset: the machine stops. */
  systemReset(type: 'shutdown' | 'cold-reboot' | 'warm-reboot', failure: boolean): void;
}

const ok = (value = 0n): SbiReturn => ({ kind: 'sbiret', error: SBI_SUCCESS, value });
const err = (error: bigint): SbiReturn => ({ kind: 'sbiret', error, value: 0n });
const U64 = (1n << 64n) - 1n;

/** Serves one SBI call. */
export function sbiCall(call: SbiCall, env: SbiEnv): SbiReturn {
  const a = call.args;
  switch (call.eid) {
    case EID.BASE: return base(call.fid, a, env);
    case EID.TIME:
      if (call.fid !== 0n) return err(SBI_ERR_NOT_SUPPORTED);
      env.setTimer(call.hart, a[0]);
      return ok();
    case EID.IPI: {
      if (call.fid !== 0n) return err(SBI_ERR_NOT_SUPPORTED);
      const targets = hartMask(a[0], a[1], env.hartCount);
      if (targets === undefined) return err(SBI_ERR_INVALID_PARAM);
      for (const t of targets) env.sendIpi(call.hart, t);
      return ok();
    }
    case EID.RFENCE: return rfence(call, env);
    case EID.HSM: return hsm(call, env);
    case EID.SRST: {
      if (call.fid !== 0n) return err(SBI_ERR_NOT_SUPPORTED);
      const type = a[0] & 0xffffffffn, reason = a[1] & 0xffffffffn;
      if (type >= 0xf0000000n) return err(SBI_ERR_NOT_SUPPORTED);
      if (type > RESET_WARM_REBOOT) return err(SBI_ERR_INVALID_PARAM);
      if (reason > REASON_SYSTEM_FAILURE && reason < 0xe0000000n) return err(SBI_ERR_INVALID_PARAM);
      env.systemReset(type === RESET_SHUTDOWN ? 'shutdown' : type === RESET_COLD_REBOOT ? 'cold-reboot' : 'warm-reboot', reason === REASON_SYSTEM_FAILURE);
      return { kind: 'none' };
    }
    case EID.DBCN: return dbcn(call.fid, a, env);
    case EID.LEGACY_SET_TIMER: env.setTimer(call.hart, a[0]); return { kind: 'legacy', a0: 0n };
    case EID.LEGACY_PUTCHAR: env.consoleWrite(Uint8Array.of(Number(a[0] & 0xffn))); return { kind: 'legacy', a0: 0n };
    case EID.LEGACY_GETCHAR: {
      const b = env.consoleRead(1);
      return { kind: 'legacy', a0: b.length === 0 ? U64 : BigInt(b[0]) };
    }
    case EID.LEGACY_SHUTDOWN: env.systemReset('shutdown', false); return { kind: 'none' };
    default: return err(SBI_ERR_NOT_SUPPORTED);
  }
}

const EXTENSIONS: readonly bigint[] = [EID.BASE, EID.TIME, EID.IPI, EID.RFENCE, EID.HSM, EID.SRST, EID.DBCN, EID.LEGACY_SET_TIMER, EID.LEGACY_PUTCHAR, EID.LEGACY_GETCHAR, EID.LEGACY_SHUTDOWN];

function base(fid: bigint, a: readonly bigint[], env: SbiEnv): SbiReturn {
  switch (fid) {
    case 0n: return ok(SBI_SPEC_VERSION);
    case 1n: return ok(SBI_IMPL_ID);
    case 2n: return ok(SBI_IMPL_VERSION);
    case 3n: return ok(EXTENSIONS.includes(a[0]) ? 1n : 0n);
    case 4n: return ok(env.machineIds.mvendorid);
    case 5n: return ok(env.machineIds.marchid);
    case 6n: return ok(env.machineIds.mimpid);
    default: return err(SBI_ERR_NOT_SUPPORTED);
  }
}

/**
 * Harts selected by (hart_mask, hart_mask_base): base = -1 (all ones) selects every hart; otherwise
 * bit i of the mask selects hart base + i. Undefined when a selected hart does not exist.
 */
export function hartMask(mask: bigint, maskBase: bigint, hartCount: number): number[] | undefined {
  if (maskBase === U64) return Array.from({ length: hartCount }, (_, i) => i);
  const out: number[] = [];
  for (let i = 0n; i < 64n; i++) {
    if (!((mask >> i) & 1n)) continue;
    const h = maskBase + i;
    if (h >= BigInt(hartCount)) return undefined;
    out.push(Number(h));
  }
  return out;
}

function rfence(call: SbiCall, env: SbiEnv): SbiReturn {
  const a = call.args;
  const fid = call.fid;
  if (fid > 6n) return err(SBI_ERR_NOT_SUPPORTED);
  if (fid >= 3n && !env.hasHypervisor) return err(SBI_ERR_NOT_SUPPORTED);
  const targets = hartMask(a[0], a[1], env.hartCount);
  if (targets === undefined) return err(SBI_ERR_INVALID_PARAM);
  const start = a[2], size = a[3];
  const all = (start === 0n && size === 0n) || size === U64;
  let req: RfenceRequest;
  switch (fid) {
    case 0n: req = { kind: 'fence.i', all: true, start: 0n, size: 0n }; break;
    case 1n: req = { kind: 'sfence.vma', all, start, size }; break;
    case 2n: req = { kind: 'sfence.vma', all, start, size, asid: Number(a[4] & 0xffffn) }; break;
    case 3n: req = { kind: 'hfence.gvma', all, start, size, vmid: Number(a[4] & 0x3fffn) }; break;
    case 4n: req = { kind: 'hfence.gvma', all, start, size }; break;
    case 5n: req = { kind: 'hfence.vvma', all, start, size, asid: Number(a[4] & 0xffffn), vmid: env.currentVmid(call.hart) }; break;
    default: req = { kind: 'hfence.vvma', all, start, size, vmid: env.currentVmid(call.hart) }; break;
  }
  env.rfence(call.hart, targets, req);
  return ok();
}

function hsm(call: SbiCall, env: SbiEnv): SbiReturn {
  const a = call.args;
  switch (call.fid) {
    case 0n: { // hart_start(hartid, start_addr, opaque)
      if (a[0] >= BigInt(env.hartCount)) return err(SBI_ERR_INVALID_PARAM);
      const t = Number(a[0]);
      if (env.hsmState(t) !== HsmState.Stopped) return err(SBI_ERR_ALREADY_AVAILABLE);
      if (!env.isExecutable(a[1])) return err(SBI_ERR_INVALID_ADDRESS);
      env.hartStart(call.hart, t, a[1], a[2]);
      return ok();
    }
    case 1n: // hart_stop(): no return on success
      if (env.hsmState(call.hart) !== HsmState.Started) return err(SBI_ERR_FAILED);
      env.hartStop(call.hart);
      return { kind: 'none' };
    case 2n: // hart_get_status(hartid)
      if (a[0] >= BigInt(env.hartCount)) return err(SBI_ERR_INVALID_PARAM);
      return ok(BigInt(env.hsmState(Number(a[0]))));
    case 3n: { // hart_suspend(suspend_type, resume_addr, opaque)
      const type = a[0] & 0xffffffffn;
      if (type !== SUSPEND_RETENTIVE && type !== SUSPEND_NON_RETENTIVE) return err(SBI_ERR_INVALID_PARAM);
      const retentive = type === SUSPEND_RETENTIVE;
      if (!retentive && !env.isExecutable(a[1])) return err(SBI_ERR_INVALID_ADDRESS);
      env.hartSuspend(call.hart, retentive, a[1], a[2]);
      return retentive ? ok() : { kind: 'none' };
    }
    default: return err(SBI_ERR_NOT_SUPPORTED);
  }
}

function dbcn(fid: bigint, a: readonly bigint[], env: SbiEnv): SbiReturn {
  switch (fid) {
    case 0n: case 1n: { // console_write / console_read(num_bytes, base_addr_lo, base_addr_hi)
      if (a[2] !== 0n) return err(SBI_ERR_INVALID_PARAM); // RV64: the address is base_addr_lo
      // Non-blocking: one call moves at most 1 MiB (a partial write/read, as the spec allows).
      const n = a[0] > 0x100000n ? 0x100000n : a[0];
      if (fid === 0n) {
        const bytes = env.readMemory(a[1], Number(n));
        if (bytes === undefined) return err(SBI_ERR_INVALID_PARAM);
        env.consoleWrite(bytes);
        return ok(n);
      }
      if (env.readMemory(a[1], Number(n)) === undefined) return err(SBI_ERR_INVALID_PARAM);
      const got = env.consoleRead(Number(n));
      if (!env.writeMemory(a[1], got)) return err(SBI_ERR_INVALID_PARAM);
      return ok(BigInt(got.length));
    }
    case 2n: env.consoleWrite(Uint8Array.of(Number(a[0] & 0xffn))); return ok();
    default: return err(SBI_ERR_NOT_SUPPORTED);
  }
}

