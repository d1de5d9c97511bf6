import { parseArgs } from 'node:util';
import { disassembleImage } from '../../riscv/disasm';
import { loadProgram } from '../program';
import { EXIT_OK, type CliIO } from '../usage';

export const disasmHelp = `hyperlab disasm PROGRAM...

Prints an objdump-style disassembly of an ELF executable or of assembled source files.`;

export function disasmCommand(io: CliIO, argv: string[]): number {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: { help: { type: 'boolean', short: 'h' } },
  });
  if (values.help) {
    io.out(disasmHelp);
    return EXIT_OK;
  }
  io.out(disassembleImage(loadProgram(io, positionals, {})));
  return EXIT_OK;
}
