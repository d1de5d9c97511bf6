/**
 * A virtual machine: its guest-physical memory (one contiguous block of host RAM mapped at guest
 * physical 0x80000000 by the VM's G-stage tables), its VMID, its vCPUs, its emulated UART and its
 * console, and why it stopped.
 */
import { Uart16550 } from '../devices/uart16550';
import type { GStage } from './gstage';
import { Vcpu } from './vcpu';
import type { ReclaimState } from './reclaim';

/** Guest RAM starts here in every VM's guest-physical space (as on QEMU virt). */
export const GUEST_RAM_BASE = 0x80000000;
/** The emulated 16550 UART of every VM (guest-physical, QEMU virt address). */
export const GUEST_UART_BASE = 0x10000000;
export const GUEST_UART_SIZE = 0x100;

/**
 * running; shutdown (SBI system_reset shutdown, no failure); failed (shutdown with reason "system
 * failure"); reset (reboot requested: the model stops the VM); crashed (the hypervisor stopped it:
 * isolation violation, unsupported exit).
 */
export type VmState = 'running' | 'shutdown' | 'failed' | 'reset' | 'crashed';

export class Vm {
  readonly vcpus: Vcpu[] = [];
  state: VmState = 'running';
  /** Why the VM stopped (set with the state). */
  stopReason: string | undefined;
  /** Everything the guest wrote to its console (SBI DBCN/legacy putchar and the UART). */
  console = '';
  consoleChars = 0;
  /** Console bytes not yet passed to the machine console (it gets whole lines). */
  readonly pendingLine: number[] = [];
  sbiCalls = 0;
  hypercalls = 0;
  /** Guest pages mapped on their first access (a guest-page fault each). */
  demandMaps = 0;
  readonly uart: Uart16550;
  /** Host page reclaim from this VM (plain data: snapshots capture it with the VM). */
  reclaim: ReclaimState | undefined = undefined;

  constructor(
    readonly index: number,
    readonly name: string,
    /** VMID in hgatp (1-based: VMID 0 is left to the host). */
    readonly vmid: number,
    /** Guest RAM bytes. */
    readonly memory: number,
    /** Host physical address backing guest physical GUEST_RAM_BASE. */
    readonly hostBase: number,
    readonly gstage: GStage,
    vcpus: number,
    out: (vm: Vm, byte: number) => void,
    uartIrq: (vm: Vm, level: boolean) => void,
  ) {
    for (let i = 0; i < vcpus; i++) this.vcpus.push(new Vcpu(index, i, `${name}/${i}`));
    this.uart = new Uart16550({ transmit: (b) => out(this, b), irq: (level) => uartIrq(this, level) });
  }

  readonly hgatpFor = (): bigint => this.gstage.hgatp(this.vmid);

  /** Whether [gpa, gpa + length) lies in guest RAM. */
  inRam(gpa: number, length = 1): boolean {
    return gpa >= GUEST_RAM_BASE && gpa + length <= GUEST_RAM_BASE + this.memory;
  }

  /** Host physical address of a guest RAM address (undefined outside guest RAM). */
  hpaOf(gpa: number): number | undefined {
    return this.inRam(gpa) ? this.hostBase + (gpa - GUEST_RAM_BASE) : undefined;
  }

  get stopped(): boolean { return this.state !== 'running'; }
}
