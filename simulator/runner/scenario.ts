/**
 * Runs a scenario (`*.hlab.json`) headless: load and check it, build its program, configure the
 * machine from it, run to a stop condition, collect metrics and evaluate the `expect` assertions.
 * The CLI prints the report; tests and (later) the debug adapter use it directly.
 */
import * as path from 'node:path';
import { hasErrors, type Diagnostic, type SourceRange } from '../diagnostics';
import { Machine, type RunResult } from '../machine';
import { evaluateExpectations, parseScenario, type ExpectationResult, type HypervisorScenario, type Scenario } from '../scenario';
import { Hypervisor, HypervisorConfigError, RECLAIM_STRATEGIES, type ReclaimSpec, type ReclaimStrategy, type VmSpec } from '../hypervisor';
import { assemble, type AsmResult } from '../ebpf/asm/assembler';
import type { JsonValue } from '../scenario/rules';
import { buildImage, type FileReader } from './image';
import { collectMetrics } from './metrics';
import type { MachineConfig as ScenarioMachine, StopConfig } from '../scenario';
import type { Image } from '../riscv/image';
import type { TraceBuffer } from '../trace';

export type ScenarioStatus = 'pass' | 'fail' | 'error';

export interface ScenarioReport {
  scenario: Scenario | undefined;
  /** Problems with the scenario or its program; when any is an error, nothing ran. */
  diagnostics: Diagnostic[];
  result?: RunResult;
  metrics: Map<string, number>;
  expectations: ExpectationResult[];
  /** pass: the program did not fail and every expectation holds; fail: one did not; error: could not run. */
  status: ScenarioStatus;
}

export interface ScenarioRunOptions {
  engine?: 'compiled' | 'interpreter';
  /** Receives the program's console bytes as they are written. */
  console?: (byte: number) => void;
  /** The machine's trace buffer (default: the machine's own, off unless someone subscribes). */
  trace?: TraceBuffer;
}

function errorReport(scenario: Scenario | undefined, diagnostics: Diagnostic[]): ScenarioReport {
  return { scenario, diagnostics, metrics: new Map(), expectations: [], status: 'error' };
}

function notYet(range: SourceRange | undefined, file: string, message: string): Diagnostic {
  return { severity: 'warning', code: 'not-supported-yet', message, range: range ?? { file, line: 1, column: 1, endLine: 1, endColumn: 2 } };
}

/** Re-locates a problem with a referenced file at the place the scenario names that file. */
function atReference(d: Diagnostic, range: SourceRange | undefined): Diagnostic {
  return range && d.range.line === 1 && d.range.column === 1 && d.code !== undefined ? { ...d, range } : d;
}

/**
 * A scenario set up and ready to run: the machine configured and loaded (and the hypervisor booted
 * with its callbacks registered), not started. `finish` turns the result of running it (in one go
 * or in pieces whose results are summed) into the report. The debug adapter runs prepared
 * scenarios under its own control; `runScenario` runs them to the end.
 */
export interface PreparedScenario {
  scenario: Scenario;
  /** Warnings found while preparing (errors make `prepareScenario` return a report instead). */
  diagnostics: Diagnostic[];
  machine: Machine;
  hypervisor: Hypervisor | undefined;
  /** The loaded program images: the bare-metal program, or each VM's guest image in VM order. */
  images: Image[];
  /** The scenario's instruction limit. */
  maxInstructions: bigint;
  /** Runs the machine (through the hypervisor when there is one). */
  run(options: { maxInstructions?: bigint }): RunResult;
  /** Metrics, expectations and status of a run that ended with `result`. */
  finish(result: RunResult): ScenarioReport;
}

