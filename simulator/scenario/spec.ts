/**
 * The scenario format, defined once. `SCENARIO_RULE` reads a document into a {@link Scenario};
 * `scenarioSchema()` (schema.ts) turns the same rules into `schemas/hlab.schema.json`.
 * Checks a JSON schema cannot express (ways dividing entries, unique names, overlapping ranges,
 * paging modes not yet implemented) live here too, next to the field they concern.
 */
import type { Node } from './jsonc';
import { RECLAIM_STRATEGIES } from '../hypervisor/reclaim';
import { COST_DEFINITIONS, COST_NAMES, MAX_COST, resolveCostModel, type CostName } from '../cost/model';
import { isReservedMetricRoot } from '../trace/metrics';
import {
  AddressRule, Context, JsonRule, ScalarRule, SizeRule, arrayOf, bool, int, mapOf, nodeToJson, num, object, optional,
  pathText, propertyValue, required, str, union, withDefault,
  type JsonValue, type OptionalField, type Path, type Rule, type Scalar,
} from './rules';
import {
  CALLBACK_EVENTS, COMPARE_OPS, DEVICE_TYPES, MECHANISM_NAMES, PAGING_MODES, TLB_REPLACEMENTS,
  type AddressRange, type CallbackConfig, type CodeImage, type DeviceConfig, type Expectation, type HypervisorConfig,
  type MachineConfig, type MechanismName, type PagingMode, type ProgramConfig, type Scenario, type StopConfig,
  type TlbGeometry, type VmConfig,
} from './types';

const KiB = 1024;
const MiB = 1024 * KiB;
const GiB = 1024 * MiB;
const MAX_U32 = 0xffff_ffff;

/** Objects read so far, mapped to their JSON nodes, so checks across siblings can point at them. */
const origin = new WeakMap<object, Node>();

function remember<T extends object>(value: T, node: Node): T {
  origin.set(value, node);
  return value;
}

/** The node a value was read from, or its named property's value node. */
function nodeOf(value: object, key?: string): Node | undefined {
  const n = origin.get(value);
  if (n === undefined || key === undefined) return n;
  return propertyValue(n, key);
}

/** The value of a rule on an empty object: the defaults of all its fields. */
function defaultsOf<T>(rule: Rule<T>): T {
  const cx = new Context('(defaults)', '{}');
  const v = rule.read({ type: 'object', offset: 0, length: 2, children: [] }, cx, []);
  if (v === undefined) throw new Error(`internal: rule has no defaults: ${cx.diagnostics.map((d) => d.message).join('; ')}`);
  return v;
}

// ---------------------------------------------------------------------------------------------
// Machine

const pagingRule = (): Rule<PagingMode> =>
  str({ enum: PAGING_MODES }).check((mode, node, cx) => {
    const planned: Partial<Record<PagingMode, string>> = {
      shadow: 'trap-based shadow paging',
      'shadow-accelerated': 'trapless shadow page tables through the shadow-page-table accelerator',
    };
    const plan = planned[mode];
    if (plan === undefined) return true;
    cx.error(node, `paging mode '${mode}' is not implemented yet (planned: ${plan})`, 'not-implemented');
    return false;
  });

function checkWays(entries: number, ways: number, cx: Context, at: Node | undefined, path: string): boolean {
  if (entries % ways === 0) return true;
  if (at !== undefined) cx.error(at, `${path}: ways (${ways}) must divide entries (${entries})`, 'tlb-geometry');
  return false;
}

const TLB_DEFAULT = { entries: 64, ways: 4, replacement: 'lru' } as const;

const tlbFields = {
  entries: withDefault(int(1, 4096), () => TLB_DEFAULT.entries, 'Number of TLB entries.', TLB_DEFAULT.entries),
  ways: withDefault(int(1, 4096), () => TLB_DEFAULT.ways, 'Associativity: entries per set. Must divide `entries`; equal to `entries` for a fully associative TLB.', TLB_DEFAULT.ways),
  replacement: withDefault(str({ enum: TLB_REPLACEMENTS }), () => TLB_DEFAULT.replacement as (typeof TLB_REPLACEMENTS)[number],
    'Victim choice within a set: `lru` (least recently used), `fifo` (oldest fill) or `random` (pseudo-random from `seed`).', TLB_DEFAULT.replacement),
  seed: optional(int(0, MAX_U32), 'Seed of `random` replacement. Default: `machine.seed` plus the hart id.'),
};

