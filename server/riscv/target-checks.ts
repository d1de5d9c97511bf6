/**
 * What the target machine cannot run: CSR writes that the CSR's number marks read-only
 * (bits 11:10 = 11), CSRs of an extension HyperLab's harts do not have (F), and instructions or
 * CSRs that need more privilege than the mode the scenario runs the code in (the CSR's bits 9:8
 * give its lowest privilege; in VS mode hypervisor CSRs and instructions raise a
 * virtual-instruction exception).
 */
import type { Diagnostic } from '../../simulator/diagnostics';
import { csrName } from '../../simulator/riscv/isa/csrs';
import type { LinkContext, TargetMode } from './contexts';
import { csrWrite, type FlowUnit } from './flow';

/** The ISA HyperLab's harts implement (DESIGN §3). */
export const TARGET_ISA = 'RV64IMA_Zicsr_Zifencei with the H extension';
const F_CSRS = new Set([0x001, 0x002, 0x003]);
const RANK: Record<TargetMode, number> = { VS: 1, S: 2, M: 3 };
const MODE_TEXT: Record<TargetMode, string> = { M: 'M-mode', S: 'S-mode (HS)', VS: 'VS-mode (a guest kernel)' };

/** Lowest mode that may access a CSR, from its number (priv. spec 2.1). */
export function csrPrivilege(csr: number): 'U' | 'S' | 'H' | 'M' {
  return (['U', 'S', 'H', 'M'] as const)[(csr >> 8) & 3];
}

export const csrReadOnly = (csr: number): boolean => ((csr >> 10) & 3) === 3;

/** Whether code running at most in `mode` may access a CSR of that privilege. */
function csrAllowed(priv: 'U' | 'S' | 'H' | 'M', mode: TargetMode): boolean {
  if (priv === 'M') return mode === 'M';
  if (priv === 'H') return mode !== 'VS';
  return true;
}

/** Lowest mode an instruction needs, when it needs more than U. */
export function instructionPrivilege(name: string): 'M' | 'HS' | 'S' | undefined {
  if (name === 'mret') return 'M';
  if (name.startsWith('hfence.') || name.startsWith('hlv') || name.startsWith('hsv')) return 'HS';
  if (name === 'sret' || name === 'sfence.vma' || name === 'wfi') return 'S';
  return undefined;
}

function instructionAllowed(need: 'M' | 'HS' | 'S', mode: TargetMode): boolean {
  return RANK[mode] >= (need === 'M' ? 3 : need === 'HS' ? 2 : 1);
}

export function targetChecks(flows: FlowUnit[], file: string, context: LinkContext): Diagnostic[] {
  const out: Diagnostic[] = [];
  const mode = context.target;
  const who = context.scenario ? `scenario '${context.scenario.name}' runs this code in ${mode ? MODE_TEXT[mode] : ''}` : '';
  for (const flow of flows) {
    for (const sec of flow.sections) {
      for (const insn of sec.insns) {
        if (insn.range.file !== file) continue;
        const { mi } = insn;
        if (mi.csr !== undefined) {
          const name = csrName(mi.csr) ?? `CSR 0x${mi.csr.toString(16)}`;
          const w = csrWrite(insn, flow.unit);
          if (w && csrReadOnly(mi.csr)) {
            out.push({ severity: 'error', code: 'csr-read-only', range: insn.range, message: `${name} (0x${mi.csr.toString(16).padStart(3, '0')}) is read-only: writing it raises an illegal-instruction exception` });
          }
          if (F_CSRS.has(mi.csr)) {
            out.push({ severity: 'error', code: 'missing-extension', range: insn.range, message: `${name} belongs to the F extension, which the target (${TARGET_ISA}) does not have` });
          }
          const priv = csrPrivilege(mi.csr);
          if (mode && !csrAllowed(priv, mode)) {
            const level = priv === 'M' ? 'M-mode' : 'HS-mode (hypervisor CSR)';
            out.push({ severity: 'error', code: 'privilege', range: insn.range, message: `${name} needs ${level}, but ${who}` });
          }
        }
        const need = instructionPrivilege(insn.name);
        if (mode && need && !instructionAllowed(need, mode)) {
          const level = need === 'M' ? 'M-mode' : need === 'HS' ? 'HS-mode (the hypervisor)' : 'S-mode';
          out.push({ severity: 'error', code: 'privilege', range: insn.range, message: `${insn.name} needs ${level}, but ${who}` });
        }
      }
    }
  }
  return out;
}
