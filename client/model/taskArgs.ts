/** The command line of a `hyperlab` task: `hyperlab verify FILE` or `hyperlab run FILE [--engine E]`. */

export interface HyperlabTaskDefinition {
  type: 'hyperlab';
  command: 'verify' | 'run';
  file: string;
  engine?: 'compiled' | 'interpreter';
}

/** Checks a task definition from tasks.json; returns the reason it is unusable, or null. */
export function checkTaskDefinition(d: Record<string, unknown>): string | null {
  if (d.command !== 'verify' && d.command !== 'run') return `"command" must be "verify" or "run", not ${JSON.stringify(d.command)}`;
  if (typeof d.file !== 'string' || !d.file) return '"file" must name the file to verify or run';
  if (d.command === 'verify' && !d.file.endsWith('.hcb')) return `"hyperlab verify" takes a .hcb file, not ${d.file}`;
  if (d.engine !== undefined && d.engine !== 'compiled' && d.engine !== 'interpreter') return `"engine" must be "compiled" or "interpreter", not ${JSON.stringify(d.engine)}`;
  return null;
}

export function taskArgs(d: HyperlabTaskDefinition): string[] {
  const args = [d.command, d.file];
  if (d.command === 'run' && d.engine) args.push('--engine', d.engine);
  return args;
}
