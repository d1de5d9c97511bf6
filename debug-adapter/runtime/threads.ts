/**
 * What the debugger calls threads: one per hart on bare metal, one per vCPU under the hypervisor
 * (a vCPU moves between harts and may be descheduled; its thread stays the same).
 */
import type { Hart, Machine } from '../../simulator/machine';
import type { Hypervisor, Vcpu } from '../../simulator/hypervisor';
import type { ThreadContext } from '../inspect/target';

export interface DebugThread {
  /** DAP thread id (1-based). */
  id: number;
  ctx: ThreadContext;
  /** Index of the image this thread runs (the VM's, or the bare-metal program's). */
  image: number;
  vcpu: Vcpu | undefined;
}

const MODE = ['U', 'S', '?', 'M'];

export class ThreadTable {
  readonly threads: DebugThread[] = [];
  private readonly byVcpu = new Map<Vcpu, DebugThread>();

  constructor(private readonly machine: Machine, private readonly hypervisor: Hypervisor | undefined) {
    if (hypervisor === undefined) {
      machine.harts.forEach((_, i) => this.threads.push({ id: i + 1, ctx: { hart: i }, image: 0, vcpu: undefined }));
      return;
    }
    hypervisor.vms.forEach((vm, v) => vm.vcpus.forEach((vcpu, j) => {
      const t: DebugThread = { id: this.threads.length + 1, ctx: { hart: Math.max(0, vcpu.hart), vm: vm.name, vcpu: j }, image: v, vcpu };
      this.threads.push(t);
      this.byVcpu.set(vcpu, t);
    }));
  }

  get(id: number): DebugThread | undefined { return this.threads[id - 1]; }

  /** The context as of now (a vCPU's hart changes as it is scheduled). */
  context(t: DebugThread): ThreadContext {
    if (t.vcpu === undefined) return t.ctx;
    const hart = t.vcpu.hart >= 0 ? t.vcpu.hart : Math.max(0, t.vcpu.lastHart);
    return { ...t.ctx, hart };
  }

  /** The thread whose instructions hart `h` executes now (undefined: the hart runs no guest). */
  onHart(h: Hart): DebugThread | undefined {
    if (this.hypervisor === undefined) return this.threads[h.id];
    if (h.virt !== 1) return undefined;
    const v = this.hypervisor.vcpuOn(h.id);
    return v === undefined ? undefined : this.byVcpu.get(v);
  }

  /** The hart a thread is on now, or undefined when its vCPU is descheduled. */
  hartOf(t: DebugThread): Hart | undefined {
    if (t.vcpu === undefined) return this.machine.harts[t.ctx.hart];
    return t.vcpu.hart >= 0 ? this.machine.harts[t.vcpu.hart] : undefined;
  }

  /** The thread's pc (a descheduled vCPU's saved one). */
  pc(t: DebugThread): bigint {
    const h = this.hartOf(t);
    if (h !== undefined) return h.getPc();
    return BigInt.asUintN(64, BigInt(t.vcpu?.ctx.pc ?? 0));
  }

  /** `hello/0 (VS, hart 0)`, `hart 1 (M)`. */
  name(t: DebugThread): string {
    const h = this.hartOf(t);
    if (t.vcpu === undefined) return `hart ${t.ctx.hart} (${h ? MODE[h.priv] : '?'})`;
    if (h === undefined) return `${t.ctx.vm}/vCPU ${t.ctx.vcpu} (${t.vcpu.state}, not on a hart)`;
    const mode = h.virt === 1 ? `V${MODE[h.priv]}` : MODE[h.priv] === 'S' ? 'HS' : MODE[h.priv];
    return `${t.ctx.vm}/vCPU ${t.ctx.vcpu} (${mode}, hart ${h.id})`;
  }
}
