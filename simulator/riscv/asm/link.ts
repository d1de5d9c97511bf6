/**
 * Links pass-one units into one Image.
 *
 * Layout rule (mirrors the linker script of ../shared/bench/riscv and test/support/link.ld): output sections are taken in
 * `sectionOrder` (then any others in order of first appearance); the first is placed at `base`,
 * each following one at the first 4 KiB boundary after the end of the previous one, unless
 * `sectionAddresses` fixes its address. Inside an output section the files' chunks follow
 * each other in source order, each aligned to its own largest `.align`.
 */
import type { Diagnostic, SourceRange } from '../../diagnostics';
import type { Image, ImageSection, ImageSymbol, SourceMapEntry } from '../image';
import { EvalError, evaluate, lo12, hi20, type EvalEnv, type Value } from './eval';
import { encodeMachine, type FinalEnv, type MachineInstr } from './machine';
import { isInternalSymbol } from './pass1';
import type { Expr } from './syntax';
import type { Chunk, FileUnit, Item, SymDef } from './units';

export interface LinkOptions {
  base: bigint;
  sectionOrder: string[];
  sectionAddresses: Record<string, bigint>;
  entry?: string;
}

const PAGE = 0x1000n;
const alignUp = (v: bigint, a: bigint): bigint => (v + a - 1n) & ~(a - 1n);

interface Placed {
  unit: FileUnit;
  chunk: Chunk;
  address: bigint;
}

/**
 * Encodings of instructions whose word depends on nothing but the instruction: no immediate, or a
 * known value in a field that is not pc-relative. Pass one hands out the same instruction objects
 * for unchanged lines (expansion-memo.ts), so a re-link encodes only what changed or moved.
 */
const fixedWords = new WeakMap<MachineInstr, number>();

function isPositionFree(mi: MachineInstr): boolean {
  const imm = mi.imm;
  if (imm === undefined) return true;
  if (imm.value === undefined) return false;
  return imm.kind !== 'branch' && imm.kind !== 'jump' && imm.kind !== 'pcrelHi' && imm.kind !== 'pcrelLo';
}

/** What evaluation at link time asks of the link being made. */
interface LinkSymbols {
  lookup(unit: FileUnit, name: string, range: SourceRange): bigint;
  /** The `%pcrel_hi` auipc at an address, for `%pcrel_lo(label)`. */
  pcrelHiAt(auipc: bigint): { unit: FileUnit; target: Expr } | undefined;
}

/** Evaluation at one place of one unit; `at` moves it, so one object serves a whole link. */
class Place implements EvalEnv {
  constructor(
    protected readonly symbols: LinkSymbols,
    public unit: FileUnit,
    public pc: bigint,
  ) {}

  at(unit: FileUnit, pc: bigint): this {
    this.unit = unit;
    this.pc = pc;
    return this;
  }

  symbol(name: string, range: SourceRange): Value {
    return { v: this.symbols.lookup(this.unit, name, range) };
  }

  dot(): Value {
    return { v: this.pc };
  }

  pcrelHi(target: bigint): bigint {
    return hi20(BigInt.asIntN(64, target - this.pc));
  }

  pcrelLo(auipc: bigint, range: SourceRange): bigint {
    const hi = this.symbols.pcrelHiAt(auipc);
    if (!hi) throw new EvalError(`%pcrel_lo must name the label of an auipc with %pcrel_hi; none at 0x${auipc.toString(16)}`, range);
    const target = evaluate(hi.target, new Place(this.symbols, hi.unit, auipc)).v;
    return lo12(BigInt.asIntN(64, target - auipc));
  }
}

type Report = (range: SourceRange, message: string, code?: string, related?: Diagnostic['related']) => void;

/** What encodeMachine needs: evaluation where the instruction is, and where to report. */
class Encoder extends Place implements FinalEnv {
  item: Item | undefined;

  constructor(symbols: LinkSymbols, unit: FileUnit, pc: bigint, private readonly error: Report) {
    super(symbols, unit, pc);
  }

  eval(e: Expr): bigint {
    return evaluate(e, this).v;
  }

  report(range: SourceRange, message: string): void {
    const it = this.item;
    // Inside a macro expansion the item is attributed to the call site; point there too.
    if (it === undefined || (range.file === it.range.file && range.line === it.range.line)) this.error(range, message, 'asm');
    else this.error(it.range, message, 'asm', [{ range, message: 'in this line of the macro body' }]);
  }
}

export function link(units: FileUnit[], opts: LinkOptions): { image: Image; diagnostics: Diagnostic[] } {
  return linkUnits(units, opts, true);
}

/**
 * What link() reports, without building the image: no section bytes, source map or symbol
 * list. The language server checks a file on every keystroke and needs the image only when a
 * hover asks for encodings; the bytes and the source map were most of a link's garbage.
 */
export function checkLink(units: FileUnit[], opts: LinkOptions): Diagnostic[] {
  return linkUnits(units, opts, false).diagnostics;
}

const NO_BYTES = new Uint8Array(0);

