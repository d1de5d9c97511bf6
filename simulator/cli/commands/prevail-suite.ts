/** `hyperlab conformance prevail DIR`: runs PREVAIL's YAML tests through the verifier (prevail.ts). */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { EXIT_FAIL, EXIT_OK, UsageError, type CliIO } from '../usage';
import { runPrevailTexts } from '../../ebpf/verifier/prevail';

export function runPrevailSuite(io: CliIO, dir: string, _argv: string[]): number {
  if (!fs.existsSync(dir) || !fs.statSync(dir).isDirectory()) throw new UsageError(`'${dir}' is not a directory`);
  const files = fs
    .readdirSync(dir)
    .filter((f) => f.endsWith('.yaml') && f !== 'test-schema.yaml')
    .sort()
    .map((name) => ({ name, text: new TextDecoder().decode(io.readFile(path.join(dir, name))) }));
  const r = runPrevailTexts(files);
  for (const o of r.outcomes) {
    if (o.agree) continue;
    const expected = o.expectAccepted ? 'PREVAIL accepts' : `PREVAIL rejects (${o.case.messages[0] ?? o.case.expectedException ?? ''})`;
    io.out(`FAIL ${o.case.file}: ${o.case.name}: ${expected}; we ${o.why}`);
  }
  const total = r.outcomes.length;
  const pct = (a: number, b: number): string => (b === 0 ? '100.0' : ((100 * a) / b).toFixed(1));
  io.out(`verdict agreement: ${r.passed}/${total} (${pct(r.passed, total)}%)`);
  io.out(`post constraints proved: ${r.postProved}/${r.postTotal} (${pct(r.postProved, r.postTotal)}%)`);
  io.out(`${r.passed} passed, ${r.failed} failed`);
  return r.failed > 0 ? EXIT_FAIL : EXIT_OK;
}