/** Loads, checks and sets up a scenario; a report with status 'error' when it cannot run. */
export function prepareScenario(text: string, file: string, read: FileReader, options: ScenarioRunOptions = {}): PreparedScenario | ScenarioReport {
  const loaded = parseScenario(text, file);
  const { scenario, ranges } = loaded;
  if (hasErrors(loaded.diagnostics)) return errorReport(scenario, loaded.diagnostics);
  if (scenario.kind === 'hypervisor') return prepareHypervisorScenario(scenario, loaded.diagnostics, ranges, file, read, options);
  const { program, machine: config, stop } = scenario;
  // Said plainly rather than ignored: the machine always stops when the program writes tohost.
  if (!stop.onTohost) loaded.diagnostics.push(notYet(ranges.get('/stop/onTohost'), file, 'stop.onTohost = false is not supported yet; the run stops when the program writes tohost'));
  const dir = path.dirname(file);
  const code = program.code;
  const files = code.format === 'elf' ? [code.elf] : code.sources;
  const built = buildImage(files.map((f) => path.resolve(dir, f)), read, {
    base: code.format === 'assembly' ? code.base : undefined,
    entry: code.entry,
  });
  const fileRanges = files.map((_, i) => ranges.get(code.format === 'elf' ? '/program/code/elf' : `/program/code/sources/${i}`));
  const buildDiagnostics = built.diagnostics.map((d) => atReference(d, fileRanges[files.findIndex((f) => path.resolve(dir, f) === d.range.file)]));
  if (!built.image) return errorReport(scenario, [...loaded.diagnostics, ...buildDiagnostics]);

  // S-mode programs get the native SBI firmware, as a kernel would from OpenSBI.
  const machine = machineFor(config, options, program.mode === 'S' ? 'sbi' : 'none');
  machine.load(built.image);
  armTimeLimit(machine, stop);
  const diagnostics = [...loaded.diagnostics, ...buildDiagnostics];
  return {
    scenario, diagnostics, machine, hypervisor: undefined, images: [built.image], maxInstructions: BigInt(stop.maxInstructions),
    run: (o) => machine.run(o),
    finish: (result) => {
      const metrics = collectMetrics(machine);
      metrics.set('instructions.total', Number(result.instret));
      metrics.set('cycles.total', result.cycles);
      if (result.failCode !== undefined) metrics.set('program.failed_test', result.failCode);
      metrics.set('program.passed', result.reason === 'pass' ? 1 : 0);
      const expectations = evaluateExpectations(scenario.expect, metrics);
      const programFailed = result.reason === 'fail' || result.reason === 'trap';
      const status: ScenarioStatus = programFailed || expectations.some((e) => !e.pass) ? 'fail' : 'pass';
      return { scenario, diagnostics, result, metrics, expectations, status };
    },
  };
}

export function runScenario(text: string, file: string, read: FileReader, options: ScenarioRunOptions = {}): ScenarioReport {
  const prepared = prepareScenario(text, file, read, options);
  if (!('machine' in prepared)) return prepared;
  return prepared.finish(prepared.run({ maxInstructions: prepared.maxInstructions }));
}

/**
 * The hypervisor branch: builds every VM's code (at its guest-physical addresses), boots the
 * hypervisor on a machine configured from the scenario, runs until every VM has stopped (or a
 * stop condition) and reports the machine's and each VM's metrics.
 */
