/** Machine view: virtual time, harts, VMs with their vCPUs (mode, PC, state, VM exits). */
import type { MachineSummary, VcpuSummary } from '../../protocol/hyperlab';
import { formatCount, formatValue, type Radix } from './format';
import { leaf, type ViewNode } from './tree';

function totalExits(v: VcpuSummary): number {
  return Object.values(v.exits).reduce((a, b) => a + b, 0);
}

function vcpuNode(vm: string, v: VcpuSummary, radix: Radix): ViewNode {
  const exits = Object.entries(v.exits).filter(([, n]) => n > 0).sort((a, b) => b[1] - a[1]);
  const where = v.hart === null ? 'descheduled' : `hart ${v.hart}`;
  return {
    id: `machine/vm/${vm}/vcpu/${v.vcpu}`,
    label: `vCPU ${v.vcpu}`,
    description: `${v.state} · ${v.mode} · pc ${formatValue(v.pc, radix)} · ${where}`,
    tooltip: `${vm} vCPU ${v.vcpu} (thread ${v.threadId})\nstate ${v.state}, mode ${v.mode}\npc ${v.pc}\n${where}\n${totalExits(v)} VM exits`,
    icon: v.state === 'running' ? 'debug-start' : 'debug-pause',
    children: [
      leaf(`machine/vm/${vm}/vcpu/${v.vcpu}/exits`, 'VM exits', formatCount(totalExits(v)), {
        children: exits.length
          ? exits.map(([reason, n]) => leaf(`machine/vm/${vm}/vcpu/${v.vcpu}/exits/${reason}`, reason, formatCount(n)))
          : [leaf(`machine/vm/${vm}/vcpu/${v.vcpu}/exits/none`, 'none yet')],
      }),
    ],
    expanded: true,
  };
}

export function machineNodes(m: MachineSummary, radix: Radix): ViewNode[] {
  const nodes: ViewNode[] = [
    leaf('machine/time', 'Virtual time', `${formatCount(m.time)} cycles · ${formatCount(m.instructions)} instructions`, { icon: 'clock' }),
    {
      id: 'machine/harts',
      label: 'Harts',
      description: `${m.harts.length}`,
      icon: 'circuit-board',
      expanded: true,
      children: m.harts.map((h) => leaf(
        `machine/hart/${h.id}`,
        `hart ${h.id}`,
        `${h.mode}${h.virt ? ' (V=1)' : ''} · pc ${formatValue(h.pc, radix)}${h.running ? ` · ${h.running}` : ''}`,
        { tooltip: `hart ${h.id}: ${h.mode}, V=${h.virt ? 1 : 0}, pc ${h.pc}${h.running ? `, running ${h.running}` : ''}` },
      )),
    },
  ];
  if (m.vms.length === 0) {
    nodes.push(leaf('machine/vms/none', 'No VMs', 'the program runs on the bare machine', { icon: 'info' }));
  }
  for (const vm of m.vms) {
    nodes.push({
      id: `machine/vm/${vm.name}`,
      label: vm.name,
      description: `${vm.state} · ${vm.paging} · VMID ${vm.vmid} · ${vm.vcpus.length} vCPU${vm.vcpus.length === 1 ? '' : 's'}`,
      icon: 'vm',
      expanded: true,
      children: vm.vcpus.map((v) => vcpuNode(vm.name, v, radix)),
    });
  }
  return nodes;
}
