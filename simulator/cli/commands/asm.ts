import { parseArgs } from 'node:util';
import { writeElf } from '../../elf';
import { disassembleImage } from '../../riscv/disasm';
import { loadProgram, parseDefines } from '../program';
import { EXIT_OK, parseInteger, UsageError, type CliIO } from '../usage';

export const asmHelp = `hyperlab asm FILE.S... -o OUT.elf [options]

Assembles and links RV64 assembly files (GNU as syntax) into an ELF64 executable.

Options:
  -o, --output FILE   the ELF file to write (required unless --listing)
  --base ADDR         address of the first section (default 0x80000000)
  --entry SYMBOL      entry point (default _start, else the base address)
  -D NAME[=VALUE]     preprocessor definition
  --listing           print an objdump-style disassembly of the result`;

export function asmCommand(io: CliIO, argv: string[]): number {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      output: { type: 'string', short: 'o' },
      base: { type: 'string' },
      entry: { type: 'string' },
      define: { type: 'string', short: 'D', multiple: true },
      listing: { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) {
    io.out(asmHelp);
    return EXIT_OK;
  }
  if (!values.output && !values.listing) throw new UsageError('asm needs -o OUT.elf (or --listing)');
  const image = loadProgram(io, positionals, {
    base: values.base === undefined ? undefined : parseInteger('--base', values.base),
    defines: parseDefines(values.define),
    entry: values.entry,
  });
  if (values.output) io.writeFile(values.output, writeElf(image));
  if (values.listing) io.out(disassembleImage(image));
  return EXIT_OK;
}