function prepareHypervisorScenario(scenario: HypervisorScenario, loadedDiagnostics: Diagnostic[], ranges: ReadonlyMap<string, SourceRange>, file: string,
  read: FileReader, options: ScenarioRunOptions): PreparedScenario | ScenarioReport {
  const diagnostics = [...loadedDiagnostics];
  const dir = path.dirname(file);
  const specs: VmSpec[] = [];
  const callbackPrograms: AsmResult[][] = [];
  let failed = false;
  scenario.vms.forEach((vm, v) => {
    const code = vm.code;
    const files = code.format === 'elf' ? [code.elf] : code.sources;
    const built = buildImage(files.map((f) => path.resolve(dir, f)), read, {
      base: code.format === 'assembly' ? code.base : undefined,
      entry: code.entry,
    });
    const fileRanges = files.map((_, i) => ranges.get(code.format === 'elf' ? `/vms/${v}/code/elf` : `/vms/${v}/code/sources/${i}`));
    diagnostics.push(...built.diagnostics.map((d) => atReference(d, fileRanges[files.findIndex((f) => path.resolve(dir, f) === d.range.file)])));
    if (!built.image) { failed = true; return; }
    if (vm.paging !== 'nested') {
      diagnostics.push({ severity: 'error', code: 'paging-not-implemented', message: `VM '${vm.name}': paging '${vm.paging}' is not implemented; use 'nested'`, range: ranges.get(`/vms/${v}/paging`) ?? ranges.get(`/vms/${v}`) ?? { file, line: 1, column: 1, endLine: 1, endColumn: 2 } });
      failed = true;
      return;
    }
    if (vm.devices.some((d) => d.type !== 'uart')) diagnostics.push(notYet(ranges.get(`/vms/${v}/devices`), file, `VM '${vm.name}': devices other than the UART are not implemented yet and are ignored (every VM has an emulated UART at 0x10000000)`));
    // Hyper-callbacks of the scenario: assembled now, verified and registered at boot.
    const programs: AsmResult[] = [];
    vm.callbacks.forEach((cb, c) => {
      const at = ranges.get(`/vms/${v}/callbacks/${c}/file`) ?? ranges.get(`/vms/${v}/callbacks/${c}`);
      const where = path.resolve(dir, cb.file);
      const bytes = read(where);
      if (bytes === undefined) {
        diagnostics.push({ severity: 'error', code: 'file-not-found', message: `cannot read the hyper-callback '${cb.file}'`, range: at ?? { file, line: 1, column: 1, endLine: 1, endColumn: 2 } });
        failed = true;
        return;
      }
      const asm = assemble(new TextDecoder().decode(bytes), { file: where });
      diagnostics.push(...asm.diagnostics);
      if (hasErrors(asm.diagnostics)) { failed = true; return; }
      programs.push(asm);
    });
    callbackPrograms.push(programs);
    specs.push({ name: vm.name, vcpus: vm.vcpus, memory: vm.memory, image: built.image });
  });
  const reclaim = reclaimSpecs(scenario, ranges, file, diagnostics);
  if (reclaim === undefined) failed = true;
  else specs.forEach((sp) => { const r = reclaim.get(sp.name); if (r !== undefined) sp.reclaim = r; });
  const mechanisms = Object.keys(scenario.hypervisor.mechanisms).filter((k) => k !== 'hyper-callbacks');
  if (mechanisms.length) diagnostics.push(notYet(ranges.get('/hypervisor/mechanisms'), file, `hypervisor mechanisms (${mechanisms.join(', ')}) are not implemented yet and are ignored`));
  if (failed) return errorReport(scenario, diagnostics);

  const machine = machineFor(scenario.machine, options, 'none');
  let hv: Hypervisor;
  try {
    hv = new Hypervisor(machine, { timeslice: scenario.hypervisor.timeslice, vms: specs, callbackEngine: options.engine === 'interpreter' ? 'interp' : 'jit' });
  } catch (e) {
    if (!(e instanceof HypervisorConfigError)) throw e;
    diagnostics.push({ severity: 'error', code: 'hypervisor-config', message: e.message, range: ranges.get('/vms') ?? { file, line: 1, column: 1, endLine: 1, endColumn: 2 } });
    return errorReport(scenario, diagnostics);
  }
  let rejected = false;
  scenario.vms.forEach((vm, v) => {
    vm.callbacks.forEach((cb, c) => {
      const asm = callbackPrograms[v][c];
      const out = hv.callbacks.registerProgram(hv.vms[v], cb.file, asm, cb.event, cb.range);
      if (out.ok) return;
      rejected = true;
      diagnostics.push(...out.diagnostics);
      diagnostics.push({ severity: 'error', code: 'callback-rejected', message: `VM '${vm.name}': the verifier rejected the hyper-callback '${cb.file}' for event ${cb.event} (${out.diagnostics.filter((d) => d.severity === 'error').length} error(s) in the file)`, range: ranges.get(`/vms/${v}/callbacks/${c}`) ?? { file, line: 1, column: 1, endLine: 1, endColumn: 2 } });
    });
  });
  if (rejected) return errorReport(scenario, diagnostics);
  armTimeLimit(machine, scenario.stop);
  return {
    scenario, diagnostics, machine, hypervisor: hv, images: specs.map((sp) => sp.image), maxInstructions: BigInt(scenario.stop.maxInstructions),
    run: (o) => hv.run(o),
    finish: (result) => {
      const sorted = collectMetrics(machine, hv.metrics());
      sorted.set('instructions.total', Number(result.instret));
      sorted.set('cycles.total', result.cycles);
      sorted.set('program.passed', result.reason === 'pass' ? 1 : 0);
      const expectations = evaluateExpectations(scenario.expect, sorted);
      const vmFailed = hv.vms.some((vm) => vm.state === 'crashed' || vm.state === 'failed');
      const status: ScenarioStatus = vmFailed || result.reason === 'fail' || result.reason === 'trap' || expectations.some((e) => !e.pass) ? 'fail' : 'pass';
      return { scenario, diagnostics, result, metrics: sorted, expectations, status };
    },
  };
}

/** One machine built from a scenario's `machine` section, for both kinds of scenario. */
function machineFor(config: ScenarioMachine, options: ScenarioRunOptions, firmware: 'none' | 'sbi'): Machine {
  const machine = new Machine({
    harts: config.harts,
    ramSize: config.memory,
    quantum: config.quantum,
    costs: config.costs,
    tlb: config.tlb,
    firmware,
    engine: options.engine ?? 'compiled',
    console: options.console,
    trace: options.trace,
  });
  return machine;
}

