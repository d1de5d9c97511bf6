/**
 * A small TextMate tokenizer over JavaScript regular expressions, for testing the grammars in
 * syntaxes/ without vscode-textmate/vscode-oniguruma (not installed). It implements the part of
 * the TextMate model the grammars use: `match` with `name`/`captures`, `begin`/`end` rules that
 * span lines with nested `patterns`, and `include` of `#repository` entries and `$self`. At each
 * position the rule whose match starts first wins, ties going to the earlier rule, as in VS Code.
 *
 * It reads the regexes with JavaScript semantics, so it is only faithful for the subset that
 * Oniguruma reads the same way; `onigurumaOnlyConstructs` rejects what falls outside it.
 */

export interface GrammarRule {
  name?: string;
  match?: string;
  begin?: string;
  end?: string;
  captures?: Record<string, { name?: string }>;
  beginCaptures?: Record<string, { name?: string }>;
  endCaptures?: Record<string, { name?: string }>;
  patterns?: GrammarRule[];
  include?: string;
  comment?: string;
}

export interface Grammar {
  scopeName: string;
  patterns: GrammarRule[];
  repository?: Record<string, GrammarRule>;
}

/** A run of text with the scopes that apply to it, outermost first (the grammar's scope first). */
export interface Token {
  text: string;
  start: number;
  scopes: string[];
}

/** Every regex source of a grammar with a JSON-ish path saying where it is. */
export function grammarRegexes(g: Grammar): { where: string; source: string }[] {
  const out: { where: string; source: string }[] = [];
  const visit = (r: GrammarRule, where: string): void => {
    for (const key of ['match', 'begin', 'end'] as const) {
      const source = r[key];
      if (source !== undefined) out.push({ where: `${where}.${key}`, source });
    }
    r.patterns?.forEach((p, i) => visit(p, `${where}.patterns[${i}]`));
  };
  g.patterns.forEach((p, i) => visit(p, `patterns[${i}]`));
  for (const [k, r] of Object.entries(g.repository ?? {})) visit(r, `repository.${k}`);
  return out;
}

/**
 * Constructs Oniguruma reads differently from JavaScript (or JavaScript rejects): a regex using
 * one would be tested here with other semantics than VS Code gives it. Returns what was found.
 */
