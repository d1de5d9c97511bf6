/**
 * Launching a program for debugging: a scenario (`*.hlab.json`, bare metal or with VMs), assembly
 * sources (`.S`, with what they include) or an ELF executable, set up on a machine that records
 * its trace, but not run. Problems come back as a LaunchError whose message lists the located
 * diagnostics, so the client shows them as the launch failure.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { formatDiagnostic, hasErrors, type Diagnostic } from '../../simulator/diagnostics';
import { Machine, type RunResult } from '../../simulator/machine';
import type { Hypervisor } from '../../simulator/hypervisor';
import type { Image } from '../../simulator/riscv/image';
import { TraceBuffer } from '../../simulator/trace';
import { buildImage, type FileReader } from '../../simulator/runner/image';
import { prepareScenario } from '../../simulator/runner/scenario';

export class LaunchError extends Error {
  constructor(message: string, readonly diagnostics: readonly Diagnostic[] = []) {
    super(message);
    this.name = 'LaunchError';
  }
}

export interface LoadedProgram {
  /** What was launched, for the debug console. */
  description: string;
  machine: Machine;
  hypervisor: Hypervisor | undefined;
  images: Image[];
  trace: TraceBuffer;
  /** The scenario's instruction limit (the run ends there), if it has one. */
  maxInstructions: bigint | undefined;
  /** The folder relative names of the program (a scenario's files and callbacks) are resolved in. */
  baseDir: string;
  /** Warnings the scenario or the assembler reported. */
  warnings: Diagnostic[];
  /** Runs the machine (through the hypervisor when there is one). */
  run(options: { maxInstructions?: bigint }): RunResult;
}

export interface LoadOptions {
  /** Receives every console byte of the program (HTIF, UART, SBI, the VMs' consoles). */
  console: (byte: number) => void;
  engine?: 'compiled' | 'interpreter';
  /** Trace events kept for the views (default 65 536). */
  traceCapacity?: number;
}

const readFile: FileReader = (file) => {
  try {
    return fs.readFileSync(file);
  } catch {
    return undefined;
  }
};

function failure(what: string, diagnostics: readonly Diagnostic[]): LaunchError {
  const errors = diagnostics.filter((d) => d.severity === 'error');
  return new LaunchError(`${what}:\n${errors.map(formatDiagnostic).join('\n')}`, diagnostics);
}

/** Loads `program` (absolute path) onto a new machine. Throws LaunchError. */
export function loadProgram(program: string, options: LoadOptions): LoadedProgram {
  const trace = new TraceBuffer(options.traceCapacity ?? 65_536);
  const file = path.resolve(program);
  if (!fs.existsSync(file)) throw new LaunchError(`program '${program}' does not exist`);
  if (file.endsWith('.hcb')) {
    throw new LaunchError(`'${program}': a hyper-callback on its own is debugged by the callback runtime (hcb-launch.ts), not on a machine`);
  }
  if (file.endsWith('.json')) {
    const text = fs.readFileSync(file, 'utf8');
    const prepared = prepareScenario(text, file, readFile, { console: options.console, engine: options.engine, trace });
    if (!('machine' in prepared)) throw failure(`the scenario '${program}' cannot run`, prepared.diagnostics);
    return {
      description: `scenario ${prepared.scenario.name ?? path.basename(file)}`,
      machine: prepared.machine,
      hypervisor: prepared.hypervisor,
      images: prepared.images,
      trace,
      maxInstructions: prepared.maxInstructions,
      baseDir: path.dirname(file),
      warnings: prepared.diagnostics,
      run: (o) => prepared.run(o),
    };
  }
  const built = buildImage([file], readFile);
  if (built.image === undefined || hasErrors(built.diagnostics)) throw failure(`'${program}' cannot be built`, built.diagnostics);
  const machine = new Machine({ engine: options.engine ?? 'compiled', console: options.console, trace });
  try {
    machine.load(built.image);
  } catch (e) {
    throw new LaunchError(`'${program}' cannot be loaded: ${(e as Error).message}`);
  }
  return {
    description: `${path.basename(file)} (bare metal, 1 hart, M mode)`,
    machine,
    hypervisor: undefined,
    images: [built.image],
    trace,
    maxInstructions: undefined,
    baseDir: path.dirname(file),
    warnings: built.diagnostics,
    run: (o) => machine.run(o),
  };
}
