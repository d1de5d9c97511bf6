/**
 * Runs the `hyperlab` command in-process with captured output, so tests see exactly what a user
 * would (the program's console bytes interleaved with the command's own lines, as on a terminal).
 * Files written by the command go to disk unless a map is given to keep them in memory.
 */
import * as fs from 'node:fs';
import { main } from '../../simulator/cli/main';
import type { CliIO } from '../../simulator/cli/usage';

export interface CliRun {
  code: number;
  out: string;
  err: string;
}

export function runCli(args: string[], written?: Map<string, Uint8Array>): CliRun {
  let out = '';
  let err = '';
  const io: CliIO = {
    out: (t) => { out += `${t}\n`; },
    console: (b) => { out += String.fromCharCode(b); },
    err: (t) => { err += `${t}\n`; },
    readFile: (p) => written?.get(p) ?? new Uint8Array(fs.readFileSync(p)),
    writeFile: (p, d) => {
      const bytes = typeof d === 'string' ? new TextEncoder().encode(d) : d;
      if (written) written.set(p, bytes);
      else fs.writeFileSync(p, bytes);
    },
    exists: (p) => written?.has(p) === true || (fs.existsSync(p) && fs.statSync(p).isFile()),
  };
  return { code: main(io, args), out, err };
}