function warnUselessSeed(replacement: string, seed: number | undefined, node: Node, cx: Context, path: Path): void {
  const seedNode = propertyValue(node, 'seed');
  if (seed !== undefined && replacement !== 'random' && seedNode !== undefined) {
    cx.warning(seedNode, `${pathText([...path, 'seed'])} has no effect with replacement '${replacement}'`, 'unused-seed');
  }
}

const tlbRule = object(tlbFields).check((t, node, cx, path) => {
  warnUselessSeed(t.replacement, t.seed, node, cx, path);
  return checkWays(t.entries, t.ways, cx, propertyValue(node, 'ways') ?? propertyValue(node, 'entries'), pathText(path));
});

const tlbOverrideRule = object({
  hart: required(int(0, 63), 'Hart whose TLB this entry configures (0-based, below `machine.harts`).'),
  entries: optional(int(1, 4096), 'Number of entries of this hart\'s TLB. Default: `machine.tlb.entries`.'),
  ways: optional(int(1, 4096), 'Associativity of this hart\'s TLB. Default: `machine.tlb.ways`.'),
  replacement: optional(str({ enum: TLB_REPLACEMENTS }), 'Replacement policy of this hart\'s TLB. Default: `machine.tlb.replacement`.'),
  seed: optional(int(0, MAX_U32), 'Seed of `random` replacement for this hart. Default: `machine.tlb.seed`, else `machine.seed` plus the hart id.'),
}).map((v, node) => remember({ ...v }, node));

const costFields = {} as { [K in CostName]: OptionalField<number> };
for (const name of COST_NAMES) {
  costFields[name] = optional(int(0, MAX_COST), `${COST_DEFINITIONS[name].description} Default: ${COST_DEFINITIONS[name].value} cycles.`);
}

const costsRule = object(costFields);

const machineRule = object({
  harts: withDefault(int(1, 64), () => 1, 'Number of harts (hardware threads), 1 to 64.', 1),
  memory: withDefault(new SizeRule(MiB, 64 * GiB, 4 * KiB), () => 256 * MiB,
    'Host physical memory: bytes, or a string with a binary unit such as "256MiB" or "2GiB". A multiple of 4 KiB.', '256MiB'),
  tlb: withDefault(tlbRule, () => ({ ...TLB_DEFAULT }), 'TLB geometry of every hart (see `tlbPerHart` for exceptions).'),
  tlbPerHart: withDefault(arrayOf(tlbOverrideRule.describe('TLB settings of one hart, overriding `machine.tlb` field by field.')), () => [],
    'Per-hart exceptions to `machine.tlb`, one entry per hart at most.', []),
  quantum: withDefault(int(1, 1_000_000), () => 100,
    'Instructions a hart runs before the simulator turns to the next hart. Smaller interleaves harts more finely (1 = lock-step); the run is deterministic either way.', 100),
  seed: withDefault(int(0, MAX_U32), () => 0, 'Seed of every pseudo-random choice in the run (TLB replacement, workloads). Same scenario and seed give the same run.', 0),
  costs: withDefault(costsRule, () => defaultsOf(costsRule),
    'Cost overrides in virtual cycles (one cycle = 1 ns at the nominal 1 GHz). Anything not listed keeps its default.', {}),
}).map((m, _node, cx, path): MachineConfig | undefined => {
  const base: TlbGeometry = { entries: m.tlb.entries, ways: m.tlb.ways, replacement: m.tlb.replacement, seed: 0 };
  const perHart = new Map<number, (typeof m.tlbPerHart)[number]>();
  let ok = true;
  for (const o of m.tlbPerHart) {
    const hartNode = nodeOf(o, 'hart');
    if (o.hart >= m.harts) {
      if (hartNode !== undefined) cx.error(hartNode, `${pathText([...path, 'tlbPerHart'])}: hart ${o.hart} does not exist (machine.harts is ${m.harts})`, 'range');
      ok = false;
      continue;
    }
    if (perHart.has(o.hart)) {
      if (hartNode !== undefined) cx.error(hartNode, `${pathText([...path, 'tlbPerHart'])}: hart ${o.hart} is configured twice`, 'duplicate-name');
      ok = false;
      continue;
    }
    perHart.set(o.hart, o);
    const entries = o.entries ?? base.entries;
    const ways = o.ways ?? base.ways;
    const n = nodeOf(o);
    const at = nodeOf(o, 'ways') ?? nodeOf(o, 'entries');
    if (n !== undefined) warnUselessSeed(o.replacement ?? base.replacement, o.seed, n, cx, [...path, 'tlbPerHart', m.tlbPerHart.indexOf(o)]);
    if (!checkWays(entries, ways, cx, at, `${pathText([...path, 'tlbPerHart'])} (hart ${o.hart})`)) ok = false;
  }
  const tlb: TlbGeometry[] = [];
  for (let h = 0; h < m.harts; h++) {
    const o = perHart.get(h);
    tlb.push({
      entries: o?.entries ?? base.entries,
      ways: o?.ways ?? base.ways,
      replacement: o?.replacement ?? base.replacement,
      seed: o?.seed ?? m.tlb.seed ?? (m.seed + h) % (MAX_U32 + 1),
    });
  }
  const overrides: Partial<Record<CostName, number>> = {};
  for (const name of COST_NAMES) {
    const v = m.costs[name];
    if (v !== undefined) overrides[name] = v;
  }
  const costs = resolveCostModel(overrides).model;
  return ok ? { harts: m.harts, memory: m.memory, tlb, quantum: m.quantum, seed: m.seed, costs, costOverrides: overrides } : undefined;
});

