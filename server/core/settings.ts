/**
 * `hyperlab.*` settings as the languages see them. The client sends whatever its configuration
 * holds; anything malformed falls back to the defaults rather than breaking a feature.
 *
 *   hyperlab.kernelChecks: { "<rule id>": false, ... }   (absent = on)
 *   hyperlab.inlayHints: boolean  (or { enabled: boolean }; default off)
 */
import type { LanguageSettings } from '../language';

export function defaultSettings(): LanguageSettings {
  return { kernelChecks: {}, inlayHints: false };
}

export function parseSettings(raw: unknown): LanguageSettings {
  const out = defaultSettings();
  if (!isObject(raw)) return out;
  const checks = raw.kernelChecks;
  if (isObject(checks)) {
    for (const [rule, on] of Object.entries(checks)) if (typeof on === 'boolean') out.kernelChecks[rule] = on;
  }
  const hints = raw.inlayHints;
  if (typeof hints === 'boolean') out.inlayHints = hints;
  else if (isObject(hints) && typeof hints.enabled === 'boolean') out.inlayHints = hints.enabled;
  return out;
}

function isObject(x: unknown): x is Record<string, unknown> {
  return typeof x === 'object' && x !== null && !Array.isArray(x);
}
