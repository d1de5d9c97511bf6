/** Interrupts & I/O view: per hart mip/mie/hvip and pending interrupts; devices and their state. */
import type { InterruptState } from '../../protocol/hyperlab';
import { formatValue, type Radix } from './format';
import { leaf, type ViewNode } from './tree';

export function interruptNodes(s: InterruptState, radix: Radix): ViewNode[] {
  const harts: ViewNode[] = s.harts.map((h) => ({
    id: `irq/hart/${h.hart}`,
    label: `hart ${h.hart}`,
    description: h.pending.length ? `pending: ${h.pending.join(', ')}` : 'nothing pending',
    icon: h.pending.length ? 'bell-dot' : 'bell',
    children: [
      leaf(`irq/hart/${h.hart}/mip`, 'mip', formatValue(h.mip, radix)),
      leaf(`irq/hart/${h.hart}/mie`, 'mie', formatValue(h.mie, radix)),
      ...(h.hvip === null ? [] : [leaf(`irq/hart/${h.hart}/hvip`, 'hvip', formatValue(h.hvip, radix))]),
    ],
  }));
  const devices: ViewNode = {
    id: 'irq/devices',
    label: 'Devices',
    description: `${s.devices.length}`,
    icon: 'plug',
    expanded: true,
    children: s.devices.length
      ? s.devices.map((d) => ({
        id: `irq/dev/${d.name}`,
        label: d.name,
        children: Object.entries(d.state).map(([k, v]) => leaf(`irq/dev/${d.name}/${k}`, k, typeof v === 'string' && /^0x[0-9a-f]+$/i.test(v) ? formatValue(v, radix) : String(v))),
      }))
      : [leaf('irq/dev/none', 'No devices')],
  };
  return [{ id: 'irq/harts', label: 'Harts', icon: 'circuit-board', expanded: true, children: harts }, devices];
}
