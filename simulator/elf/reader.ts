/**
 * ELF64 little-endian RISC-V executable reader: turns an ELF file into an `Image`.
 *
 * Loading follows the program headers (PT_LOAD, file size then zero fill up to the memory size);
 * section headers only name and split what the segments load, and give the symbol table. Every
 * read is bounds-checked, so a damaged file raises `ElfError`, never a RangeError or a hang.
 */
import type { Image, ImageSection, ImageSymbol, SymbolKind } from '../riscv/image';
import * as C from './constants';

export class ElfError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ElfError';
  }
}

/** Largest memory size one file may ask us to load (all PT_LOAD segments together). */
export const MAX_LOAD_BYTES = 512 * 1024 * 1024;

const hex = (v: bigint | number): string => `0x${v.toString(16)}`;

/** Bounds-checked little-endian reads. */
class Bytes {
  private readonly view: DataView;
  constructor(readonly bytes: Uint8Array) {
    this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  }
  get length(): number {
    return this.bytes.length;
  }
  private need(offset: number, size: number, what: string): void {
    if (offset < 0 || offset + size > this.bytes.length) {
      throw new ElfError(
        `file is truncated: ${what} at byte offset ${offset} needs ${size} bytes but the file has only ${this.bytes.length} bytes`,
      );
    }
  }
  u8(o: number, what: string): number {
    this.need(o, 1, what);
    return this.bytes[o];
  }
  u16(o: number, what: string): number {
    this.need(o, 2, what);
    return this.view.getUint16(o, true);
  }
  u32(o: number, what: string): number {
    this.need(o, 4, what);
    return this.view.getUint32(o, true);
  }
  u64(o: number, what: string): bigint {
    this.need(o, 8, what);
    return this.view.getBigUint64(o, true);
  }
}

/** A 64-bit file offset or size that must fit in this file; returned as a number. */
function fileRange(off: bigint, size: bigint, fileLen: number, what: string): [number, number] {
  if (off > BigInt(fileLen) || off + size > BigInt(fileLen)) {
    throw new ElfError(
      `${what} lies outside the file: bytes ${hex(off)}..${hex(off + size)} but the file is only ${hex(fileLen)} bytes long`,
    );
  }
  return [Number(off), Number(size)];
}

export function isElf(bytes: Uint8Array): boolean {
  return bytes.length >= 4 && C.ELF_MAGIC.every((b, i) => bytes[i] === b);
}

interface Segment {
  index: number;
  vaddr: bigint;
  memsz: bigint;
  offset: number;
  filesz: number;
  flags: number;
}

interface SectionHeader {
  index: number;
  nameOff: number;
  name: string;
  type: number;
  flags: bigint;
  addr: bigint;
  offset: bigint;
  size: bigint;
  link: number;
  info: number;
  align: bigint;
  entsize: bigint;
  headerOffset: number;
}

function checkIdent(b: Bytes): void {
  if (!isElf(b.bytes)) {
    if (b.length < 4) throw new ElfError(`not an ELF file: only ${b.length} bytes long`);
    throw new ElfError('not an ELF file: the first four bytes are not 7f 45 4c 46 ("\\x7fELF")');
  }
  if (b.length < 16) throw new ElfError(`file is truncated: ELF identification needs 16 bytes, the file has ${b.length}`);
  const cls = b.bytes[C.EI_CLASS];
  if (cls === C.ELFCLASS32) {
    throw new ElfError('this is a 32-bit ELF (ELFCLASS32) file; only 64-bit (ELF64) RV64 executables are supported');
  }
  if (cls !== C.ELFCLASS64) throw new ElfError(`invalid ELF class ${cls} at byte offset ${C.EI_CLASS} (expected 2 = ELF64)`);
  const data = b.bytes[C.EI_DATA];
  if (data === C.ELFDATA2MSB) {
    throw new ElfError('this is a big-endian ELF file; RISC-V executables are little-endian');
  }
  if (data !== C.ELFDATA2LSB) {
    throw new ElfError(`invalid ELF data encoding ${data} at byte offset ${C.EI_DATA} (expected 1 = little-endian)`);
  }
  const ver = b.bytes[C.EI_VERSION];
  if (ver !== C.EV_CURRENT) throw new ElfError(`unsupported ELF identification version ${ver} at byte offset ${C.EI_VERSION}`);
  if (b.length < C.EHDR_SIZE) {
    throw new ElfError(`file is truncated: the ELF64 header needs ${C.EHDR_SIZE} bytes, the file has ${b.length}`);
  }
}

