/**
 * The extension's public API: what `activate()` returns and what `vscode.extensions
 * .getExtension('hyperlab.hyperlab').exports` gives to other extensions and to the
 * extension-host tests. Type-only, so importing it pulls nothing into a test bundle.
 */

/** One rendered row of a HyperLab tree view, as the user would read it. */
export interface ViewItemSnapshot {
  label: string;
  description?: string;
  tooltip?: string;
  /** Present when the row is expandable; expanded to a small fixed depth. */
  children?: ViewItemSnapshot[];
}

/** Ids of the views `viewItems` accepts (package.json `contributes.views.hyperlab`). */
export type HyperlabViewId =
  | 'hyperlab.machine'
  | 'hyperlab.tlb'
  | 'hyperlab.pageTables'
  | 'hyperlab.trampolines'
  | 'hyperlab.callbacks'
  | 'hyperlab.interrupts'
  | 'hyperlab.integrity';

export interface HyperlabApi {
  /** Resolves once the language client has started (rejects if the server could not start). */
  readonly serverReady: Promise<void>;
  /**
   * The tree a view shows right now, fetched through the same providers the views use (so through
   * the DAP custom requests of the active HyperLab session, or the last state kept after it
   * ended). Expandable rows are expanded to depth 3. An unknown view id rejects with an Error
   * naming the known ids.
   */
  viewItems(viewId: HyperlabViewId | string): Promise<ViewItemSnapshot[]>;
}
