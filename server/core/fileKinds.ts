/**
 * Which language owns a file. There are three roles: hyper-callbacks, guest-kernel code and
 * scenarios. Scenarios are recognised by name (`*.hlab.json`) whatever language id the client
 * gives them (usually `json`); the others by language id first, then by extension for clients
 * that do not know our ids (Neovim reports `.S` files as `asm`).
 */
export type Role = 'hcb' | 'riscv-guest' | 'scenario';
export const ROLES: readonly Role[] = ['hcb', 'riscv-guest', 'scenario'];

/** The role of a document, or undefined when the server does not handle it. */
export function roleOf(uri: string, clientLanguageId?: string): Role | undefined {
  const path = uri.toLowerCase().replace(/[?#].*$/, '');
  if (path.endsWith('.hlab.json')) return 'scenario';
  if (clientLanguageId === 'hcb' || clientLanguageId === 'riscv-guest') return clientLanguageId;
  if (path.endsWith('.hcb')) return 'hcb';
  if (/\.s$/.test(path)) return 'riscv-guest';
  return undefined;
}

/** Glob patterns for the client's file watcher. */
export const WATCHED_GLOBS = ['**/*.hcb', '**/*.S', '**/*.s', '**/*.hlab.json'];
