/**
 * One parse and one verification per document version, shared by every feature (hover, lens,
 * inlay hints and code actions all ask the same questions). Small LRU keyed by URI; an entry is
 * reused only when version and text both match (closed files read from disk have version 0).
 */
import { fileURLToPath } from 'node:url';
import type { TextDocument } from 'vscode-languageserver-textdocument';
import { assemble, type AsmResult } from '../../simulator/ebpf/asm/assembler';
import { verifyHcb, type VerifyResult } from '../../simulator/ebpf/verifier/index';
import { hasErrors } from '../../simulator/diagnostics';

export interface HcbAnalysis {
  uri: string;
  version: number;
  text: string;
  /** File name used in messages, as `hyperlab verify FILE` would print it. */
  file: string;
  lines: string[];
  asm: AsmResult;
  /** Whether the assembler reported errors (the verifier does not run then, as in the CLI). */
  asmFailed: boolean;
  /** Line (0-based) -> index into asm.insns of the instruction on it. */
  insnAtLine: Map<number, number>;
  verification(): VerifyResult | undefined;
}

const CACHE_SIZE = 16;
const cache = new Map<string, HcbAnalysis>();

export function fileName(uri: string): string {
  if (uri.startsWith('file:')) {
    try {
      return fileURLToPath(uri);
    } catch {
      return uri;
    }
  }
  return uri;
}

export function analyze(doc: TextDocument): HcbAnalysis {
  const text = doc.getText();
  const hit = cache.get(doc.uri);
  if (hit && hit.version === doc.version && hit.text === text) {
    cache.delete(doc.uri);
    cache.set(doc.uri, hit);
    return hit;
  }
  const file = fileName(doc.uri);
  const asm = assemble(text, { file });
  const asmFailed = hasErrors(asm.diagnostics);
  const insnAtLine = new Map<number, number>();
  asm.insns.forEach((a, k) => insnAtLine.set(a.range.line - 1, k));
  let verified: VerifyResult | undefined;
  let done = false;
  const entry: HcbAnalysis = {
    uri: doc.uri,
    version: doc.version,
    text,
    file,
    lines: text.split(/\r?\n/),
    asm,
    asmFailed,
    insnAtLine,
    verification() {
      if (!done) {
        done = true;
        verified = asmFailed ? undefined : verifyHcb(asm);
      }
      return verified;
    },
  };
  cache.set(doc.uri, entry);
  while (cache.size > CACHE_SIZE) cache.delete(cache.keys().next().value as string);
  return entry;
}
