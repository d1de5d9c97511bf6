/**
 * The exception filters the debugger offers, in one table: each names a filter, the label the
 * client shows, and which trace events it stops on. A later mechanism (integrity alerts, …) adds
 * a row here and nothing else changes.
 */
import type { TraceEvent } from '../../simulator/trace';
import { causeName } from '../../simulator/trace';

export interface ExceptionFilter {
  filter: string;
  label: string;
  description: string;
  /** Enabled when the client does not say otherwise. */
  default: boolean;
  /** How a condition is read: an expression over the thread's registers, or a list of VM-exit reasons. */
  condition: 'expression' | 'reasons';
  conditionDescription: string;
  /** The event's description when it matches, else undefined. */
  matches(e: TraceEvent): string | undefined;
}

const hex = (v: bigint): string => `0x${BigInt.asUintN(64, v).toString(16)}`;

function trapOf(e: TraceEvent, causes: readonly number[]): string | undefined {
  if (e.kind !== 'trap' || e.interrupt || !causes.includes(e.cause)) return undefined;
  return `${causeName(false, e.cause)} at ${hex(e.pc)} (tval ${hex(e.tval)}), ${e.from} → ${e.to}`;
}

function exitOf(e: TraceEvent, reasons: readonly string[]): string | undefined {
  if (e.kind !== 'vm-exit' || !reasons.includes(e.reason)) return undefined;
  return `VM exit (${e.reason}) at ${hex(e.pc)}${e.detail ? `: ${e.detail}` : ''}`;
}

const EXPR = 'an expression over the thread\'s registers, e.g. "a7 == 0x10"; stops when non-zero';

export const EXCEPTION_FILTERS: readonly ExceptionFilter[] = [
  {
    filter: 'page-fault', label: 'Page fault', description: 'Instruction, load or store page fault (causes 12, 13, 15)', default: false,
    condition: 'expression', conditionDescription: EXPR,
    matches: (e) => trapOf(e, [12, 13, 15]),
  },
  {
    filter: 'guest-page-fault', label: 'Guest-page fault', description: 'G-stage fault of a guest (causes 20, 21, 23), taken or handled by the hypervisor', default: false,
    condition: 'expression', conditionDescription: EXPR,
    matches: (e) => trapOf(e, [20, 21, 23]) ?? exitOf(e, ['guest-page-fault']),
  },
  {
    filter: 'illegal-instruction', label: 'Illegal instruction', description: 'Illegal or virtual instruction (causes 2, 22)', default: true,
    condition: 'expression', conditionDescription: EXPR,
    matches: (e) => trapOf(e, [2, 22]) ?? exitOf(e, ['illegal-instruction', 'virtual-instruction']),
  },
  {
    filter: 'vm-exit', label: 'VM exit', description: 'Any exit of a guest to the hypervisor', default: false,
    condition: 'reasons', conditionDescription: 'VM-exit reasons separated by commas (ecall, guest-page-fault, mmio, timer, wfi, preemption, …); empty = any',
    matches: (e) => (e.kind === 'vm-exit' ? `VM exit (${e.reason}) at ${hex(e.pc)}${e.detail ? `: ${e.detail}` : ''}` : undefined),
  },
  {
    filter: 'ecall', label: 'ecall', description: 'Environment call from any mode (trap or hypercall/SBI exit)', default: false,
    condition: 'expression', conditionDescription: EXPR,
    matches: (e) => trapOf(e, [8, 9, 10, 11]) ?? exitOf(e, ['ecall']),
  },
  {
    filter: 'callback-rejected', label: 'Hyper-callback rejected', description: 'The verifier rejected a hyper-callback at registration', default: true,
    condition: 'expression', conditionDescription: EXPR,
    matches: (e) => (e.kind === 'callback-rejected'
      ? `hyper-callback '${e.callback}' rejected by the verifier:\n${e.diagnostics.filter((d) => d.severity === 'error').map((d) => `${d.range.file}:${d.range.line}:${d.range.column}: ${d.message}`).join('\n')}`
      : undefined),
  },
];

/** The VM-exit reason of an event, for the 'reasons' condition. */
export function exitReason(e: TraceEvent): string | undefined {
  return e.kind === 'vm-exit' ? e.reason : undefined;
}
