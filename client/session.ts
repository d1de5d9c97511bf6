/**
 * Which HyperLab debug session the views follow, and the user's display choices. Views subscribe
 * to `onDidChange` (throttled to `hyperlab.views.refreshRate`, immediate on stops) and read data
 * through `request`, which goes to the followed session's DAP custom requests — nothing else
 * feeds the views. When the session ends the last answers are kept and served, marked ended.
 */
import * as vscode from 'vscode';
import { StateChangedEvent, type StateChanged } from '../protocol/hyperlab';
import type { Radix } from './model/format';
import type { ArgsOf, DapCommand, Requester, ResultOf } from './model/requester';
import { createThrottle, intervalForRate, type Throttle } from './model/throttle';

export const DEBUG_TYPE = 'hyperlab';

export type SessionPhase = 'none' | 'running' | 'stopped' | 'ended';

export class HyperlabSessions implements vscode.Disposable {
  private session: vscode.DebugSession | undefined;
  private phaseValue: SessionPhase = 'none';
  /**
   * The DAP session is gone (not only the program: after the program ends the adapter still
   * answers, and the views keep reading the final state from it).
   */
  private terminated = false;
  private radixValue: Radix = 'hex';
  /** Last answer per request (command + args), so ended sessions keep showing their last state. */
  private readonly lastAnswers = new Map<string, unknown>();
  private readonly changed = new vscode.EventEmitter<void>();
  private readonly throttle: Throttle;
  private readonly disposables: vscode.Disposable[] = [];

  /** Fires when views should re-read their data. */
  readonly onDidChange = this.changed.event;

  constructor() {
    this.throttle = createThrottle(() => this.changed.fire(), intervalForRate(this.configuredRate()));
    this.disposables.push(
      this.changed,
      vscode.debug.onDidStartDebugSession((s) => {
        if (s.type !== DEBUG_TYPE) return;
        this.follow(s);
      }),
      vscode.debug.onDidChangeActiveDebugSession((s) => {
        if (s?.type === DEBUG_TYPE && s !== this.session) this.follow(s);
      }),
      vscode.debug.onDidTerminateDebugSession((s) => {
        if (s !== this.session) return;
        this.terminated = true;
        this.setPhase('ended');
        this.throttle.trigger(true);
      }),
      vscode.debug.onDidReceiveDebugSessionCustomEvent((e) => {
        if (e.session !== this.session || e.event !== StateChangedEvent) return;
        const body = e.body as StateChanged | undefined;
        this.setPhase(body?.reason === 'ended' ? 'ended' : body?.reason === 'stopped' ? 'stopped' : 'running');
        this.throttle.trigger(body?.reason !== 'running');
      }),
      vscode.workspace.onDidChangeConfiguration((e) => {
        if (e.affectsConfiguration('hyperlab.views.refreshRate')) this.throttle.setInterval(intervalForRate(this.configuredRate()));
      }),
      { dispose: () => this.throttle.dispose() },
    );
    const active = vscode.debug.activeDebugSession;
    if (active?.type === DEBUG_TYPE) this.follow(active);
  }

  private configuredRate(): number {
    return vscode.workspace.getConfiguration('hyperlab').get<number>('views.refreshRate', 4);
  }

  private follow(s: vscode.DebugSession): void {
    this.session = s;
    this.terminated = false;
    this.lastAnswers.clear();
    this.setPhase('running');
    this.throttle.trigger(true);
  }

  private setPhase(p: SessionPhase): void {
    if (p === this.phaseValue) return; // stateChanged arrives several times a second
    this.phaseValue = p;
    void vscode.commands.executeCommand('setContext', 'hyperlab.hasState', p !== 'none');
    void vscode.commands.executeCommand('setContext', 'hyperlab.sessionActive', p === 'running' || p === 'stopped');
  }

  /**
   * Called by the debug adapter tracker on every DAP `stopped` event; `programEnded` when the
   * adapter stopped because the program ended (reason `end`): still answering, but final.
   */
  notifyStopped(s: vscode.DebugSession, programEnded: boolean): void {
    if (s !== this.session) this.follow(s);
    this.setPhase(programEnded ? 'ended' : 'stopped');
    this.throttle.trigger(true);
  }

  get phase(): SessionPhase {
    return this.phaseValue;
  }

  get ended(): boolean {
    return this.phaseValue === 'ended';
  }

  /** The session to send requests to: none once it terminated. */
  get debugSession(): vscode.DebugSession | undefined {
    return this.terminated ? undefined : this.session;
  }

  get radix(): Radix {
    return this.radixValue;
  }

  toggleRadix(): Radix {
    this.radixValue = this.radixValue === 'hex' ? 'dec' : 'hex';
    this.changed.fire();
    return this.radixValue;
  }

  /** Re-read everything now (the Refresh command). */
  refresh(): void {
    this.throttle.trigger(true);
  }

  /**
   * A DAP custom request to the followed session; after it ended, the last answer to the same
   * request. Rejects with a plain message when there is neither.
   */
  readonly request: Requester = async <C extends DapCommand>(command: C, args: ArgsOf<C>): Promise<ResultOf<C>> => {
    const key = `${command} ${JSON.stringify(args)}`;
    const live = this.debugSession;
    if (live) {
      try {
        const answer = (await live.customRequest(command, args)) as ResultOf<C>;
        this.lastAnswers.set(key, answer);
        return answer;
      } catch (e) {
        // The session may have ended between the check and the answer: fall back to the last state.
        if (!this.lastAnswers.has(key)) throw e;
      }
    }
    if (this.lastAnswers.has(key)) return this.lastAnswers.get(key) as ResultOf<C>;
    throw new Error(this.session ? 'the session ended before this was read' : 'no HyperLab debug session');
  };

  dispose(): void {
    for (const d of this.disposables) d.dispose();
  }
}