function readCString(b: Bytes, start: number, end: number, what: string): string {
  let i = start;
  while (i < end && b.bytes[i] !== 0) i++;
  if (i >= end) throw new ElfError(`${what} at byte offset ${start} is not NUL-terminated inside its string table`);
  let s = '';
  for (let j = start; j < i; j++) s += String.fromCharCode(b.bytes[j]);
  // names are normally ASCII; decode UTF-8 when needed
  return /[\x80-\xff]/.test(s) ? new TextDecoder('utf-8').decode(b.bytes.subarray(start, i)) : s;
}

function readSegments(b: Bytes, phoff: bigint, phnum: number, phentsize: number): Segment[] {
  if (phnum === 0) return [];
  if (phentsize !== C.PHDR_SIZE) {
    throw new ElfError(`program header entry size is ${phentsize} (at byte offset 54), expected ${C.PHDR_SIZE}`);
  }
  const [base] = fileRange(phoff, BigInt(phnum * C.PHDR_SIZE), b.length, `program header table (${phnum} entries)`);
  const segs: Segment[] = [];
  let total = 0n;
  for (let i = 0; i < phnum; i++) {
    const o = base + i * C.PHDR_SIZE;
    const type = b.u32(o, 'p_type');
    if (type === C.PT_DYNAMIC || type === C.PT_INTERP) {
      throw new ElfError(
        `program header ${i} (byte offset ${o}) is ${type === C.PT_DYNAMIC ? 'PT_DYNAMIC' : 'PT_INTERP'}: dynamically linked programs are not supported; link statically (-static, no -pie)`,
      );
    }
    if (type !== C.PT_LOAD) continue;
    const flags = b.u32(o + 4, 'p_flags');
    const offset = b.u64(o + 8, 'p_offset');
    const vaddr = b.u64(o + 16, 'p_vaddr');
    const filesz = b.u64(o + 32, 'p_filesz');
    const memsz = b.u64(o + 40, 'p_memsz');
    if (filesz > memsz) {
      throw new ElfError(`loadable segment ${i} (program header at byte offset ${o}) has file size ${hex(filesz)} larger than its memory size ${hex(memsz)}`);
    }
    if (vaddr + memsz > 1n << 64n) {
      throw new ElfError(`loadable segment ${i} (program header at byte offset ${o}) wraps around the end of the 64-bit address space`);
    }
    total += memsz;
    if (total > BigInt(MAX_LOAD_BYTES)) {
      throw new ElfError(`loadable segments need ${hex(total)} bytes of memory, more than the ${MAX_LOAD_BYTES >> 20} MiB limit (segment ${i}, program header at byte offset ${o})`);
    }
    const [off, fsz] = fileRange(offset, filesz, b.length, `loadable segment ${i} (program header at byte offset ${o})`);
    if (memsz === 0n) continue;
    segs.push({ index: i, vaddr, memsz, offset: off, filesz: fsz, flags });
  }
  const sorted = [...segs].sort((a, c) => (a.vaddr < c.vaddr ? -1 : a.vaddr > c.vaddr ? 1 : 0));
  for (let i = 1; i < sorted.length; i++) {
    const p = sorted[i - 1];
    const q = sorted[i];
    if (q.vaddr < p.vaddr + p.memsz) {
      throw new ElfError(
        `loadable segments ${p.index} (${hex(p.vaddr)}..${hex(p.vaddr + p.memsz)}) and ${q.index} (${hex(q.vaddr)}..${hex(q.vaddr + q.memsz)}) overlap in memory`,
      );
    }
  }
  return sorted;
}

