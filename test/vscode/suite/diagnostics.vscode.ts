/**
 * Diagnostics through vscode.languages.getDiagnostics, as the Problems view shows them: none with
 * error severity for the examples (they assemble and run), and exactly the known errors, with
 * their ranges and messages, for the fixtures in fixtures/errors/.
 */
import * as assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { diagnosticLine, examplesDir, fixturesDir, hyperlab, repoRoot, settledDiagnostics, within } from './support';

const errorsOf = (ds: vscode.Diagnostic[]): string[] => ds.filter((d) => d.severity === vscode.DiagnosticSeverity.Error).map(diagnosticLine);

describe('diagnostics', () => {
  before(async () => {
    const api = await hyperlab();
    await within(api.serverReady, 30_000, 'the language server');
  });

  it('fixtures/errors/bad.hcb: exactly its three errors, at their places', async () => {
    const ds = await settledDiagnostics(path.join(fixturesDir, 'errors', 'bad.hcb'));
    assert.deepEqual(errorsOf(ds), [
      "3:10-3:14 error 'u128' is not a memory type (u8, u16, u32, u64, s8, s16, s32)",
      "4:3-4:7 error unknown instruction 'frob'",
      "5:8-5:15 error no label 'nowhere'",
    ]);
  });

  it('fixtures/errors/bad.S: exactly its four errors, at their places', async () => {
    const ds = await settledDiagnostics(path.join(fixturesDir, 'errors', 'bad.S'));
    assert.deepEqual(errorsOf(ds), [
      '5:3-5:14 error addi takes 3 operands, got 2',
      "6:3-6:13 error unknown instruction 'frobnicate'",
      "7:12-7:21 error unknown CSR 'nosuchcsr'",
      "8:5-8:18 error undefined symbol 'missing_label'",
    ]);
  });

  it('*.hlab.json files are validated against the scenario schema (jsonValidation)', async () => {
    const file = path.join(fixturesDir, 'errors', 'bad.hlab.json');
    const ds = await settledDiagnostics(file);
    const doc = await vscode.workspace.openTextDocument(file);
    const harts = doc.getText().indexOf('"harts": 0') + '"harts": '.length;
    // VS Code's JSON language features report schema violations (as warnings, with no source);
    // the HyperLab server reports its own error at the same place.
    const fromSchema = ds.filter((d) => d.source !== 'hyperlab' && d.range.contains(doc.positionAt(harts)));
    assert.ok(fromSchema.length > 0, `no JSON-schema diagnostic on harts = 0 among ${ds.map((d) => `${d.source}: ${diagnosticLine(d)}`).join('; ')}`);
    assert.match(fromSchema[0].message, /minimum/i);
  });

  it('an edit that fixes an error clears it', async () => {
    const file = path.join(fixturesDir, 'errors', 'bad.hcb');
    const doc = await vscode.workspace.openTextDocument(file);
    const editor = await vscode.window.showTextDocument(doc);
    try {
      const line = doc.lineAt(3); // `  frob r1 …`
      await editor.edit((e) => e.replace(line.range, '  r1 += 1'));
      const deadline = Date.now() + 15_000;
      let errors = errorsOf(vscode.languages.getDiagnostics(doc.uri));
      while (errors.some((e) => e.includes('frob')) && Date.now() < deadline) {
        await new Promise((r) => setTimeout(r, 100));
        errors = errorsOf(vscode.languages.getDiagnostics(doc.uri));
      }
      assert.deepEqual(errors, [
        "3:10-3:14 error 'u128' is not a memory type (u8, u16, u32, u64, s8, s16, s32)",
        "5:8-5:15 error no label 'nowhere'",
      ]);
    } finally {
      // Leave the fixture as it is on disk for the other tests.
      await vscode.commands.executeCommand('workbench.action.revertAndCloseActiveEditor');
    }
  });

  const exampleFiles = readdirSync(examplesDir, { recursive: true, encoding: 'utf8' })
    .filter((f) => /\.(S|hcb)$|\.hlab\.json$/.test(f))
    .sort();

  it(`the examples have no errors (${exampleFiles.length} files)`, async () => {
    assert.ok(exampleFiles.length >= 10, `examples: ${exampleFiles.join(', ')}`);
    const problems: string[] = [];
    for (const f of exampleFiles) {
      const ds = await settledDiagnostics(path.join(examplesDir, f), { expectSome: false, quietMs: 1000 });
      for (const e of errorsOf(ds)) problems.push(`${path.relative(repoRoot, path.join(examplesDir, f))}:${e}`);
    }
    assert.deepEqual(problems, []);
  });
});
