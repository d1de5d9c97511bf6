/**
 * The language context inside the worker: a snapshot of the main thread's workspace (open
 * buffers and the file list) with disk reads done locally.
 */
import type { CancellationToken } from 'vscode-languageserver';
import type { LanguageContext, WorkspaceFiles } from '../language';
import type { LanguageRegistry } from '../core/registry';
import { readDisk } from '../core/workspace';
import type { SlowJob } from './protocol';

export function snapshotContext(job: SlowJob, registry: LanguageRegistry): LanguageContext {
  const open = new Map(job.openTexts);
  open.set(job.uri, job.text);
  const disk = new Map<string, string | undefined>();
  const files: WorkspaceFiles = {
    read(uri) {
      if (open.has(uri)) return open.get(uri);
      if (!disk.has(uri)) disk.set(uri, readDisk(uri));
      return disk.get(uri);
    },
    uris(languageId) {
      const role = registry.roleOfLanguageId(languageId);
      const out = new Set<string>();
      for (const [uri, r] of job.diskUris) if (r === role) out.add(uri);
      for (const uri of open.keys()) if (registry.forDocument(uri) === registry.forRole(role)) out.add(uri);
      return [...out].sort();
    },
    generation: job.generation,
  };
  return { files, settings: job.settings };
}

/** A token backed by the shared flag the main thread sets. */
export function flagToken(buffer: SharedArrayBuffer): CancellationToken {
  const flag = new Int32Array(buffer);
  return {
    get isCancellationRequested() {
      return Atomics.load(flag, 0) !== 0;
    },
    // Nothing waits on the event inside the worker: languages poll the flag between steps.
    onCancellationRequested: () => ({ dispose() {} }),
  };
}
