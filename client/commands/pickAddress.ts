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

/**
 * The DAP thread id to translate for: the VM/vCPU pair given, else the vCPU running on `hart`,
 * else the first vCPU; null without VMs.
 */
export async function threadFor(sessions: HyperlabSessions, where: { vm?: string; vcpu?: number; hart?: number }): Promise<number | null> {
  const m = await sessions.request('hyperlab/machineSummary', {});
  const vcpus = m.vms.flatMap((v) => v.vcpus);
  const exact = m.vms.find((v) => v.name === where.vm)?.vcpus.find((c) => c.vcpu === where.vcpu)
    ?? vcpus.find((c) => where.hart !== undefined && c.hart === where.hart);
  if (exact) return exact.threadId;
  return vcpuChoices(m)[0].threadId;
}
