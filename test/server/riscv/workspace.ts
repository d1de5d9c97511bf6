/**
 * An in-memory workspace for the language tests: files by absolute path, open documents by
 * URI, the `WorkspaceFiles` the core would give a language, and a context with settings.
 */
import { TextDocument } from 'vscode-languageserver-textdocument';
import type { LanguageContext, WorkspaceFiles } from '../../../server/language';
import { pathToUri, uriToPath } from '../../../server/riscv/uri';

export class MemoryWorkspace implements WorkspaceFiles {
  readonly files = new Map<string, string>();
  generation = 1;
  kernelChecks: Record<string, boolean> = {};

  constructor(files: Record<string, string> = {}) {
    for (const [p, t] of Object.entries(files)) this.files.set(p, t);
  }

  set(path: string, text: string): this {
    this.files.set(path, text);
    this.generation++;
    return this;
  }

  read(uri: string): string | undefined {
    return this.files.get(uriToPath(uri));
  }

  uris(languageId: string): string[] {
    const paths = [...this.files.keys()];
    const match = languageId === 'riscv-guest' ? (p: string): boolean => /\.[sS]$/.test(p) : (p: string): boolean => p.endsWith('.hlab.json') && languageId === 'hlab-scenario';
    return paths.filter(match).map(pathToUri);
  }

  get ctx(): LanguageContext {
    return { files: this, settings: { kernelChecks: this.kernelChecks, inlayHints: false } };
  }

  doc(path: string, version = 1): TextDocument {
    const text = this.files.get(path);
    if (text === undefined) throw new Error(`no file ${path} in the test workspace`);
    return TextDocument.create(pathToUri(path), path.endsWith('.json') ? 'hlab-scenario' : 'riscv-guest', version, text);
  }
}

/** A document from lines, so tests read like the file they check. */
export function lines(...l: string[]): string {
  return `${l.join('\n')}\n`;
}
