/**
 * What the language remembers between keystrokes (pass-one units, scans, shared symbol sets,
 * the assembler's line cache) must never change an answer: after every one of a run of random
 * edits, the diagnostics computed with the caches warm from the previous versions equal the
 * diagnostics of the same text analysed from nothing.
 */
import { TextDocument } from 'vscode-languageserver-textdocument';
import type { Diagnostic } from 'vscode-languageserver';
import { riscvGuestLanguage as L } from '../../../server/riscv';
import { clearAnalysisCaches } from '../../../server/riscv/analysis';
import { clearLineCache } from '../../../simulator/riscv/asm/line-cache';
import { bigGuestFile } from './big-file';
import { expect } from './expect';
import { MemoryWorkspace, lines } from './workspace';

/** Deterministic pseudo-random numbers (mulberry32), so a failure can be replayed. */
function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Code that sets off every kernel check, in front of a kernel-like body. */
const KERNEL = lines(
  '  .section .text',
  'boot:',
  '  la t0, trap',
  '  csrw mtvec, t0',
  '  la s1, root_pt',
  '  srli t1, s1, 12',
  '  csrw satp, t1',
  '  ld a1, 0(sp)',
  '  sfence.vma',
  '  la a2, leaf_pt',
  '  sd a2, 0(s1)',
  '  beqz a0, 3f',
  '  sfence.vma',
  '3:',
  '  ret',
  'trap:',
  '  mret',
  'to_user:',
  '  li t0, 0x100',
  '  csrs sstatus, t0',
  '  sret',
  'lost:',
  '  mret',
  '  csrw hgatp, a0',
  '  csrw vsatp, a1',
  '  hfence.vvma',
  '  .section .data',
  '  .balign 8',
  'root_pt: .zero 64',
  'leaf_pt: .zero 64',
);

/** Lines an edit inserts or writes over another: kernel-check triggers, fences, labels, jumps, errors. */
const POOL = [
  '  csrw satp, t1', '  sfence.vma', '  sd t0, 0(s0)', '  sd a2, 8(s1)', '  mret', '  sret', '  j 1f', '1:', '2:',
  '  bnez a0, 1b', '  beqz a1, 2f', '  ret', '  la s0, pt_0', '  la s1, root_pt', '  li t0, 0x1800', '  csrs mstatus, t0',
  '  csrw mtvec, t0', '  la t0, trap', 'trap2:', '  addi a0, a0, 1', '  ld a1, 0(sp)', '  bogus x1', '  addi a0, a0, 5000',
  '  .section .data', '  .section .text', '  call fn_0_leaf', '  csrw hgatp, a0', '  hfence.gvma', '  li t2, PTE_V',
  '  csrw vsatp, a1', '  csrw cycle, a0', '  j nowhere', '  .equ PTE_V, 3', '  jr t0', 'fn_1:',
];

type Edit = { range: { start: { line: number; character: number }; end: { line: number; character: number } }; text: string };

function randomEdit(doc: TextDocument, next: () => number): Edit {
  const pick = <T>(xs: T[]): T => xs[Math.floor(next() * xs.length)];
  const line = Math.floor(next() * doc.lineCount);
  const at = (l: number, character = 0): { line: number; character: number } => ({ line: l, character });
  const r = next();
  if (r < 0.45) return { range: { start: at(line), end: at(line) }, text: `${pick(POOL)}\n` };
  if (r < 0.75) return { range: { start: at(line), end: at(line + 1) }, text: '' };
  return { range: { start: at(line), end: at(line, 10_000) }, text: pick(POOL) };
}

/** The diagnostics of every version of a run of random edits, caches kept warm throughout. */
function warmRun(text: string, edits: number, seed: number): { texts: string[]; answers: Diagnostic[][] } {
  const ws = new MemoryWorkspace({ '/w/k.S': text });
  let doc = ws.doc('/w/k.S');
  const next = random(seed);
  const texts: string[] = [];
  const answers: Diagnostic[][] = [];
  for (let i = 0; i < edits; i++) {
    doc = TextDocument.update(doc, [randomEdit(doc, next)], doc.version + 1);
    ws.files.set('/w/k.S', doc.getText());
    ws.generation++;
    texts.push(doc.getText());
    answers.push(L.quickDiagnostics(doc, ws.ctx));
  }
  return { texts, answers };
}

function coldAnswer(text: string, version: number): Diagnostic[] {
  clearAnalysisCaches();
  clearLineCache();
  const ws = new MemoryWorkspace({ '/w/k.S': text });
  return L.quickDiagnostics(ws.doc('/w/k.S', version), ws.ctx);
}

describe('riscv-guest incremental analysis', function () {
  this.timeout(60_000);

  for (const [name, text, seed] of [
    ['a file that sets off every kernel check', KERNEL, 1],
    ['a kernel-like file with the checks in front', KERNEL + bigGuestFile(400), 7],
  ] as const) {
    it(`after random edits equals a from-scratch analysis: ${name}`, () => {
      clearAnalysisCaches();
      const { texts, answers } = warmRun(text, 120, seed);
      const codes = new Set(answers.flat().map((d) => String(d.code)));
      // The run must exercise the kernel checks and the assembler's own errors, or it proves little.
      for (const c of ['satp-fence', 'pt-store-fence', 'xret-previous-privilege']) expect(codes.has(c), `no ${c} in the run`).to.equal(true);
      expect(codes.has('unknown-mnemonic'), 'no assembler error in the run').to.equal(true);
      texts.forEach((t, i) => expect(answers[i], `edit ${i + 1}`).to.deep.equal(coldAnswer(t, i + 2)));
    });
  }
});
