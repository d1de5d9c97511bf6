/**
 * The languages wired into the server (main thread and verifier worker alike). Guest-kernel code
 * and scenarios come from their own folders (server/riscv, server/scenario) once they exist.
 */
import { hcbLanguage } from '../hcb/index';
import { LanguageRegistry } from './registry';

export function createRegistry(): LanguageRegistry {
  return new LanguageRegistry({ hcb: hcbLanguage });
}
