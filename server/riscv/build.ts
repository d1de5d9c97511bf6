/**
 * Assembles the files of one link the way `assemble` does (pass one per file, then link), but
 * keeps what the editor needs even when there are errors: each file's pass-one unit (machine
 * instructions with registers and CSRs resolved, symbols) and the linked image (bytes and the
 * source map, for hover). Pass one of a file is cached by its text and the texts of the files
 * it included, so typing in one file does not re-assemble the others of its link.
 */
import type { Diagnostic } from '../../simulator/diagnostics';
import type { Image } from '../../simulator/riscv/image';
import { DEFAULT_BASE, DEFAULT_SECTION_ORDER } from '../../simulator/riscv/asm';
import { checkLink, link } from '../../simulator/riscv/asm/link';
import { Pass1 } from '../../simulator/riscv/asm/pass1';
import type { FileUnit } from '../../simulator/riscv/asm/units';
import type { LinkContext } from './contexts';
import { expansionProblem } from './expansion-guard';

export type ReadText = (path: string) => string | undefined;

interface Pass1Entry {
  text: string;
  /** Every file pass one read (includes), with the text it saw. */
  reads: Map<string, string | undefined>;
  unit: FileUnit;
  diagnostics: Diagnostic[];
}

const MAX_CACHED_FILES = 256;
const pass1Cache = new Map<string, Pass1Entry>();

function fresh(entry: Pass1Entry, text: string, read: ReadText): boolean {
  if (entry.text !== text) return false;
  for (const [p, t] of entry.reads) if (read(p) !== t) return false;
  return true;
}

/** Forgets every cached pass one (tests compare against a from-scratch analysis). */
export function clearPassOneCache(): void {
  pass1Cache.clear();
}

/** Pass one of one file (cached). */
export function passOne(path: string, text: string, read: ReadText): Pass1Entry {
  const hit = pass1Cache.get(path);
  if (hit && fresh(hit, text, read)) return hit;
  const reads = new Map<string, string | undefined>();
  const p = new Pass1(path, text, {
    readFile: (f) => {
      const t = read(f);
      reads.set(f, t);
      return t;
    },
  });
  let unit: FileUnit;
  try {
    unit = p.run();
  } catch (e) {
    // The assembler has a bug for this input; say so at the top of the file instead of failing the request.
    p.diagnostics.push({ severity: 'error', message: `internal assembler error: ${(e as Error).message}`, range: { file: path, line: 1, column: 1, endLine: 1, endColumn: 1 }, code: 'internal' });
    unit = p.unit;
  }
  const entry: Pass1Entry = { text, reads, unit, diagnostics: p.diagnostics };
  if (pass1Cache.size >= MAX_CACHED_FILES) pass1Cache.delete(pass1Cache.keys().next().value as string);
  pass1Cache.set(path, entry);
  return entry;
}

export interface LinkedBuild {
  context: LinkContext;
  units: FileUnit[];
  /** Linked on first read (hover needs it; diagnostics do not). */
  readonly image: Image | undefined;
  /** Diagnostics of every file of the link (filter by `range.file`). */
  diagnostics: Diagnostic[];
  /** Sources of the link that could not be read. */
  missing: string[];
}

export function buildLink(context: LinkContext, read: ReadText): LinkedBuild {
  const diagnostics: Diagnostic[] = [];
  const units: FileUnit[] = [];
  const missing: string[] = [];
  const tooLarge = expansionProblem(context.sources, read);
  if (tooLarge) return { context, units, image: undefined, diagnostics: [tooLarge], missing };
  for (const src of context.sources) {
    const text = read(src);
    if (text === undefined) {
      missing.push(src);
      continue;
    }
    const p1 = passOne(src, text, read);
    units.push(p1.unit);
    diagnostics.push(...p1.diagnostics);
  }
  const options = { base: context.base ?? DEFAULT_BASE, sectionOrder: DEFAULT_SECTION_ORDER, sectionAddresses: {} };
  try {
    diagnostics.push(...checkLink(units, options));
  } catch (e) {
    const file = context.sources[0] ?? '';
    diagnostics.push({ severity: 'error', message: `internal linker error: ${(e as Error).message}`, range: { file, line: 1, column: 1, endLine: 1, endColumn: 1 }, code: 'internal' });
  }
  // The image (bytes, source map, symbols) only when a feature reads it: diagnostics need none of it.
  let image: Image | undefined | null = null;
  return {
    context,
    units,
    get image(): Image | undefined {
      if (image === null) {
        try {
          image = link(units, options).image;
        } catch {
          image = undefined; // reported above as an internal linker error
        }
      }
      return image;
    },
    diagnostics,
    missing,
  };
}
