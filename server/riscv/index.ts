/**
 * The `riscv-guest` language (RV64 guest-kernel assembly, `*.S` / `*.s`) for the language
 * server core: every feature answers from the assembler's own parse and pass one, cached per
 * document version and workspace generation (see analysis.ts). No method throws for any text.
 */
import type { LanguageService } from '../language';
import { analyse } from './analysis';
import { completion } from './completion';
import { hover } from './hover';
import { definition, prepareRename, references, rename } from './navigation';
import { documentLinks, documentSymbols, foldingRanges, semanticTokens, workspaceSymbols } from './outline';

export const riscvGuestLanguage: LanguageService = {
  languageId: 'riscv-guest',
  quickDiagnostics: (doc, ctx) => analyse(doc, ctx).diagnostics,
  hover,
  completion,
  definition,
  references,
  prepareRename,
  rename,
  documentSymbols,
  workspaceSymbols,
  foldingRanges,
  semanticTokens,
  documentLinks,
};

export { KERNEL_RULES, type KernelRuleId } from './kernel-checks';
