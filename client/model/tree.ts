/**
 * The views' rows as plain data. Each view turns protocol data into `ViewNode`s here, free of the
 * `vscode` module, so the mapping is unit-tested; `client/views/nodeTreeProvider.ts` renders them
 * as TreeItems and `snapshotNodes` renders them for the extension API (`viewItems`).
 */
import type { ViewItemSnapshot } from '../api';

export interface ViewNode {
  /** Stable id so VS Code keeps expansion state across refreshes. */
  id: string;
  label: string;
  description?: string;
  tooltip?: string;
  /** Matched by `view/item/context` menus in package.json. */
  contextValue?: string;
  /** Codicon id (e.g. 'circuit-board'). */
  icon?: string;
  /** Children known now, or fetched when the user expands the row (page tables). */
  children?: ViewNode[] | (() => Promise<ViewNode[]>);
  /** Expanded on first display. */
  expanded?: boolean;
  /** Clicking opens this source file (hyper-callbacks). */
  open?: { file: string; line?: number };
  /** Data the row's context actions need (e.g. the address a "translate" action starts from). */
  data?: Record<string, string | number | boolean | null>;
}

export function leaf(id: string, label: string, description?: string, extra: Partial<ViewNode> = {}): ViewNode {
  return { id, label, ...(description !== undefined ? { description } : {}), ...extra };
}

/** Resolves a node's children, whether given or lazy. */
export async function childrenOf(node: ViewNode): Promise<ViewNode[]> {
  if (node.children === undefined) return [];
  return typeof node.children === 'function' ? node.children() : node.children;
}

/**
 * The rows as `ViewItemSnapshot`s with expandable rows expanded `depth` levels deep. A lazy level
 * that fails becomes one row saying why, as the view itself would show it.
 */
export async function snapshotNodes(nodes: readonly ViewNode[], depth: number, ended = false): Promise<ViewItemSnapshot[]> {
  const out: ViewItemSnapshot[] = [];
  for (const n of nodes) {
    const s: ViewItemSnapshot = { label: n.label };
    const description = ended ? [n.description, 'ended'].filter(Boolean).join(' · ') : n.description;
    if (description) s.description = description;
    if (n.tooltip) s.tooltip = n.tooltip;
    if (n.children !== undefined) {
      if (depth > 0) {
        try {
          s.children = await snapshotNodes(await childrenOf(n), depth - 1, ended);
        } catch (e) {
          s.children = [{ label: `Could not read: ${errorText(e)}` }];
        }
      } else {
        s.children = [];
      }
    }
    out.push(s);
  }
  return out;
}

export function errorText(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}
