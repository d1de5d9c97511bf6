import type { RunResult } from '../../machine';

/** How `run` reports a stopped program: a few lines for people, an object for `--json`. */
export function describe(result: RunResult, seconds: number): string {
  const lines = [
    `stopped: ${result.reason} — ${result.message}`,
    `instructions retired: ${result.instret}`,
    `pc: 0x${result.pc.toString(16)}`,
  ];
  if (result.failCode !== undefined) lines.push(`failed test: ${result.failCode}`);
  // Below a million instructions start-up dominates and a MIPS figure would mislead.
  if (result.instret >= 1_000_000n && seconds > 0) lines.push(`host time: ${seconds.toFixed(3)} s (${(Number(result.instret) / seconds / 1e6).toFixed(1)} MIPS)`);
  return lines.join('\n');
}

export function toJson(result: RunResult, seconds: number): Record<string, unknown> {
  return {
    reason: result.reason,
    message: result.message,
    instret: result.instret.toString(),
    pc: `0x${result.pc.toString(16)}`,
    failCode: result.failCode,
    trap: result.trap && {
      cause: result.trap.cause.toString(),
      tval: `0x${result.trap.tval.toString(16)}`,
      pc: `0x${result.trap.pc.toString(16)}`,
      description: result.trap.description,
    },
    hostSeconds: seconds,
  };
}
