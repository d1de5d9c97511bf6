/** Asks for an address (validated while typing) and a vCPU, for the translation commands. */
import * as vscode from 'vscode';
import { parseAddressInput } from '../model/format';
import type { HyperlabSessions } from '../session';
import { vcpuChoices } from '../webviews/translationPanel';

export async function askAddress(initial: string): Promise<string | undefined> {
  const text = await vscode.window.showInputBox({
    title: 'Translate address',
    prompt: 'Guest-virtual (or virtual) address to translate: 0x…, decimal, 0o… or 0b…',
    value: initial,
    validateInput: (v) => {
      const r = parseAddressInput(v);
      return r.ok ? null : r.error;
    },
  });
  if (text === undefined) return undefined;
  const r = parseAddressInput(text);
  return r.ok ? r.value : undefined;
}

/** The address under the cursor or selected, when it reads as one. */
export function addressFromEditor(): string {
  const ed = vscode.window.activeTextEditor;
  if (!ed) return '';
  const range = ed.selection.isEmpty ? ed.document.getWordRangeAtPosition(ed.selection.active, /0x[0-9a-fA-F_]+|\d+/) : ed.selection;
  if (!range) return '';
  const r = parseAddressInput(ed.document.getText(range));
  return r.ok ? r.value : '';
}

/** The vCPU's DAP thread id for a VM/vCPU pair, or the first vCPU, or null without VMs. */
export async function threadFor(sessions: HyperlabSessions, vm?: string, vcpu?: number): Promise<number | null> {
  const m = await sessions.request('hyperlab/machineSummary', {});
  const exact = m.vms.find((v) => v.name === vm)?.vcpus.find((c) => c.vcpu === vcpu);
  if (exact) return exact.threadId;
  return vcpuChoices(m)[0].threadId;
}