export function onigurumaOnlyConstructs(source: string): string[] {
  const found: string[] = [];
  const checks: [RegExp, string][] = [
    [/\(\?[imx-]+\)/, 'inline option group such as (?i)'],
    [/\(\?[imx-]+:/, 'scoped option group such as (?i:…)'],
    [/\(\?>/, 'atomic group (?>…)'],
    [/(?<!\\)(?:\\\\)*\\[hHAzZGK]/, 'Oniguruma-only escape (\\h \\H \\A \\z \\Z \\G \\K)'],
    [/\[\[:/, 'POSIX bracket [[:…:]]'],
    [/[*+?}]\+/, 'possessive quantifier'],
    [/\\[pP]\{/, 'Unicode property (different names in Oniguruma)'],
    [/\(\?<[A-Za-z]/, 'named group'],
  ];
  for (const [re, what] of checks) if (re.test(source)) found.push(what);
  return found;
}

interface Compiled {
  rule: GrammarRule;
  regex: RegExp;
}

interface Frame {
  rule: GrammarRule;
  end: RegExp;
  scope?: string;
}

export class Tokenizer {
  private readonly cache = new Map<string, RegExp>();

  constructor(private readonly grammar: Grammar) {}

  private regex(source: string): RegExp {
    let r = this.cache.get(source);
    if (!r) {
      // 'd' gives capture offsets; 'g' lets a search start at lastIndex (lookbehinds still see
      // the whole line, as in TextMate).
      r = new RegExp(source, 'dgu');
      this.cache.set(source, r);
    }
    return r;
  }

  /** The match/begin rules reachable from `patterns`, includes expanded. */
  private expand(patterns: GrammarRule[], seen = new Set<GrammarRule>()): GrammarRule[] {
    const out: GrammarRule[] = [];
    for (const p of patterns) {
      if (p.include !== undefined) {
        const target = p.include === '$self' ? { patterns: this.grammar.patterns } : this.grammar.repository?.[p.include.replace(/^#/, '')];
        if (!target) throw new Error(`include '${p.include}' names no repository entry`);
        if (seen.has(target)) continue;
        seen.add(target);
        out.push(...this.expand(target.match || target.begin ? [target] : (target.patterns ?? []), seen));
      } else if (p.match !== undefined || p.begin !== undefined) out.push(p);
      else if (p.patterns) out.push(...this.expand(p.patterns, seen));
    }
    return out;
  }

  /** Tokenizes a whole text (lines split on \n); begin/end rules carry across lines. */
  tokenize(text: string): Token[][] {
    const stack: Frame[] = [];
    return text.split('\n').map((line) => this.tokenizeLine(line, stack));
  }

  private tokenizeLine(line: string, stack: Frame[]): Token[] {
    const tokens: Token[] = [];
    const base = (): string[] => [this.grammar.scopeName, ...stack.map((f) => f.scope).filter((s): s is string => s !== undefined)];
    const emit = (start: number, end: number, scopes: string[]): void => {
      if (end > start) tokens.push({ text: line.slice(start, end), start, scopes });
    };
    const emitMatch = (m: RegExpExecArray, outer: string[], captures: GrammarRule['captures']): void => {
      // Whole match in `outer`; captured groups (in group order, non-overlapping as in these
      // grammars) add their scope on top.
      const groups = Object.entries(captures ?? {})
        .map(([k, v]) => ({ k: Number(k), name: v.name, at: m.indices?.[Number(k)] }))
        .filter((g): g is { k: number; name: string; at: [number, number] } => g.k > 0 && g.name !== undefined && g.at !== undefined)
        .sort((a, b) => a.at[0] - b.at[0]);
      const whole = captures?.['0']?.name;
      const scopes = whole ? [...outer, whole] : outer;
      let at = m.index;
      for (const g of groups) {
        emit(at, g.at[0], scopes);
        emit(g.at[0], g.at[1], [...scopes, g.name]);
        at = Math.max(at, g.at[1]);
      }
      emit(at, m.index + m[0].length, scopes);
    };

    let pos = 0;
    while (pos <= line.length) {
      const top = stack[stack.length - 1];
      const candidates: Compiled[] = this.expand(top ? (top.rule.patterns ?? []) : this.grammar.patterns).map((rule) => ({ rule, regex: this.regex(rule.match ?? rule.begin ?? '') }));
      let best: { m: RegExpExecArray; rule?: GrammarRule; isEnd: boolean } | undefined;
      if (top) {
        top.end.lastIndex = pos;
        const m = top.end.exec(line);
        if (m) best = { m, isEnd: true };
      }
      for (const c of candidates) {
        c.regex.lastIndex = pos;
        const m = c.regex.exec(line);
        // The end pattern wins ties with nested rules (no applyEndPatternLast in these grammars).
        if (m && (!best || m.index < best.m.index)) best = { m, rule: c.rule, isEnd: false };
      }
      if (!best) break;
      const { m } = best;
      emit(pos, m.index, base());
      if (best.isEnd) {
        const frame = stack.pop() as Frame;
        emitMatch(m, [...base(), ...(frame.scope ? [frame.scope] : [])], frame.rule.endCaptures ?? frame.rule.captures);
      } else if (best.rule?.begin !== undefined) {
        const rule = best.rule;
        emitMatch(m, [...base(), ...(rule.name ? [rule.name] : [])], rule.beginCaptures ?? rule.captures);
        stack.push({ rule, end: this.regex(rule.end ?? '$'), scope: rule.name });
      } else {
        emitMatch(m, [...base(), ...(best.rule?.name ? [best.rule.name] : [])], best.rule?.captures);
      }
      const next = m.index + m[0].length;
      if (next === pos) {
        // An empty match: emit one character as is and go on, so the loop always advances.
        emit(pos, pos + 1, base());
        pos++;
      } else pos = next;
    }
    if (pos < line.length) emit(pos, line.length, base());
    return tokens;
  }
}

/** The innermost scopes of the token covering column `at` (0-based) of a tokenized line. */
export function scopesAt(line: Token[], at: number): string[] {
  const t = line.find((x) => x.start <= at && at < x.start + x.text.length);
  return t ? t.scopes : [];
}

/** The scope list of the token that starts with `word` (the first such token). */
export function scopesOf(line: Token[], word: string): string[] | undefined {
  return line.find((t) => t.text === word)?.scopes;
}
