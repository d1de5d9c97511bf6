/**
 * Machine instructions chosen for an instruction statement, remembered with what the choice read
 * from the file's state, so that re-assembling an unchanged line does not choose them again.
 *
 * Why this is sound: the line cache hands out the same statement object for an unchanged line at
 * an unchanged position, and the expansion of a statement depends on nothing but the statement and
 * what it asks its `ExpandEnv`: the values of constant expressions at that point of the file (an
 * `.equ` that moved on changes the `li` sequence) and the numbering of numeric local labels (`1b`
 * names the latest `1:` before it). Both are recorded as probes while expanding; a remembered
 * expansion is reused only when every probe gives the same answer again. Expansions that reported
 * an error or threw are never remembered (their diagnostics must be reported on every pass).
 *
 * Keys are the statements themselves (weakly held): entries go when the line cache drops a line.
 */
import type { MachineInstr } from './machine';
import type { Expr, InstructionStmt } from './syntax';

/** One question the expansion asked, with the answer it got. */
export type ExpansionProbe =
  | { kind: 'constant'; expr: Expr; value: bigint | undefined }
  | { kind: 'local'; label: string; count: number };

export interface RememberedExpansion {
  instrs: MachineInstr[];
  probes: ExpansionProbe[];
}

const remembered = new WeakMap<InstructionStmt, RememberedExpansion>();

export function rememberedExpansion(stmt: InstructionStmt): RememberedExpansion | undefined {
  return remembered.get(stmt);
}

export function rememberExpansion(stmt: InstructionStmt, expansion: RememberedExpansion): void {
  remembered.set(stmt, expansion);
}

/** Forgets one statement's expansion (a later pass found it no longer holds). */
export function forgetExpansion(stmt: InstructionStmt): void {
  remembered.delete(stmt);
}

/** Whether an expression's value can differ between two places of a file (it names a symbol, `.` or a local label). */
export function readsState(e: Expr): boolean {
  switch (e.kind) {
    case 'num':
      return false;
    case 'unary':
    case 'reloc':
      return readsState(e.arg);
    case 'binary':
      return readsState(e.left) || readsState(e.right);
    default:
      return true;
  }
}
