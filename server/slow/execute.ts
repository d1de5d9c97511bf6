/**
 * Runs one slow-diagnostics job: the same code in the worker and in the in-process fallback.
 */
import type { Diagnostic } from 'vscode-languageserver';
import { TextDocument } from 'vscode-languageserver-textdocument';
import type { CancellationToken } from 'vscode-languageserver';
import type { LanguageRegistry } from '../core/registry';
import { snapshotContext } from './context';
import type { SlowJob } from './protocol';

export async function executeSlowJob(job: SlowJob, registry: LanguageRegistry, token: CancellationToken): Promise<Diagnostic[]> {
  const lang = registry.forRole(job.role);
  if (!lang || token.isCancellationRequested) return [];
  const doc = TextDocument.create(job.uri, job.clientLanguageId, job.version, job.text);
  if (job.kind === 'quick') return lang.quickDiagnostics(doc, snapshotContext(job, registry));
  return lang.slowDiagnostics ? lang.slowDiagnostics(doc, snapshotContext(job, registry), token) : [];
}
