/**
 * The scenario language (`*.hlab.json`): the loader's own located diagnostics, plus what the
 * JSON schema cannot say — the files a scenario names exist, its entry symbols resolve in the
 * code they name (assembled with the RV64 assembler), each callback's `.hcb` assembles and
 * declares the event the scenario attaches it to, and the code fits the RAM it is loaded into.
 * Links and go-to-definition lead from file names and entry symbols to their targets.
 * Nothing here runs a scenario.
 */
import type { LanguageService } from '../language';
import { scenarioDefinition, scenarioLinks } from './links';
import { scenarioDiagnostics } from './checks';

export const scenarioLanguage: LanguageService = {
  languageId: 'hlab-scenario',
  quickDiagnostics: scenarioDiagnostics,
  documentLinks: scenarioLinks,
  definition: scenarioDefinition,
};
