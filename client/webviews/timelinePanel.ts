/**
 * The timeline: IPIs, traps, VM exits, interrupts and TLB flushes over virtual time, one lane per
 * hart, with zoom and pan (buttons, keys, wheel), from `hyperlab/trace`.
 */
import * as vscode from 'vscode';
import type { TraceRecord } from '../../protocol/hyperlab';
import { DEFAULT_TIMELINE, TIMELINE_KINDS, TIMELINE_LEGEND, fullWindow, pan, shortCycles, timelineScene, zoom, type Window } from '../model/timeline';
import { createThrottle } from '../model/throttle';
import { readTrace } from '../model/traceFetch';
import { errorText } from '../model/tree';
import type { HyperlabSessions } from '../session';
import { escapeHtml, pageHtml, webviewOptions } from './html';
import { parseFromWebview, type ToWebview } from './messages';

/** Events fetched per refresh (in adapter-sized pages); beyond this the status line says so. */
const EVENT_LIMIT = 100_000;

export class TimelinePanel implements vscode.Disposable {
  static readonly viewType = 'hyperlab.timeline';
  private static current: TimelinePanel | undefined;
  private events: TraceRecord[] = [];
  private truncated = false;
  private window: Window | null = null;
  /** Drawing width: the panel's, as its script reports it. */
  private width = DEFAULT_TIMELINE.width;
  private readonly refetch = createThrottle(() => void this.fetch(), 1000);
  private readonly disposables: vscode.Disposable[] = [];

  static show(extensionUri: vscode.Uri, sessions: HyperlabSessions): TimelinePanel {
    if (TimelinePanel.current) {
      TimelinePanel.current.panel.reveal();
      void TimelinePanel.current.fetch();
      return TimelinePanel.current;
    }
    const panel = vscode.window.createWebviewPanel(TimelinePanel.viewType, 'HyperLab Timeline', vscode.ViewColumn.Active, webviewOptions(extensionUri));
    TimelinePanel.current = new TimelinePanel(panel, extensionUri, sessions);
    return TimelinePanel.current;
  }

  private constructor(private readonly panel: vscode.WebviewPanel, extensionUri: vscode.Uri, private readonly sessions: HyperlabSessions) {
    panel.iconPath = vscode.Uri.joinPath(extensionUri, 'media', 'hyperlab.svg');
    const legend = TIMELINE_LEGEND.map((l) => `<span class="legend-item"><span class="swatch ev ${l.kind}"></span>${escapeHtml(l.text)}</span>`).join(' ');
    panel.webview.html = pageHtml(panel.webview, extensionUri, {
      title: 'Timeline',
      controls: `<div role="toolbar" aria-label="Zoom and pan" class="toolbar">
<button id="zoom-in" title="Zoom in (+)">Zoom in</button>
<button id="zoom-out" title="Zoom out (−)">Zoom out</button>
<button id="pan-left" title="Earlier (←)">◀ Earlier</button>
<button id="pan-right" title="Later (→)">Later ▶</button>
<button id="reset" title="Show everything (0)">Fit</button>
</div>
<div class="legend" aria-label="Legend">${legend}</div>`,
      scripts: ['scene.js', 'timeline.js'],
    });
    this.disposables.push(
      panel.onDidDispose(() => this.dispose()),
      panel.webview.onDidReceiveMessage((raw: unknown) => {
        const m = parseFromWebview(raw);
        if (!m) return;
        const bounds = fullWindow(this.events);
        const w = this.window ?? bounds;
        if (m.type === 'ready') void this.fetch();
        else if (m.type === 'reset') this.window = null;
        else if (m.type === 'zoom') this.window = zoom(w, m.factor, m.anchor, bounds);
        else if (m.type === 'pan') this.window = pan(w, m.fraction, bounds);
        else if (m.type === 'resize') this.width = Math.round(Math.min(4000, Math.max(480, m.width)));
        if (m.type !== 'ready') void this.render();
      }),
      // Reading the whole trace is the costly part: at most once a second while the machine
      // runs, at once when it stops (the trace cannot be read incrementally by time: harts'
      // clocks differ, so a lagging hart adds events earlier than the last read's end).
      sessions.onDidChange(() => this.refetch.trigger(sessions.phase !== 'running')),
      { dispose: () => this.refetch.dispose() },
    );
  }

  private post(m: ToWebview): Thenable<boolean> {
    return this.panel.webview.postMessage(m);
  }

  private async fetch(): Promise<void> {
    try {
      const trace = await readTrace(this.sessions.request, [...TIMELINE_KINDS], EVENT_LIMIT);
      this.events = trace.events;
      this.truncated = trace.truncated;
      await this.render();
    } catch (e) {
      await this.post({ type: 'error', message: `No timeline: ${errorText(e)}` });
    }
  }

  private async render(): Promise<void> {
    const w = this.window ?? fullWindow(this.events);
    const scene = timelineScene(this.events, w, { ...DEFAULT_TIMELINE, width: this.width });
    const status = `${this.events.length} events${this.truncated ? ` (the first ${EVENT_LIMIT} only)` : ''}, showing ${shortCycles(w.start)} – ${shortCycles(w.end)} cycles${this.sessions.ended ? ' · ended: last state' : ''}`;
    await this.post({ type: 'scene', scene, status });
  }

  dispose(): void {
    if (TimelinePanel.current === this) TimelinePanel.current = undefined;
    for (const d of this.disposables) d.dispose();
    this.panel.dispose();
  }
}
