/**
 * URIs (what the editor speaks) and paths (what the assembler's `.include` and the scenario
 * loader speak). Files outside `file:` (e.g. `untitled:`) keep their URI as their "path", so
 * they still assemble on their own; they just cannot be found by relative file names.
 */
import { fileURLToPath, pathToFileURL } from 'node:url';

export function uriToPath(uri: string): string {
  if (!uri.startsWith('file:')) return uri;
  try {
    return fileURLToPath(uri);
  } catch {
    return uri;
  }
}

export function pathToUri(path: string): string {
  if (!path.startsWith('/')) return path;
  return pathToFileURL(path).href;
}

/** The same file, whatever encoding the client chose for its URI (`%3A` vs `:`). */
export function sameFile(uriA: string, uriB: string): boolean {
  return uriA === uriB || uriToPath(uriA) === uriToPath(uriB);
}

/**
 * The workspace's own URI for a path: clients encode URIs in their own way (VS Code escapes more
 * characters than Node's `pathToFileURL`), and an open buffer is found only under the client's
 * spelling. Built once per workspace generation from the URIs the workspace lists.
 */
interface UriTable {
  generation: number;
  byPath: Map<string, string>;
}
const tables = new WeakMap<object, UriTable>();
const LISTED_LANGUAGES = ['riscv-guest', 'hcb', 'hlab-scenario'];

export function uriOf(path: string, files: { uris(languageId: string): string[]; readonly generation: number }): string {
  let t = tables.get(files);
  if (!t || t.generation !== files.generation) {
    t = { generation: files.generation, byPath: new Map() };
    for (const id of LISTED_LANGUAGES) for (const u of files.uris(id)) t.byPath.set(uriToPath(u), u);
    tables.set(files, t);
  }
  return t.byPath.get(path) ?? pathToUri(path);
}
