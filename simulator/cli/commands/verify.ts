/**
 * `hyperlab verify FILE.hcb [--json]`: assembles a hyper-callback and runs the verifier with the
 * context and helpers of its `.event`. Exit 0 accepted, 1 rejected (diagnostics printed as
 * `file:line:col: error: …` followed by the path that led there), 2 when the file does not
 * assemble.
 */
import { parseArgs } from 'node:util';
import { formatDiagnostic, hasErrors } from '../../diagnostics';
import { assemble } from '../../ebpf/asm/assembler';
import { verifyHcb } from '../../ebpf/verifier/index';
import { EXIT_ERROR, EXIT_FAIL, EXIT_OK, UsageError, type CliIO } from '../usage';

export const verifyHelp = `hyperlab verify FILE.hcb [--json]

Verifies a hyper-callback (eBPF assembly) against the context and helpers of its .event.
Exit status: 0 accepted, 1 rejected, 2 the file does not assemble.

Options:
  --json      print {"ok", "diagnostics", "millis"} as JSON`;

export function verifyCommand(io: CliIO, argv: string[]): number {
  const { values, positionals } = parseArgs({ args: argv, allowPositionals: true, options: { json: { type: 'boolean' }, help: { type: 'boolean', short: 'h' } } });
  if (values.help) {
    io.out(verifyHelp);
    return EXIT_OK;
  }
  if (positionals.length !== 1) throw new UsageError('verify needs exactly one FILE.hcb');
  const file = positionals[0];
  if (!io.exists(file)) throw new UsageError(`cannot read '${file}'`);
  const source = new TextDecoder().decode(io.readFile(file));
  const asm = assemble(source, { file });
  if (hasErrors(asm.diagnostics)) {
    if (values.json) io.out(JSON.stringify({ ok: false, diagnostics: asm.diagnostics }, null, 2));
    else for (const d of asm.diagnostics) io.err(formatDiagnostic(d));
    return EXIT_ERROR;
  }
  const r = verifyHcb(asm);
  if (values.json) {
    io.out(JSON.stringify({ ok: r.ok, diagnostics: r.diagnostics, millis: Math.round(r.millis * 1000) / 1000 }, null, 2));
  } else {
    for (const d of r.diagnostics) {
      if (d.severity === 'info') continue;
      io.out(formatDiagnostic(d));
      for (const rel of d.related ?? []) io.out(`    ${rel.range.file}:${rel.range.line}:${rel.range.column}: ${rel.message}`);
    }
    io.out(r.ok ? `${file}: accepted (${asm.insns.length} instructions)` : `${file}: rejected`);
  }
  return r.ok ? EXIT_OK : EXIT_FAIL;
}
