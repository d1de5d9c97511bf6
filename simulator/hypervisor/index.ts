export { Hypervisor, HypervisorConfigError, VcpuSbiEnv, HYPERVISOR_SNAPSHOT_REFS, type HypervisorOptions, type HypervisorState, type VmSpec } from './hypervisor';
export { Vm, GUEST_RAM_BASE, GUEST_UART_BASE, GUEST_UART_SIZE, type VmState } from './vm';
export { Vcpu, saveContext, restoreContext, emptyContext, type VcpuContext, type VcpuState } from './vcpu';
export { GStage, HostMemory, PagePool, gstagePagesFor, GSTAGE_ROOT_BYTES } from './gstage';
export * from './hypercalls';
