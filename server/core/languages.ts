/**
 * The languages wired into the server (main thread and verifier worker alike): hyper-callbacks,
 * guest-kernel code and scenarios.
 */
import { hcbLanguage } from '../hcb/index';
import { riscvGuestLanguage } from '../riscv/index';
import { scenarioLanguage } from '../scenario/index';
import { LanguageRegistry } from './registry';

export function createRegistry(): LanguageRegistry {
  return new LanguageRegistry({ hcb: hcbLanguage, 'riscv-guest': riscvGuestLanguage, scenario: scenarioLanguage });
}