// ---------------------------------------------------------------------------------------------
// Code, callbacks, devices, VMs

const DEFAULT_BASE = 0x8000_0000n;

const codeRule = object({
  sources: optional(arrayOf(str({ pattern: /\.[sS]$/, patternHint: 'an assembly file name ending in .S or .s' })
    .describe('An RV64 assembly file (.S/.s), relative to the scenario file.'), { minItems: 1 }),
  'Assembly sources assembled together into one image, relative to the scenario file.'),
  elf: optional(str({ minLength: 1 }), 'An RV64 ELF executable, relative to the scenario file, loaded at the addresses in its program headers.'),
  entry: optional(str({ minLength: 1 }), 'Symbol where execution starts. Default: `_start` for sources, the ELF header\'s entry point for an ELF.'),
  base: optional(new AddressRule(), 'Address where assembled sources are placed (the start of their first section). Default: "0x80000000".'),
}, {
  exactlyOne: [['sources', 'elf']],
  conflicts: [{ keys: ['elf', 'base'], reason: 'an ELF is loaded at the addresses of its program headers' }],
}).map((c): CodeImage => {
  if (c.elf !== undefined) return c.entry === undefined ? { format: 'elf', elf: c.elf } : { format: 'elf', elf: c.elf, entry: c.entry };
  return { format: 'assembly', sources: c.sources ?? [], entry: c.entry ?? '_start', base: c.base ?? DEFAULT_BASE };
});

const CODE_DESCRIPTION = 'The code to load: either `sources` (assembly files) or `elf` (one executable), with the entry symbol.';

const rangeRule = object({
  start: required(new AddressRule(), 'First address of the range, e.g. "0xffffffc000000000".'),
  end: required(new AddressRule(), 'First address after the range (the range is [start, end)).'),
}).map((r, node, cx, path): AddressRange | undefined => {
  if (r.end <= r.start) {
    const endNode = propertyValue(node, 'end');
    if (endNode !== undefined) cx.error(endNode, `${pathText(path)}: end must be greater than start`, 'range');
    return undefined;
  }
  return remember({ start: r.start, end: r.end }, node);
});

const callbackRule = object({
  file: required(str({ pattern: /\.hcb$/, patternHint: 'a hyper-callback file name ending in .hcb' }), 'The hyper-callback source (.hcb), relative to the scenario file.'),
  event: required(str({ enum: CALLBACK_EVENTS }), 'The event that runs the callback: `page-reclaim`, `vcpu-preemption`, `io-submission` or `tracing`.'),
  range: required(rangeRule, 'Guest-virtual address range the callback may read through its helpers.'),
}).map((c, node): CallbackConfig => remember({ file: c.file, event: c.event, range: c.range }, node));

const NAME_PATTERN = /^[A-Za-z_][A-Za-z0-9_-]*$/;
const nameRule = (what: string): Rule<string> => str({ pattern: NAME_PATTERN, patternHint: `a ${what} name (letters, digits, _ and -, not starting with a digit)` });

