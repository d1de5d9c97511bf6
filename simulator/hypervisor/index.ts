export { Hypervisor, HypervisorConfigError, VcpuSbiEnv, HYPERVISOR_SNAPSHOT_REFS, type HypervisorOptions, type HypervisorState, type VmSpec } from './hypervisor';
export { Vm, GUEST_RAM_BASE, GUEST_UART_BASE, GUEST_UART_SIZE, type VmState } from './vm';
export { Vcpu, saveContext, restoreContext, emptyContext, type VcpuContext, type VcpuState } from './vcpu';
export { GStage, HostMemory, PagePool, gstagePagesFor, GSTAGE_ROOT_BYTES } from './gstage';
export * from './hypercalls';
export { CallbackRegistry, Callback, GuestWindow, eventContext, CALLBACK_BUDGET, CALLBACK_EVENT_CODES, type RegisterOutcome, type RunOutcome } from './callbacks';
export { RECLAIM_STRATEGIES, type ReclaimSpec, type ReclaimStrategy, type ReclaimState } from './reclaim';
