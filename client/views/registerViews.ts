/** Registers the seven HyperLab tree views and answers `viewItems` for the API. */
import * as vscode from 'vscode';
import type { ViewItemSnapshot } from '../api';
import type { HyperlabSessions } from '../session';
import { NodeTreeProvider } from './nodeTreeProvider';
import { VIEW_SOURCES } from './sources';

export interface HyperlabViews {
  viewItems(viewId: string): Promise<ViewItemSnapshot[]>;
}

export function registerViews(context: vscode.ExtensionContext, sessions: HyperlabSessions): HyperlabViews {
  const providers = new Map<string, NodeTreeProvider>();
  for (const [id, source] of Object.entries(VIEW_SOURCES)) {
    const provider = new NodeTreeProvider(sessions, source);
    providers.set(id, provider);
    const view = vscode.window.createTreeView(id, { treeDataProvider: provider, showCollapseAll: id === 'hyperlab.pageTables' });
    context.subscriptions.push(provider, view);
  }
  return {
    async viewItems(viewId: string) {
      const p = providers.get(viewId);
      if (!p) throw new Error(`unknown HyperLab view '${viewId}'; the views are ${[...providers.keys()].join(', ')}`);
      return p.snapshot();
    },
  };
}
