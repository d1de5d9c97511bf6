/**
 * `hyperlab conformance <suite> DIR`: runs a peer conformance suite. Suites are a table so
 * other suites (the verifier's `prevail`) register beside `bpf`.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { parseArgs } from 'node:util';
import { parseConformanceFile, runConformanceCase } from '../../ebpf/conformance';
import { EXIT_FAIL, EXIT_OK, UsageError, type CliIO } from '../usage';
import { runPrevailSuite } from './prevail-suite';

interface Suite {
  summary: string;
  /** Runs the suite; prints one line per failure and a last line `N passed, M failed`. */
  run(io: CliIO, dir: string, argv: string[]): number;
}

function runBpf(io: CliIO, dir: string, argv: string[]): number {
  const { values } = parseArgs({ args: argv, options: { engine: { type: 'string', default: 'interp' } } });
  const engine = values.engine;
  if (engine !== 'interp' && engine !== 'jit') throw new UsageError(`--engine must be interp or jit, not '${engine}'`);
  if (!fs.existsSync(dir) || !fs.statSync(dir).isDirectory()) throw new UsageError(`'${dir}' is not a directory`);
  const files = fs
    .readdirSync(dir)
    .filter((f) => f.endsWith('.data'))
    .sort();
  let passed = 0;
  let failed = 0;
  for (const f of files) {
    const text = new TextDecoder().decode(io.readFile(path.join(dir, f)));
    const outcome = runConformanceCase(parseConformanceFile(text), engine, f);
    if (outcome.ok) passed++;
    else {
      failed++;
      io.out(`FAIL ${f}: ${outcome.message ?? 'failed'}`);
    }
  }
  io.out(`${passed} passed, ${failed} failed`);
  return failed > 0 ? EXIT_FAIL : EXIT_OK;
}

export const suites: Record<string, Suite> = {
  prevail: { summary: 'PREVAIL verifier YAML tests: verdict agreement and post constraints proved', run: runPrevailSuite },
  bpf: { summary: 'bpf_conformance .data files (-- asm/-- raw/-- mem/-- result/-- error) [--engine interp|jit]', run: runBpf },
};

export const conformanceHelp = `hyperlab conformance <suite> DIR [options]

Runs a peer conformance suite over the files of DIR.

Suites:
${Object.entries(suites)
  .map(([name, s]) => `  ${name.padEnd(8)} ${s.summary}`)
  .join('\n')}`;

export function conformanceCommand(io: CliIO, argv: string[]): number {
  const [suiteName, dir, ...rest] = argv;
  if (suiteName === undefined || suiteName === '--help' || suiteName === '-h') {
    io.out(conformanceHelp);
    return EXIT_OK;
  }
  const suite = Object.prototype.hasOwnProperty.call(suites, suiteName) ? suites[suiteName] : undefined;
  if (!suite) throw new UsageError(`unknown suite '${suiteName}' (${Object.keys(suites).join(', ')})`);
  if (dir === undefined) throw new UsageError(`conformance ${suiteName} needs a directory`);
  return suite.run(io, dir, rest);
}
