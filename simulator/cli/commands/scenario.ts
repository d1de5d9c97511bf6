import * as path from 'node:path';
import { formatDiagnostic, hasErrors } from '../../diagnostics';
import { runScenario } from '../../runner/scenario';
import { formatMetricsTable, metricsToJson } from '../../trace';
import { EXIT_ERROR, EXIT_FAIL, EXIT_OK, type CliIO } from '../usage';
import { describe, toJson } from './report';

export interface ScenarioFlags {
  engine: 'compiled' | 'interpreter';
  json: boolean;
}

export function runScenarioFile(io: CliIO, file: string, flags: ScenarioFlags): number {
  if (!io.exists(file)) {
    io.err(`${file}: no such file`);
    return EXIT_ERROR;
  }
  const text = new TextDecoder().decode(io.readFile(file));
  const consoleBytes: number[] = [];
  const started = process.hrtime.bigint();
  const report = runScenario(text, path.resolve(file), (f) => (io.exists(f) ? io.readFile(f) : undefined), {
    engine: flags.engine,
    console: flags.json ? (b) => consoleBytes.push(b) : (b) => io.console(b),
  });
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  for (const d of report.diagnostics) io.err(formatDiagnostic(d));
  if (hasErrors(report.diagnostics) || !report.result) return EXIT_ERROR;

  if (flags.json) {
    io.out(JSON.stringify({
      scenario: report.scenario?.name,
      status: report.status,
      run: toJson(report.result, seconds),
      console: new TextDecoder().decode(Uint8Array.from(consoleBytes)),
      metrics: metricsToJson(report.metrics),
      expectations: report.expectations.map((e) => ({ pass: e.pass, line: e.line })),
    }, null, 2));
  } else {
    if (report.scenario?.name) io.out(`scenario: ${report.scenario.name}`);
    io.out(describe(report.result, seconds));
    io.out('');
    io.out(formatMetricsTable(report.metrics));
    if (report.expectations.length) {
      io.out('');
      for (const e of report.expectations) io.out(`${e.pass ? 'ok  ' : 'FAIL'}  ${e.line}`);
    }
    io.out('');
    io.out(`scenario ${report.status}`);
  }
  return report.status === 'pass' ? EXIT_OK : EXIT_FAIL;
}
