/**
 * The RV64 line cache must be invisible: assembling a file, editing it and assembling it again
 * with the cache warm gives exactly what a cold assembly of the edited text gives without the
 * cache — bytes, symbols, source map and diagnostics — and the same holds for the language
 * server's parse. Edits are random (seeded): lines replaced, inserted, deleted, split, and single
 * characters typed or erased, over the examples, the GNU `as` oracle corpus and a file whose
 * cpp defines, macros and repetitions change under the edits.
 */
import { strict as assert } from 'node:assert';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { assemble, parseSource, type AsmOptions, type AsmResult, type AsmSource } from '../../../simulator/riscv/asm';
import { clearLineCache, LINE_CACHE_SOFT_LIMIT, lineCachePositions, lineCacheSize } from '../../../simulator/riscv/asm/line-cache';
import { generateCorpus, Rng } from '../oracle/corpus';

const EXAMPLES = join(dirname(fileURLToPath(import.meta.url)), '../../../examples');

/** Files linked together (an example's .S files, as its scenario loads them); edits go to `files[edited]`. */
interface Source {
  name: string;
  files: AsmSource[];
  edited: number;
  readFile?: AsmOptions['readFile'];
}

const readFromDisk = (p: string): string | undefined => (existsSync(p) ? readFileSync(p, 'utf8') : undefined);

/** Each example folder's sources linked together, once per file to edit. */
function exampleSources(): Source[] {
  const out: Source[] = [];
  for (const dir of readdirSync(EXAMPLES)) {
    const folder = join(EXAMPLES, dir);
    if (!statSync(folder).isDirectory()) continue;
    const files = readdirSync(folder)
      .filter((f) => /\.S$/.test(f))
      .map((f) => ({ path: join(folder, f), text: readFileSync(join(folder, f), 'utf8') }));
    files.forEach((f, edited) => out.push({ name: `examples/${dir}/${f.path.split('/').pop()}`, files, edited, readFile: readFromDisk }));
  }
  return out;
}

const single = (name: string, path: string, text: string): Source => ({ name, files: [{ path, text }], edited: 0 });

/** Defines, macros, .rept/.irp, conditionals and local labels: what makes a line's meaning depend on others. */
const CONTEXT_HEAVY = `#define COUNT 3
#define REG a1
  .equ STRIDE, 8
  .macro push reg, slot=0
  sd \\reg, (\\slot*STRIDE)(sp)
  .endm
  .text
  .globl _start
_start:
  li REG, COUNT
  .rept COUNT
  addi REG, REG, -1
  .endr
  .irp r, a2, a3, a4
  push \\r, 1
  .endr
1:
  bnez REG, 1b
  .if COUNT > 2
  nop
  .else
  ebreak
  .endif
#define COUNT 5
  li a0, COUNT
  j 1f
1:
  la t0, table
  ret
  .data
table: .dword STRIDE, COUNT, _start
  .bss
  .zero 64
`;

/** One random edit of `lines` (in place), drawn from what typing in an editor does. */
function edit(lines: string[], rng: Rng): void {
  const at = rng.int(lines.length);
  const chars = ['0', '1', '9', 'a', 'x', ',', ' ', ':', '(', ')', '#', '-', '\\', '.', ';', '"'];
  switch (rng.int(6)) {
    case 0: // the text of another line here
      lines[at] = rng.pick(lines);
      break;
    case 1: // a new line (every line below moves down)
      lines.splice(at, 0, rng.pick(lines));
      break;
    case 2: // a line deleted (every line below moves up)
      if (lines.length > 1) lines.splice(at, 1);
      break;
    case 3: // Enter in the middle of a line
      {
        const col = rng.int(lines[at].length + 1);
        lines.splice(at, 1, lines[at].slice(0, col), lines[at].slice(col));
      }
      break;
    case 4: // a character typed
      {
        const col = rng.int(lines[at].length + 1);
        lines[at] = lines[at].slice(0, col) + rng.pick(chars) + lines[at].slice(col);
      }
      break;
    default: // a character erased
      if (lines[at].length) {
        const col = rng.int(lines[at].length);
        lines[at] = lines[at].slice(0, col) + lines[at].slice(col + 1);
      }
      break;
  }
}

function run(source: Source, text: string, lineCache: boolean): AsmResult {
  const files = source.files.map((f, i) => (i === source.edited ? { path: f.path, text } : f));
  return assemble(files, { readFile: source.readFile, lineCache });
}

