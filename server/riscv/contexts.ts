/**
 * Which files a guest source is linked with. A scenario (`*.hlab.json`) that lists the file
 * links it with the scenario's other sources, at the scenario's base, and says which privilege
 * the code runs in (bare-metal `mode`, or VS for a VM's guest kernel). A file that is only
 * `.include`d by another is checked in its includer's link. Anything else links alone.
 */
import * as path from 'node:path';
import type { LanguageContext } from '../language';
import { parseScenario, type CodeImage, type Scenario } from '../../simulator/scenario';
import { uriToPath } from './uri';

/** The most privileged mode the code runs in; undefined = unknown (no scenario names the file). */
export type TargetMode = 'M' | 'S' | 'VS';

export interface LinkContext {
  /** Paths in link order (the scenario's order). */
  sources: string[];
  base?: bigint;
  target?: TargetMode;
  /** The scenario that set this link up, for messages. */
  scenario?: { uri: string; name: string };
}

/** Language ids under which a core may list scenario files; every `*.hlab.json` among them counts. */
const SCENARIO_LANGUAGE_IDS = ['hlab-scenario', 'json', 'jsonc'];
const GUEST_LANGUAGE_ID = 'riscv-guest';

export function scenarioUris(ctx: LanguageContext): string[] {
  const out = new Set<string>();
  for (const id of SCENARIO_LANGUAGE_IDS) for (const u of ctx.files.uris(id)) if (u.endsWith('.hlab.json')) out.add(u);
  return [...out].sort();
}

const scenarioCache = new Map<string, { text: string; scenario: Scenario | undefined }>();

/** The scenario at `uri`, parsed (cached by text); undefined when it does not parse as JSON. */
export function loadScenario(uri: string, text: string): Scenario | undefined {
  const hit = scenarioCache.get(uri);
  if (hit && hit.text === text) return hit.scenario;
  const loaded = parseScenario(text, uriToPath(uri));
  const broken = loaded.diagnostics.some((d) => d.code === 'json-syntax');
  const scenario = broken ? undefined : loaded.scenario;
  scenarioCache.set(uri, { text, scenario });
  return scenario;
}

/** Every assembly code image of a scenario with the mode it runs in. */
export function codeImages(s: Scenario): { code: CodeImage; target: TargetMode; pointer: string }[] {
  if (s.kind === 'bare-metal') return [{ code: s.program.code, target: s.program.mode, pointer: '/program/code' }];
  return s.vms.map((vm, i) => ({ code: vm.code, target: 'VS' as const, pointer: `/vms/${i}/code` }));
}

function scenarioContexts(ctx: LanguageContext, file: string): LinkContext[] {
  const out: LinkContext[] = [];
  for (const uri of scenarioUris(ctx)) {
    const text = ctx.files.read(uri);
    if (text === undefined) continue;
    const s = loadScenario(uri, text);
    if (!s) continue;
    const dir = path.dirname(uriToPath(uri));
    for (const { code, target } of codeImages(s)) {
      if (code.format !== 'assembly') continue;
      const sources = code.sources.map((f) => path.resolve(dir, f));
      if (!sources.includes(file)) continue;
      const key = sources.join('\n');
      if (out.some((c) => c.sources.join('\n') === key && c.target === target)) continue;
      out.push({ sources, base: code.base, target, scenario: { uri, name: s.name ?? path.basename(uriToPath(uri)) } });
    }
  }
  return out;
}

const INCLUDE = /^\s*(?:\.include|#\s*include)\s+"([^"]+)"/gm;

/** What each workspace file includes, cached by its text (the same string object hits in O(1)). */
const includeCache = new Map<string, { text: string; includes: string[] }>();

function includesOf(file: string, text: string): string[] {
  const hit = includeCache.get(file);
  if (hit && hit.text === text) return hit.includes;
  const includes = [...text.matchAll(INCLUDE)].map((m) => path.resolve(path.dirname(file), m[1]));
  includeCache.set(file, { text, includes });
  return includes;
}

/** Guest files of the workspace that `.include` / `#include` this one (direct includers only). */
function includers(ctx: LanguageContext, file: string): string[] {
  const out: string[] = [];
  for (const uri of ctx.files.uris(GUEST_LANGUAGE_ID)) {
    const other = uriToPath(uri);
    if (other === file) continue;
    const text = ctx.files.read(uri);
    if (text !== undefined && includesOf(other, text).includes(file)) out.push(other);
  }
  return out;
}

/** Forgets parsed scenarios and include lists (tests compare against a from-scratch analysis). */
export function clearContextCaches(): void {
  scenarioCache.clear();
  includeCache.clear();
}

const MAX_CONTEXTS = 4;

/** The links this file takes part in (at least one: the file on its own). */
export function linkContexts(ctx: LanguageContext, file: string): LinkContext[] {
  if (!path.isAbsolute(file)) return [{ sources: [file] }];
  const direct = scenarioContexts(ctx, file);
  if (direct.length) return direct.slice(0, MAX_CONTEXTS);
  const via = includers(ctx, file).flatMap((inc) => {
    const contexts = scenarioContexts(ctx, inc);
    return contexts.length ? contexts : [{ sources: [inc] }];
  });
  if (via.length) return via.slice(0, MAX_CONTEXTS);
  return [{ sources: [file] }];
}

