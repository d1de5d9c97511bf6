/**
 * The translation diagram: for an address and a vCPU, GVA → GPA → HPA with every walk step and
 * memory reference and whether the TLB hit, from `hyperlab/translate`. One panel, reused.
 */
import * as vscode from 'vscode';
import type { MachineSummary } from '../../protocol/hyperlab';
import { parseAddressInput } from '../model/format';
import { diagramModel, diagramScene, type DiagramModel } from '../model/translation';
import { errorText } from '../model/tree';
import type { HyperlabSessions } from '../session';
import { pageHtml, webviewOptions } from './html';
import { parseFromWebview, type ToWebview, type VcpuChoice } from './messages';

export interface TranslateTarget {
  address: string;
  threadId: number | null;
  access: 'read' | 'write' | 'execute';
}

export function vcpuChoices(m: MachineSummary): VcpuChoice[] {
  const vcpus = m.vms.flatMap((vm) => vm.vcpus.map((v) => ({ threadId: v.threadId, label: `${vm.name} vCPU ${v.vcpu}` })));
  return vcpus.length ? vcpus : [{ threadId: null, label: 'hart 0 (no VMs)' }];
}

export class TranslationPanel implements vscode.Disposable {
  static readonly viewType = 'hyperlab.translation';
  private static current: TranslationPanel | undefined;
  private target: TranslateTarget;
  /** The panel's width as its script reports it; the diagram narrows its columns to fit. */
  private width = Infinity;
  private last: { model: DiagramModel; status: string } | null = null;
  private readonly disposables: vscode.Disposable[] = [];

  static show(extensionUri: vscode.Uri, sessions: HyperlabSessions, target: TranslateTarget): TranslationPanel {
    if (TranslationPanel.current) {
      TranslationPanel.current.target = target;
      TranslationPanel.current.panel.reveal(vscode.ViewColumn.Beside);
      void TranslationPanel.current.update();
      return TranslationPanel.current;
    }
    const panel = vscode.window.createWebviewPanel(TranslationPanel.viewType, 'Address Translation', vscode.ViewColumn.Beside, webviewOptions(extensionUri));
    TranslationPanel.current = new TranslationPanel(panel, extensionUri, sessions, target);
    return TranslationPanel.current;
  }

  private constructor(private readonly panel: vscode.WebviewPanel, extensionUri: vscode.Uri, private readonly sessions: HyperlabSessions, target: TranslateTarget) {
    this.target = target;
    panel.iconPath = vscode.Uri.joinPath(extensionUri, 'media', 'hyperlab.svg');
    panel.webview.html = pageHtml(panel.webview, extensionUri, {
      title: 'Address translation',
      controls: `<form id="form" class="form" aria-label="Address to translate">
<label>Address <input id="address" name="address" type="text" spellcheck="false" size="22" aria-describedby="status"></label>
<label>vCPU <select id="vcpu" name="vcpu"></select></label>
<label>Access <select id="access" name="access"><option value="read">read</option><option value="write">write</option><option value="execute">execute</option></select></label>
<button type="submit">Translate</button>
</form>`,
      scripts: ['scene.js', 'translation.js'],
    });
    this.disposables.push(
      panel.onDidDispose(() => this.dispose()),
      panel.webview.onDidReceiveMessage((raw: unknown) => {
        const m = parseFromWebview(raw);
        if (!m) return;
        if (m.type === 'ready') void this.update();
        if (m.type === 'resize') {
          this.width = m.width;
          if (this.last) void this.post({ type: 'scene', scene: diagramScene(this.last.model, this.width), status: this.last.status });
        }
        if (m.type === 'translate') {
          const parsed = parseAddressInput(m.address);
          if (!parsed.ok) {
            void this.post({ type: 'error', message: parsed.error });
            return;
          }
          this.target = { address: parsed.value, threadId: m.threadId, access: m.access };
          void this.update();
        }
      }),
      // The same address translates differently after the guest changed its tables: follow stops.
      sessions.onDidChange(() => void this.update()),
    );
  }

  private post(m: ToWebview): Thenable<boolean> {
    return this.panel.webview.postMessage(m);
  }

  private async update(): Promise<void> {
    const req = this.sessions.request;
    try {
      const summary = await req('hyperlab/machineSummary', {});
      const choices = vcpuChoices(summary);
      const chosen = choices.find((c) => c.threadId === this.target.threadId) ?? choices[0];
      await this.post({ type: 'choices', vcpus: choices, address: this.target.address, threadId: chosen.threadId, access: this.target.access });
      const t = await req('hyperlab/translate', {
        address: this.target.address,
        access: this.target.access,
        ...(chosen.threadId === null ? {} : { threadId: chosen.threadId }),
      });
      const model = diagramModel(t, this.sessions.radix, chosen.label);
      const status = `${model.title}: TLB ${t.tlb}, ${t.references} memory references${t.fault ? `, fault: ${t.fault}` : ''}${this.sessions.ended ? ' (ended: last state)' : ''}`;
      this.last = { model, status };
      await this.post({ type: 'scene', scene: diagramScene(model, this.width), status });
    } catch (e) {
      await this.post({ type: 'error', message: `Cannot translate ${this.target.address}: ${errorText(e)}` });
    }
  }

  dispose(): void {
    if (TranslationPanel.current === this) TranslationPanel.current = undefined;
    for (const d of this.disposables) d.dispose();
    this.panel.dispose();
  }
}
