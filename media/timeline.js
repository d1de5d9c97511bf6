// Timeline page: zoom/pan controls (buttons, keys, wheel) and the picture; the extension lays out.
/* global document, window, acquireVsCodeApi */
'use strict';
(function () {
  const vscode = acquireVsCodeApi();
  const status = document.getElementById('status');
  const picture = document.getElementById('picture');
  const details = document.getElementById('details');
  picture.setAttribute('tabindex', '0');
  picture.setAttribute('aria-label', 'Timeline: + and − zoom, arrow keys pan, 0 fits everything');

  const zoom = (factor, anchor) => vscode.postMessage({ type: 'zoom', factor, anchor: anchor === undefined ? 0.5 : anchor });
  const pan = (fraction) => vscode.postMessage({ type: 'pan', fraction });
  document.getElementById('zoom-in').addEventListener('click', () => zoom(2));
  document.getElementById('zoom-out').addEventListener('click', () => zoom(0.5));
  document.getElementById('pan-left').addEventListener('click', () => pan(-0.25));
  document.getElementById('pan-right').addEventListener('click', () => pan(0.25));
  document.getElementById('reset').addEventListener('click', () => vscode.postMessage({ type: 'reset' }));

  picture.addEventListener('keydown', (ev) => {
    const keys = { '+': () => zoom(2), '=': () => zoom(2), '-': () => zoom(0.5), '0': () => vscode.postMessage({ type: 'reset' }), ArrowLeft: () => pan(-0.1), ArrowRight: () => pan(0.1) };
    const act = keys[ev.key];
    if (act) {
      ev.preventDefault();
      act();
    }
  });
  picture.addEventListener('wheel', (ev) => {
    if (!ev.ctrlKey) return;
    ev.preventDefault();
    const box = picture.getBoundingClientRect();
    zoom(ev.deltaY < 0 ? 1.5 : 1 / 1.5, (ev.clientX - box.left) / Math.max(1, box.width));
  }, { passive: false });

  window.hyperlabScene.connectPanel(vscode, { status, picture, details });
})();