const deviceRule = object({
  type: required(str({ enum: DEVICE_TYPES }), 'Device model: `uart` (console), `block` (NVMe-like queues with interrupt coalescing policies) or `passthrough-dma` (a DMA-capable device assigned to the VM).'),
  name: optional(nameRule('device'), 'Name of the device in the VM (unique). Default: the type.'),
  params: withDefault(mapOf(new ScalarRule().describe('A parameter value.'), /^[A-Za-z][A-Za-z0-9_]*$/), () => ({}),
    'Device parameters by name (numbers, strings or booleans), e.g. the block device\'s interrupt policy.', {}),
}).map((d, node): DeviceConfig => remember({ type: d.type, name: d.name ?? d.type, params: d.params }, node));

/**
 * Reports repeated names among the objects of an array node, looking at the JSON itself so that
 * a duplicate is found even when one of the objects has other errors. `fallbackKey` names the
 * property whose value is the name when `key` is absent (a device is named after its type).
 */
function checkUniqueNames(array: Node | undefined, key: string, what: string, cx: Context, fallbackKey?: string): boolean {
  const seen = new Map<string, Node>();
  let ok = true;
  for (const item of array?.type === 'array' ? array.children ?? [] : []) {
    const at = propertyValue(item, key) ?? (fallbackKey !== undefined ? propertyValue(item, fallbackKey) : undefined);
    if (at === undefined || at.type !== 'string') continue;
    const name = String(at.value);
    const first = seen.get(name);
    if (first === undefined) {
      seen.set(name, at);
      continue;
    }
    ok = false;
    cx.error(at, `duplicate ${what} name '${name}'`, 'duplicate-name', [{ range: cx.nodeRange(first), message: `first ${what} named '${name}'` }]);
  }
  return ok;
}

function hex(v: bigint): string {
  return `0x${v.toString(16)}`;
}

/** Callback ranges of one VM may not overlap: a guest address belongs to one callback at most. */
function checkOverlaps(callbacks: readonly CallbackConfig[], _node: Node, cx: Context): boolean {
  let ok = true;
  callbacks.forEach((cb, i) => {
    const clash = callbacks.slice(0, i).find((o) => cb.range.start < o.range.end && o.range.start < cb.range.end);
    if (clash === undefined) return;
    ok = false;
    const at = nodeOf(cb, 'range');
    const other = nodeOf(clash, 'range');
    if (at !== undefined) {
      cx.error(at, `callback range [${hex(cb.range.start)}, ${hex(cb.range.end)}) overlaps the range of '${clash.file}' [${hex(clash.range.start)}, ${hex(clash.range.end)})`,
        'overlapping-ranges', other !== undefined ? [{ range: cx.nodeRange(other), message: `range of '${clash.file}'` }] : undefined);
    }
  });
  return ok;
}

const vmRule = object({
  name: required(nameRule('VM').check((name, node, cx, path) => {
    if (!isReservedMetricRoot(name)) return true;
    cx.error(node, `${pathText(path)} '${name}' is reserved (it would clash with the metric names of the whole machine)`, 'reserved-name');
    return false;
  }), 'Name of the VM, unique in the scenario. Metrics of this VM are named `<name>.<metric>`.'),
  vcpus: withDefault(int(1, 64), () => 1, 'Number of virtual CPUs, 1 to 64 (may exceed the harts: vCPUs are scheduled).', 1),
  memory: withDefault(new SizeRule(64 * KiB, 16 * GiB, 4 * KiB), () => 64 * MiB,
    'Guest-physical memory: bytes, or a string such as "64MiB". A multiple of 4 KiB.', '64MiB'),
  paging: optional(pagingRule(), 'Paging mode of this VM. Default: `hypervisor.paging`.'),
  code: required(codeRule, CODE_DESCRIPTION),
  callbacks: withDefault(arrayOf(callbackRule.describe('A hyper-callback the guest registers, with its event and permitted range.')).check(checkOverlaps), () => [],
    'Hyper-callbacks of this VM. Their ranges may not overlap.', []),
  devices: withDefault(arrayOf(deviceRule.describe('A device assigned to this VM.'))
    .check((_d, node, cx) => checkUniqueNames(node, 'name', 'device', cx, 'type')), () => [], 'Devices of this VM (names unique).', []),
}).map((vm, node) => remember({ ...vm }, node));

