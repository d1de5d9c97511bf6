import { parseArgs } from 'node:util';
import { writeElf } from '../../elf';
import { disassembleImage } from '../../riscv/disasm';
import { loadProgram, programFlags, programFlagsHelp, programOptionsFrom } from '../program';
import { EXIT_OK, UsageError, type CliIO } from '../usage';

export const asmHelp = `hyperlab asm FILE.S... -o OUT.elf [options]

Assembles and links RV64 assembly files (GNU as syntax) into an ELF64 executable.

Options:
  -o, --output FILE         the ELF file to write (required unless --listing)
  --listing                 print an objdump-style disassembly of the result
${programFlagsHelp}`;

export function asmCommand(io: CliIO, argv: string[]): number {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      ...programFlags,
      output: { type: 'string', short: 'o' },
      listing: { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) {
    io.out(asmHelp);
    return EXIT_OK;
  }
  if (!values.output && !values.listing) throw new UsageError('asm needs -o OUT.elf (or --listing)');
  const image = loadProgram(io, positionals, programOptionsFrom(values));
  if (values.output) io.writeFile(values.output, writeElf(image));
  if (values.listing) io.out(disassembleImage(image));
  return EXIT_OK;
}
