/** ELF64 RISC-V executables: read one into an `Image`, write an `Image` as one. */
export { ElfError, readElf, isElf, MAX_LOAD_BYTES } from './reader';
export { writeElf } from './writer';
