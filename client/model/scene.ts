/**
 * What a webview draws: positioned SVG primitives computed by the (tested) layout code on the
 * extension side. The webview script (`media/scene.js`) only turns these into SVG elements, so
 * no layout logic lives in untyped browser code. Colours come from CSS classes mapped to the
 * theme's `--vscode-*` variables in `media/webview.css`.
 */
export interface SceneRect {
  type: 'rect';
  x: number; y: number; w: number; h: number;
  cls: string;
  /** Text for screen readers and the details line; makes the shape focusable. */
  label?: string;
}
export interface SceneLine {
  type: 'line';
  x1: number; y1: number; x2: number; y2: number;
  cls: string;
  arrow?: boolean;
  label?: string;
}
export interface SceneText {
  type: 'text';
  x: number; y: number;
  text: string;
  cls: string;
  anchor?: 'start' | 'middle' | 'end';
}
export type SceneItem = SceneRect | SceneLine | SceneText;

export interface Scene {
  width: number;
  height: number;
  /** Title of the picture (the SVG's accessible name). */
  title: string;
  items: SceneItem[];
}
