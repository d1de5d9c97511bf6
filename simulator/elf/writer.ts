/**
 * Serialise an `Image` as a standard ELF64 little-endian RISC-V executable (ET_EXEC, lp64
 * soft-float), laid out the way a linker would so binutils accept it without complaint:
 *
 *   ELF header | program headers | loadable section contents (offset ≡ address mod p_align)
 *   | non-alloc sections | .riscv.attributes | .symtab | .strtab | .shstrtab | section headers
 */
import type { Image, ImageSection, ImageSymbol } from '../riscv/image';
import * as C from './constants';
import { ElfError } from './reader';

const PAGE = 0x1000;
const ARCH = 'rv64i2p1_m2p0_a2p1_zicsr2p0_zifencei2p0';

class Out {
  private buf = new Uint8Array(4096);
  private view = new DataView(this.buf.buffer);
  length = 0;
  private ensure(n: number): void {
    if (n <= this.buf.length) return;
    let cap = this.buf.length;
    while (cap < n) cap *= 2;
    const nb = new Uint8Array(cap);
    nb.set(this.buf.subarray(0, this.length));
    this.buf = nb;
    this.view = new DataView(nb.buffer);
  }
  padTo(off: number): void {
    if (off < this.length) throw new Error(`internal: padTo ${off} < ${this.length}`);
    this.ensure(off);
    this.length = off;
  }
  align(a: number): number {
    this.padTo(Math.ceil(this.length / a) * a);
    return this.length;
  }
  bytes(d: Uint8Array): void {
    this.ensure(this.length + d.length);
    this.buf.set(d, this.length);
    this.length += d.length;
  }
  u8(v: number): void {
    this.ensure(this.length + 1);
    this.buf[this.length++] = v;
  }
  u16(v: number): void {
    this.ensure(this.length + 2);
    this.view.setUint16(this.length, v, true);
    this.length += 2;
  }
  u32(v: number): void {
    this.ensure(this.length + 4);
    this.view.setUint32(this.length, v >>> 0, true);
    this.length += 4;
  }
  u64(v: bigint): void {
    this.ensure(this.length + 8);
    this.view.setBigUint64(this.length, BigInt.asUintN(64, v), true);
    this.length += 8;
  }
  result(): Uint8Array {
    return this.buf.slice(0, this.length);
  }
}

class StrTab {
  private readonly parts: Uint8Array[] = [new Uint8Array([0])];
  private size = 1;
  private readonly seen = new Map<string, number>();
  add(s: string): number {
    if (s === '') return 0;
    const known = this.seen.get(s);
    if (known !== undefined) return known;
    const enc = new TextEncoder().encode(s);
    const off = this.size;
    this.parts.push(enc, new Uint8Array([0]));
    this.size += enc.length + 1;
    this.seen.set(s, off);
    return off;
  }
  bytes(): Uint8Array {
    const out = new Uint8Array(this.size);
    let o = 0;
    for (const p of this.parts) {
      out.set(p, o);
      o += p.length;
    }
    return out;
  }
}

interface Shdr {
  name: string;
  type: number;
  flags: bigint;
  addr: bigint;
  offset: number;
  size: number;
  link: number;
  info: number;
  align: number;
  entsize: number;
}

interface Seg {
  sections: ImageSection[];
  addr: bigint;
  memsz: bigint;
  filesz: bigint;
  flags: number;
  align: number;
  offset: number;
}

function uleb(v: number): number[] {
  const out: number[] = [];
  do {
    let byte = v & 0x7f;
    v >>>= 7;
    if (v) byte |= 0x80;
    out.push(byte);
  } while (v);
  return out;
}

/** `.riscv.attributes` contents (psABI "Attributes"): format 'A', vendor "riscv", file-level tags. */
function riscvAttributes(): Uint8Array {
  const enc = new TextEncoder();
  const attrs = [...uleb(4), ...uleb(16), ...uleb(5), ...enc.encode(ARCH), 0];
  const fileSub = [...uleb(1), 0, 0, 0, 0, ...attrs];
  const fileLen = fileSub.length;
  fileSub[1] = fileLen & 0xff;
  fileSub[2] = (fileLen >> 8) & 0xff;
  fileSub[3] = (fileLen >> 16) & 0xff;
  fileSub[4] = (fileLen >>> 24) & 0xff;
  const vendor = [0, 0, 0, 0, ...enc.encode('riscv'), 0, ...fileSub];
  const vlen = vendor.length;
  vendor[0] = vlen & 0xff;
  vendor[1] = (vlen >> 8) & 0xff;
  vendor[2] = (vlen >> 16) & 0xff;
  vendor[3] = (vlen >>> 24) & 0xff;
  return new Uint8Array([0x41, ...vendor]);
}

function flagsOf(s: ImageSection): number {
  return C.PF_R | (s.write ? C.PF_W : 0) | (s.exec ? C.PF_X : 0);
}

function sectionSize(s: ImageSection): number {
  return s.progbits ? s.data.length : s.size;
}

