import { parseArgs } from 'node:util';
import { Machine, type RunResult } from '../../machine';
import { describe, toJson } from './report';
import { runScenarioFile } from './scenario';
import { loadProgram, programFlags, programFlagsHelp, programOptionsFrom } from '../program';
import { EXIT_ERROR, EXIT_FAIL, EXIT_OK, parseInteger, UsageError, type CliIO } from '../usage';

export const runHelp = `hyperlab run PROGRAM... [options]

Runs an RV64 program to its tohost exit (1 = pass, (n<<1)|1 = test n failed).
PROGRAM is one ELF executable, or one or more assembly files linked together, or
one scenario file (*.hlab.json): then the metrics are printed and the scenario's
expect assertions decide the exit status.

Options:
  --max-instructions N      stop after N instructions (default 1000000000)
  --engine E                compiled (default) or interpreter
  --json                    print the result as JSON
For assembly input:
${programFlagsHelp}

Exit status: 0 pass, 1 fail (or a failed expectation), 2 error (bad file, trap with
no handler, instruction limit outside a scenario).`;

export function runCommand(io: CliIO, argv: string[]): number {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      ...programFlags,
      'max-instructions': { type: 'string' },
      engine: { type: 'string' },
      json: { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) {
    io.out(runHelp);
    return EXIT_OK;
  }
  const engine = values.engine ?? 'compiled';
  if (engine !== 'compiled' && engine !== 'interpreter') {
    throw new UsageError(`--engine must be 'compiled' or 'interpreter', got '${engine}'`);
  }
  const maxInstructions = values['max-instructions'] === undefined
    ? 1_000_000_000n
    : parseInteger('--max-instructions', values['max-instructions']);
  if (positionals.length === 1 && positionals[0].endsWith('.hlab.json')) {
    return runScenarioFile(io, positionals[0], { engine, json: values.json ?? false });
  }
  const image = loadProgram(io, positionals, programOptionsFrom(values));
  // In JSON mode the program's console output becomes a field, so stdout stays one document.
  const consoleBytes: number[] = [];
  const machine = new Machine({ engine, console: values.json ? (b) => consoleBytes.push(b) : (b) => io.console(b) });
  machine.load(image);
  const started = process.hrtime.bigint();
  const result = machine.run({ maxInstructions });
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  const consoleText = new TextDecoder().decode(Uint8Array.from(consoleBytes));
  if (values.json) io.out(JSON.stringify({ ...toJson(result, seconds), console: consoleText }, null, 2));
  else io.out(describe(result, seconds));
  return exitCodeFor(result);
}

function exitCodeFor(result: RunResult): number {
  switch (result.reason) {
    case 'pass':
      return EXIT_OK;
    case 'fail':
      return EXIT_FAIL;
    default:
      return EXIT_ERROR;
  }
}
