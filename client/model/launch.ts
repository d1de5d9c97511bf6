/**
 * What F5 means for the file in front of the user: the debug configuration provider fills
 * `program` from the active editor when launch.json has nothing (or no `program`), and explains
 * in one sentence when the file cannot be debugged.
 */

export interface LaunchConfig {
  type: string;
  request: string;
  name: string;
  program?: string;
  stopOnEntry?: boolean;
  engine?: 'compiled' | 'interpreter';
  trace?: boolean;
  [key: string]: unknown;
}

export type ProgramKind = 'scenario' | 'assembly' | 'callback' | 'elf';

/** The kind of program a file is, from its name and language id (ELF files have no language). */
export function programKind(fileName: string, languageId?: string): ProgramKind | null {
  const lower = fileName.toLowerCase();
  if (lower.endsWith('.hlab.json')) return 'scenario';
  if (languageId === 'hcb' || lower.endsWith('.hcb')) return 'callback';
  if (languageId === 'riscv-guest' || /\.s$/i.test(fileName)) return 'assembly';
  if (lower.endsWith('.elf')) return 'elf';
  return null;
}

export type Resolution = { ok: true; config: LaunchConfig } | { ok: false; error: string };

/**
 * Completes a configuration. `active` is the active editor's file, if any. An empty
 * configuration (F5 without launch.json) becomes a launch of the active file.
 */
export function resolveLaunch(config: Partial<LaunchConfig>, active?: { fileName: string; languageId?: string }): Resolution {
  const empty = !config.type && !config.request && !config.name;
  const out: LaunchConfig = {
    ...config,
    type: config.type ?? 'hyperlab',
    request: config.request ?? 'launch',
    name: config.name ?? 'HyperLab: current file',
  };
  if (out.request !== 'launch') return { ok: false, error: `HyperLab can only launch programs ("request": "launch"), not "${out.request}".` };
  if (empty || !out.program) {
    if (!active) return { ok: false, error: 'Open a scenario (*.hlab.json), a RISC-V .S file or a hyper-callback (.hcb) to debug it, or set "program" in launch.json.' };
    if (!programKind(active.fileName, active.languageId)) {
      return { ok: false, error: `HyperLab cannot debug ${active.fileName.split(/[\\/]/).pop()}: open a scenario (*.hlab.json), a .S or a .hcb file, or set "program" in launch.json.` };
    }
    out.program = active.fileName;
    if (out.stopOnEntry === undefined) out.stopOnEntry = true;
  }
  if (out.engine !== undefined && out.engine !== 'compiled' && out.engine !== 'interpreter') {
    return { ok: false, error: `"engine" must be "compiled" or "interpreter", not "${String(out.engine)}".` };
  }
  return { ok: true, config: out };
}

/**
 * A `.S` or `.hcb` file is usually one part of a scenario (several sources, a VM around it):
 * debugging it alone fails to link. When exactly one scenario next to it names the file, F5
 * debugs that scenario instead; otherwise the file itself.
 */
export function scenarioFor(fileName: string, scenarios: readonly { path: string; text: string }[]): string | null {
  const base = fileName.split(/[\\/]/).pop() ?? fileName;
  const quoted = new RegExp(`"(?:[^"]*[\\\\/])?${base.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}"`);
  const naming = scenarios.filter((s) => quoted.test(s.text));
  return naming.length === 1 ? naming[0].path : null;
}
