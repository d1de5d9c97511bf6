/**
 * Lexing and parsing of one line, remembered by the line's text. The language server
 * re-assembles a guest file on every keystroke and all lines but the edited one are unchanged;
 * lexing and parsing were about half of an assembly, so an unchanged line's statements come from
 * here instead of chevrotain.
 *
 * What a line lexes and parses to depends on its text and on the cpp defines in force, nothing
 * else, except for the file and line number written into every range. So an entry is kept for
 * (defines, text), as first analysed, and each position (file, line) gets its own copy with its
 * ranges moved there, kept while the same text stays at that position. On a keystroke nothing is
 * lexed, parsed or copied but the edited line; lines that move because lines were inserted or
 * deleted above them keep their copy, its ranges shifted in place (alignLineCache); a text that
 * appears in many places (`ret`, `1:`) is parsed once.
 * What this returns is therefore shared between assemblies: callers must not change it (nothing
 * in the assembler or the language server writes into statements, tokens or ranges; only
 * alignLineCache moves ranges, and an assembly's results made before it describe the old text).
 *
 * The cache is bounded by use: each pass over a file is one generation, and once the cache holds
 * more than `LINE_CACHE_SOFT_LIMIT` lines, lines no pass has used in the last `KEEP_GENERATIONS` generations
 * are dropped. An editing session keeps what its recent assemblies need, never its whole history.
 */
import type { Diagnostic, SourceRange } from '../../diagnostics';
import { lexLine, type Token } from './lexer';
import { parseLine } from './parser';
import type { Expr, Operand, Statement } from './syntax';

export interface LineAnalysis {
  /** The lexer's diagnostics (bad characters, numbers, strings). */
  lexDiagnostics: Diagnostic[];
  statements: Statement[];
  /** The line grammar's diagnostics. */
  parseDiagnostics: Diagnostic[];
}

interface Entry {
  /** As first analysed, with ranges on `line` of its file (other positions get moved copies). */
  analysis: LineAnalysis;
  line: number;
  lastUsed: number;
}

/** What was handed out for one position, and for which text under which define table. */
interface Placement {
  text: string;
  tableId: number;
  entry: Entry;
  analysis: LineAnalysis;
}

interface FilePlacements {
  /** By line number. Invariant: every range of the analysis placed at line L lies on line L. */
  byLine: (Placement | undefined)[];
  lastUsed: number;
  /** The file's lines when it was last aligned (alignLineCache), to see lines inserted or deleted. */
  lines?: readonly string[];
}

/** Past this many remembered lines, those unused for `KEEP_GENERATIONS` passes are dropped. */
export const LINE_CACHE_SOFT_LIMIT = 20_000;
const KEEP_GENERATIONS = 4;
/** Files whose positions are remembered before unused ones are dropped. */
const MAX_PLACED_FILES = 64;
/** Distinct define tables remembered by content; past this the numbering starts afresh. */
const MAX_DEFINE_TABLES = 1_000;

/**
 * Define table id -> line text -> entry. Two levels rather than one concatenated key: the line
 * strings come straight from the source and hash once, a new key string would hash on every lookup.
 */
const cache = new Map<number, Map<string, Entry>>();
let size = 0;
let generation = 0;
/** Per file, the copy given out at each line (dropped with the file when no pass used it lately). */
const placements = new Map<string, FilePlacements>();

/** Analyses one line without the cache (the reference the cache must agree with). */
export function analyseLineUncached(text: string, file: string, line: number, defines?: ReadonlyMap<string, string>): LineAnalysis {
  const lexed = lexLine(text, file, line, defines);
  const parsed = parseLine(lexed.tokens);
  return { lexDiagnostics: lexed.diagnostics, statements: parsed.statements, parseDiagnostics: parsed.diagnostics };
}

/** The line's lexing and parsing, from the cache when this text was seen under the same defines. */
export function analyseLine(text: string, file: string, line: number, defines?: ReadonlyMap<string, string>): LineAnalysis {
  const tableId = defineTableId(defines);
  let filePlacements = placements.get(file);
  if (filePlacements === undefined) placements.set(file, (filePlacements = { byLine: [], lastUsed: generation }));
  filePlacements.lastUsed = generation;
  const placed = filePlacements.byLine[line];
  if (placed !== undefined && placed.text === text && placed.tableId === tableId) {
    placed.entry.lastUsed = generation;
    return placed.analysis;
  }
  let lines = cache.get(tableId);
  if (lines === undefined) cache.set(tableId, (lines = new Map()));
  let entry = lines.get(text);
  if (entry === undefined) {
    entry = { analysis: analyseLineUncached(text, file, line, defines), line, lastUsed: generation };
    lines.set(text, entry);
    size++;
  }
  // Every position owns a copy (no range object shared with the entry or within the copy), so
  // alignLineCache can move a position's ranges in place when lines are inserted above it.
  const analysis = relocate(entry.analysis, file, line - entry.line);
  entry.lastUsed = generation;
  filePlacements.byLine[line] = { text, tableId, entry, analysis };
  return analysis;
}

