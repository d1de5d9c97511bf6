/**
 * `hyperlab`: the headless entry point (run programs and scenarios, assemble, disassemble; later
 * verify callbacks and run conformance suites). Each subcommand lives in its own module under
 * commands/ and receives its I/O through CliIO so tests can drive it in-process.
 */
import * as fs from 'node:fs';
import { asmCommand, asmHelp } from './commands/asm';
import { conformanceCommand, conformanceHelp } from './commands/conformance';
import { verifyCommand, verifyHelp } from './commands/verify';
import { disasmCommand, disasmHelp } from './commands/disasm';
import { runCommand, runHelp } from './commands/run';
import { AssemblyFailed } from './program';
import { EXIT_ERROR, EXIT_OK, UsageError, type CliIO } from './usage';

declare const HYPERLAB_VERSION: string | undefined;

interface Command {
  summary: string;
  help: string;
  handler(io: CliIO, argv: string[]): number;
}

const commands: Record<string, Command> = {
  run: { summary: 'run an RV64 program (ELF or .S files) to its tohost exit', help: runHelp, handler: runCommand },
  asm: { summary: 'assemble and link .S files into an ELF64 executable', help: asmHelp, handler: asmCommand },
  disasm: { summary: 'disassemble an ELF executable or .S files', help: disasmHelp, handler: disasmCommand },
  verify: { summary: 'verify a hyper-callback (.hcb) against its event (exit 0 accepted, 1 rejected)', help: verifyHelp, handler: verifyCommand },
  conformance: { summary: 'run a peer conformance suite (bpf DIR [--engine interp|jit], prevail DIR)', help: conformanceHelp, handler: conformanceCommand },
};

function version(): string {
  return typeof HYPERLAB_VERSION === 'string' ? HYPERLAB_VERSION : 'dev';
}

function mainHelp(): string {
  const width = Math.max(...Object.keys(commands).map((n) => n.length));
  const list = Object.entries(commands).map(([name, c]) => `  ${name.padEnd(width)}  ${c.summary}`);
  return [
    `hyperlab ${version()} — guest-kernel and hyper-callback tooling on an embedded RISC-V machine`,
    '',
    'Usage: hyperlab <command> [options]',
    '',
    'Commands:',
    ...list,
    '',
    "Run 'hyperlab <command> --help' for a command's options.",
  ].join('\n');
}

export function main(io: CliIO, argv: string[]): number {
  const [name, ...rest] = argv;
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    const topic = name === 'help' ? rest[0] : undefined;
    io.out(topic && commands[topic] ? commands[topic].help : mainHelp());
    return EXIT_OK;
  }
  if (name === '--version' || name === '-V') {
    io.out(version());
    return EXIT_OK;
  }
  const command = Object.prototype.hasOwnProperty.call(commands, name) ? commands[name] : undefined;
  if (!command) {
    io.err(`hyperlab: unknown command '${name}'\n\n${mainHelp()}`);
    return EXIT_ERROR;
  }
  try {
    return command.handler(io, rest);
  } catch (e) {
    if (e instanceof AssemblyFailed) {
      io.err(e.message);
      return EXIT_ERROR;
    }
    if (e instanceof UsageError || isParseArgsError(e)) {
      io.err(`hyperlab ${name}: ${(e as Error).message}`);
      return EXIT_ERROR;
    }
    throw e;
  }
}

function isParseArgsError(e: unknown): boolean {
  const code = (e as { code?: unknown } | null)?.code;
  return typeof code === 'string' && code.startsWith('ERR_PARSE_ARGS');
}

export const nodeIO: CliIO = {
  out: (text) => process.stdout.write(text.endsWith('\n') ? text : `${text}\n`),
  console: (byte) => process.stdout.write(Uint8Array.of(byte)),
  err: (text) => process.stderr.write(text.endsWith('\n') ? text : `${text}\n`),
  readFile: (p) => {
    try {
      return new Uint8Array(fs.readFileSync(p));
    } catch (e) {
      throw new UsageError(`${p}: ${(e as Error).message}`);
    }
  },
  writeFile: (p, data) => fs.writeFileSync(p, data),
  exists: (p) => fs.existsSync(p) && fs.statSync(p).isFile(),
};
