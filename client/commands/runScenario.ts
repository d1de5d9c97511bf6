/**
 * "Run Scenario Headless": `hyperlab run FILE --json` in a child process (the bundled CLI), the
 * report in the HyperLab output channel, located diagnostics and failed expectations in Problems.
 */
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { describeRun, locateExpectation, parseDiagnosticLines, parseRunJson, type CliDiagnostic, type ScenarioRunJson } from '../model/cliOutput';

/** A run longer than this is stopped: a scenario without a stop condition must not spin forever. */
const RUN_TIMEOUT_MS = 5 * 60_000;

const SEVERITY: Record<CliDiagnostic['severity'], vscode.DiagnosticSeverity> = {
  error: vscode.DiagnosticSeverity.Error,
  warning: vscode.DiagnosticSeverity.Warning,
  info: vscode.DiagnosticSeverity.Information,
};

export interface RunOutcome { exitCode: number | null; result: ScenarioRunJson | null; diagnostics: number }

function runCli(cli: string, file: string, token: vscode.CancellationToken): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [cli, 'run', file, '--json'], {
      cwd: path.dirname(file),
      env: { ...process.env, ELECTRON_RUN_AS_NODE: '1' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => { stdout += d; });
    child.stderr.setEncoding('utf8').on('data', (d: string) => { stderr += d; });
    const timer = setTimeout(() => { stderr += `\nstopped after ${RUN_TIMEOUT_MS / 1000} s\n`; child.kill(); }, RUN_TIMEOUT_MS);
    const cancel = token.onCancellationRequested(() => { stderr += '\ncancelled\n'; child.kill(); });
    child.on('error', (e) => { clearTimeout(timer); cancel.dispose(); reject(e); });
    child.on('close', (code) => { clearTimeout(timer); cancel.dispose(); resolve({ code, stdout, stderr }); });
  });
}

export async function runScenario(extensionUri: vscode.Uri, output: vscode.OutputChannel, problems: vscode.DiagnosticCollection, uri?: vscode.Uri): Promise<RunOutcome | undefined> {
  const target = uri ?? vscode.window.activeTextEditor?.document.uri;
  if (!target || target.scheme !== 'file' || !target.fsPath.endsWith('.hlab.json')) {
    void vscode.window.showErrorMessage('Open a scenario (*.hlab.json) to run it.');
    return undefined;
  }
  const open = vscode.workspace.textDocuments.find((d) => d.uri.toString() === target.toString());
  if (open?.isDirty) await open.save();
  const cli = vscode.Uri.joinPath(extensionUri, 'dist', 'cli.js').fsPath;
  if (!fs.existsSync(cli)) {
    void vscode.window.showErrorMessage(`The HyperLab CLI is missing (${cli}); run npm run build.`);
    return undefined;
  }
  const file = target.fsPath;
  const name = vscode.workspace.asRelativePath(target);
  output.appendLine(`— hyperlab run ${name} --json`);
  const { code, stdout, stderr } = await vscode.window.withProgress(
    { location: vscode.ProgressLocation.Notification, title: `Running ${name}`, cancellable: true },
    (_p, token) => runCli(cli, file, token),
  );

  const byFile = new Map<string, vscode.Diagnostic[]>();
  const add = (f: string, d: vscode.Diagnostic) => byFile.set(f, [...(byFile.get(f) ?? []), d]);
  for (const d of parseDiagnosticLines(stderr)) {
    const line = Math.max(0, d.line - 1);
    const col = Math.max(0, d.column - 1);
    const diag = new vscode.Diagnostic(new vscode.Range(line, col, line, col + 1), d.message, SEVERITY[d.severity]);
    diag.source = 'hyperlab run';
    add(path.resolve(path.dirname(file), d.file), diag);
  }
  let result: ScenarioRunJson | null = null;
  if (stdout.trim()) {
    try {
      result = parseRunJson(stdout);
    } catch (e) {
      output.appendLine(e instanceof Error ? e.message : String(e));
    }
  }
  if (result) {
    for (const l of describeRun(result)) output.appendLine(l);
    const text = fs.readFileSync(file, 'utf8');
    for (const e of result.expectations.filter((x) => !x.pass)) {
      const at = locateExpectation(text, e.line);
      const diag = new vscode.Diagnostic(new vscode.Range(at.line - 1, at.column - 1, at.line - 1, at.endColumn - 1), `expectation failed: ${e.line}`, vscode.DiagnosticSeverity.Error);
      diag.source = 'hyperlab run';
      add(file, diag);
    }
  }
  const otherStderr = stderr.split('\n').filter((l) => l.trim() && parseDiagnosticLines(l).length === 0);
  for (const l of otherStderr) output.appendLine(l);

  problems.clear();
  for (const [f, ds] of byFile) problems.set(vscode.Uri.file(f), ds);
  const count = [...byFile.values()].reduce((a, d) => a + d.length, 0);
  const summary = result ? `${name}: ${result.status} — ${result.run.message}` : `${name}: did not run (exit code ${code})`;
  output.appendLine(summary);
  if (result?.status === 'pass') void vscode.window.showInformationMessage(summary);
  else {
    // Not awaited: the command's result must not wait for the user to dismiss a notification.
    void vscode.window.showErrorMessage(`${summary}${count ? ` (${count} problem${count === 1 ? '' : 's'})` : ''}`, 'Show Output')
      .then((choice) => { if (choice) output.show(true); });
  }
  return { exitCode: code, result, diagnostics: count };
}