/**
 * Called with a file's lines before a pass over it. When lines were inserted or deleted since the
 * last pass, the positions after the change move to their new line numbers with their ranges
 * shifted in place, instead of every later line being copied anew: the analyses keep their
 * identity, so what pass one and the linker remember per statement and per instruction
 * (expansion-memo.ts, link.ts) stays valid, and pressing Enter in a big file costs about what
 * typing a character does. Objects made from these ranges by earlier passes move with them;
 * those passes' results describe the previous text and are superseded by this one.
 */
export function alignLineCache(file: string, lines: readonly string[]): void {
  const fp = placements.get(file);
  if (fp === undefined) {
    placements.set(file, { byLine: [], lastUsed: generation, lines });
    return;
  }
  const old = fp.lines;
  fp.lines = lines;
  if (old === undefined || old.length === lines.length) return;
  const delta = lines.length - old.length;
  let prefix = 0;
  while (prefix < old.length && prefix < lines.length && old[prefix] === lines[prefix]) prefix++;
  let suffix = 0;
  while (suffix < old.length - prefix && suffix < lines.length - prefix && old[old.length - 1 - suffix] === lines[lines.length - 1 - suffix]) suffix++;
  // Old line numbers (1-based) from `first` on move by `delta`; nothing else after the prefix stays valid.
  const first = old.length - suffix + 1;
  const byLine = fp.byLine;
  const moved: (Placement | undefined)[] = [];
  for (let l = first; l <= old.length; l++) {
    const p = byLine[l];
    if (p !== undefined) shiftInPlace(p.analysis, delta);
    moved.push(p);
  }
  byLine.length = prefix + 1;
  for (let k = 0; k < moved.length; k++) byLine[first + delta + k] = moved[k];
}

/**
 * Marks the end of one pass over a file: entries used since the previous call belong to this
 * generation, and old ones are dropped once the cache is over its soft limit.
 */
export function endLineCacheGeneration(): void {
  generation++;
  const oldest = generation - KEEP_GENERATIONS;
  if (placements.size > MAX_PLACED_FILES) for (const [file, p] of placements) if (p.lastUsed < oldest) placements.delete(file);
  if (size <= LINE_CACHE_SOFT_LIMIT) return;
  for (const [file, p] of placements) if (p.lastUsed < oldest) placements.delete(file);
  for (const [tableId, lines] of cache) {
    for (const [text, entry] of lines) {
      if (entry.lastUsed >= oldest) continue;
      lines.delete(text);
      size--;
    }
    if (lines.size === 0) cache.delete(tableId);
  }
}

/** Number of remembered line texts (for tests of the bound). */
export function lineCacheSize(): number {
  return size;
}

/** Number of remembered positions, i.e. copies placed at a file's line (for tests of the bound). */
export function lineCachePositions(): number {
  let n = 0;
  for (const p of placements.values()) for (const placed of p.byLine) if (placed !== undefined) n++;
  return n;
}

/** Forgets every line (benchmarks use it to measure a file seen for the first time). */
export function clearLineCache(): void {
  cache.clear();
  placements.clear();
  size = 0;
}

// ---- define tables --------------------------------------------------------------------------

/** Define tables seen in this process, by identity (each #define makes a new table). */
const tableIds = new WeakMap<ReadonlyMap<string, string>, number>();
/** The same, by content: two assemblies of the same file build equal tables, not the same one. */
const tableIdsByContent = new Map<string, number>();
let nextTableId = 1;

function defineTableId(defines: ReadonlyMap<string, string> | undefined): number {
  if (defines === undefined || defines.size === 0) return 0;
  const known = tableIds.get(defines);
  if (known !== undefined) return known;
  const content = JSON.stringify([...defines]);
  let id = tableIdsByContent.get(content);
  if (id === undefined) {
    // Ids are never reused, so dropping the content index only costs cache misses.
    if (tableIdsByContent.size >= MAX_DEFINE_TABLES) tableIdsByContent.clear();
    id = nextTableId++;
    tableIdsByContent.set(content, id);
  }
  tableIds.set(defines, id);
  return id;
}