function readSectionHeaders(b: Bytes, shoff: bigint, shnumField: number, shentsize: number, shstrndxField: number): SectionHeader[] {
  if (shoff === 0n) return [];
  if (shentsize !== C.SHDR_SIZE) {
    throw new ElfError(`section header entry size is ${shentsize} (at byte offset 58), expected ${C.SHDR_SIZE}`);
  }
  const [base0] = fileRange(shoff, BigInt(C.SHDR_SIZE), b.length, 'section header table');
  let shnum = shnumField;
  let shstrndx = shstrndxField;
  if (shnum === 0) {
    // extended numbering: real count in sh_size of section 0
    const n = b.u64(base0 + 32, 'section 0 sh_size');
    if (n > BigInt(b.length / C.SHDR_SIZE)) throw new ElfError(`section count ${n} (extended, at byte offset ${base0 + 32}) cannot fit in the file`);
    shnum = Number(n);
    if (shnum === 0) return [];
  }
  if (shstrndx === C.SHN_XINDEX) shstrndx = b.u32(base0 + 40, 'section 0 sh_link');
  const [base] = fileRange(shoff, BigInt(shnum) * BigInt(C.SHDR_SIZE), b.length, `section header table (${shnum} entries)`);
  const out: SectionHeader[] = [];
  for (let i = 0; i < shnum; i++) {
    const o = base + i * C.SHDR_SIZE;
    out.push({
      index: i,
      nameOff: b.u32(o, 'sh_name'),
      name: '',
      type: b.u32(o + 4, 'sh_type'),
      flags: b.u64(o + 8, 'sh_flags'),
      addr: b.u64(o + 16, 'sh_addr'),
      offset: b.u64(o + 24, 'sh_offset'),
      size: b.u64(o + 32, 'sh_size'),
      link: b.u32(o + 40, 'sh_link'),
      info: b.u32(o + 44, 'sh_info'),
      align: b.u64(o + 48, 'sh_addralign'),
      entsize: b.u64(o + 56, 'sh_entsize'),
      headerOffset: o,
    });
  }
  for (const sh of out) {
    if (sh.type !== C.SHT_NOBITS && sh.type !== C.SHT_NULL) {
      fileRange(sh.offset, sh.size, b.length, `section ${sh.index} (header at byte offset ${sh.headerOffset})`);
    }
  }
  if (shstrndx !== C.SHN_UNDEF) {
    if (shstrndx >= out.length) throw new ElfError(`section name string table index ${shstrndx} (byte offset 62) is not a valid section (there are ${out.length})`);
    const strtab = out[shstrndx];
    if (strtab.type !== C.SHT_STRTAB) throw new ElfError(`section name string table (section ${shstrndx}) is not a string table`);
    const start = Number(strtab.offset);
    const end = start + Number(strtab.size);
    for (const sh of out) {
      if (sh.index === 0) continue;
      if (sh.nameOff >= strtab.size) {
        throw new ElfError(`section ${sh.index} (header at byte offset ${sh.headerOffset}) has name offset ${sh.nameOff} outside the section name table`);
      }
      sh.name = readCString(b, start + sh.nameOff, end, `name of section ${sh.index}`);
    }
  }
  return out;
}

function bigMin(a: bigint, c: bigint): bigint {
  return a < c ? a : c;
}
function bigMax(a: bigint, c: bigint): bigint {
  return a > c ? a : c;
}

/** Memory contents of [addr, addr+size) taken from segment `seg` (file bytes, then zeros). */
function segmentBytes(b: Bytes, seg: Segment, addr: bigint, size: number): Uint8Array {
  const out = new Uint8Array(size);
  const rel = Number(addr - seg.vaddr);
  const fileEnd = Math.min(seg.filesz, rel + size);
  if (fileEnd > rel) out.set(b.bytes.subarray(seg.offset + rel, seg.offset + fileEnd), 0);
  return out;
}