function linkUnits(units: FileUnit[], opts: LinkOptions, withImage: boolean): { image: Image; diagnostics: Diagnostic[] } {
  const diagnostics: Diagnostic[] = [];
  const error = (range: SourceRange, message: string, code = 'link', related?: Diagnostic['related']): void => {
    diagnostics.push({ severity: 'error', message, range, code, ...(related ? { related } : {}) });
  };

  // Output section order.
  const names: string[] = [];
  const hasContent = (c: Chunk, u: FileUnit): boolean => c.size > 0 || [...u.symbols.values()].some((s) => s.section === c.name);
  for (const u of units) for (const c of u.chunks.values()) if (hasContent(c, u) && !names.includes(c.name)) names.push(c.name);
  const ordered = [...opts.sectionOrder.filter((n) => names.includes(n)), ...names.filter((n) => !opts.sectionOrder.includes(n))];

  // Placement.
  const placed = new Map<FileUnit, Map<string, bigint>>();
  const sections: ImageSection[] = [];
  const parts: Placed[] = [];
  let cursor = opts.base;
  ordered.forEach((name, i) => {
    const fixed = opts.sectionAddresses[name];
    const start = fixed ?? (i === 0 ? opts.base : alignUp(cursor, PAGE));
    let at = start;
    let align = 1;
    let flags: Chunk['flags'] | undefined;
    for (const u of units) {
      const c = u.chunks.get(name);
      if (!c || !hasContent(c, u)) continue;
      flags ??= c.flags;
      align = Math.max(align, c.align);
      at = alignUp(at, BigInt(c.align));
      if (!placed.has(u)) placed.set(u, new Map());
      placed.get(u)?.set(name, at);
      parts.push({ unit: u, chunk: c, address: at });
      at += BigInt(c.size);
    }
    const size = Number(at - start);
    const f = flags ?? { alloc: true, write: true, exec: false, progbits: true };
    sections.push({ name, address: start, data: withImage ? new Uint8Array(size) : NO_BYTES, size, alloc: f.alloc, write: f.write, exec: f.exec, progbits: f.progbits, align });
    cursor = at;
  });

  // Global symbol table.
  const globals = new Map<string, { unit: FileUnit; def: SymDef }>();
  for (const u of units) {
    for (const name of u.globals.keys()) {
      const def = u.symbols.get(name);
      if (!def) continue;
      const prior = globals.get(name);
      if (prior) {
        error(def.range, `duplicate symbol '${name}': also defined as global in ${prior.unit.path}`, 'duplicate-symbol', [
          { range: prior.def.range, message: 'first defined here' },
        ]);
        continue;
      }
      globals.set(name, { unit: u, def });
    }
  }

  const resolving = new Set<SymDef>();
  const valueOf = (unit: FileUnit, def: SymDef, range: SourceRange): bigint => {
    if (def.section !== undefined) return (placed.get(unit)?.get(def.section) ?? 0n) + BigInt(def.offset ?? 0);
    if (def.value) {
      if (def.value.section === undefined) return def.value.v;
      return (placed.get(unit)?.get(def.value.section) ?? 0n) + def.value.v;
    }
    if (!def.expr) return 0n;
    if (resolving.has(def)) throw new EvalError(`'${def.name}' is defined in terms of itself`, range);
    resolving.add(def);
    try {
      return evaluate(def.expr, envFor(unit, 0n)).v;
    } finally {
      resolving.delete(def);
    }
  };

  const lookup = (unit: FileUnit, name: string, range: SourceRange): bigint => {
    const local = unit.symbols.get(name);
    if (local) return valueOf(unit, local, range);
    const g = globals.get(name);
    if (g) return valueOf(g.unit, g.def, range);
    if (name.includes('\u0002')) throw new EvalError(`no label ${name.split('\u0002')[0]}: after this reference ${name.split('\u0002')[0]}f`, range);
    throw new EvalError(`undefined symbol '${name}'`, range);
  };

  // Addresses of every `auipc` whose immediate is %pcrel_hi(x), for %pcrel_lo(label): built on
  // the first %pcrel_lo met (most programs write `la`, which needs none).
  let pcrelHiIndex: Map<bigint, { unit: FileUnit; target: Expr }> | undefined;
  const pcrelHi = (): Map<bigint, { unit: FileUnit; target: Expr }> => {
    if (pcrelHiIndex) return pcrelHiIndex;
    pcrelHiIndex = new Map();
    for (const p of parts) {
      for (const it of p.chunk.items) {
        if (it.kind !== 'insn') continue;
        for (let k = 0; k < it.instrs.length; k++) {
          const e = it.instrs[k].imm?.expr;
          if (it.instrs[k].def.name === 'auipc' && e?.kind === 'reloc' && e.op === 'pcrel_hi') {
            pcrelHiIndex.set(p.address + BigInt(it.offset + 4 * k), { unit: p.unit, target: e.arg });
          }
        }
      }
    }
    return pcrelHiIndex;
  };

  const symbols: LinkSymbols = { lookup, pcrelHiAt: (auipc) => pcrelHi().get(auipc) };
  const envFor = (unit: FileUnit, pc: bigint): Place => new Place(symbols, unit, pc);

  const encoder = new Encoder(symbols, units[0], 0n, error);

  // Contents and source map.
  const sourceMap: SourceMapEntry[] = [];
  const byName = new Map(sections.map((s) => [s.name, s]));
  for (const p of parts) {
    const sec = byName.get(p.chunk.name) as ImageSection;
    const base = Number(p.address - sec.address);
    const put = (off: number, value: bigint, width: number): void => {
      for (let b = 0; b < width; b++) sec.data[base + off + b] = Number((value >> BigInt(8 * b)) & 0xffn);
    };
    // Instruction words are numbers: written without BigInt arithmetic (most of a link's bytes).
    const putWord = (off: number, word: number): void => {
      const i = base + off;
      sec.data[i] = word & 0xff;
      sec.data[i + 1] = (word >>> 8) & 0xff;
      sec.data[i + 2] = (word >>> 16) & 0xff;
      sec.data[i + 3] = (word >>> 24) & 0xff;
    };
    for (const it of p.chunk.items) {
      if (it.kind === 'insn') {
        for (let k = 0; k < it.instrs.length; k++) {
          const mi = it.instrs[k];
          let word = fixedWords.get(mi);
          // Addresses are BigInts (an allocation each): made only where something needs them.
          const pc = word === undefined || withImage ? p.address + BigInt(it.offset + 4 * k) : 0n;
          if (word === undefined) {
            const reports = diagnostics.length;
            encoder.item = it;
            word = encodeMachine(mi, pc, encoder.at(p.unit, pc));
            if (diagnostics.length === reports && isPositionFree(mi)) fixedWords.set(mi, word);
          }
          if (!withImage) continue;
          putWord(it.offset + 4 * k, word);
          sourceMap.push({ address: pc, length: 4, range: it.range, isInstruction: true });
        }
        continue;
      }
      const at = p.address + BigInt(it.offset);
      if (it.kind === 'data') {
        let v = 0n;
        try {
          v = evaluate(it.expr, envFor(p.unit, at)).v;
        } catch (e) {
          if (e instanceof EvalError) error(e.range, e.message, 'asm');
          else throw e;
        }
        const bits = BigInt(8 * it.width);
        if (it.width < 8 && (v >= 1n << bits || v < -(1n << bits))) {
          diagnostics.push({ severity: 'warning', message: `value ${v} truncated to ${it.width * 8} bits`, range: it.range, code: 'truncated' });
        }
        if (!sec.progbits && v !== 0n) error(it.range, `non-zero data in ${sec.name}, which holds no data (nobits)`);
        if (!withImage) continue;
        put(it.offset, v, it.width);
        sourceMap.push({ address: at, length: it.width, range: it.range, isInstruction: false });
      } else if (withImage) {
        sec.data.set(it.bytes, base + it.offset);
        if (it.mapped && it.bytes.length) sourceMap.push({ address: at, length: it.bytes.length, range: it.range, isInstruction: false });
      }
    }
  }
  // Entries come in address order unless fixed section addresses reorder sections: sort only then.
  if (sourceMap.some((e, i) => i > 0 && e.address < sourceMap[i - 1].address)) {
    sourceMap.sort((a, b) => (a.address < b.address ? -1 : a.address > b.address ? 1 : 0));
  }

  // Symbols.
  const imageSymbols: ImageSymbol[] = [];
  for (const u of units) {
    for (const def of u.symbols.values()) {
      if (isInternalSymbol(def.name)) continue;
      const isGlobal = u.globals.has(def.name);
      let value = 0n;
      try {
        value = valueOf(u, def, def.range);
      } catch (e) {
        if (e instanceof EvalError) error(e.range, e.message);
        else throw e;
        continue;
      }
      if (!withImage) continue;
      let size = 0;
      const sizeExpr = u.sizes.get(def.name);
      if (sizeExpr) {
        try {
          size = Number(evaluate(sizeExpr, envFor(u, value)).v);
        } catch {
          size = 0; // `.size` is informational; an unevaluable one is ignored as GNU as tolerates it
        }
      }
      const section = def.section ?? def.value?.section;
      imageSymbols.push({
        name: def.name,
        value,
        size,
        kind: u.types.get(def.name) ?? 'notype',
        global: isGlobal,
        ...(section !== undefined ? { section } : {}),
        definedAt: def.range,
      });
    }
  }
  // Entry point.
  let entry = opts.base;
  const entryName = opts.entry ?? '_start';
  const found = globals.get(entryName) ?? units.map((u) => ({ unit: u, def: u.symbols.get(entryName) })).find((x) => x.def);
  if (found?.def) entry = valueOf(found.unit, found.def, found.def.range);
  else if (opts.entry !== undefined) {
    error({ file: units[0]?.path ?? '<input>', line: 1, column: 1, endLine: 1, endColumn: 1 }, `entry symbol '${opts.entry}' is not defined`);
  }

  return { image: { entry, sections, symbols: imageSymbols, sourceMap }, diagnostics };
}
