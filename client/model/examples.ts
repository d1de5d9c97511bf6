/**
 * The example scenarios shipped with the extension (`examples/<name>/<name>.hlab.json` and the
 * files next to it), for "Open Example" and "New Scenario from Template".
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { applyEdits, modify, parse, type ParseError } from 'jsonc-parser';

export interface Example {
  /** Folder name, e.g. `hello-vm`. */
  id: string;
  folder: string;
  scenario: string;
  title: string;
  description: string;
}

/** Every folder of `root` holding a `*.hlab.json`, sorted by id; unreadable scenarios are listed with the reason. */
export function listExamples(root: string): Example[] {
  if (!fs.existsSync(root)) return [];
  const out: Example[] = [];
  for (const id of fs.readdirSync(root).sort()) {
    const folder = path.join(root, id);
    if (!fs.statSync(folder).isDirectory()) continue;
    const file = fs.readdirSync(folder).find((f) => f.endsWith('.hlab.json'));
    if (!file) continue;
    const scenario = path.join(folder, file);
    const errors: ParseError[] = [];
    const json = parse(fs.readFileSync(scenario, 'utf8'), errors) as { name?: unknown; description?: unknown } | undefined;
    const title = typeof json?.name === 'string' ? json.name : id;
    const description = errors.length ? `(${file} does not parse)` : typeof json?.description === 'string' ? json.description : '';
    out.push({ id, folder, scenario, title, description });
  }
  return out;
}

/** A valid folder/scenario name for a new scenario, or the reason it is not. */
export function checkScenarioName(name: string): string | null {
  if (!name.trim()) return 'Give the scenario a name';
  if (!/^[A-Za-z0-9][A-Za-z0-9._-]*$/.test(name)) return 'Use letters, digits, ".", "_" and "-" only (it becomes a folder name)';
  return null;
}

/** The scenario text with its `name` set, comments and formatting kept. */
export function renameScenario(text: string, name: string): string {
  return applyEdits(text, modify(text, ['name'], name, { formattingOptions: { insertSpaces: true, tabSize: 2 } }));
}

/**
 * Copies the example's files into `target` (which must not exist), naming the scenario
 * `<name>.hlab.json` with `name` inside. Returns the new scenario's path.
 */
export function copyExample(example: Example, target: string, name: string): string {
  if (fs.existsSync(target)) throw new Error(`${target} already exists; choose another name`);
  fs.mkdirSync(target, { recursive: true });
  let scenario = '';
  for (const f of fs.readdirSync(example.folder)) {
    const from = path.join(example.folder, f);
    if (!fs.statSync(from).isFile()) continue;
    if (from === example.scenario) {
      scenario = path.join(target, `${name}.hlab.json`);
      fs.writeFileSync(scenario, renameScenario(fs.readFileSync(from, 'utf8'), name));
    } else {
      fs.copyFileSync(from, path.join(target, f));
    }
  }
  return scenario;
}
