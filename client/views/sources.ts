/** What each HyperLab view shows, as requests to the session and a model function each. */
import { INTEGRITY_KIND, TRAMPOLINE_KIND, integrityNodes, trampolineNodes } from '../model/traceViews';
import { callbackNodes } from '../model/callbacksView';
import { interruptNodes } from '../model/interruptsView';
import { machineNodes } from '../model/machineView';
import { pageTableNodes } from '../model/pageTablesView';
import { tlbHartNode } from '../model/tlbView';
import type { HyperlabViewId } from '../api';
import type { ViewSource } from './nodeTreeProvider';

/** Entries listed per hart; the rest is summarised in one row (a TLB can hold thousands). */
export const TLB_ROWS = 256;
/** Trace events read for the Trampolines and Integrity views. */
const TRACE_LIMIT = 2000;

export const VIEW_SOURCES: Record<HyperlabViewId, ViewSource> = {
  'hyperlab.machine': async (req, radix) => machineNodes(await req('hyperlab/machineSummary', {}), radix),
  'hyperlab.tlb': async (req, radix) => {
    const m = await req('hyperlab/machineSummary', {});
    const harts = await Promise.all(m.harts.map((h) => req('hyperlab/tlbEntries', { hart: h.id, start: 0, count: TLB_ROWS })));
    return harts.map((t) => tlbHartNode(t, radix));
  },
  'hyperlab.pageTables': async (req, radix) => pageTableNodes(await req('hyperlab/machineSummary', {}), req, radix),
  'hyperlab.trampolines': async (req, radix) => trampolineNodes((await req('hyperlab/trace', { kinds: [TRAMPOLINE_KIND], limit: TRACE_LIMIT })).events, radix),
  'hyperlab.callbacks': async (req, radix) => callbackNodes(await req('hyperlab/callbacks', {}), radix),
  'hyperlab.interrupts': async (req, radix) => interruptNodes(await req('hyperlab/interrupts', {}), radix),
  'hyperlab.integrity': async (req, radix) => integrityNodes((await req('hyperlab/trace', { kinds: [INTEGRITY_KIND], limit: TRACE_LIMIT })).events, radix),
};