function loadSections(b: Bytes, segs: Segment[], shdrs: SectionHeader[]): ImageSection[] {
  const sections: ImageSection[] = [];
  const covered: Array<Array<[bigint, bigint]>> = segs.map(() => []);
  for (const sh of shdrs) {
    if (sh.index === 0 || (sh.flags & C.SHF_ALLOC) === 0n || sh.size === 0n) continue;
    if (sh.type === C.SHT_NULL) continue;
    const si = segs.findIndex((s) => sh.addr >= s.vaddr && sh.addr + sh.size <= s.vaddr + s.memsz);
    if (si < 0) continue; // allocated but not loaded (e.g. TLS templates); the segments decide
    const seg = segs[si];
    covered[si].push([sh.addr, sh.addr + sh.size]);
    const size = Number(sh.size);
    const progbits = sh.type !== C.SHT_NOBITS;
    const data = progbits ? segmentBytes(b, seg, sh.addr, size) : new Uint8Array(size);
    const align = sh.align > 0n && sh.align <= 1n << 30n ? Number(sh.align) : 1;
    sections.push({
      name: sh.name || `section${sh.index}`,
      address: sh.addr,
      data,
      size,
      alloc: true,
      write: (sh.flags & C.SHF_WRITE) !== 0n,
      exec: (sh.flags & C.SHF_EXECINSTR) !== 0n,
      progbits,
      align,
    });
  }
  // Whatever a segment loads outside every section (headers, stripped files) still has to be
  // loaded: give each non-zero gap its own section named after the segment.
  segs.forEach((seg, si) => {
    const ranges = covered[si].sort((x, y) => (x[0] < y[0] ? -1 : x[0] > y[0] ? 1 : 0));
    const gaps: Array<[bigint, bigint]> = [];
    let cur = seg.vaddr;
    const fileTop = seg.vaddr + BigInt(seg.filesz);
    for (const [s, e] of ranges) {
      if (s > cur) gaps.push([cur, s]);
      cur = bigMax(cur, e);
    }
    if (cur < seg.vaddr + seg.memsz) gaps.push([cur, seg.vaddr + seg.memsz]);
    let n = 0;
    for (const [s, e] of gaps) {
      const fe = bigMin(e, fileTop);
      if (fe <= s) continue;
      const data = segmentBytes(b, seg, s, Number(fe - s));
      if (data.every((x) => x === 0)) continue;
      sections.push({
        name: `LOAD${seg.index}${n ? `.${n}` : ''}`,
        address: s,
        data,
        size: data.length,
        alloc: true,
        write: (seg.flags & C.PF_W) !== 0,
        exec: (seg.flags & C.PF_X) !== 0,
        progbits: true,
        align: 1,
      });
      n++;
    }
  });
  sections.sort((x, y) => (x.address < y.address ? -1 : x.address > y.address ? 1 : 0));
  return sections;
}

function readSymbols(b: Bytes, shdrs: SectionHeader[]): ImageSymbol[] {
  const symtab = shdrs.find((s) => s.type === C.SHT_SYMTAB);
  if (!symtab) return [];
  if (symtab.entsize !== BigInt(C.SYM_SIZE)) {
    throw new ElfError(`symbol table (section ${symtab.index}) has entry size ${symtab.entsize}, expected ${C.SYM_SIZE}`);
  }
  if (symtab.link === 0 || symtab.link >= shdrs.length || shdrs[symtab.link].type !== C.SHT_STRTAB) {
    throw new ElfError(`symbol table (section ${symtab.index}) links to section ${symtab.link}, which is not a string table`);
  }
  const strtab = shdrs[symtab.link];
  const strStart = Number(strtab.offset);
  const strEnd = strStart + Number(strtab.size);
  const base = Number(symtab.offset);
  const count = Math.floor(Number(symtab.size) / C.SYM_SIZE);
  const out: ImageSymbol[] = [];
  for (let i = 1; i < count; i++) {
    const o = base + i * C.SYM_SIZE;
    const nameOff = b.u32(o, 'st_name');
    const info = b.u8(o + 4, 'st_info');
    const shndx = b.u16(o + 6, 'st_shndx');
    const value = b.u64(o + 8, 'st_value');
    const size = b.u64(o + 16, 'st_size');
    const type = info & 0xf;
    const bind = info >> 4;
    let kind: SymbolKind;
    if (type === C.STT_FUNC) kind = 'func';
    else if (type === C.STT_OBJECT) kind = 'object';
    else if (type === C.STT_NOTYPE) kind = 'notype';
    else continue; // sections, files, TLS, ...
    if (shndx === C.SHN_UNDEF || shndx === C.SHN_COMMON) continue;
    if (nameOff >= strtab.size) {
      throw new ElfError(`symbol ${i} (byte offset ${o}) has name offset ${nameOff} outside its string table`);
    }
    const name = readCString(b, strStart + nameOff, strEnd, `name of symbol ${i}`);
    if (name === '' || /^\$[xd](\W|$|rv)/.test(name)) continue; // unnamed or RISC-V mapping symbols
    let section: string | undefined;
    if (shndx === C.SHN_ABS) section = undefined;
    else if (shndx < C.SHN_LORESERVE) {
      if (shndx >= shdrs.length) {
        throw new ElfError(`symbol ${name} (byte offset ${o}) refers to section ${shndx}, but there are only ${shdrs.length} sections`);
      }
      section = shdrs[shndx].name;
    } else continue;
    if (size > BigInt(Number.MAX_SAFE_INTEGER)) {
      throw new ElfError(`symbol ${name} (byte offset ${o}) has an impossible size ${hex(size)}`);
    }
    const sym: ImageSymbol = { name, value, size: Number(size), kind, global: bind === C.STB_GLOBAL || bind === C.STB_WEAK };
    if (section !== undefined) sym.section = section;
    out.push(sym);
  }
  return out;
}

