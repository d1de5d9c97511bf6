/**
 * The TextMate grammars in syntaxes/: their regexes stay in the subset Oniguruma (VS Code) and
 * JavaScript read alike, and, tokenized with that subset (test/syntaxes/textmate.ts), every
 * statement of the examples gets its mnemonic or directive scoped, every instruction and CSR the
 * assemblers know is recognised, and the constructs of both eBPF syntaxes and of GNU as get the
 * scopes a theme colours them by. Lines used here are checked to assemble, so they are real syntax.
 */
import { strict as assert } from 'node:assert';
import { readdirSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import { assemble as assembleHcb } from '../../simulator/ebpf/asm/assembler';
import { knownMnemonics } from '../../simulator/riscv/asm/expand';
import { allCsrNames } from '../../simulator/riscv/isa/csrs';
import { INSTRUCTIONS } from '../../simulator/riscv/isa/instructions';
import { ABI_NAMES } from '../../simulator/riscv/isa/registers';
import { grammarRegexes, onigurumaOnlyConstructs, scopesOf, Tokenizer, type Grammar, type Token } from './textmate';

const root = path.resolve(import.meta.dirname, '..', '..');
const readJson = <T>(p: string): T => JSON.parse(readFileSync(path.join(root, p), 'utf8')) as T;
const riscv = readJson<Grammar>('syntaxes/riscv-guest.tmLanguage.json');
const hcb = readJson<Grammar>('syntaxes/hcb.tmLanguage.json');
const riscvTok = new Tokenizer(riscv);
const hcbTok = new Tokenizer(hcb);

function filesUnder(dir: string, ext: string): string[] {
  return readdirSync(path.join(root, dir), { recursive: true, encoding: 'utf8' })
    .filter((f) => f.endsWith(ext))
    .map((f) => path.join(dir, f))
    .sort();
}

const innermost = (scopes: string[] | undefined): string => scopes?.[scopes.length - 1] ?? '(no token)';
const tokenize1 = (tok: Tokenizer, line: string): Token[] => tok.tokenize(line)[0];

/** Asserts that `word` in `line` is one token whose innermost scope starts with `scope`. */
function expectScope(tok: Tokenizer, line: string, word: string, scope: string): void {
  const got = innermost(scopesOf(tokenize1(tok, line), word));
  assert.ok(got.startsWith(scope), `'${word}' in \`${line}\`: expected ${scope}*, got ${got}`);
}

describe('grammars: regexes', () => {
  for (const [name, g] of [['riscv-guest', riscv], ['hcb', hcb]] as const) {
    it(`${name}: every regex compiles in JavaScript (unicode mode) and uses no Oniguruma-only construct`, () => {
      const problems: string[] = [];
      const all = grammarRegexes(g);
      assert.ok(all.length > 10, 'the grammar has regexes');
      for (const { where, source } of all) {
        try {
          new RegExp(source, 'u');
        } catch (e) {
          problems.push(`${where}: ${(e as Error).message}`);
        }
        for (const c of onigurumaOnlyConstructs(source)) problems.push(`${where}: ${c}: ${source}`);
      }
      assert.deepEqual(problems, []);
    });

    it(`${name}: every include names a repository entry and every entry is used`, () => {
      const used = new Set<string>();
      const visit = (rules: Grammar['patterns']): void => {
        for (const r of rules) {
          if (r.include?.startsWith('#')) used.add(r.include.slice(1));
          if (r.patterns) visit(r.patterns);
        }
      };
      visit(g.patterns);
      for (const r of Object.values(g.repository ?? {})) visit([r]);
      const defined = new Set(Object.keys(g.repository ?? {}));
      assert.deepEqual([...used].filter((u) => !defined.has(u)), [], 'includes without an entry');
      assert.deepEqual([...defined].filter((d) => !used.has(d)), [], 'entries never included');
    });
  }

  it('the Oniguruma-only check catches what it is meant to', () => {
    assert.deepEqual(onigurumaOnlyConstructs('(?i)abc'), ['inline option group such as (?i)']);
    assert.deepEqual(onigurumaOnlyConstructs('\\h+'), ['Oniguruma-only escape (\\h \\H \\A \\z \\Z \\G \\K)']);
    assert.deepEqual(onigurumaOnlyConstructs('[[:alpha:]]'), ['POSIX bracket [[:…:]]']);
    assert.deepEqual(onigurumaOnlyConstructs('a++'), ['possessive quantifier']);
    assert.deepEqual(onigurumaOnlyConstructs('\\\\h (?<![\\w.$])x'), []);
  });
});

/**
 * The statement head of one assembly line after comments and labels are taken off: the
 * mnemonic, directive or preprocessor word, with its column; undefined for an empty line.
 */
function statementHead(line: string, inBlockComment: { open: boolean }): { word: string; column: number } | undefined {
  let text = line;
  if (inBlockComment.open) {
    const close = text.indexOf('*/');
    if (close < 0) return undefined;
    text = ' '.repeat(close + 2) + text.slice(close + 2);
    inBlockComment.open = false;
  }
  const open = text.indexOf('/*');
  if (open >= 0) {
    const close = text.indexOf('*/', open + 2);
    if (close < 0) {
      inBlockComment.open = true;
      text = text.slice(0, open);
    } else text = text.slice(0, open) + ' '.repeat(close + 2 - open) + text.slice(close + 2);
  }
  const pre = /^\s*#\s*(include|define|undef|ifdef|ifndef|if|elif|else|endif|error|warning|pragma)\b/.exec(text);
  if (pre) return { word: pre[1], column: text.indexOf(pre[1]) };
  text = text.replace(/(#|\/\/).*$/, '');
  const m = /^((?:\s*(?:[0-9]+|[A-Za-z_.$][\w.$]*)\s*:(?!:))*)\s*([A-Za-z_.][\w.$]*)(?![\w.$]|\s*:)/.exec(text);
  if (!m) return undefined;
  return { word: m[2], column: text.indexOf(m[2], m[1].length) };
}

describe('grammars: riscv-guest', () => {
  it('every statement in examples/**/*.S gets an instruction, directive, preprocessor or macro scope', () => {
    const files = filesUnder('examples', '.S');
    assert.ok(files.length >= 5, `examples found: ${files.join(', ')}`);
    let statements = 0;
    const problems: string[] = [];
    for (const file of files) {
      const text = readFileSync(path.join(root, file), 'utf8');
      const macros = new Set([...text.matchAll(/\.macro\s+([A-Za-z_.$][\w.$]*)/g)].map((m) => m[1]));
      const lines = riscvTok.tokenize(text);
      const comment = { open: false };
      text.split('\n').forEach((line, i) => {
        const head = statementHead(line, comment);
        if (!head) return;
        statements++;
        const token = lines[i].find((t) => t.start <= head.column && head.column < t.start + t.text.length);
        const scope = innermost(token?.scopes);
        const ok = head.word.startsWith('.')
          ? scope.startsWith('keyword.control.directive')
          : /^\s*#/.test(line)
            ? scope.startsWith('keyword.control.directive')
            : macros.has(head.word)
              ? scope.startsWith('variable.other.symbol') // a macro call reads as a symbol
              : /^keyword\.(other|control)\.instruction/.test(scope) && token?.text === head.word;
        if (!ok) problems.push(`${file}:${i + 1}: '${head.word}' scoped ${scope} (token '${token?.text}')`);
      });
    }
    assert.ok(statements > 200, `only ${statements} statements seen`);
    assert.deepEqual(problems, []);
  });

  it('every instruction and pseudo-instruction the assembler knows is an instruction', () => {
    const names = [...INSTRUCTIONS.map((i) => i.name), ...knownMnemonics()];
    assert.ok(names.length > 150);
    const missing = names.filter((n) => {
      const t = tokenize1(riscvTok, `  ${n} a0, a1, a2`).find((x) => x.start === 2);
      return !(t && t.text === n && /^keyword\.(other|control)\.instruction/.test(innermost(t.scopes)));
    });
    assert.deepEqual(missing, []);
  });

  it('privileged and hypervisor instructions have their own scope', () => {
    for (const n of ['mret', 'sret', 'wfi', 'sfence.vma', 'hfence.gvma', 'hfence.vvma', 'hlv.d', 'hlvx.wu', 'hsv.w', 'ecall']) {
      expectScope(riscvTok, `  ${n} a0, (a1)`, n, 'keyword.other.instruction.privileged');
    }
  });

  it('every CSR the assembler knows is a CSR name', () => {
    const names = allCsrNames();
    assert.ok(names.length > 200);
    const missing = names.filter((n) => innermost(scopesOf(tokenize1(riscvTok, `csrr t0, ${n}`), n)) !== 'support.variable.csr.riscv-guest');
    assert.deepEqual(missing, []);
  });

  it('registers: x0..x31, the ABI names and fp; not words that merely start like them', () => {
    const regs = [...Array.from({ length: 32 }, (_, i) => `x${i}`), ...ABI_NAMES, 'fp'];
    const missing = regs.filter((r) => innermost(scopesOf(tokenize1(riscvTok, `mv ${r}, a0`), r)) !== 'variable.other.register.riscv-guest');
    assert.deepEqual(missing, []);
    for (const notReg of ['x32', 'a8', 's12', 'sp_top', 'ra.x']) expectScope(riscvTok, `la a0, ${notReg}`, notReg, 'variable.other.symbol');
  });

  it('local numeric labels, their 1f/1b references and relocation operators', () => {
    const line = '1: auipc a0, %pcrel_hi(msg)';
    expectScope(riscvTok, line, '1', 'entity.name.label.local');
    expectScope(riscvTok, line, 'pcrel_hi', 'support.function.relocation');
    expectScope(riscvTok, 'addi a0, a0, %pcrel_lo(1b)', '1b', 'entity.name.label.local.reference');
    expectScope(riscvTok, 'addi a0, a0, %pcrel_lo(1b)', 'pcrel_lo', 'support.function.relocation');
    expectScope(riscvTok, 'lui a0, %hi(sym)', 'hi', 'support.function.relocation');
    expectScope(riscvTok, 'addi a0, a0, %lo(sym)', 'lo', 'support.function.relocation');
    expectScope(riscvTok, 'bnez t0, 2f', '2f', 'entity.name.label.local.reference');
    expectScope(riscvTok, 'trap_entry: csrr t0, scause', 'trap_entry', 'entity.name.function.label');
    expectScope(riscvTok, 'j .Lloop', '.Lloop', 'entity.name.label.reference');
  });

  it('directives, strings, numbers, macros', () => {
    expectScope(riscvTok, '  .section .text.init, "ax", @progbits', '.section', 'keyword.control.directive');
    expectScope(riscvTok, '  .section .text.init, "ax", @progbits', '@progbits', 'support.constant.section-type');
    expectScope(riscvTok, '  .equ KOFF, 0xffffffbf80000000', '0xffffffbf80000000', 'constant.numeric.hex');
    expectScope(riscvTok, '  .cfi_adjust_cfa_offset 16', '.cfi_adjust_cfa_offset', 'keyword.control.directive');
    expectScope(riscvTok, 'li t0, 0b1010', '0b1010', 'constant.numeric.binary');
    expectScope(riscvTok, 'li t0, 42', '42', 'constant.numeric.decimal');
    const str = tokenize1(riscvTok, 'msg: .asciz "a: b # not a comment\\n"');
    assert.ok(str.some((t) => t.text === '\\n' && innermost(t.scopes) === 'constant.character.escape.riscv-guest'));
    assert.ok(!str.some((t) => t.scopes.some((s) => s.startsWith('comment'))), 'a # inside a string is no comment');
    expectScope(riscvTok, '.macro SAVE reg, off', 'SAVE', 'entity.name.function.macro');
    expectScope(riscvTok, '  sd \\reg, \\off(sp)', '\\reg', 'variable.parameter.macro');
  });

  it('comments: #, //, and /* */ across lines; preprocessor lines are not comments', () => {
    expectScope(riscvTok, 'add a0, a0, a1 # sum', '# sum', 'comment.line.number-sign');
    expectScope(riscvTok, 'add a0, a0, a1 // sum', '// sum', 'comment.line.double-slash');
    const lines = riscvTok.tokenize('/* one\n   two add a0, a0, a1\n*/ ret');
    assert.ok(lines[1].every((t) => t.scopes.includes('comment.block.riscv-guest')), 'the middle line is all comment');
    expectScope(riscvTok, '#include "sbi.h"', 'include', 'keyword.control.directive.include');
    expectScope(riscvTok, '#include "sbi.h"', '"sbi.h"', 'string.quoted.other.include');
    expectScope(riscvTok, '#define HC_EID 0x48594c42', 'HC_EID', 'entity.name.function.preprocessor');
    expectScope(riscvTok, '#ifdef SMP', 'ifdef', 'keyword.control.directive.conditional');
  });
});

describe('grammars: hcb', () => {
  it('every statement in examples/**/*.hcb gets a directive, instruction, keyword or register scope', () => {
    const files = filesUnder('examples', '.hcb');
    assert.ok(files.length >= 1);
    let statements = 0;
    const problems: string[] = [];
    for (const file of files) {
      const text = readFileSync(path.join(root, file), 'utf8');
      const lines = hcbTok.tokenize(text);
      text.split('\n').forEach((line, i) => {
        const code = line.replace(/(;|#|\/\/).*$/, '');
        const m = /^(\s*(?:[A-Za-z_.$][\w.$]*\s*:)?)\s*(\S+)/.exec(code);
        if (!m) return;
        statements++;
        const word = /^[*%\w.]+|^\S/.exec(m[2])?.[0] ?? m[2];
        const column = code.indexOf(word, m[1].length);
        const token = lines[i].find((t) => t.start <= column && column < t.start + t.text.length);
        const scope = innermost(token?.scopes);
        // Kernel syntax starts with a register (r0 = …), a keyword (if/goto/call/exit/lock) or a
        // store (*(u64 *)…); ubpf syntax with a mnemonic; directives with a dot.
        const ok = /^(keyword\.control|keyword\.other|variable\.other\.register|entity\.name\.function\.label)/.test(scope);
        if (!ok) problems.push(`${file}:${i + 1}: '${word}' scoped ${scope}`);
      });
    }
    assert.ok(statements >= 20, `only ${statements} statements`);
    assert.deepEqual(problems, []);
  });

  /** Lines of both syntaxes, each with words and the scope each must have. */
  const CASES: [line: string, expect: [word: string, scope: string][]][] = [
    ['r0 = *(u32 *)(r1 + 4)', [['r0', 'variable.other.register'], ['u32', 'storage.type.size'], ['r1', 'variable.other.register'], ['4', 'constant.numeric.decimal']]],
    ['if r1 s> r2 goto out', [['if', 'keyword.control'], ['s>', 'keyword.operator.signed'], ['goto', 'keyword.control.goto'], ['out', 'entity.name.label.reference']]],
    ['if r6 >= 512 goto +3', [['>=', 'keyword.operator'], ['+3', 'constant.numeric.offset']]],
    ['lock *(u64 *)(r10 - 8) += r1', [['lock', 'keyword.other'], ['u64', 'storage.type.size'], ['+=', 'keyword.operator'], ['r10', 'variable.other.register']]],
    ['call guest_read', [['call', 'keyword.control.call'], ['guest_read', 'entity.name.function.call']]],
    ['r3 s>>= 2', [['s>>=', 'keyword.operator.signed']]],
    ['w1 += 3', [['w1', 'variable.other.register']]],
    ['r1 = be16 r1', [['be16', 'support.function.builtin']]],
    ['r0 = atomic_fetch_add((u64 *)(r1 + 0), r0)', [['atomic_fetch_add', 'support.function.builtin']]],
    ['r1 = (s8)r2', [['s8', 'storage.type.size']]],
    ['r3 = 0x80000000 ll', [['0x80000000', 'constant.numeric.hex'], ['ll', 'keyword.other']]],
    ['exit', [['exit', 'keyword.control']]],
    ['ldxw %r0, [%r1+4]', [['ldxw', 'keyword.other.instruction.memory'], ['%r0', 'variable.other.register'], ['%r1', 'variable.other.register']]],
    ['jgt %r1, 2, +3', [['jgt', 'keyword.control.instruction.jump'], ['%r1', 'variable.other.register']]],
    ['mov32 %r0, 1', [['mov32', 'keyword.other.instruction.alu']]],
    ['lddw %r0, 0x123456789', [['lddw', 'keyword.other.instruction.memory']]],
    ['lock fetch add [%r10-8], %r1', [['lock', 'keyword.other'], ['fetch', 'keyword.other.instruction.atomic'], ['add', 'keyword.other.instruction.alu']]],
    ['stxdw [%r10-8], %r1 ; spill', [['stxdw', 'keyword.other.instruction.memory'], ['; spill', 'comment.line.semicolon']]],
    ['be32 %r0 // swap', [['be32', 'keyword.other.instruction.alu'], ['// swap', 'comment.line.double-slash']]],
  ];

  it('both eBPF syntaxes: the lines assemble and their parts get their scopes', () => {
    for (const [line] of CASES) {
      const r = assembleHcb(`${line}\nout:\nexit\nexit\nexit\nexit`);
      const errors = r.diagnostics.filter((d) => d.severity === 'error' && !/unreachable|never reached/i.test(d.message));
      assert.deepEqual(errors.map((d) => d.message), [], `\`${line}\` should assemble`);
    }
    for (const [line, expect] of CASES) for (const [word, scope] of expect) expectScope(hcbTok, line, word, scope);
  });

  it('directives: .event with its event, .map with its name and type, .range; labels; unknown directives', () => {
    expectScope(hcbTok, '.event page-reclaim', '.event', 'keyword.control.directive');
    expectScope(hcbTok, '.event page-reclaim', 'page-reclaim', 'support.constant.event');
    expectScope(hcbTok, '.map counts, array, 4, 8, 16', 'counts', 'entity.name.variable.map');
    expectScope(hcbTok, '.map counts, array, 4, 8, 16', 'array', 'support.type.map');
    expectScope(hcbTok, '.range 0xffffffc08000f000, 0xffffffc08000f040', '.range', 'keyword.control.directive');
    expectScope(hcbTok, 'no:', 'no', 'entity.name.function.label');
    expectScope(hcbTok, '.frobnicate 1', '.frobnicate', 'keyword.control.directive.unknown');
    expectScope(hcbTok, '# a comment', '# a comment', 'comment.line.number-sign');
  });

  it('every ubpf mnemonic (RFC 9669 names) is an instruction', () => {
    const alu = ['add', 'sub', 'mul', 'div', 'or', 'and', 'lsh', 'rsh', 'mod', 'xor', 'mov', 'arsh', 'neg', 'sdiv', 'smod'];
    const jmp = ['ja', 'jeq', 'jgt', 'jge', 'jset', 'jne', 'jsgt', 'jsge', 'jlt', 'jle', 'jslt', 'jsle'];
    const names = [
      ...alu.flatMap((a) => [a, `${a}32`, `${a}64`]),
      ...jmp.flatMap((j) => [j, `${j}32`]),
      ...['b', 'h', 'w', 'dw'].flatMap((s) => [`ldx${s}`, `st${s}`, `stx${s}`]),
      'ldxsb', 'ldxsh', 'ldxsw', 'lddw',
      ...['16', '32', '64'].flatMap((n) => [`le${n}`, `be${n}`, `bswap${n}`]),
      'movsx832', 'movsx1664', 'movsx3264',
    ];
    const missing = names.filter((n) => !/^keyword\.(other|control)\.instruction/.test(innermost(scopesOf(tokenize1(hcbTok, `${n} %r0, %r1`), n))));
    assert.deepEqual(missing, []);
  });
});