// ---- relocation -------------------------------------------------------------------------------

/**
 * Moves every range of a placed analysis `delta` lines, in place. Walks exactly what relocate
 * copies; a placed analysis shares no range object (it is a relocated copy), so each moves once.
 */
function shiftInPlace(a: LineAnalysis, delta: number): void {
  const at = (r: SourceRange): void => {
    r.line += delta;
    r.endLine += delta;
  };
  const tokens = (ts: Token[]): void => {
    for (const t of ts) at(t.range);
  };
  const diagnostic = (d: Diagnostic): void => {
    at(d.range);
    if (d.related) for (const r of d.related) at(r.range);
  };
  const expr = (e: Expr): void => {
    at(e.range);
    switch (e.kind) {
      case 'unary':
      case 'reloc':
        expr(e.arg);
        break;
      case 'binary':
        expr(e.left);
        expr(e.right);
        break;
      default:
        break;
    }
  };
  for (const d of a.lexDiagnostics) diagnostic(d);
  for (const d of a.parseDiagnostics) diagnostic(d);
  for (const s of a.statements) {
    at(s.range);
    switch (s.kind) {
      case 'label':
        break;
      case 'assign':
        at(s.nameRange);
        expr(s.value);
        break;
      case 'directive':
        at(s.nameRange);
        for (const g of s.args) {
          tokens(g.tokens);
          at(g.range);
        }
        break;
      case 'instruction':
        at(s.mnemonicRange);
        for (const o of s.operands) {
          at(o.range);
          if (o.kind === 'expr') expr(o.expr);
          else {
            if (o.offset) expr(o.offset);
            at(o.baseRange);
          }
        }
        for (const ts of s.rawOperands) tokens(ts);
        for (const d of s.operandDiagnostics) diagnostic(d);
        break;
    }
  }
}
// Written out per node type rather than as a generic deep copy: a generic walk (keys, type tests)
// cost more than the parse it saves.

/**
 * A deep copy of a stored analysis with every range moved `delta` lines and into `file` (all of a
 * line's ranges lie on that line, so this is exact). Token types (chevrotain's shared descriptors), bigints and strings' decoded bytes are
 * shared: nothing downstream changes them.
 */
function relocate(a: LineAnalysis, file: string, delta: number): LineAnalysis {
  const at = (r: SourceRange): SourceRange => ({ file, line: r.line + delta, column: r.column, endLine: r.endLine + delta, endColumn: r.endColumn });
  const token = (t: Token): Token => ({ ...t, range: at(t.range) });
  const tokens = (ts: Token[]): Token[] => ts.map(token);
  const diagnostic = (d: Diagnostic): Diagnostic => ({
    ...d,
    range: at(d.range),
    ...(d.related ? { related: d.related.map((r) => ({ ...r, range: at(r.range) })) } : {}),
  });
  const expr = (e: Expr): Expr => {
    switch (e.kind) {
      case 'num':
      case 'sym':
      case 'local':
      case 'dot':
        return { ...e, range: at(e.range) };
      case 'unary':
      case 'reloc':
        return { ...e, arg: expr(e.arg), range: at(e.range) };
      case 'binary':
        return { ...e, left: expr(e.left), right: expr(e.right), range: at(e.range) };
    }
  };
  const operand = (o: Operand): Operand =>
    o.kind === 'expr'
      ? { kind: 'expr', expr: expr(o.expr), range: at(o.range) }
      : { kind: 'mem', ...(o.offset ? { offset: expr(o.offset) } : {}), base: o.base, baseRange: at(o.baseRange), range: at(o.range) };
  const statement = (s: Statement): Statement => {
    switch (s.kind) {
      case 'label':
        return { ...s, range: at(s.range) };
      case 'assign':
        return { ...s, nameRange: at(s.nameRange), value: expr(s.value), range: at(s.range) };
      case 'directive':
        return { ...s, nameRange: at(s.nameRange), args: s.args.map((g) => ({ tokens: tokens(g.tokens), range: at(g.range) })), range: at(s.range) };
      case 'instruction':
        return {
          ...s,
          mnemonicRange: at(s.mnemonicRange),
          operands: s.operands.map(operand),
          rawOperands: s.rawOperands.map(tokens),
          operandDiagnostics: s.operandDiagnostics.map(diagnostic),
          range: at(s.range),
        };
    }
  };
  return {
    lexDiagnostics: a.lexDiagnostics.map(diagnostic),
    statements: a.statements.map(statement),
    parseDiagnostics: a.parseDiagnostics.map(diagnostic),
  };
}
