/**
 * A digest of the machine's architectural state only: what a program could observe now or later
 * — registers, CSRs, PMP, the TLB's entries, memory, device registers, queued events, the machine
 * clocks and HSM states, and the hypervisor's state — and none of the bookkeeping that depends on
 * how the run was cut into pieces: leftover instruction budgets and slice cursors, the hart's
 * stop/out-value scratch fields, clock/mark pairs (only their sum, the hart's time, is state),
 * TLB LRU stamps and statistics counters. Reverse execution is checked with it: a state reached
 * by stepping back must hash like the state recorded when the program was there.
 *
 * `stateHash` (simulator/snapshot) covers everything a snapshot holds, budgets included; two
 * routes to the same architectural state can differ there, so it cannot serve this purpose.
 */
import { createHash } from 'node:crypto';
import type { Machine } from '../../simulator/machine';
import type { Hypervisor } from '../../simulator/hypervisor';
import { captureFields, hashRam } from '../../simulator/snapshot';
import { canonical } from '../../simulator/snapshot/fields';

/** Hart fields that are run-control scratch or statistics, not architecture. */
const HART_NOISE = ['id', 'engine', 'cpi', 'compiledBlocks', 'brk', 'intCheck', 'rlo', 'rhi', 'excCause', 'excTval', 'excTval2', 'excTinst', 'excGva', 'streak', 'streakRetired', 'debug', 'fatal', 'stuck'];
/**
 * MMU fields: host caches, configuration and statistics counters (the engines and single-stepping
 * count instruction-fetch lookups differently; what they cost shows in the hart's time, hashed).
 */
const MMU_NOISE = ['rt', 'ra', 'rs', 'wt', 'wa', 'ws', 'ft', 'fa', 'fs', 'geometry', 'traceHart', 'hits', 'misses', 'fetchHits', 'fetchMisses', 'walks', 'walkRefs', 'flushes', 'evictBase', 'fillBase', 'counters'];
/** TLB fields: replacement stamps and statistics (the entries themselves are state). */
const TLB_NOISE = ['stamp', 'clock', 'evictions', 'fills', 'fifo', 'rng'];
/** Machine fields: configuration, budgets, slice cursors, clock/mark pairs (hashed as hart times). */
const MACHINE_NOISE = ['costs', 'ramBase', 'ramSize', 'cpi', 'cyclesPerTick', 'quantum', 'firmware', 'remaining', 'current', 'sliceOpen', 'sliceHart', 'clocks', 'marks', 'extra', 'stopRequest', 'tohostHit', 'holds', 'heldIdleSince', 'burstLeft', 'burstHart', 'stopCutsBurst'];

/**
 * The hypervisor's state with each vCPU's instruction count brought to one form: a vCPU on a hart
 * counts `instructions` up to `retiredMark` of the hart's `retired`, and the hypervisor moves the
 * mark after every run, so only `instructions - retiredMark` (on a hart) or `instructions` (off
 * one) is state; the mark itself depends on where runs were cut.
 */
function hypervisorState(hypervisor: Hypervisor): unknown {
  const s = hypervisor.captureState();
  return {
    ...s,
    vms: s.vms.map((vm) => ({
      ...vm,
      vcpus: vm.vcpus.map((v) => {
        const fields = new Map(v);
        const placed = typeof fields.get('hart') === 'number' && (fields.get('hart') as number) >= 0;
        const count = Number(fields.get('instructions') ?? 0) - (placed ? Number(fields.get('retiredMark') ?? 0) : 0);
        fields.delete('retiredMark');
        fields.set('instructions', count);
        return fields;
      }),
    })),
  };
}

/** Hex digest of the architectural state of `machine` (and of `hypervisor` when given). */
export function archHash(machine: Machine, hypervisor?: Hypervisor): string {
  const h = createHash('sha256');
  const harts = machine.harts.map((hart, i) => ({
    hart: captureFields(hart, HART_NOISE),
    mmu: captureFields(hart.mmu, MMU_NOISE),
    tlb: captureFields(hart.mmu.tlb, TLB_NOISE),
    pmp: captureFields(hart.mmu.pmp),
    time: machine.hartTime(i),
  }));
  const devices: Record<string, unknown> = {};
  if (machine.clint) devices.clint = captureFields(machine.clint);
  if (machine.plic) devices.plic = captureFields(machine.plic);
  if (machine.uart) devices.uart = captureFields(machine.uart);
  const events = machine.events.captureState();
  h.update(canonical({
    machine: captureFields(machine, MACHINE_NOISE),
    harts,
    devices,
    events: events.items.map((e) => [e.time, e.label]),
    hypervisor: hypervisor === undefined ? undefined : hypervisorState(hypervisor),
  }));
  hashRam(h, machine);
  return h.digest('hex');
}
