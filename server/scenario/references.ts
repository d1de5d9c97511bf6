/**
 * The things a scenario refers to, each with where the scenario names it: assembly sources,
 * ELF files, callback files and entry symbols, by JSON pointer into the loaded scenario.
 */
import * as path from 'node:path';
import type { TextDocument } from 'vscode-languageserver-textdocument';
import type { SourceRange } from '../../simulator/diagnostics';
import { parseScenario, type LoadedScenario } from '../../simulator/scenario';
import { codeImages, type LinkContext } from '../riscv/contexts';
import { uriToPath } from '../riscv/uri';

export interface FileReference {
  kind: 'source' | 'elf' | 'callback';
  /** As written. */
  name: string;
  /** Absolute path. */
  file: string;
  range: SourceRange | undefined;
}

export interface CodeReference {
  pointer: string;
  files: FileReference[];
  /** Assembly images only. */
  link?: LinkContext;
  entry?: { name: string; range: SourceRange | undefined };
  /** RAM the code is loaded into: [0x80000000, + memory). */
  memory: number;
  callbacks: { file: FileReference; event: string; pointer: string }[];
}

export interface ScenarioModel {
  loaded: LoadedScenario;
  file: string;
  codes: CodeReference[];
}

const cache = new Map<string, { version: number; text: string; model: ScenarioModel }>();

export function scenarioModel(doc: TextDocument): ScenarioModel {
  const text = doc.getText();
  const hit = cache.get(doc.uri);
  if (hit && hit.version === doc.version && hit.text === text) return hit.model;
  const file = uriToPath(doc.uri);
  const loaded = parseScenario(text, file);
  const dir = path.dirname(file);
  const s = loaded.scenario;
  const codes: CodeReference[] = [];
  const broken = loaded.diagnostics.some((d) => d.code === 'json-syntax');
  if (!broken) {
    for (const { code, target, pointer } of codeImages(s)) {
      const vmIndex = /^\/vms\/(\d+)/.exec(pointer)?.[1];
      const vm = s.kind === 'hypervisor' && vmIndex !== undefined ? s.vms[Number(vmIndex)] : undefined;
      const memory = vm ? vm.memory : s.machine.memory;
      const ref: CodeReference = { pointer, files: [], memory, callbacks: [] };
      if (code.format === 'assembly') {
        ref.files = code.sources.map((name, i) => ({ kind: 'source' as const, name, file: path.resolve(dir, name), range: loaded.ranges.get(`${pointer}/sources/${i}`) }));
        ref.link = { sources: ref.files.map((f) => f.file), base: code.base, target, scenario: { uri: doc.uri, name: s.name ?? path.basename(file) } };
        ref.entry = { name: code.entry, range: loaded.ranges.get(`${pointer}/entry`) };
      } else {
        ref.files = [{ kind: 'elf', name: code.elf, file: path.resolve(dir, code.elf), range: loaded.ranges.get(`${pointer}/elf`) }];
      }
      if (vm && vmIndex !== undefined) {
        vm.callbacks.forEach((cb, c) => {
          const cbPointer = `/vms/${vmIndex}/callbacks/${c}`;
          ref.callbacks.push({ file: { kind: 'callback', name: cb.file, file: path.resolve(dir, cb.file), range: loaded.ranges.get(`${cbPointer}/file`) }, event: cb.event, pointer: cbPointer });
        });
      }
      codes.push(ref);
    }
  }
  const model = { loaded, file, codes };
  cache.set(doc.uri, { version: doc.version, text, model });
  return model;
}
