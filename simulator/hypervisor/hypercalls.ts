/**
 * Hypercall ABI of the HyperLab hypervisor.
 *
 * A guest kernel running in VS mode calls the hypervisor with `ecall`, exactly like an SBI call
 * (SBI 2.0 §3 "Binary encoding"): a7 = extension id, a6 = function id, a0..a5 = arguments; the
 * hypervisor returns `sbiret` in a0 (error) and a1 (value) and the guest continues after the
 * `ecall`. Every other register is preserved. SBI extensions (Base, TIME, IPI, RFENCE, HSM, SRST,
 * DBCN and the legacy calls) are served for the guest by the same code as the machine's native
 * firmware, acting on vCPUs; hypercalls use one extension id in the SBI *firmware-specific*
 * extension space (0x0A000000-0x0AFFFFFF), which SBI reserves for the firmware (here: the
 * hypervisor acting as the guest's SBI implementation):
 *
 *   EID 0x0A00484C ("HL")
 *
 * | FID | name | arguments | returns (a1 when a0 = 0) |
 * |---|---|---|---|
 * | 0 | version | — | ABI version: major << 16 \| minor (1.0 = 0x10000) |
 * | 1 | vm_info | a0 = field: 0 VM id (1-based, also the VMID), 1 vCPU count, 2 guest RAM base (GPA), 3 guest RAM size (bytes), 4 harts of the machine | the field |
 * | 2 | vcpu_id | — | the calling vCPU's index (as hart ids in SBI calls: 0..vcpus-1) |
 * | 3 | yield | — | 0; gives the hart to another runnable vCPU if there is one |
 * | 16 | register_callback | a0 = GPA of the eBPF bytecode, a1 = its length in bytes, a2 = event (0 page-reclaim, 1 vcpu-preemption, 2 io-submission, 3 tracing), a3 = start and a4 = end of the permitted guest-virtual range [start, end) | callback id (≥ 1) |
 * | 17 | unregister_callback | a0 = callback id | 0 |
 * | 18 | tracepoint | a0 = tracepoint id, a1..a3 = arguments | 0; runs the VM's `tracing` callbacks (event_id = a0, arg0..2 = a1..a3, arg3 = 0) |
 * | 19 | balloon_target | — | pages the host asks the balloon driver to give back now (0: none); acknowledges the balloon interrupt (clears the virtual software interrupt) |
 * | 20 | balloon_report | a0 = GPA of an array of u64 page frame numbers (GPA >> 12), a1 = count (1..512) | pages the host took (it unmaps them) |
 *
 * Errors are the SBI error codes: SBI_ERR_NOT_SUPPORTED (-2) for an unknown FID;
 * SBI_ERR_INVALID_PARAM (-3) for an unknown vm_info field, and for register_callback: an unknown
 * event, an empty range, or a length that is 0, not a multiple of 8 or over 64 KiB; unregister of
 * an id this VM does not have; a balloon report count out of 1..512.
 * SBI_ERR_INVALID_ADDRESS (-5): the bytecode (or the balloon array) is not inside guest RAM.
 * SBI_ERR_DENIED (-4): the bytecode does not decode or the verifier rejected it (the diagnostics
 * go to the trace as a `callback-rejected` event).
 *
 * Every hypercall first runs the VM's `tracing` callbacks with event_id = 0x100 + FID, arg0..3 =
 * a0..a3 (the hypercall site as a tracepoint), then does its work.
 * Every hypercall is one VM exit of reason `ecall`; metrics count them as `<vm>.hypercalls`.
 */
import { SBI_ERR_INVALID_PARAM, SBI_ERR_NOT_SUPPORTED, SBI_SUCCESS } from '../sbi/constants';

export const HYPERCALL_EID = 0x0a00484cn;
/** First and last EID of the SBI firmware-specific extension space. */
export const FIRMWARE_EID_FIRST = 0x0a000000n;
export const FIRMWARE_EID_LAST = 0x0affffffn;
export const HYPERCALL_ABI_VERSION = 0x10000n;

export const HC = {
  VERSION: 0n,
  VM_INFO: 1n,
  VCPU_ID: 2n,
  YIELD: 3n,
  REGISTER_CALLBACK: 16n,
  UNREGISTER_CALLBACK: 17n,
  TRACEPOINT: 18n,
  BALLOON_TARGET: 19n,
  BALLOON_REPORT: 20n,
} as const;

/** event_id of the tracepoint every hypercall fires: this + FID. */
export const TRACE_HYPERCALL_BASE = 0x100;

export const VM_INFO = { ID: 0n, VCPUS: 1n, RAM_BASE: 2n, RAM_SIZE: 3n, HARTS: 4n } as const;

/** What a hypercall may ask of the hypervisor. */
export interface HypercallEnv {
  vmId: number;
  vcpus: number;
  ramBase: bigint;
  ramSize: number;
  harts: number;
  vcpuIndex: number;
  /** Gives the caller's hart to another runnable vCPU (after the call returns). */
  yieldVcpu(): void;
  /** FIDs 16 and up: served by the hypervisor (callbacks, tracepoints, balloon). */
  extended?(fid: bigint, args: readonly bigint[]): HypercallResult | undefined;
}

export interface HypercallResult { error: bigint; value: bigint }

export function isHypercall(eid: bigint): boolean { return eid === HYPERCALL_EID; }

/** Serves one hypercall (the caller checked `isHypercall`). */
export function hypercall(fid: bigint, args: readonly bigint[], env: HypercallEnv): HypercallResult {
  const ok = (value: bigint): HypercallResult => ({ error: SBI_SUCCESS, value });
  switch (fid) {
    case HC.VERSION: return ok(HYPERCALL_ABI_VERSION);
    case HC.VM_INFO:
      switch (args[0]) {
        case VM_INFO.ID: return ok(BigInt(env.vmId));
        case VM_INFO.VCPUS: return ok(BigInt(env.vcpus));
        case VM_INFO.RAM_BASE: return ok(env.ramBase);
        case VM_INFO.RAM_SIZE: return ok(BigInt(env.ramSize));
        case VM_INFO.HARTS: return ok(BigInt(env.harts));
        default: return { error: SBI_ERR_INVALID_PARAM, value: 0n };
      }
    case HC.VCPU_ID: return ok(BigInt(env.vcpuIndex));
    case HC.YIELD: env.yieldVcpu(); return ok(0n);
    default: return env.extended?.(fid, args) ?? { error: SBI_ERR_NOT_SUPPORTED, value: 0n };
  }
}
