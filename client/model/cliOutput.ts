/**
 * Reading what `hyperlab run --json` and `hyperlab verify` print: diagnostics as
 * `file:line:col: severity: message` lines (simulator/diagnostics.ts formatDiagnostic) and the
 * scenario result object. The same regular expression backs the `$hyperlab` problem matcher in
 * package.json (a test keeps the two equal).
 */

/** `file:line:col: error|warning|info: message`, possibly indented (related-information lines are not matched: they have no severity). */
export const DIAGNOSTIC_LINE = '^\\s*(.+?):(\\d+):(\\d+): (error|warning|info): (.*)$';

export interface CliDiagnostic {
  file: string;
  /** 1-based, as printed. */
  line: number;
  column: number;
  severity: 'error' | 'warning' | 'info';
  message: string;
}

export function parseDiagnosticLines(text: string): CliDiagnostic[] {
  const re = new RegExp(DIAGNOSTIC_LINE);
  const out: CliDiagnostic[] = [];
  for (const line of text.split(/\r?\n/)) {
    const m = re.exec(line);
    if (!m) continue;
    out.push({ file: m[1], line: Number(m[2]), column: Number(m[3]), severity: m[4] as CliDiagnostic['severity'], message: m[5] });
  }
  return out;
}

export interface ScenarioRunJson {
  scenario?: string;
  status: string;
  run: { reason: string; message: string; instret: string; pc: string; hostSeconds: number };
  console: string;
  metrics: Record<string, number>;
  expectations: { pass: boolean; line: string }[];
}

/** Validates the shape of `hyperlab run --json` output; throws an Error saying what is missing. */
export function parseRunJson(text: string): ScenarioRunJson {
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch (e) {
    throw new Error(`hyperlab run --json printed something that is not JSON: ${(e as Error).message}`);
  }
  const o = v as Partial<ScenarioRunJson> | null;
  if (!o || typeof o !== 'object') throw new Error('hyperlab run --json printed no object');
  if (typeof o.status !== 'string') throw new Error('hyperlab run --json: no "status"');
  if (!o.run || typeof o.run.message !== 'string') throw new Error('hyperlab run --json: no "run" result');
  if (!Array.isArray(o.expectations)) throw new Error('hyperlab run --json: no "expectations" list');
  return { metrics: {}, console: '', ...o } as ScenarioRunJson;
}

/** The report lines for the output channel. */
export function describeRun(r: ScenarioRunJson): string[] {
  const lines = [
    `scenario: ${r.scenario ?? '(unnamed)'} — ${r.status.toUpperCase()}`,
    `${r.run.message} (pc ${r.run.pc}, ${r.run.hostSeconds.toFixed(2)} s host time)`,
  ];
  if (r.console) lines.push('console:', ...r.console.replace(/\n$/, '').split('\n').map((l) => `  ${l}`));
  const names = Object.keys(r.metrics).sort();
  if (names.length) {
    const w = Math.max(...names.map((n) => n.length));
    lines.push('metrics:', ...names.map((n) => `  ${n.padEnd(w)}  ${r.metrics[n]}`));
  }
  if (r.expectations.length) lines.push('expectations:', ...r.expectations.map((e) => `  ${e.pass ? 'ok  ' : 'FAIL'}  ${e.line}`));
  return lines;
}

/**
 * Where a failed expectation sits in the scenario text: the line of its `"metric": "<name>"`
 * (the expectation line starts with the metric name). 1-based line/column; line 1 when not found.
 */
export function locateExpectation(scenarioText: string, expectationLine: string): { line: number; column: number; endColumn: number } {
  const metric = expectationLine.split(/\s/)[0];
  const lines = scenarioText.split(/\r?\n/);
  const needle = new RegExp(`"metric"\\s*:\\s*"${metric.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}"`);
  for (let i = 0; i < lines.length; i++) {
    const m = needle.exec(lines[i]);
    if (m) return { line: i + 1, column: m.index + 1, endColumn: m.index + 1 + m[0].length };
  }
  return { line: 1, column: 1, endColumn: 2 };
}