const mechanismFields = {} as { [K in MechanismName]: OptionalField<Record<string, Scalar>> };
const MECHANISM_DESCRIPTIONS: { [K in MechanismName]: string } = {
  'hyper-callbacks': 'M1: guests register verified eBPF hyper-callbacks that the hypervisor runs on events without a guest context switch.',
  trampolines: 'M2: indirect-call promotion through patched trampolines (learning, promotion, relearning).',
  shootdowns: 'M4: TLB shootdown protocol options (concurrent flushing, early acknowledgement, cache-line consolidation, deferred user flushes).',
  'calibrated-interrupts': 'M5: completion interrupts of the block device by threshold, timeout, URGENT and BARRIER flags.',
  'containment-32bit': 'M6: page-table isolation only for 64-bit processes; 32-bit processes are contained by their address width.',
  'code-integrity': 'M7: kernel text immutable to the guest; code changes only through the registered TCB.',
  'guest-integrity': 'M8: write tracing of protected pages, protected-page tree, integrity mode and protection domains.',
  'live-migration': 'M9: live migration of a VM with a passthrough DMA device (duplicated DMA buffers).',
  'fault-tolerance': 'M10: battery-backed replication of volatile state to a secondary host on power failure.',
  'secret-registers': 'M11: an interrupt security module that erases secrets in registers before guest handlers run.',
};
for (const name of MECHANISM_NAMES) {
  mechanismFields[name] = optional(mapOf(new ScalarRule().describe('A parameter value.'), /^[A-Za-z][A-Za-z0-9_]*$/),
    `${MECHANISM_DESCRIPTIONS[name]} Present = switched on; the object holds its parameters (numbers, strings or booleans).`);
}

const mechanismsRule = object(mechanismFields);

const hypervisorRule = object({
  paging: withDefault(pagingRule(), (): PagingMode => 'nested',
    'Paging mode of the VMs: `nested` (two-stage translation), `shadow` (trap-based shadow page tables, not implemented yet) or `shadow-accelerated` (trapless shadow page tables, not implemented yet).', 'nested'),
  timeslice: withDefault(int(1, 1_000_000_000), () => 1_000_000,
    'Virtual cycles a vCPU runs before the scheduler may give its hart to another vCPU (1000000 = 1 ms at the nominal 1 GHz).', 1_000_000),
  mechanisms: withDefault(mechanismsRule, () => defaultsOf(mechanismsRule), 'Mechanisms of the hypervisor switched on for this run, each with its parameters (see MECHANISMS.md).', {}),
}).map((h): HypervisorConfig => {
  const mechanisms: HypervisorConfig['mechanisms'] = {};
  for (const name of MECHANISM_NAMES) {
    const p = h.mechanisms[name];
    if (p !== undefined) mechanisms[name] = p;
  }
  return { paging: h.paging, timeslice: h.timeslice, mechanisms };
});

const programRule = object({
  code: required(codeRule, CODE_DESCRIPTION),
  mode: withDefault(str({ enum: ['M', 'S'] as const }), (): 'M' | 'S' => 'M',
    'Privilege mode the program starts in: `M` (machine mode, no firmware) or `S` (supervisor mode above the native SBI firmware).', 'M'),
}).map((p): ProgramConfig => ({ code: p.code, mode: p.mode }));

// ---------------------------------------------------------------------------------------------
// Stop conditions and expectations

const stopRule = object({
  maxInstructions: withDefault(int(1, Number.MAX_SAFE_INTEGER), () => 10_000_000,
    'Stop after this many instructions retired by all harts together.', 10_000_000),
  maxTime: optional(int(1, Number.MAX_SAFE_INTEGER), 'Stop at this virtual time, in cycles (1 ns each at the nominal 1 GHz). Default: no limit.'),
  onTohost: withDefault(bool(), () => true, 'Stop when a program writes the `tohost` word (1 = pass, (n << 1) | 1 = fail n).', true),
}).map((s): StopConfig => (s.maxTime === undefined
  ? { maxInstructions: s.maxInstructions, onTohost: s.onTohost }
  : { maxInstructions: s.maxInstructions, maxTime: s.maxTime, onTohost: s.onTohost }));

const METRIC_PATTERN = /^[A-Za-z0-9_-]+(\.[A-Za-z0-9_-]+)*$/;
const metricRule = (): Rule<string> => str({ pattern: METRIC_PATTERN, patternHint: 'a dotted metric name such as "vm_exits.total"' });