function alignUp(v: bigint, align: number): bigint {
  const a = BigInt(Math.max(1, align));
  return ((v + a - 1n) / a) * a;
}

function groupSegments(alloc: ImageSection[]): Seg[] {
  const segs: Seg[] = [];
  for (const s of alloc) {
    const size = BigInt(sectionSize(s));
    const last = segs[segs.length - 1];
    const lastSec = last?.sections[last.sections.length - 1];
    const canMerge =
      last !== undefined &&
      lastSec !== undefined &&
      alignUp(last.addr + last.memsz, s.align) === s.address && // only alignment padding between
      last.flags === flagsOf(s) &&
      lastSec.progbits && // a file-less section must end its segment
      Math.max(PAGE, s.align) <= last.align;
    if (canMerge) {
      last.sections.push(s);
      last.memsz = s.address + size - last.addr;
      if (s.progbits) last.filesz = last.memsz;
    } else {
      segs.push({
        sections: [s],
        addr: s.address,
        memsz: size,
        filesz: s.progbits ? size : 0n,
        flags: flagsOf(s),
        align: Math.max(PAGE, s.align),
        offset: 0,
      });
    }
  }
  return segs;
}

function checkImage(image: Image): void {
  const alloc = image.sections.filter((s) => s.alloc);
  const sorted = [...alloc].sort((a, b) => (a.address < b.address ? -1 : a.address > b.address ? 1 : 0));
  for (const s of image.sections) {
    if (s.progbits && s.data.length !== s.size) {
      throw new ElfError(`section ${s.name}: data has ${s.data.length} bytes but size says ${s.size}`);
    }
    if (!Number.isInteger(s.align) || s.align < 0 || (s.align & (s.align - 1)) !== 0) {
      throw new ElfError(`section ${s.name}: alignment ${s.align} is not a power of two`);
    }
    if (s.address < 0n || s.address + BigInt(s.size) > 1n << 64n) {
      throw new ElfError(`section ${s.name}: address 0x${s.address.toString(16)} is outside the 64-bit address space`);
    }
  }
  for (let i = 1; i < sorted.length; i++) {
    const p = sorted[i - 1];
    const q = sorted[i];
    if (q.address < p.address + BigInt(sectionSize(p)) && sectionSize(q) > 0 && sectionSize(p) > 0) {
      throw new ElfError(`sections ${p.name} and ${q.name} overlap in memory`);
    }
  }
}

