/**
 * What happens when execution reaches code breakpoints, shared by every target the adapter
 * debugs (the machine's harts in runtime.ts, hyper-callbacks in callback-debugger.ts): the
 * condition decides, the hit count is counted and tested, a logpoint prints instead of stopping.
 */

/** Just what the selection needs of a breakpoint (runtime.ts's CodeBreakpoint has it). */
export interface HittableBreakpoint {
  spec: { condition?: string; logMessage?: string };
  hits: number;
  hitTest: (hits: number) => boolean;
}

/** true: stop; false: do not; a string: the condition could not be evaluated (stop and say why). */
export function conditionHolds(evaluate: (expression: string) => bigint, expr: string | undefined): boolean | string {
  if (expr === undefined || expr.trim() === '') return true;
  try {
    return evaluate(expr) !== 0n;
  } catch (e) {
    return `breakpoint condition '${expr}' failed: ${(e as Error).message}`;
  }
}

/** A logpoint's message with each `{expression}` replaced by its value (hex) or `<why not>`. */
export function interpolateMessage(evaluate: (expression: string) => bigint, message: string): string {
  return message.replace(/\{([^}]+)\}/g, (_all, expr: string) => {
    try {
      return `0x${BigInt.asUintN(64, evaluate(expr)).toString(16)}`;
    } catch (e) {
      return `<${(e as Error).message}>`;
    }
  });
}

/**
 * The breakpoints among `bps` that stop execution here. `collect` (a reverse search) neither
 * counts hits nor prints logpoints, and logpoints never stop it. `evaluate` is called only for
 * conditions and log messages.
 */
export function selectHits<B extends HittableBreakpoint>(bps: readonly B[], collect: boolean, evaluate: (expression: string) => bigint, log: (text: string) => void): { hit: B[]; note?: string } {
  const hit: B[] = [];
  let note: string | undefined;
  for (const bp of bps) {
    const c = bp.spec.condition === undefined ? true : conditionHolds(evaluate, bp.spec.condition);
    if (c === false) continue;
    if (typeof c === 'string') { note = c; hit.push(bp); continue; }
    if (!collect) {
      bp.hits++;
      if (!bp.hitTest(bp.hits)) continue;
      if (bp.spec.logMessage !== undefined) { log(`${interpolateMessage(evaluate, bp.spec.logMessage)}\n`); continue; }
    } else if (bp.spec.logMessage !== undefined) continue;
    hit.push(bp);
  }
  return note === undefined ? { hit } : { hit, note };
}
