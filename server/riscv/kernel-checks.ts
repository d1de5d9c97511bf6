/**
 * The kernel checks (docs/kernel-checks.md is their specification): mistakes an assembler
 * cannot see but that make a guest kernel fail on real hardware and on HyperLab's modelled
 * TLBs. Each rule has an id the user can switch off with `hyperlab.kernelChecks.<id>: false`.
 */
import type { Diagnostic, RelatedInformation } from '../../simulator/diagnostics';
import type { Expr } from '../../simulator/riscv/asm/syntax';
import { csrName } from '../../simulator/riscv/isa/csrs';
import { csrWrite, type FlowInsn, type FlowSection, type FlowUnit } from './flow';

export const KERNEL_RULES = {
  'satp-fence': 'a satp write must be followed by sfence.vma before the new translation is relied on',
  'vsatp-fence': 'a vsatp write must be followed by hfence.vvma before the new translation is relied on',
  'hgatp-fence': 'an hgatp write must be followed by hfence.gvma before the new translation is relied on',
  'xret-previous-privilege': 'every path to mret/sret must set the previous-privilege field (MPP/SPP), unless it starts at a trap vector',
  'pt-store-fence': 'a store to a page-table page must be followed, on every path through the function, by an address-translation fence',
} as const;
export type KernelRuleId = keyof typeof KERNEL_RULES;

const CSR = { sstatus: 0x100, stvec: 0x105, satp: 0x180, vsstatus: 0x200, vstvec: 0x205, vsatp: 0x280, mstatus: 0x300, mtvec: 0x305, hgatp: 0x680 } as const;
const TRANSLATION_ROOTS: { csr: number; rule: KernelRuleId; fence: string }[] = [
  { csr: CSR.satp, rule: 'satp-fence', fence: 'sfence.vma' },
  { csr: CSR.vsatp, rule: 'vsatp-fence', fence: 'hfence.vvma' },
  { csr: CSR.hgatp, rule: 'hgatp-fence', fence: 'hfence.gvma' },
];
const FENCES = new Set(['sfence.vma', 'hfence.vvma', 'hfence.gvma']);
const TRAPS_AND_RETURNS = new Set(['mret', 'sret', 'ecall', 'ebreak']);
const MEMORY_FORMATS = new Set(['LOAD', 'STORE', 'AMO', 'LR', 'HLV', 'HSV']);
const MPP = 3n << 11n;
const SPP = 1n << 8n;

const line = (i: FlowInsn): number => i.range.line;
const where = (i: FlowInsn): string => `line ${line(i)}`;

/** Instructions that rely on the current translation: memory accesses and control transfers. */
function reliesOnTranslation(i: FlowInsn): boolean {
  const f = i.mi.def.format;
  return MEMORY_FORMATS.has(f) || f === 'B' || f === 'J' || f === 'JALR' || TRAPS_AND_RETURNS.has(i.name);
}

export interface KernelCheckInput {
  flows: FlowUnit[];
  /** Only diagnostics in this file are returned. */
  file: string;
  enabled: (rule: KernelRuleId) => boolean;
}

export function kernelChecks(input: KernelCheckInput): Diagnostic[] {
  const out: Diagnostic[] = [];
  const { flows, file, enabled } = input;
  const facts = linkFacts(flows);
  const ptByExit = new Map<string, Diagnostic>();
  for (const flow of flows) {
    for (const sec of flow.sections) {
      for (const insn of sec.insns) {
        // Instructions of this file (also when another file `.include`s it).
        if (insn.range.file !== file) continue;
        const w = csrWrite(insn, flow.unit);
        if (w) {
          const root = TRANSLATION_ROOTS.find((r) => r.csr === w.csr);
          if (root && enabled(root.rule)) {
            const d = translationFence(sec, insn, root.fence, root.rule);
            if (d) out.push(d);
          }
        }
        if ((insn.name === 'mret' || insn.name === 'sret') && enabled('xret-previous-privilege')) {
          const d = previousPrivilege(sec, insn, flow, facts);
          if (d) out.push(d);
        }
        if (insn.mi.def.format === 'STORE' && enabled('pt-store-fence')) {
          const d = pageTableStore(sec, insn, facts);
          if (d) {
            // Several stores that reach the same unfenced exit are one missing fence: say it once.
            const exitKey = `${sec.name}:${d.exit}`;
            const first = ptByExit.get(exitKey);
            if (first) first.related?.push({ range: insn.range, message: 'another page-table store that reaches the same exit' });
            else {
              ptByExit.set(exitKey, d.diagnostic);
              out.push(d.diagnostic);
            }
          }
        }
      }
    }
  }
  return out;
}

