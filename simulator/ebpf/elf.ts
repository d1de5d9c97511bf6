/**
 * Loads a hyper-callback from a relocatable ELF object as `clang -target bpf -c` writes it
 * (ELF-64, little-endian, e_machine EM_BPF = 247, written from the ELF specification and the BTF
 * format description; nothing borrowed from libbpf):
 *
 * - the program is one executable section (by name, default: the first executable section other
 *   than `.text`, else `.text`); when it calls functions in `.text`, `.text` is appended after it;
 * - maps come from the legacy `maps` section (an array of `{u32 type, key_size, value_size,
 *   max_entries, ...}` records, one per symbol) or from the BTF-described `.maps` section
 *   (`__uint(type, ...)`, `__uint(max_entries, ...)`, `__uint(key_size, ...)`/`__type(key, T)`,
 *   the same for values: needs `-g` so that `.BTF` is present). Map types: 1 hash, 2 array;
 * - relocations: R_BPF_64_64 (1) on an `lddw` against a map symbol becomes a map reference
 *   (src = PSEUDO_MAP_IDX, imm = map index); R_BPF_64_32 (10) on a bpf-to-bpf call is resolved to
 *   a slot offset. Anything else (global variables in .data/.bss/.rodata, externs, other
 *   relocation types, RELA sections for code) is an `ElfLoadError` naming the symbol and offset;
 * - a section named like an event (`page-reclaim`, …) sets `event`.
 */
import { isEventName } from './events';
import * as I from './isa';
import type { Insn } from './isa';
import type { HcbProgram, MapDef, MapType } from './program';

export class ElfLoadError extends Error {}

export interface ElfLoadOptions {
  /** The program section (default: the first executable section other than `.text`, else `.text`). */
  section?: string;
}

interface Section {
  index: number;
  name: string;
  type: number;
  flags: bigint;
  offset: number;
  size: number;
  link: number;
  info: number;
  bytes: Uint8Array;
}

interface Sym {
  name: string;
  info: number;
  shndx: number;
  value: number;
}

const SHT_SYMTAB = 2;
const SHT_RELA = 4;
const SHT_REL = 9;
const SHF_EXECINSTR = 0x4n;
const EM_BPF = 247;
const R_BPF_NONE = 0;
const R_BPF_64_64 = 1;
const R_BPF_64_32 = 10;
const MAP_TYPES: Record<number, MapType> = { 1: 'hash', 2: 'array' };

function cstr(bytes: Uint8Array, at: number): string {
  let end = at;
  while (end < bytes.length && bytes[end] !== 0) end++;
  return new TextDecoder().decode(bytes.subarray(at, end));
}

/** Parses an ELF relocatable object for BPF into sections and symbols. */
function parse(bytes: Uint8Array): { sections: Section[]; symbols: Sym[] } {
  if (bytes.length < 64 || bytes[0] !== 0x7f || bytes[1] !== 0x45 || bytes[2] !== 0x4c || bytes[3] !== 0x46) throw new ElfLoadError('not an ELF file');
  if (bytes[4] !== 2) throw new ElfLoadError('not a 64-bit ELF file');
  if (bytes[5] !== 1) throw new ElfLoadError('big-endian BPF objects are not supported (compile with -target bpf or bpfel)');
  const v = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const machine = v.getUint16(18, true);
  if (machine !== EM_BPF) throw new ElfLoadError(`e_machine is ${machine}, not EM_BPF (247)`);
  const shoff = Number(v.getBigUint64(40, true));
  const shentsize = v.getUint16(58, true);
  const shnum = v.getUint16(60, true);
  const shstrndx = v.getUint16(62, true);
  if (shentsize < 64 || shoff + shnum * shentsize > bytes.length) throw new ElfLoadError('section header table lies outside the file');
  const raw = Array.from({ length: shnum }, (_, k) => {
    const p = shoff + k * shentsize;
    const offset = Number(v.getBigUint64(p + 24, true));
    const size = Number(v.getBigUint64(p + 32, true));
    const type = v.getUint32(p + 4, true);
    if (type !== 8 && offset + size > bytes.length) throw new ElfLoadError(`section ${k} lies outside the file`);
    return { nameOff: v.getUint32(p, true), type, flags: v.getBigUint64(p + 8, true), offset, size, link: v.getUint32(p + 40, true), info: v.getUint32(p + 44, true) };
  });
  const shstr = raw[shstrndx];
  if (!shstr) throw new ElfLoadError('no section name table');
  const names = bytes.subarray(shstr.offset, shstr.offset + shstr.size);
  const sections: Section[] = raw.map((s, index) => ({ index, name: cstr(names, s.nameOff), type: s.type, flags: s.flags, offset: s.offset, size: s.size, link: s.link, info: s.info, bytes: s.type === 8 ? new Uint8Array(s.size) : bytes.subarray(s.offset, s.offset + s.size) }));
  const symtab = sections.find((s) => s.type === SHT_SYMTAB);
  const symbols: Sym[] = [];
  if (symtab) {
    const strs = sections[symtab.link]?.bytes ?? new Uint8Array(0);
    const sv = new DataView(symtab.bytes.buffer, symtab.bytes.byteOffset, symtab.bytes.byteLength);
    for (let p = 0; p + 24 <= symtab.size; p += 24) {
      symbols.push({ name: cstr(strs, sv.getUint32(p, true)), info: sv.getUint8(p + 4), shndx: sv.getUint16(p + 6, true), value: Number(sv.getBigUint64(p + 8, true)) });
    }
  }
  return { sections, symbols };
}