/** `stop.maxTime` as an event; armed after loading, which starts the machine's time afresh. */
function armTimeLimit(machine: Machine, stop: StopConfig): void {
  if (stop.maxTime === undefined) return;
  const limit = stop.maxTime;
  machine.schedule(limit, () => machine.requestStop({ reason: 'limit', message: `stop.maxTime (${limit} cycles) reached` }), 'stop.maxTime');
}

/**
 * `workload.reclaim` (hypervisor scenarios): host page reclaim (simulator/hypervisor/reclaim.ts).
 *
 *   "reclaim": {
 *     "pages": 64,                      // pages to take from each VM listed (> 0)
 *     "at": 3000000,                    // virtual cycle at which the host starts (default 1000000)
 *     "strategy": "callback",           // one of blind | balloon | callback for every VM,
 *                                       // or { "<vm>": "<strategy>", ... } for some VMs
 *     "swapCycles": 20000,              // cycles of one page written to / read from swap (default 20000)
 *     "freeBitmap": "0x8000f000"        // GPA of the guest's free-page bitmap: scoring only
 *   }
 *
 * Returns the spec per VM name, or undefined after reporting an error at the field.
 */
function reclaimSpecs(scenario: HypervisorScenario, ranges: ReadonlyMap<string, SourceRange>, file: string, diagnostics: Diagnostic[]): Map<string, ReclaimSpec> | undefined {
  const out = new Map<string, ReclaimSpec>();
  const w = scenario.workload.reclaim;
  if (w === undefined) return out;
  const err = (where: string, message: string): undefined => {
    diagnostics.push({ severity: 'error', code: 'workload', message: `workload.reclaim${where ? `.${where}` : ''}: ${message}`, range: ranges.get(`/workload/reclaim${where ? `/${where}` : ''}`) ?? ranges.get('/workload/reclaim') ?? { file, line: 1, column: 1, endLine: 1, endColumn: 2 } });
    return undefined;
  };
  if (typeof w !== 'object' || w === null || Array.isArray(w)) return err('', 'must be an object { pages, at, strategy, swapCycles, freeBitmap }');
  const o = w as Record<string, JsonValue>;
  for (const k of Object.keys(o)) if (!['pages', 'at', 'strategy', 'swapCycles', 'freeBitmap'].includes(k)) return err(k, 'unknown field (pages, at, strategy, swapCycles, freeBitmap)');
  const int = (k: string, min: number, dflt?: number): number | undefined => {
    const v = o[k];
    if (v === undefined && dflt !== undefined) return dflt;
    const n = typeof v === 'string' && /^0x[0-9a-f]+$/i.test(v) ? Number.parseInt(v, 16) : v;
    if (typeof n !== 'number' || !Number.isSafeInteger(n) || n < min) { err(k, `must be an integer >= ${min}${typeof v === 'string' ? ' (or a "0x…" string)' : ''}`); return undefined; }
    return n;
  };
  const pages = int('pages', 1);
  const at = int('at', 0, 1_000_000);
  const swapCycles = int('swapCycles', 0, 20_000);
  const freeBitmap = o.freeBitmap === undefined ? -1 : int('freeBitmap', 0);
  if (pages === undefined || at === undefined || swapCycles === undefined || freeBitmap === undefined) return undefined;
  const isStrategy = (s: JsonValue): s is ReclaimStrategy => typeof s === 'string' && (RECLAIM_STRATEGIES as readonly string[]).includes(s);
  const st = o.strategy;
  const names = scenario.vms.map((v) => v.name);
  const per = new Map<string, ReclaimStrategy>();
  if (isStrategy(st)) for (const n of names) per.set(n, st);
  else if (typeof st === 'object' && st !== null && !Array.isArray(st)) {
    for (const [n, s] of Object.entries(st)) {
      if (!names.includes(n)) return err('strategy', `no VM named '${n}' (VMs: ${names.join(', ')})`);
      if (!isStrategy(s)) return err('strategy', `'${String(s)}' for VM '${n}' is not one of ${RECLAIM_STRATEGIES.join(', ')}`);
      per.set(n, s);
    }
  } else return err('strategy', `must be one of ${RECLAIM_STRATEGIES.join(', ')} or an object { "<vm>": strategy }`);
  for (const [n, strategy] of per) out.set(n, { strategy, pages, at, swapCycles, ...(freeBitmap >= 0 ? { freeBitmap } : {}), seed: scenario.machine.seed });
  return out;
}
