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
 * | 16 | register_callback | a0 = GPA of the eBPF bytecode, a1 = its length in bytes, a2 = event (0 page-reclaim, 1 vcpu-preemption, 2 io-submission, 3 tracing), a3 = start and a4 = end of the permitted guest-virtual range | callback id (reserved: not implemented yet, returns SBI_ERR_NOT_SUPPORTED) |
 * | 17 | unregister_callback | a0 = callback id | 0 (reserved: SBI_ERR_NOT_SUPPORTED) |
 *
 * Errors are the SBI error codes: SBI_ERR_NOT_SUPPORTED (-2) for an unknown FID or a reserved one,
 * SBI_ERR_INVALID_PARAM (-3) for an unknown vm_info field.
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
} as const;

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
    default: return { error: SBI_ERR_NOT_SUPPORTED, value: 0n }; // incl. the reserved callback slots
  }
}