/** Write `image` as an ELF64 RISC-V executable. */
export function writeElf(image: Image): Uint8Array {
  checkImage(image);
  const alloc = image.sections
    .filter((s) => s.alloc && sectionSize(s) > 0)
    .sort((a, b) => (a.address < b.address ? -1 : a.address > b.address ? 1 : 0));
  const emptyAlloc = image.sections.filter((s) => s.alloc && sectionSize(s) === 0);
  const nonAlloc = image.sections.filter((s) => !s.alloc);
  const segs = groupSegments(alloc);
  const attrs = riscvAttributes();
  const phnum = segs.length + 1; // + PT_RISCV_ATTRIBUTES

  const out = new Out();
  out.padTo(C.EHDR_SIZE + phnum * C.PHDR_SIZE);

  const shdrs: Shdr[] = [{ name: '', type: C.SHT_NULL, flags: 0n, addr: 0n, offset: 0, size: 0, link: 0, info: 0, align: 0, entsize: 0 }];
  const secIndex = new Map<string, number>();
  const addSection = (s: ImageSection, offset: number): void => {
    let flags = 0n;
    if (s.alloc) flags |= C.SHF_ALLOC;
    if (s.write) flags |= C.SHF_WRITE;
    if (s.exec) flags |= C.SHF_EXECINSTR;
    if (!secIndex.has(s.name)) secIndex.set(s.name, shdrs.length);
    shdrs.push({
      name: s.name,
      type: s.progbits ? C.SHT_PROGBITS : C.SHT_NOBITS,
      flags,
      addr: s.alloc ? s.address : 0n,
      offset,
      size: sectionSize(s),
      link: 0,
      info: 0,
      align: Math.max(1, s.align),
      entsize: 0,
    });
  };

  // Loadable contents: each segment starts at an offset congruent to its address mod p_align.
  for (const seg of segs) {
    const a = BigInt(seg.align);
    const want = Number(seg.addr % a);
    let off = Math.floor(out.length / seg.align) * seg.align + want;
    if (off < out.length) off += seg.align;
    out.padTo(off);
    seg.offset = off;
    for (const s of seg.sections) {
      const so = off + Number(s.address - seg.addr);
      if (s.progbits) {
        out.padTo(so);
        out.bytes(s.data);
      }
      addSection(s, so);
    }
  }
  for (const s of emptyAlloc) addSection(s, out.length);
  for (const s of nonAlloc) {
    const off = s.progbits ? out.align(Math.max(1, s.align)) : out.length;
    if (s.progbits) out.bytes(s.data);
    addSection(s, off);
  }
  const attrOff = out.length;
  out.bytes(attrs);
  shdrs.push({ name: '.riscv.attributes', type: C.SHT_RISCV_ATTRIBUTES, flags: 0n, addr: 0n, offset: attrOff, size: attrs.length, link: 0, info: 0, align: 1, entsize: 0 });

  // Symbols: null, locals, then globals (sh_info = first global).
  const strtab = new StrTab();
  const sorted: ImageSymbol[] = [...image.symbols.filter((s) => !s.global), ...image.symbols.filter((s) => s.global)];
  const firstGlobal = 1 + image.symbols.filter((s) => !s.global).length;
  const symtabIndex = shdrs.length;
  const strtabIndex = symtabIndex + 1;
  const shstrtabIndex = symtabIndex + 2;
  const symOff = out.align(8);
  out.bytes(new Uint8Array(C.SYM_SIZE));
  for (const sym of sorted) {
    const type =
      sym.kind === 'func' ? C.STT_FUNC : sym.kind === 'object' ? C.STT_OBJECT : sym.kind === 'section' ? C.STT_SECTION : C.STT_NOTYPE;
    const bind = sym.global ? C.STB_GLOBAL : C.STB_LOCAL;
    let shndx = C.SHN_ABS;
    if (sym.section !== undefined) {
      const idx = secIndex.get(sym.section);
      if (idx === undefined) throw new ElfError(`symbol ${sym.name} is defined in section ${sym.section}, which the image does not contain`);
      shndx = idx;
    }
    out.u32(sym.kind === 'section' ? 0 : strtab.add(sym.name));
    out.u8((bind << 4) | type);
    out.u8(0);
    out.u16(shndx);
    out.u64(sym.value);
    out.u64(BigInt(sym.size));
  }
  const symSize = out.length - symOff;
  shdrs.push({ name: '.symtab', type: C.SHT_SYMTAB, flags: 0n, addr: 0n, offset: symOff, size: symSize, link: strtabIndex, info: firstGlobal, align: 8, entsize: C.SYM_SIZE });
  const strBytes = strtab.bytes();
  const strOff = out.length;
  out.bytes(strBytes);
  shdrs.push({ name: '.strtab', type: C.SHT_STRTAB, flags: 0n, addr: 0n, offset: strOff, size: strBytes.length, link: 0, info: 0, align: 1, entsize: 0 });
  const shstr = new StrTab();
  const nameOffs = shdrs.map((s) => shstr.add(s.name));
  nameOffs.push(shstr.add('.shstrtab'));
  const shstrBytes = shstr.bytes();
  const shstrOff = out.length;
  out.bytes(shstrBytes);
  shdrs.push({ name: '.shstrtab', type: C.SHT_STRTAB, flags: 0n, addr: 0n, offset: shstrOff, size: shstrBytes.length, link: 0, info: 0, align: 1, entsize: 0 });

  const shoff = out.align(8);
  shdrs.forEach((s, i) => {
    out.u32(nameOffs[i]);
    out.u32(s.type);
    out.u64(s.flags);
    out.u64(s.addr);
    out.u64(BigInt(s.offset));
    out.u64(BigInt(s.size));
    out.u32(s.link);
    out.u32(s.info);
    out.u64(BigInt(s.align));
    out.u64(BigInt(s.entsize));
  });
  const total = out.length;

  // ELF header
  out.length = 0;
  out.bytes(new Uint8Array([...C.ELF_MAGIC, C.ELFCLASS64, C.ELFDATA2LSB, C.EV_CURRENT, 0, 0, 0, 0, 0, 0, 0, 0, 0]));
  out.u16(C.ET_EXEC);
  out.u16(C.EM_RISCV);
  out.u32(C.EV_CURRENT);
  out.u64(image.entry);
  out.u64(BigInt(C.EHDR_SIZE));
  out.u64(BigInt(shoff));
  out.u32(C.EF_RISCV_FLOAT_ABI_SOFT);
  out.u16(C.EHDR_SIZE);
  out.u16(C.PHDR_SIZE);
  out.u16(phnum);
  out.u16(C.SHDR_SIZE);
  out.u16(shdrs.length);
  out.u16(shstrtabIndex);
  // program headers
  const phdr = (type: number, flags: number, offset: number, addr: bigint, filesz: bigint, memsz: bigint, align: number): void => {
    out.u32(type);
    out.u32(flags);
    out.u64(BigInt(offset));
    out.u64(addr);
    out.u64(addr);
    out.u64(filesz);
    out.u64(memsz);
    out.u64(BigInt(align));
  };
  phdr(C.PT_RISCV_ATTRIBUTES, C.PF_R, attrOff, 0n, BigInt(attrs.length), 0n, 1);
  for (const seg of segs) phdr(C.PT_LOAD, seg.flags, seg.offset, seg.addr, seg.filesz, seg.memsz, seg.align);
  out.length = total;
  return out.result();
}
