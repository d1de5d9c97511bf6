/**
 * The language contributions in package.json point at files that exist and agree with them
 * (language ids, scope names); the language configurations' regexes compile and do what they
 * are for; the snippets are valid and, expanded with their defaults, give a scenario the loader
 * accepts and a hyper-callback the assembler accepts.
 */
import { strict as assert } from 'node:assert';
import { existsSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import { assemble as assembleHcb } from '../../simulator/ebpf/asm/assembler';
import { parseScenario } from '../../simulator/scenario/loader';

const root = path.resolve(import.meta.dirname, '..', '..');
const readJson = <T>(p: string): T => JSON.parse(readFileSync(path.join(root, p), 'utf8')) as T;

interface Contributes {
  languages: { id: string; extensions: string[]; configuration: string }[];
  grammars: { language: string; scopeName: string; path: string }[];
  snippets: { language: string; path: string }[];
  jsonValidation: { fileMatch: string; url: string }[];
}
const contributes = readJson<{ contributes: Contributes }>('package.json').contributes;

interface Snippet {
  prefix: string;
  body: string[];
  description: string;
}

/**
 * A snippet body with every placeholder replaced by its default (a choice by its first option),
 * and every mirror ($N) by the default of placeholder N, as VS Code inserts it.
 */
function expand(body: string[]): string {
  const defaults = new Map<string, string>();
  const text = body
    .join('\n')
    .replace(/\$\{(\d+)\|([^,|]*)[^|]*\|\}/g, (_, n: string, first: string) => (defaults.set(n, first), first))
    .replace(/\$\{(\d+):([^}]*)\}/g, (_, n: string, value: string) => (defaults.set(n, value), value));
  return text.replace(/(?<!\\)\$\{?(\d+)\}?/g, (_, n: string) => defaults.get(n) ?? '').replace(/\\\$/g, '$');
}

describe('language contributions', () => {
  it('declares the hcb and riscv-guest languages with their extensions', () => {
    const byId = new Map(contributes.languages.map((l) => [l.id, l]));
    assert.deepEqual(byId.get('hcb')?.extensions, ['.hcb']);
    assert.deepEqual(byId.get('riscv-guest')?.extensions, ['.S', '.s']);
  });

  it('every contributed file exists', () => {
    const files = [
      ...contributes.languages.map((l) => l.configuration),
      ...contributes.grammars.map((g) => g.path),
      ...contributes.snippets.map((s) => s.path),
      ...contributes.jsonValidation.map((j) => j.url),
    ];
    assert.deepEqual(files.filter((f) => !existsSync(path.join(root, f))), []);
  });

  it('each grammar names the scope package.json gives it and belongs to a declared language', () => {
    const ids = new Set(contributes.languages.map((l) => l.id));
    for (const g of contributes.grammars) {
      assert.ok(ids.has(g.language), `${g.path}: language ${g.language} is not declared`);
      assert.equal(readJson<{ scopeName: string }>(g.path).scopeName, g.scopeName, g.path);
    }
  });

  it('validates *.hlab.json with the scenario schema', () => {
    assert.deepEqual(contributes.jsonValidation, [{ fileMatch: '*.hlab.json', url: './schemas/hlab.schema.json' }]);
  });
});

describe('language configurations', () => {
  const riscv = readJson<{ wordPattern: string; folding: { markers: { start: string; end: string } }; comments: { lineComment: string } }>('syntaxes/riscv-guest.language-configuration.json');
  const hcb = readJson<{ wordPattern: string; comments: { lineComment: string } }>('syntaxes/hcb.language-configuration.json');

  /** The words VS Code would select in `line` (a double click, word-based completion). */
  const words = (pattern: string, line: string): string[] => [...line.matchAll(new RegExp(pattern, 'g'))].map((m) => m[0]);

  it('riscv-guest words keep dots, percent operators, local labels and hex whole', () => {
    assert.deepEqual(words(riscv.wordPattern, 'sext.w a0, a1'), ['sext.w', 'a0', 'a1']);
    assert.deepEqual(words(riscv.wordPattern, 'addi a0, a0, %pcrel_lo(1b)'), ['addi', 'a0', 'a0', '%pcrel_lo', '1b']);
    assert.deepEqual(words(riscv.wordPattern, 'j .Lloop'), ['j', '.Lloop']);
    assert.deepEqual(words(riscv.wordPattern, 'li t0, 0x80000000'), ['li', 't0', '0x80000000']);
  });

  it('hcb words keep %registers and underscores in numbers whole', () => {
    assert.deepEqual(words(hcb.wordPattern, 'ldxw %r0, [%r1+4]'), ['ldxw', '%r0', '%r1', '4']);
    assert.deepEqual(words(hcb.wordPattern, 'r0 = 0x1_0000_0000 ll'), ['r0', '0x1_0000_0000', 'll']);
  });

  it('riscv-guest folds .macro/.endm, .rept/.endr, .if/.endif and #if/#endif', () => {
    const start = new RegExp(riscv.folding.markers.start);
    const end = new RegExp(riscv.folding.markers.end);
    for (const s of ['  .macro SAVE reg', '.rept 4', '.ifdef SMP', '#ifdef SMP', '# if X']) assert.ok(start.test(s), s);
    for (const e of ['  .endm', '.endr', '.endif', '#endif']) assert.ok(end.test(e), e);
    for (const no of ['  .macrox', 'add a0, a0, a1', '.endmacro']) assert.ok(!start.test(no) && !end.test(no), no);
  });

  it('line comments are the ones the assemblers read', () => {
    assert.equal(riscv.comments.lineComment, '#');
    assert.equal(hcb.comments.lineComment, ';');
  });
});

describe('snippets', () => {
  const load = (p: string): Record<string, Snippet> => readJson<Record<string, Snippet>>(p);

  it('every snippet has a prefix, a description and a body', () => {
    for (const s of contributes.snippets) {
      for (const [name, snip] of Object.entries(load(s.path))) {
        assert.ok(snip.prefix && snip.description && Array.isArray(snip.body) && snip.body.length > 0, `${s.path}: ${name}`);
      }
    }
  });

  it('the whole-file scenario snippets expand to scenarios the loader accepts', () => {
    const snippets = load('snippets/hlab-scenario.json');
    const whole = Object.entries(snippets).filter(([, s]) => s.body[0] === '{' && s.body[s.body.length - 1] === '}');
    assert.ok(whole.length >= 2);
    for (const [name, s] of whole) {
      const text = expand(s.body);
      const { diagnostics } = parseScenario(text, path.join(root, 'examples', 'x', 'new.hlab.json'));
      assert.deepEqual(diagnostics.filter((d) => d.severity === 'error').map((d) => d.message), [], `${name}:\n${text}`);
    }
  });

  it('the scenario fragment snippets are valid JSON', () => {
    for (const [name, s] of Object.entries(load('snippets/hlab-scenario.json'))) {
      assert.doesNotThrow(() => JSON.parse(expand(s.body)), name);
    }
  });

  it('the hyper-callback snippets expand to code the assembler accepts', () => {
    const snippets = load('snippets/hcb.json');
    const prelude = '.map counts, array, 4, 8, 16\n';
    for (const [name, s] of Object.entries(snippets)) {
      const body = expand(s.body);
      const program = body.includes('.event') ? body : `${body.startsWith('.map') ? '' : prelude}${body}\nout:\n  exit`;
      const r = assembleHcb(program);
      assert.deepEqual(r.diagnostics.filter((d) => d.severity === 'error').map((d) => d.message), [], `${name}:\n${program}`);
    }
  });
});
