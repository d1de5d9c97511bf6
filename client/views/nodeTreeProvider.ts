/**
 * One TreeDataProvider for every HyperLab view: a view is just a function from the session's
 * requests to `ViewNode`s (client/model). With no session the view is empty, so VS Code shows its
 * welcome content; after the session ended the last state stays, greyed and marked "ended".
 */
import * as vscode from 'vscode';
import type { ViewItemSnapshot } from '../api';
import type { Radix } from '../model/format';
import type { Requester } from '../model/requester';
import { childrenOf, errorText, leaf, snapshotNodes, type ViewNode } from '../model/tree';
import type { HyperlabSessions } from '../session';

export type ViewSource = (request: Requester, radix: Radix) => Promise<ViewNode[]>;

/** Depth `viewItems` expands to: enough for hart → entry, VM → table → level-1 entries. */
export const SNAPSHOT_DEPTH = 3;

export class NodeTreeProvider implements vscode.TreeDataProvider<ViewNode>, vscode.Disposable {
  private readonly changed = new vscode.EventEmitter<ViewNode | undefined>();
  readonly onDidChangeTreeData = this.changed.event;
  private readonly subscription: vscode.Disposable;

  constructor(private readonly sessions: HyperlabSessions, private readonly source: ViewSource) {
    this.subscription = sessions.onDidChange(() => this.changed.fire(undefined));
  }

  private async roots(): Promise<ViewNode[]> {
    if (this.sessions.phase === 'none') return [];
    try {
      return await this.source(this.sessions.request, this.sessions.radix);
    } catch (e) {
      return [leaf('error', 'Could not read the machine state', errorText(e), { icon: 'error', tooltip: errorText(e) })];
    }
  }

  async getChildren(element?: ViewNode): Promise<ViewNode[]> {
    if (!element) return this.roots();
    try {
      return await childrenOf(element);
    } catch (e) {
      return [leaf(`${element.id}/error`, 'Could not read', errorText(e), { icon: 'error' })];
    }
  }

  getTreeItem(node: ViewNode): vscode.TreeItem {
    const state = node.children === undefined
      ? vscode.TreeItemCollapsibleState.None
      : node.expanded ? vscode.TreeItemCollapsibleState.Expanded : vscode.TreeItemCollapsibleState.Collapsed;
    const item = new vscode.TreeItem(node.label, state);
    item.id = node.id;
    const ended = this.sessions.ended;
    const description = ended ? [node.description, 'ended'].filter(Boolean).join(' · ') : node.description;
    if (description) item.description = description;
    if (node.tooltip) item.tooltip = node.tooltip;
    if (node.contextValue) item.contextValue = node.contextValue;
    if (node.icon) item.iconPath = new vscode.ThemeIcon(node.icon, ended ? new vscode.ThemeColor('disabledForeground') : undefined);
    if (node.open) {
      const uri = vscode.Uri.file(node.open.file);
      const line = Math.max(0, (node.open.line ?? 1) - 1);
      item.resourceUri = uri;
      item.command = { command: 'vscode.open', title: 'Open Source', arguments: [uri, { selection: new vscode.Range(line, 0, line, 0) }] };
    }
    return item;
  }

  /** What the view shows, for the extension API. */
  async snapshot(): Promise<ViewItemSnapshot[]> {
    return snapshotNodes(await this.roots(), SNAPSHOT_DEPTH, this.sessions.ended);
  }

  dispose(): void {
    this.subscription.dispose();
    this.changed.dispose();
  }
}
