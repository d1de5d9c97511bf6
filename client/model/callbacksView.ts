/** Hyper-callbacks view: registered programs with event, verdict, runs and cost. */
import type { Callbacks } from '../../protocol/hyperlab';
import { formatCount, formatValue, type Radix } from './format';
import { leaf, type ViewNode } from './tree';

function baseName(file: string): string {
  return file.split(/[\\/]/).pop() ?? file;
}

export function callbackNodes(c: Callbacks, radix: Radix): ViewNode[] {
  const nodes: ViewNode[] = c.callbacks.map((cb) => {
    const name = cb.file ? baseName(cb.file) : `callback #${cb.id}`;
    const avg = cb.runs ? Math.round(cb.cycles / cb.runs) : 0;
    return {
      id: `cb/${cb.id}`,
      label: name,
      description: `${cb.vm} · ${cb.event} · ${cb.verdict} · ${formatCount(cb.runs)} runs · ${formatCount(cb.cycles)} cycles`,
      tooltip: [
        `#${cb.id} ${cb.file ?? '(source unknown)'}`,
        `VM ${cb.vm}, event ${cb.event}, ${cb.verdict} by the verifier`,
        `${cb.runs} runs, ${cb.instructions} instructions, ${cb.cycles} cycles${cb.runs ? ` (≈${avg} per run)` : ''}`,
        `guest range ${cb.range[0]} – ${cb.range[1]}`,
        cb.file ? 'Click to open the source.' : '',
      ].filter(Boolean).join('\n'),
      icon: cb.verdict === 'accepted' ? 'pass' : 'error',
      ...(cb.file ? { open: { file: cb.file } } : {}),
      children: [
        leaf(`cb/${cb.id}/runs`, 'runs', formatCount(cb.runs)),
        leaf(`cb/${cb.id}/instructions`, 'instructions', formatCount(cb.instructions)),
        leaf(`cb/${cb.id}/cycles`, 'cycles', formatCount(cb.cycles)),
        leaf(`cb/${cb.id}/range`, 'guest range', `${formatValue(cb.range[0], radix)} – ${formatValue(cb.range[1], radix)}`),
      ],
    };
  });
  if (nodes.length === 0) nodes.push(leaf('cb/none', 'The running scenario has no hyper-callbacks', c.rejected ? `${c.rejected} rejected by the verifier` : 'none registered', { icon: 'info' }));
  else if (c.rejected) nodes.push(leaf('cb/rejected', `${c.rejected} registration${c.rejected === 1 ? '' : 's'} rejected by the verifier`, 'see Problems', { icon: 'warning' }));
  return nodes;
}
