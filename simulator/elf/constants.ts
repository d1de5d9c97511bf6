/**
 * ELF64 constants used by the reader and writer (System V gABI, RISC-V psABI).
 * Only what HyperLab needs: little-endian RV64 executables.
 */

export const ELF_MAGIC = [0x7f, 0x45, 0x4c, 0x46] as const;

export const EI_CLASS = 4;
export const EI_DATA = 5;
export const EI_VERSION = 6;
export const EI_OSABI = 7;

export const ELFCLASS32 = 1;
export const ELFCLASS64 = 2;
export const ELFDATA2LSB = 1;
export const ELFDATA2MSB = 2;
export const EV_CURRENT = 1;

export const ET_NONE = 0;
export const ET_REL = 1;
export const ET_EXEC = 2;
export const ET_DYN = 3;
export const ET_CORE = 4;

export const EM_RISCV = 243;

export const EHDR_SIZE = 64;
export const PHDR_SIZE = 56;
export const SHDR_SIZE = 64;
export const SYM_SIZE = 24;

export const PT_NULL = 0;
export const PT_LOAD = 1;
export const PT_DYNAMIC = 2;
export const PT_INTERP = 3;
export const PT_RISCV_ATTRIBUTES = 0x70000003;

export const PF_X = 1;
export const PF_W = 2;
export const PF_R = 4;

export const SHT_NULL = 0;
export const SHT_PROGBITS = 1;
export const SHT_SYMTAB = 2;
export const SHT_STRTAB = 3;
export const SHT_NOBITS = 8;
export const SHT_RISCV_ATTRIBUTES = 0x70000003;

export const SHF_WRITE = 0x1n;
export const SHF_ALLOC = 0x2n;
export const SHF_EXECINSTR = 0x4n;

export const SHN_UNDEF = 0;
export const SHN_LORESERVE = 0xff00;
export const SHN_ABS = 0xfff1;
export const SHN_COMMON = 0xfff2;
export const SHN_XINDEX = 0xffff;

export const STB_LOCAL = 0;
export const STB_GLOBAL = 1;
export const STB_WEAK = 2;

export const STT_NOTYPE = 0;
export const STT_OBJECT = 1;
export const STT_FUNC = 2;
export const STT_SECTION = 3;
export const STT_FILE = 4;

/** e_flags: RVC bit and float ABI field (psABI). Soft-float lp64 = 0. */
export const EF_RISCV_RVC = 0x1;
export const EF_RISCV_FLOAT_ABI_SOFT = 0x0;

/** Names for e_machine values people are likely to feed us by mistake. */
export const MACHINE_NAMES: ReadonlyMap<number, string> = new Map([
  [0, 'no machine (EM_NONE)'],
  [2, 'SPARC'],
  [3, 'Intel 80386 (x86)'],
  [8, 'MIPS'],
  [20, 'PowerPC'],
  [21, 'PowerPC64'],
  [22, 'IBM S/390'],
  [40, 'ARM (32-bit)'],
  [42, 'SuperH'],
  [43, 'SPARC V9'],
  [50, 'IA-64'],
  [62, 'x86-64'],
  [183, 'AArch64'],
  [243, 'RISC-V'],
  [247, 'eBPF'],
  [258, 'LoongArch'],
]);

export function machineName(m: number): string {
  return MACHINE_NAMES.get(m) ?? `unknown machine number ${m}`;
}