// ---- satp / vsatp / hgatp ------------------------------------------------------------------

function translationFence(sec: FlowSection, write: FlowInsn, fence: string, rule: KernelRuleId): Diagnostic | undefined {
  const csr = csrName(write.mi.csr ?? 0) ?? 'the CSR';
  for (let k = write.index + 1; k < sec.insns.length; k++) {
    const i = sec.insns[k];
    if (i.name === fence) return undefined;
    if (reliesOnTranslation(i)) {
      return {
        severity: 'warning',
        code: rule,
        message: `${csr} is written but no ${fence} follows before the new translation is relied on (${i.name} at ${where(i)})`,
        range: write.range,
        related: [{ range: i.range, message: `relies on the new translation without ${fence}` }],
      };
    }
  }
  return {
    severity: 'warning',
    code: rule,
    message: `${csr} is written but no ${fence} follows before the end of section ${sec.name}`,
    range: write.range,
  };
}

// ---- facts over the whole link --------------------------------------------------------------

interface LinkFacts {
  /** Labels whose address is written to mtvec / stvec / vstvec. */
  mVectors: Set<string>;
  sVectors: Set<string>;
  /** Labels known to be page-table pages: roots written to satp/vsatp/hgatp and the tables their entries point to. */
  pageTables: Set<string>;
  /** Labels used other than as a branch or `j` target (calls, `la`, data, `.globl`): code may enter there from anywhere. */
  entries: Set<string>;
}

function linkFacts(flows: FlowUnit[]): LinkFacts {
  const facts: LinkFacts = { mVectors: new Set(), sVectors: new Set(), pageTables: new Set(), entries: new Set() };
  for (const flow of flows) {
    for (const g of flow.unit.globals.keys()) facts.entries.add(g);
    for (const chunk of flow.unit.chunks.values()) {
      for (const item of chunk.items) {
        if (item.kind === 'data') collect(item.expr, facts.entries);
        if (item.kind !== 'insn') continue;
        for (const mi of item.instrs) {
          const branch = mi.def.format === 'B' || (mi.def.name === 'jal' && mi.rd === 0);
          if (!branch && mi.imm?.expr) collect(mi.imm.expr, facts.entries);
        }
      }
    }
    for (const sec of flow.sections) {
      for (const insn of sec.insns) {
        const w = csrWrite(insn, flow.unit);
        if (!w || w.kind !== 'write' || w.source === undefined) continue;
        const syms = insn.before.symbols[w.source];
        if (!syms) continue;
        if (w.csr === CSR.mtvec) for (const s of syms) facts.mVectors.add(s);
        if (w.csr === CSR.stvec || w.csr === CSR.vstvec) for (const s of syms) facts.sVectors.add(s);
        if (TRANSLATION_ROOTS.some((r) => r.csr === w.csr)) for (const s of syms) facts.pageTables.add(s);
      }
    }
  }
  // A page-table entry stored into a page-table page makes the page it points to a page table too.
  for (let round = 0; round < 8; round++) {
    const before = facts.pageTables.size;
    for (const flow of flows) {
      for (const sec of flow.sections) {
        for (const insn of sec.insns) {
          if (insn.mi.def.format !== 'STORE') continue;
          if (firstIn(insn.before.symbols[insn.mi.rs1 ?? 0], facts.pageTables) === undefined) continue;
          for (const s of insn.before.symbols[insn.mi.rs2 ?? 0] ?? []) facts.pageTables.add(s);
        }
      }
    }
    if (facts.pageTables.size === before) break;
  }
  return facts;
}

/** The first of `names` (in their order) that `among` holds; no copy of either set. */
function firstIn(names: ReadonlySet<string> | undefined, among: ReadonlySet<string>): string | undefined {
  if (names) for (const n of names) if (among.has(n)) return n;
  return undefined;
}

function collect(e: Expr, into: Set<string>): void {
  const stack: Expr[] = [e];
  while (stack.length) {
    const x = stack.pop();
    if (!x) continue;
    if (x.kind === 'sym') into.add(x.name);
    else if (x.kind === 'unary' || x.kind === 'reloc') stack.push(x.arg);
    else if (x.kind === 'binary') stack.push(x.left, x.right);
  }
}

// ---- mret / sret ----------------------------------------------------------------------------

