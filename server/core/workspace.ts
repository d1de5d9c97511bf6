/**
 * The workspace index: every file of our languages in the workspace folders, with open buffers
 * winning over what is on disk. Disk text is read lazily and cached until the watcher says the
 * file changed. `generation` moves on every change so languages can key caches on it.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { TextDocument } from 'vscode-languageserver-textdocument';
import type { WorkspaceFiles } from '../language';
import { roleOf, type Role } from './fileKinds';
import type { LanguageRegistry } from './registry';

/** Folders never worth scanning (dependencies, build output, VCS data). */
const SKIPPED_DIRS = new Set(['node_modules', '.git', 'dist', 'out', '.cache']);
/** Upper bound on files indexed, so a huge folder opened by mistake cannot stall the server. */
const MAX_FILES = 20000;

export class WorkspaceIndex implements WorkspaceFiles {
  private readonly open = new Map<string, TextDocument>();
  /** URI -> role of every file found on disk. */
  private readonly onDisk = new Map<string, Role>();
  private readonly diskText = new Map<string, string | undefined>();
  private gen = 0;

  constructor(private readonly registry: LanguageRegistry) {}

  get generation(): number {
    return this.gen;
  }

  read(uri: string): string | undefined {
    const doc = this.open.get(uri);
    if (doc) return doc.getText();
    if (this.diskText.has(uri)) return this.diskText.get(uri);
    const text = readDisk(uri);
    this.diskText.set(uri, text);
    return text;
  }

  uris(languageId: string): string[] {
    const role = this.registry.roleOfLanguageId(languageId);
    if (!role) return [];
    const out = new Set<string>();
    for (const [uri, r] of this.onDisk) if (r === role) out.add(uri);
    for (const [uri, doc] of this.open) if (roleOf(uri, doc.languageId) === role) out.add(uri);
    return [...out].sort();
  }

  /** Text of every open buffer (what the verifier worker needs to see the same workspace). */
  openTexts(): [string, string][] {
    return [...this.open].map(([uri, doc]) => [uri, doc.getText()]);
  }

  diskUris(): [string, Role][] {
    return [...this.onDisk];
  }

  setOpen(doc: TextDocument): void {
    this.open.set(doc.uri, doc);
    this.gen++;
  }

  closed(uri: string): void {
    this.open.delete(uri);
    this.diskText.delete(uri);
    this.gen++;
  }

  /** A file was created, changed or deleted on disk. */
  diskChanged(uri: string, deleted: boolean): void {
    this.diskText.delete(uri);
    const role = roleOf(uri);
    if (deleted || !role) this.onDisk.delete(uri);
    else this.onDisk.set(uri, role);
    this.gen++;
  }

  /** Scans folders (file: URIs) recursively for files of our languages. */
  scan(folderUris: readonly string[]): number {
    let found = 0;
    const walk = (dir: string): void => {
      let entries;
      try {
        entries = readdirSync(dir, { withFileTypes: true });
      } catch {
        return;
      }
      for (const e of entries) {
        if (this.onDisk.size >= MAX_FILES) return;
        const path = join(dir, e.name);
        if (e.isDirectory()) {
          if (!SKIPPED_DIRS.has(e.name) && !e.name.startsWith('.')) walk(path);
        } else if (e.isFile()) {
          const role = roleOf(e.name);
          if (role) {
            this.onDisk.set(pathToFileURL(path).toString(), role);
            found++;
          }
        }
      }
    };
    for (const f of folderUris) {
      const dir = toPath(f);
      if (dir && isDirectory(dir)) walk(dir);
    }
    this.gen++;
    return found;
  }
}

export function toPath(uri: string): string | undefined {
  if (!uri.startsWith('file:')) return undefined;
  try {
    return fileURLToPath(uri);
  } catch {
    return undefined;
  }
}

function isDirectory(path: string): boolean {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false;
  }
}

export function readDisk(uri: string): string | undefined {
  const path = toPath(uri);
  if (!path) return undefined;
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return undefined;
  }
}
