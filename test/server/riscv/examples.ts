/** The repository's `examples/` folder as a test workspace (read from disk once). */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { MemoryWorkspace } from './workspace';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../examples');

export function examplesWorkspace(): { ws: MemoryWorkspace; guests: string[]; scenarios: string[]; root: string } {
  const ws = new MemoryWorkspace();
  for (const dir of readdirSync(ROOT)) {
    const d = path.join(ROOT, dir);
    if (!statSync(d).isDirectory()) continue;
    for (const f of readdirSync(d)) ws.files.set(path.join(d, f), readFileSync(path.join(d, f), 'utf8'));
  }
  const all = [...ws.files.keys()];
  return { ws, guests: all.filter((f) => /\.S$/.test(f)), scenarios: all.filter((f) => f.endsWith('.hlab.json')), root: ROOT };
}
