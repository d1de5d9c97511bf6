/**
 * Messages between the server's main thread and the slow-diagnostics worker. Everything is
 * structured-clone friendly; the cancellation flag is a SharedArrayBuffer so the main thread can
 * cancel a job the worker is in the middle of, without a message round trip.
 */
import type { Diagnostic } from 'vscode-languageserver';
import type { LanguageSettings } from '../language';
import type { Role } from '../core/fileKinds';

export interface SlowJob {
  /** `slow`: the language's slowDiagnostics; `quick`: its quickDiagnostics (offloaded for a big document). */
  kind: 'quick' | 'slow';
  uri: string;
  role: Role;
  clientLanguageId: string;
  version: number;
  text: string;
  settings: LanguageSettings;
  /** Other open buffers (they win over the disk in the worker too). */
  openTexts: [string, string][];
  diskUris: [string, Role][];
  generation: number;
}

export interface SlowRequest {
  id: number;
  job: SlowJob;
  /** Int32 flag: 1 = cancelled. */
  cancel: SharedArrayBuffer;
}

export type SlowResponse =
  | { id: number; diagnostics: Diagnostic[]; millis: number }
  | { id: number; error: string };