const editedText = (source: Source): string => source.files[source.edited].text;
const editedPath = (source: Source): string => source.files[source.edited].path;

/**
 * Edits `source` `edits` times; after each edit the warm assembly must equal a cold, uncached one.
 * Every few edits the text goes back to the original so errors do not pile up and hide the rest.
 */
function checkEdits(source: Source, edits: number, seed: bigint): void {
  const rng = new Rng(seed);
  const original = editedText(source).split('\n');
  let lines = [...original];
  clearLineCache();
  run(source, editedText(source), true);
  for (let k = 0; k < edits; k++) {
    if (k % 8 === 7) lines = [...original];
    edit(lines, rng);
    const text = lines.join('\n');
    const warm = run(source, text, true);
    const cold = run(source, text, false);
    assert.deepStrictEqual(warm, cold, `${source.name}, edit ${k}`);
    const parsedWarm = parseSource(editedPath(source), text, { readFile: source.readFile });
    clearLineCache();
    const parsedCold = parseSource(editedPath(source), text, { readFile: source.readFile });
    assert.deepStrictEqual(parsedWarm, parsedCold, `${source.name}, parse after edit ${k}`);
    // Warm the cache again with the edited text, as the editor's previous keystroke would have.
    run(source, text, true);
  }
}

describe('RV64 line cache', function () {
  this.timeout(60_000);

  it('the examples assemble as before with the cache', () => {
    const sources = exampleSources();
    assert.ok(sources.length >= 4, 'examples found');
    for (const s of sources) {
      const warm = run(s, editedText(s), true);
      assert.equal(warm.diagnostics.filter((d) => d.severity === 'error').length, 0, `${s.name}: ${JSON.stringify(warm.diagnostics[0])}`);
      assert.deepStrictEqual(run(s, editedText(s), true), run(s, editedText(s), false), s.name);
    }
  });

  it('random edits of the examples: warm re-assembly equals a cold one (bytes, symbols, source map, diagnostics)', () => {
    exampleSources().forEach((s, i) => checkEdits(s, 16, 0x1234n + BigInt(i)));
  });

  it('random edits of a file with defines, macros, .rept/.irp and conditionals', () => {
    const source = single('context-heavy', '/t/ctx.S', CONTEXT_HEAVY);
    const clean = run(source, CONTEXT_HEAVY, false);
    assert.equal(clean.diagnostics.length, 0, JSON.stringify(clean.diagnostics));
    checkEdits(source, 120, 0xc0ffeen);
  });

  it('random edits of the GNU as oracle corpus', () => {
    const source = single('corpus', 'corpus.s', generateCorpus());
    checkEdits(source, 6, 0xfeedn);
  });

  it('a changed #define reaches the unchanged lines that use it', () => {
    const source = single('define', '/t/d.S', '#define V 1\n  li a0, V\n');
    run(source, editedText(source), true);
    const edited = '#define V 2047\n  li a0, V\n';
    assert.deepStrictEqual(run(source, edited, true), run(source, edited, false));
    const word = run(source, edited, true).image?.sections.find((s) => s.name === '.text')?.data.slice(0, 4);
    // addi a0, zero, 2047
    assert.deepEqual([...(word ?? [])], [0x13, 0x05, 0xf0, 0x7f]);
  });

  it('stays bounded over a long session of distinct files', () => {
    clearLineCache();
    const linesPerFile = 2_000;
    for (let f = 0; f < 20; f++) {
      const text = Array.from({ length: linesPerFile }, (_, i) => `  addi a0, a0, ${(f * linesPerFile + i) % 2000} # ${f}`).join('\n');
      run(single('distinct', `/t/${f}.S`, text), text, true);
      assert.ok(lineCacheSize() <= LINE_CACHE_SOFT_LIMIT + linesPerFile, `after file ${f}: ${lineCacheSize()} lines remembered`);
      // Positions: those of the files of the last few passes, not of every file ever assembled.
      assert.ok(lineCachePositions() <= LINE_CACHE_SOFT_LIMIT + linesPerFile, `after file ${f}: ${lineCachePositions()} positions remembered`);
    }
    // The lines of the last files are still there: a keystroke in the current file hits the cache.
    assert.ok(lineCacheSize() >= linesPerFile);
    assert.ok(lineCachePositions() >= linesPerFile);
    assert.ok(lineCachePositions() < 20 * linesPerFile);
  });
});