function previousPrivilege(sec: FlowSection, xret: FlowInsn, flow: FlowUnit, facts: LinkFacts): Diagnostic | undefined {
  const machine = xret.name === 'mret';
  const field = machine ? 'mstatus.MPP' : 'sstatus.SPP';
  const vectors = machine ? facts.mVectors : facts.sVectors;
  const setsField = (i: FlowInsn): boolean => {
    const w = csrWrite(i, flow.unit);
    if (!w) return false;
    const okCsr = machine ? w.csr === CSR.mstatus : w.csr === CSR.sstatus || w.csr === CSR.mstatus;
    if (!okCsr) return false;
    if (w.kind === 'write' || w.value === undefined) return true;
    return (w.value & (machine ? MPP : SPP)) !== 0n;
  };
  // Backwards over every path that reaches the xret; a path is fine once it meets a write of the field.
  const seen = new Set<number>();
  const work = [...xret.prev, ...(xret.prev.length ? [] : [-1])];
  /** A slot of a vectored trap table: a jump in a run of jumps that starts at a trap vector. */
  const inVectorTable = (i: FlowInsn): boolean => {
    for (let k = i.index; k >= 0; k--) {
      const x = sec.insns[k];
      if (!(x.name === 'jal' && x.mi.rd === 0)) return false;
      if ((sec.labels.get(k) ?? []).some((n) => vectors.has(n))) return true;
    }
    return false;
  };
  const entryProblem = (i: FlowInsn): RelatedInformation | undefined => {
    const names = sec.labels.get(i.index) ?? [];
    if (names.some((n) => vectors.has(n)) || inVectorTable(i)) return undefined; // a trap set the field on the way in
    const label = names.find((n) => !n.includes('\u0002')) ?? names[0];
    const def = label === undefined ? undefined : flow.unit.symbols.get(label);
    if (!def || label === undefined) return { range: i.range, message: `a path starts here (${where(i)})` };
    const at = def.range.file === xret.range.file ? `line ${def.range.line}` : `${def.range.file.split('/').pop()}:${def.range.line}`;
    return { range: def.range, message: `a path enters at '${label.split('\u0002')[0]}' (${at})` };
  };
  const checkEntry = (i: FlowInsn): RelatedInformation | undefined => {
    const names = sec.labels.get(i.index) ?? [];
    const entered = i.prev.length === 0 || names.some((n) => facts.entries.has(n));
    return entered ? entryProblem(i) : undefined;
  };
  // The xret itself may be the entry (a lone `mret` at a label).
  if (xret.prev.length === 0 || (sec.labels.get(xret.index) ?? []).some((n) => facts.entries.has(n))) {
    const p = entryProblem(xret);
    if (p) return xretDiagnostic(xret, field, p);
  }
  while (work.length) {
    const k = work.pop() as number;
    if (k < 0 || seen.has(k)) continue;
    seen.add(k);
    const i = sec.insns[k];
    if (setsField(i)) continue;
    const p = checkEntry(i);
    if (p) return xretDiagnostic(xret, field, p);
    work.push(...i.prev);
  }
  return undefined;
}

function xretDiagnostic(xret: FlowInsn, field: string, related: RelatedInformation): Diagnostic {
  return {
    severity: 'warning',
    code: 'xret-previous-privilege',
    message: `${xret.name} may return with ${field} left as it was: ${related.message.replace(/^a path/, 'a path that')} does not write ${field} first`,
    range: xret.range,
    related: [related],
  };
}

// ---- stores to page tables --------------------------------------------------------------------

function pageTableStore(sec: FlowSection, store: FlowInsn, facts: LinkFacts): { diagnostic: Diagnostic; exit: number } | undefined {
  const table = firstIn(store.before.symbols[store.mi.rs1 ?? 0], facts.pageTables);
  if (!table) return undefined;
  const seen = new Set<number>();
  const work = [store.index];
  while (work.length) {
    const k = work.pop() as number;
    if (seen.has(k)) continue;
    seen.add(k);
    const i = sec.insns[k];
    if (k !== store.index && FENCES.has(i.name)) continue;
    if (i.exit) {
      const how = i.exit === 'end' ? `reaches the end of section ${sec.name}` : i.exit === 'return' ? `returns (${i.name})` : `jumps away (${i.name})`;
      return {
        exit: i.index,
        diagnostic: {
          severity: 'warning',
          code: 'pt-store-fence',
          message: `store to page-table page '${table}' is not followed by sfence.vma/hfence on every path: the code ${how} at ${where(i)} without one`,
          range: store.range,
          related: [{ range: i.range, message: 'leaves without an address-translation fence after the page-table store' }],
        },
      };
    }
    work.push(...i.next);
  }
  return undefined;
}