/** Parse a little-endian ELF64 RISC-V executable. Throws `ElfError` for anything else. */
export function readElf(bytes: Uint8Array): Image {
  const b = new Bytes(bytes);
  checkIdent(b);
  const type = b.u16(16, 'e_type');
  const machine = b.u16(18, 'e_machine');
  if (machine !== C.EM_RISCV) {
    throw new ElfError(`this ELF file is for ${C.machineName(machine)} (e_machine ${machine}), not RISC-V`);
  }
  if (type === C.ET_REL) throw new ElfError('this file is a relocatable object (.o); link it first (e.g. riscv64-linux-gnu-ld -T link.ld x.o -o x.elf)');
  if (type === C.ET_CORE) throw new ElfError('this file is a core dump, not an executable');
  if (type !== C.ET_EXEC && type !== C.ET_DYN) throw new ElfError(`unknown ELF file type ${type} at byte offset 16 (expected 2 = executable)`);
  const version = b.u32(20, 'e_version');
  if (version !== C.EV_CURRENT) throw new ElfError(`unsupported ELF version ${version} at byte offset 20`);
  const entry = b.u64(24, 'e_entry');
  const phoff = b.u64(32, 'e_phoff');
  const shoff = b.u64(40, 'e_shoff');
  const ehsize = b.u16(52, 'e_ehsize');
  const phentsize = b.u16(54, 'e_phentsize');
  const phnum = b.u16(56, 'e_phnum');
  const shentsize = b.u16(58, 'e_shentsize');
  const shnum = b.u16(60, 'e_shnum');
  const shstrndx = b.u16(62, 'e_shstrndx');
  if (ehsize !== C.EHDR_SIZE) throw new ElfError(`ELF header size is ${ehsize} (at byte offset 52), expected ${C.EHDR_SIZE}`);

  const segs = readSegments(b, phoff, phnum, phentsize);
  if (segs.length === 0) throw new ElfError('the file has no loadable (PT_LOAD) segments, so there is nothing to run');
  // ET_DYN without PT_DYNAMIC/PT_INTERP (rejected above) has nothing to relocate: load it where linked.
  if (!segs.some((s) => entry >= s.vaddr && entry < s.vaddr + s.memsz)) {
    throw new ElfError(`entry point ${hex(entry)} (e_entry, byte offset 24) is not inside any loadable segment`);
  }
  const shdrs = readSectionHeaders(b, shoff, shnum, shentsize, shstrndx);
  const sections = loadSections(b, segs, shdrs);
  const symbols = readSymbols(b, shdrs);
  return { entry, sections, symbols, sourceMap: [] };
}