// ---- BTF (only what `.maps` needs) ----------------------------------------------------------

interface BtfType {
  name: string;
  kind: number;
  vlen: number;
  sizeOrType: number;
  /** ARRAY: [elem type, index type, nelems]; STRUCT/UNION members: [name, type, offset]; DATASEC: [type, offset, size]. */
  items: number[][];
  memberNames: string[];
}

function parseBtf(data: Uint8Array): BtfType[] {
  const v = new DataView(data.buffer, data.byteOffset, data.byteLength);
  if (data.length < 24 || v.getUint16(0, true) !== 0xeb9f) throw new ElfLoadError('.BTF: bad magic (big-endian or not BTF)');
  const hdrLen = v.getUint32(4, true);
  const typeOff = hdrLen + v.getUint32(8, true);
  const typeLen = v.getUint32(12, true);
  const strOff = hdrLen + v.getUint32(16, true);
  const strLen = v.getUint32(20, true);
  const strs = data.subarray(strOff, strOff + strLen);
  const types: BtfType[] = [{ name: '', kind: 0, vlen: 0, sizeOrType: 0, items: [], memberNames: [] }]; // id 0 = void
  let p = typeOff;
  const end = typeOff + typeLen;
  const u32 = (): number => {
    const x = v.getUint32(p, true);
    p += 4;
    return x;
  };
  while (p + 12 <= end) {
    const name = cstr(strs, u32());
    const info = u32();
    const sizeOrType = u32();
    const kind = (info >>> 24) & 0x1f;
    const vlen = info & 0xffff;
    const t: BtfType = { name, kind, vlen, sizeOrType, items: [], memberNames: [] };
    switch (kind) {
      case 1: // INT
      case 14: // VAR
      case 17: // DECL_TAG
        u32();
        break;
      case 3: // ARRAY
        t.items.push([u32(), u32(), u32()]);
        break;
      case 4: // STRUCT
      case 5: // UNION
        for (let k = 0; k < vlen; k++) {
          const n = u32();
          t.memberNames.push(cstr(strs, n));
          t.items.push([n, u32(), u32()]);
        }
        break;
      case 6: // ENUM
      case 13: // FUNC_PROTO
        p += 8 * vlen;
        break;
      case 15: // DATASEC
        for (let k = 0; k < vlen; k++) t.items.push([u32(), u32(), u32()]);
        break;
      case 19: // ENUM64
        p += 12 * vlen;
        break;
      case 2: // PTR
      case 7: // FWD
      case 8: // TYPEDEF
      case 9: // VOLATILE
      case 10: // CONST
      case 11: // RESTRICT
      case 12: // FUNC
      case 16: // FLOAT
      case 18: // TYPE_TAG
        break;
      default:
        throw new ElfLoadError(`.BTF: unknown type kind ${kind}`);
    }
    types.push(t);
  }
  return types;
}

/** Follows typedef/const/volatile/restrict/type-tag. */
function skipQualifiers(types: BtfType[], id: number): BtfType {
  for (let n = 0; n < 64; n++) {
    const t = types[id];
    if (!t) throw new ElfLoadError(`.BTF: no type ${id}`);
    if (![8, 9, 10, 11, 18].includes(t.kind)) return t;
    id = t.sizeOrType;
  }
  throw new ElfLoadError('.BTF: qualifier chain too long');
}

function btfSize(types: BtfType[], id: number): number {
  const t = skipQualifiers(types, id);
  switch (t.kind) {
    case 1:
    case 4:
    case 5:
    case 6:
    case 16:
    case 19:
      return t.sizeOrType;
    case 2:
      return 8;
    case 3:
      return t.items[0][2] * btfSize(types, t.items[0][0]);
  }
  throw new ElfLoadError(`.BTF: type ${t.name || id} has no size`);
}