const expectationRule = object({
  metric: required(metricRule(), 'The metric checked, e.g. `vm_exits.total`, `hart0.tlb.misses` or `<vm>.tlb.misses`.'),
  op: required(str({ enum: COMPARE_OPS }), 'Comparison: `<`, `<=`, `==`, `>=`, `>` or `!=`.'),
  value: optional(num({}), 'Compare the metric with this number.'),
  metricOther: optional(metricRule(), 'Compare the metric with this other metric (times `factor`).'),
  factor: optional(num({ exclusiveMin: 0 }), 'Multiplier of `metricOther`: `metric op factor × metricOther`. Default: 1.'),
}, {
  exactlyOne: [['value', 'metricOther']],
  requires: { factor: ['metricOther'] },
}).map((e, node, cx): Expectation => {
  const source = cx.nodeRange(node);
  if (e.metricOther !== undefined) return { metric: e.metric, op: e.op, metricOther: e.metricOther, factor: e.factor ?? 1, source };
  return { metric: e.metric, op: e.op, value: e.value ?? 0, source };
});

// ---------------------------------------------------------------------------------------------
// Workload

/** A count or cycle number as the reclaim runner reads it: an integer, or a "0x…" string. */
const HEX_PATTERN = /^0[xX][0-9a-fA-F]+$/;
const countRule = (min: number): Rule<number> => union(
  `an integer of at least ${min} or a hex string such as "0x8000"`,
  int(min).check((n, node, cx, path) => {
    if (Number.isSafeInteger(n)) return true;
    cx.error(node, `${pathText(path)} is too large for an exact JSON number`, 'range');
    return false;
  }),
  str({ pattern: HEX_PATTERN, patternHint: 'a hex number such as "0x8000f000"' }).map((text, node, cx, path) => {
    const n = Number.parseInt(text.slice(2), 16);
    if (n < min) cx.error(node, `${pathText(path)} must be at least ${min}, got ${text}`, 'range');
    else if (!Number.isSafeInteger(n)) cx.error(node, `${pathText(path)} is too large (at most 0x1f_ffff_ffff_ffff)`, 'range');
    else return n;
    return undefined;
  }),
);

const strategyName = (): Rule<string> => str({ enum: RECLAIM_STRATEGIES });
const RECLAIM_DEFAULT = { at: 1_000_000, swapCycles: 20_000 } as const;

/**
 * `workload.reclaim`: host page reclaim from the VMs (simulator/hypervisor/reclaim.ts). Read
 * here so that editors validate and complete it; the runner receives it as written (JSON) and
 * applies the same defaults. Which VMs a per-VM strategy names is checked with the whole
 * document (`checkReclaimTargets`).
 */
const reclaimRule = object({
  pages: required(countRule(1), 'Pages the host takes from each VM it reclaims from.'),
  at: withDefault(countRule(0), () => RECLAIM_DEFAULT.at, 'Virtual cycle at which the host starts reclaiming.', RECLAIM_DEFAULT.at),
  strategy: required(
    union<unknown>(`one of ${RECLAIM_STRATEGIES.join(', ')} or an object { "<vm>": strategy }`,
      mapOf(strategyName().describe('How the host reclaims from this VM.'), NAME_PATTERN),
      strategyName()),
    'How the host reclaims: `blind` (host swapping, no guest help), `balloon` (a balloon round trip into the guest) or `callback` (the VM\'s page-reclaim hyper-callbacks choose the pages). One strategy for every VM, or an object `{ "<vm>": strategy }` for some VMs.'),
  swapCycles: withDefault(countRule(0), () => RECLAIM_DEFAULT.swapCycles, 'Virtual cycles to write one page to swap or read it back.', RECLAIM_DEFAULT.swapCycles),
  freeBitmap: optional(countRule(0), 'Guest-physical address of the guest\'s free-page bitmap, used only to score the run (guest-free pages needlessly swapped).'),
}).map((_r, node) => nodeToJson(node));

const workloadRule = object({
  reclaim: optional(reclaimRule, 'Host page reclaim from overcommitted VMs (hypervisor scenarios): how many pages, when, and by which strategy per VM.'),
}, {
  rest: new JsonRule().describe('A workload parameter read by the scenario\'s code.'),
}).map((_w, node): Record<string, JsonValue> => {
  const v = nodeToJson(node);
  return typeof v === 'object' && v !== null && !Array.isArray(v) ? v : {};
});

