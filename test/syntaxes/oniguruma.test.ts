/**
 * The grammars under VS Code's own engine: vscode-textmate with vscode-oniguruma. They are not
 * dependencies of the project; this test uses them from the project's node_modules when present,
 * else from the code-server that scripts/install-vscode-test-env.sh puts in the cache (VS Code
 * ships both), and skips, saying why, when neither is there.
 *
 * It checks that every regex compiles in Oniguruma, and that the small engine the other grammar
 * tests use (textmate.ts) gives every character of every example the same innermost scope as
 * vscode-textmate — so what those tests prove holds in VS Code.
 */
import { strict as assert } from 'node:assert';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import * as os from 'node:os';
import * as path from 'node:path';
import { grammarRegexes, Tokenizer, type Grammar } from './textmate';

const root = path.resolve(import.meta.dirname, '..', '..');
const require = createRequire(import.meta.url);

// The slice of the two libraries' APIs this test calls (they ship no types we can rely on here).
interface OnigScanner {
  dispose?(): void;
}
interface Oniguruma {
  loadWASM(data: ArrayBuffer | Uint8Array): Promise<void>;
  OnigScanner: new (patterns: string[]) => OnigScanner;
  OnigString: new (s: string) => unknown;
}
interface TmToken {
  startIndex: number;
  endIndex: number;
  scopes: string[];
}
interface TmGrammar {
  tokenizeLine(line: string, state: unknown): { tokens: TmToken[]; ruleStack: unknown };
}
interface TextMate {
  INITIAL: unknown;
  Registry: new (options: { onigLib: Promise<unknown>; loadGrammar(scope: string): Promise<unknown> }) => { loadGrammar(scope: string): Promise<TmGrammar | null> };
  parseRawGrammar(content: string, filePath: string): unknown;
}

function locate(): { dir: string; where: string } | undefined {
  const cache = process.env.HYPERLAB_CACHE ?? path.join(os.homedir(), '.cache', 'hyperlab');
  const candidates = [
    { dir: path.join(root, 'node_modules'), where: 'the project' },
    { dir: path.join(cache, 'code-server', 'node_modules', 'code-server', 'lib', 'vscode', 'node_modules'), where: "code-server's copy in the cache" },
  ];
  return candidates.find((c) => existsSync(path.join(c.dir, 'vscode-textmate')) && existsSync(path.join(c.dir, 'vscode-oniguruma')));
}

/** Constructs the examples do not use, compared as well. */
const EXTRA: Record<string, string> = {
  '.S': [
    '/* a block comment', '   over lines: add a0, a0, a1 */ ret',
    '.macro SAVE reg, off', '  sd \\reg, \\off(sp)', '.endm',
    '1: auipc a0, %pcrel_hi(msg)', '  addi a0, a0, %pcrel_lo(1b)', '  bnez t0, 2f',
    'msg: .asciz "a: b # not a comment\\n"', '  csrrw t6, sscratch, t6 // swap', '  hlv.d a0, (a1)', '  amoswap.w.aqrl a0, a1, (a2)',
    '#define X(a, b) ((a) + (b))', '#ifdef SMP', '  li t0, \'x\'', '#endif', '  j .Lloop',
  ].join('\n'),
  '.hcb': [
    '.map counts, array, 4, 8, 16', 'ldxw %r0, [%r1+4]', 'jgt %r1, 2, +3', 'lock fetch add [%r10-8], %r1',
    'lock *(u64 *)(r10 - 8) += r1', 'r0 = atomic_fetch_add((u64 *)(r1 + 0), r0)', 'r1 = be16 r1', 'be32 %r0 // swap',
    'r1 = (s8)r2', 'r3 = 0x8000_0000 ll', 'if r1 s> r2 goto +1', 'call local helper # comment', 'r3 s>>= 2',
  ].join('\n'),
};

const GRAMMARS = [
  { file: 'syntaxes/riscv-guest.tmLanguage.json', ext: '.S' },
  { file: 'syntaxes/hcb.tmLanguage.json', ext: '.hcb' },
];

describe('grammars under vscode-textmate + vscode-oniguruma', function () {
  const found = locate();
  let onig: Oniguruma;
  let tm: TextMate;

  before(async function () {
    if (!found) {
      console.log('      (skipped: vscode-textmate/vscode-oniguruma are neither in node_modules nor in the code-server cache; run scripts/install-vscode-test-env.sh)');
      this.skip();
    }
    onig = require(path.join(found.dir, 'vscode-oniguruma')) as Oniguruma;
    tm = require(path.join(found.dir, 'vscode-textmate')) as TextMate;
    await onig.loadWASM(readFileSync(path.join(found.dir, 'vscode-oniguruma', 'release', 'onig.wasm')));
  });

  for (const { file } of GRAMMARS) {
    it(`${path.basename(file)}: every regex compiles in Oniguruma`, () => {
      const g = JSON.parse(readFileSync(path.join(root, file), 'utf8')) as Grammar;
      const problems: string[] = [];
      for (const { where, source } of grammarRegexes(g)) {
        try {
          new onig.OnigScanner([source]).dispose?.();
        } catch (e) {
          problems.push(`${where}: ${(e as Error).message}`);
        }
      }
      assert.deepEqual(problems, []);
    });
  }

  for (const { file, ext } of GRAMMARS) {
    it(`${path.basename(file)}: the test engine scopes every character of the examples (and more) as VS Code does`, async () => {
      const raw = readFileSync(path.join(root, file), 'utf8');
      const g = JSON.parse(raw) as Grammar;
      const registry = new tm.Registry({
        onigLib: Promise.resolve({ createOnigScanner: (p: string[]) => new onig.OnigScanner(p), createOnigString: (s: string) => new onig.OnigString(s) }),
        loadGrammar: async (scope) => (scope === g.scopeName ? tm.parseRawGrammar(raw, path.join(root, file)) : null),
      });
      const vs = await registry.loadGrammar(g.scopeName);
      assert.ok(vs, 'vscode-textmate loaded the grammar');
      const ours = new Tokenizer(g);
      const files = readdirSync(path.join(root, 'examples'), { recursive: true, encoding: 'utf8' }).filter((f) => f.endsWith(ext));
      assert.ok(files.length > 0);
      const differences: string[] = [];
      let characters = 0;
      const texts = [...files.map((f) => ({ f, text: readFileSync(path.join(root, 'examples', f), 'utf8') })), { f: `(extra${ext})`, text: EXTRA[ext] }];
      for (const { f, text } of texts) {
        const mine = ours.tokenize(text);
        let state = tm.INITIAL;
        text.split('\n').forEach((line, i) => {
          const r = vs.tokenizeLine(line, state);
          state = r.ruleStack;
          for (let c = 0; c < line.length; c++) {
            characters++;
            const theirs = r.tokens.find((t) => t.startIndex <= c && c < t.endIndex)?.scopes.at(-1) ?? g.scopeName;
            const own = mine[i].find((t) => t.start <= c && c < t.start + t.text.length)?.scopes.at(-1) ?? g.scopeName;
            if (theirs !== own && differences.length < 20) differences.push(`${f}:${i + 1}:${c + 1} '${line[c]}' VS Code ${theirs}, test engine ${own}`);
          }
        });
      }
      assert.ok(characters > 1000);
      assert.deepEqual(differences, []);
    });
  }
});