/** Maps of the `.maps` section: offset in the section -> definition. */
function btfMaps(btf: Uint8Array): Map<number, MapDef> {
  const types = parseBtf(btf);
  const sec = types.find((t) => t.kind === 15 && t.name === '.maps');
  const out = new Map<number, MapDef>();
  if (!sec) return out;
  for (const [varId, offset] of sec.items) {
    const variable = types[varId];
    const def = skipQualifiers(types, variable.sizeOrType);
    if (def.kind !== 4) throw new ElfLoadError(`.maps: ${variable.name} is not a struct`);
    const fields = new Map<string, number>();
    def.items.forEach(([, typeId], k) => {
      const name = def.memberNames[k];
      const ptr = skipQualifiers(types, typeId);
      if (ptr.kind !== 2) throw new ElfLoadError(`.maps: ${variable.name}.${name} is not declared with __uint/__type`);
      const target = skipQualifiers(types, ptr.sizeOrType);
      if (name === 'key' || name === 'value') fields.set(`${name}_size`, btfSize(types, ptr.sizeOrType));
      else if (target.kind === 3) fields.set(name, target.items[0][2]);
      else throw new ElfLoadError(`.maps: ${variable.name}.${name}: expected __uint(${name}, N)`);
    });
    const type = MAP_TYPES[fields.get('type') ?? -1];
    if (!type) throw new ElfLoadError(`.maps: ${variable.name} has map type ${fields.get('type') ?? '(none)'}; supported: 1 (hash), 2 (array)`);
    for (const f of ['key_size', 'value_size', 'max_entries']) if (!fields.has(f)) throw new ElfLoadError(`.maps: ${variable.name} lacks ${f}`);
    for (const f of fields.keys()) if (!['type', 'key_size', 'value_size', 'max_entries'].includes(f)) throw new ElfLoadError(`.maps: ${variable.name}.${f} is not supported`);
    out.set(offset, { name: variable.name, type, keySize: fields.get('key_size') as number, valueSize: fields.get('value_size') as number, maxEntries: fields.get('max_entries') as number });
  }
  return out;
}

/** Maps of the legacy `maps` section: one record per symbol, records of equal size. */
function legacyMaps(sec: Section, symbols: Sym[]): Map<number, MapDef> {
  const syms = symbols.filter((s) => s.shndx === sec.index && (s.info & 0xf) !== 3 /* STT_SECTION */).sort((a, b) => a.value - b.value);
  const out = new Map<number, MapDef>();
  if (syms.length === 0) return out;
  const recSize = Math.floor(sec.size / syms.length);
  if (recSize < 16) throw new ElfLoadError(`maps: ${syms.length} maps in ${sec.size} bytes (records of at least 16 bytes expected)`);
  const v = new DataView(sec.bytes.buffer, sec.bytes.byteOffset, sec.bytes.byteLength);
  for (const s of syms) {
    if (s.value % recSize !== 0 || s.value + 16 > sec.size) throw new ElfLoadError(`maps: ${s.name} at offset ${s.value} is not on a ${recSize}-byte record`);
    const code = v.getUint32(s.value, true);
    const type = MAP_TYPES[code];
    if (!type) throw new ElfLoadError(`maps: ${s.name} has map type ${code}; supported: 1 (hash), 2 (array)`);
    out.set(s.value, { name: s.name, type, keySize: v.getUint32(s.value + 4, true), valueSize: v.getUint32(s.value + 8, true), maxEntries: v.getUint32(s.value + 12, true) });
  }
  return out;
}

