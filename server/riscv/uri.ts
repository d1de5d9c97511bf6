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
