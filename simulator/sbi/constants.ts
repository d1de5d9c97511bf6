/** RISC-V SBI 2.0 extension ids, function ids, error codes and HSM states. */

export const SBI_SPEC_VERSION = (2n << 24n) | 0n; // 2.0: major in bits 30:24, minor in 23:0
/**
 * Implementation id. The SBI registry has no entry for HyperLab; 0x484c ("HL") is outside the
 * ids registered so far (0-11) and marks the native firmware of this simulator.
 */
export const SBI_IMPL_ID = 0x484cn;
/** Implementation version: 1.0 (major << 16 | minor). */
export const SBI_IMPL_VERSION = 0x10000n;

export const EID = {
  LEGACY_SET_TIMER: 0x00n,
  LEGACY_PUTCHAR: 0x01n,
  LEGACY_GETCHAR: 0x02n,
  LEGACY_SHUTDOWN: 0x08n,
  BASE: 0x10n,
  TIME: 0x54494d45n,
  IPI: 0x735049n,
  RFENCE: 0x52464e43n,
  HSM: 0x48534dn,
  SRST: 0x53525354n,
  DBCN: 0x4442434en,
} as const;

export const SBI_SUCCESS = 0n;
export const SBI_ERR_FAILED = -1n;
export const SBI_ERR_NOT_SUPPORTED = -2n;
export const SBI_ERR_INVALID_PARAM = -3n;
export const SBI_ERR_DENIED = -4n;
export const SBI_ERR_INVALID_ADDRESS = -5n;
export const SBI_ERR_ALREADY_AVAILABLE = -6n;
export const SBI_ERR_ALREADY_STARTED = -7n;
export const SBI_ERR_ALREADY_STOPPED = -8n;

/** HSM hart states (SBI 2.0 table "HSM Hart States"). */
export enum HsmState {
  Started = 0,
  Stopped = 1,
  StartPending = 2,
  StopPending = 3,
  Suspended = 4,
  SuspendPending = 5,
  ResumePending = 6,
}

export const SUSPEND_RETENTIVE = 0x00000000n;
export const SUSPEND_NON_RETENTIVE = 0x80000000n;

export const RESET_SHUTDOWN = 0n;
export const RESET_COLD_REBOOT = 1n;
export const RESET_WARM_REBOOT = 2n;
export const REASON_NONE = 0n;
export const REASON_SYSTEM_FAILURE = 1n;

/** Metric segment for each extension (`sbi.calls.<name>`). */
export function extensionName(eid: bigint): string {
  switch (eid) {
    case EID.BASE: return 'base';
    case EID.TIME: return 'time';
    case EID.IPI: return 'ipi';
    case EID.RFENCE: return 'rfence';
    case EID.HSM: return 'hsm';
    case EID.SRST: return 'srst';
    case EID.DBCN: return 'dbcn';
    default: return eid <= 0x0fn ? 'legacy' : 'unknown';
  }
}