/** Loads the program section (with `.text` when it calls into it), its maps and relocations. */
export function loadElf(bytes: Uint8Array, options: ElfLoadOptions = {}): HcbProgram {
  const { sections, symbols } = parse(bytes);
  const code = sections.filter((s) => (s.flags & SHF_EXECINSTR) !== 0n && s.size > 0);
  const main = options.section !== undefined ? sections.find((s) => s.name === options.section) : (code.find((s) => s.name !== '.text') ?? code.find((s) => s.name === '.text'));
  if (!main) throw new ElfLoadError(options.section !== undefined ? `no section ${options.section}` : 'no executable section');
  if ((main.flags & SHF_EXECINSTR) === 0n) throw new ElfLoadError(`section ${main.name} is not executable`);
  const text = main.name === '.text' ? undefined : sections.find((s) => s.name === '.text' && s.size > 0);
  const relsOf = (s: Section): Section[] => sections.filter((r) => (r.type === SHT_REL || r.type === SHT_RELA) && r.info === s.index);
  const relocs = (s: Section): { offset: number; type: number; sym: Sym }[] =>
    relsOf(s).flatMap((r) => {
      if (r.type === SHT_RELA) throw new ElfLoadError(`${r.name}: RELA relocations are not supported for code`);
      const v = new DataView(r.bytes.buffer, r.bytes.byteOffset, r.bytes.byteLength);
      const out: { offset: number; type: number; sym: Sym }[] = [];
      for (let p = 0; p + 16 <= r.size; p += 16) {
        const info = v.getBigUint64(p + 8, true);
        const sym = symbols[Number(info >> 32n)];
        if (!sym) throw new ElfLoadError(`${r.name}: relocation at 0x${v.getBigUint64(p, true).toString(16)} names no symbol`);
        out.push({ offset: Number(v.getBigUint64(p, true)), type: Number(info & 0xffffffffn), sym });
      }
      return out;
    });
  // maps
  const mapsByKey = new Map<string, number>(); // `${section index}:${offset}` -> map index
  const maps: MapDef[] = [];
  const addMaps = (sec: Section | undefined, defs: Map<number, MapDef>): void => {
    if (!sec) return;
    for (const [off, def] of [...defs].sort((a, b) => a[0] - b[0])) {
      mapsByKey.set(`${sec.index}:${off}`, maps.length);
      maps.push(def);
    }
  };
  const legacy = sections.find((s) => s.name === 'maps');
  addMaps(legacy, legacy ? legacyMaps(legacy, symbols) : new Map());
  const btfMapsSec = sections.find((s) => s.name === '.maps');
  if (btfMapsSec && btfMapsSec.size > 0) {
    const btf = sections.find((s) => s.name === '.BTF');
    if (!btf) throw new ElfLoadError('.maps needs BTF to describe its maps: compile with -g');
    addMaps(btfMapsSec, btfMaps(btf.bytes));
  }
  // instructions: main, then .text if it is called
  const decode = (s: Section): Insn[] => {
    try {
      return I.decodeProgram(s.bytes);
    } catch (e) {
      throw new ElfLoadError(`${s.name}: ${e instanceof Error ? e.message : String(e)}`);
    }
  };
  const mainRel = relocs(main);
  const needsText = text !== undefined && (mainRel.some((r) => r.sym.shndx === text.index) || decode(main).some((i) => I.isLocalCall(i)));
  const parts: { sec: Section; insns: Insn[]; base: number }[] = [{ sec: main, insns: decode(main), base: 0 }];
  if (needsText && text) parts.push({ sec: text, insns: decode(text), base: main.size / 8 });
  const insns = parts.flatMap((p) => p.insns);
  const total = I.assignSlots(insns);
  const at = I.slotIndex(insns);
  const baseOf = new Map(parts.map((p) => [p.sec.index, p.base]));
  for (const part of parts) {
    for (const r of part.sec === main ? mainRel : relocs(part.sec)) {
      const slot = part.base + r.offset / 8;
      const where = `${part.sec.name}+0x${r.offset.toString(16)}`;
      const k = Number.isInteger(slot) && slot < total ? at[slot] : -1;
      if (k < 0) throw new ElfLoadError(`${where}: relocation not on an instruction`);
      const insn = insns[k];
      const symName = r.sym.name || sections[r.sym.shndx]?.name || '?';
      if (r.type === R_BPF_NONE) continue;
      if (r.type === R_BPF_64_64) {
        if (!I.isLddw(insn)) throw new ElfLoadError(`${where}: R_BPF_64_64 against ${symName} is not on an lddw`);
        const m = mapsByKey.get(`${r.sym.shndx}:${r.sym.value + insn.imm}`);
        if (m === undefined) {
          const sec = sections[r.sym.shndx]?.name ?? 'an undefined symbol';
          throw new ElfLoadError(`${where}: lddw refers to ${symName} in ${sec}, which is not a map (global variables and externs are not supported)`);
        }
        insn.src = I.PSEUDO_MAP_IDX;
        insn.imm = m;
        insn.imm2 = 0;
      } else if (r.type === R_BPF_64_32) {
        if (!I.isCall(insn) || insn.src !== I.CALL_LOCAL) throw new ElfLoadError(`${where}: R_BPF_64_32 against ${symName} is not on a bpf-to-bpf call`);
        const base = baseOf.get(r.sym.shndx);
        if (base === undefined) throw new ElfLoadError(`${where}: call to ${symName}, which is not in ${main.name} or .text${r.sym.shndx === 0 ? ' (undefined: externs are not supported)' : ''}`);
        const target = base + (r.sym.value + (insn.imm + 1) * 8) / 8;
        if (!Number.isInteger(target) || target < 0 || target >= total || at[target] < 0) throw new ElfLoadError(`${where}: call to ${symName} lands outside the code`);
        insn.imm = target - (slot + 1);
      } else throw new ElfLoadError(`${where}: relocation type ${r.type} against ${symName} is not supported`);
    }
  }
  for (const i of insns) delete i.slot;
  const errors = I.checkProgram(insns);
  if (errors.length > 0) throw new ElfLoadError(`${main.name}: ${errors[0].message}`);
  const program: HcbProgram = { insns, maps };
  if (isEventName(main.name)) program.event = main.name;
  return program;
}