/** `workload.reclaim` takes pages from VMs: a per-VM strategy must name VMs of the scenario, and a bare-metal program has none. */
function checkReclaimTargets(doc: Node, vmNames: readonly string[] | undefined, cx: Context): boolean {
  const workload = propertyValue(doc, 'workload');
  const reclaim = workload !== undefined ? propertyValue(workload, 'reclaim') : undefined;
  if (reclaim === undefined) return true;
  if (vmNames === undefined) {
    cx.error(reclaim.parent?.children?.[0] ?? reclaim, 'workload.reclaim takes pages from VMs; a bare-metal program has none', 'no-vms');
    return false;
  }
  const strategy = propertyValue(reclaim, 'strategy');
  if (strategy?.type !== 'object') return true;
  let ok = true;
  for (const prop of strategy.children ?? []) {
    const key = prop.children?.[0];
    if (key === undefined || vmNames.includes(String(key.value))) continue;
    cx.error(key, `workload.reclaim.strategy: no VM named '${String(key.value)}' (VMs: ${vmNames.join(', ')})`, 'unknown-vm');
    ok = false;
  }
  return ok;
}

// ---------------------------------------------------------------------------------------------
// The document

const documentRule = object({
  $schema: optional(str(), 'The JSON schema of this file (editors use it for completion and hover).'),
  name: optional(str(), 'Short title of the scenario.'),
  description: optional(str(), 'What the scenario shows or checks.'),
  machine: withDefault(machineRule, () => defaultsOf(machineRule), 'The simulated machine: harts, memory, TLBs, interleaving, cost overrides and seed.', {}),
  hypervisor: optional(hypervisorRule, 'The hypervisor (only with `vms`): paging mode, scheduling and mechanisms. Default: nested paging, no mechanisms.'),
  vms: optional(arrayOf(vmRule.describe('One virtual machine.'), { minItems: 1 })
    .check((_vms, node, cx) => checkUniqueNames(node, 'name', 'VM', cx)),
    'Virtual machines run by the hypervisor. Use either `vms` (with a hypervisor) or `program` (bare metal).'),
  program: optional(programRule, 'A program run on the bare machine without a hypervisor. Use either `program` or `vms`.'),
  workload: withDefault(workloadRule, () => ({}),
    'What the guests and the host are asked to do: `reclaim` (host page reclaim), and any other parameters by name (JSON values read by the scenario\'s code).', {}),
  stop: withDefault(stopRule, () => defaultsOf(stopRule), 'When the run stops (whichever comes first).', {}),
  expect: withDefault(arrayOf(expectationRule.describe('One assertion: `{ "metric", "op", "value" }` or `{ "metric", "op", "metricOther", "factor" }`.')), () => [],
    'Assertions over the run\'s metrics; `hyperlab run` fails when one does not hold.', []),
}, {
  exactlyOne: [['vms', 'program']],
  conflicts: [{ keys: ['program', 'hypervisor'], reason: 'a bare-metal program runs without the hypervisor' }],
});

const defaultHypervisor = (): HypervisorConfig => defaultsOf(hypervisorRule);

/** The whole scenario rule. */
export const SCENARIO_RULE: Rule<Scenario> = documentRule.map((d, node, cx): Scenario | undefined => {
  if (!checkReclaimTargets(node, d.vms?.map((vm) => vm.name), cx)) return undefined;
  const common = {
    ...(d.name !== undefined ? { name: d.name } : {}),
    ...(d.description !== undefined ? { description: d.description } : {}),
    machine: d.machine, workload: d.workload, stop: d.stop, expect: d.expect,
  };
  if (d.program !== undefined) return { kind: 'bare-metal', ...common, program: d.program };
  if (d.vms === undefined) return undefined;
  const hypervisor = d.hypervisor ?? defaultHypervisor();
  const vms: VmConfig[] = d.vms.map((vm) => remember({ ...vm, paging: vm.paging ?? hypervisor.paging }, nodeOf(vm) ?? node));
  return { kind: 'hypervisor', ...common, hypervisor, vms };
});

/** What a document with errors falls back to, so callers always get a typed scenario. */
export function fallbackScenario(): Scenario {
  return {
    kind: 'bare-metal',
    machine: defaultsOf(machineRule),
    workload: {},
    stop: defaultsOf(stopRule),
    expect: [],
    program: { code: { format: 'assembly', sources: [], entry: '_start', base: DEFAULT_BASE }, mode: 'M' },
  };
}

/** The top-level object rule, for schema generation. */
export const DOCUMENT_RULE = documentRule;
