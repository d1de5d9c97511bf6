// Draws a Scene (client/model/scene.ts) as SVG. Layout happens in the extension (tested
// TypeScript); this file only creates elements, so nothing here needs a charting library.
/* global document, window */
'use strict';
(function () {
  const SVG = 'http://www.w3.org/2000/svg';

  function el(name, attrs) {
    const e = document.createElementNS(SVG, name);
    for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, String(v));
    return e;
  }

  function focusable(node, label, details) {
    node.setAttribute('tabindex', '0');
    node.setAttribute('role', 'img');
    node.setAttribute('aria-label', label);
    const title = el('title', {});
    title.textContent = label;
    node.appendChild(title);
    const show = () => { details.textContent = label; };
    node.addEventListener('focus', show);
    node.addEventListener('mouseenter', show);
  }

  /** Replaces the content of `container` with the scene; `details` receives the focused item's text. */
  function renderScene(container, details, scene) {
    const svg = el('svg', { width: scene.width, height: scene.height, viewBox: `0 0 ${scene.width} ${scene.height}`, role: 'group', 'aria-label': scene.title });
    const defs = el('defs', {});
    const marker = el('marker', { id: 'arrowhead', markerWidth: 8, markerHeight: 8, refX: 7, refY: 4, orient: 'auto', markerUnits: 'strokeWidth' });
    marker.appendChild(el('path', { d: 'M0,0 L8,4 L0,8 z', class: 'arrowhead' }));
    defs.appendChild(marker);
    svg.appendChild(defs);
    for (const item of scene.items) {
      let node;
      if (item.type === 'rect') {
        node = el('rect', { x: item.x, y: item.y, width: Math.max(0, item.w), height: Math.max(0, item.h), rx: 3, class: item.cls });
      } else if (item.type === 'line') {
        node = el('line', { x1: item.x1, y1: item.y1, x2: item.x2, y2: item.y2, class: item.cls });
        if (item.arrow) node.setAttribute('marker-end', 'url(#arrowhead)');
      } else if (item.type === 'text') {
        node = el('text', { x: item.x, y: item.y, class: item.cls, 'text-anchor': item.anchor || 'start', 'dominant-baseline': 'middle' });
        node.textContent = item.text;
      } else {
        continue;
      }
      if (item.label) focusable(node, item.label, details);
      svg.appendChild(node);
    }
    container.replaceChildren(svg);
    return svg;
  }

  /**
   * What both panels share with their extension side: draw each 'scene' message, show 'error'
   * messages in the status line, hand other messages to `onMessage`, and report the picture's
   * width (the extension lays the picture out for it) now, on resizes, then say 'ready'.
   */
  function connectPanel(vscode, parts, onMessage) {
    const { status, picture, details } = parts;
    window.addEventListener('message', (ev) => {
      const m = ev.data;
      if (m.type === 'scene') {
        status.textContent = m.status;
        status.classList.remove('error');
        renderScene(picture, details, m.scene);
      } else if (m.type === 'error') {
        status.textContent = m.message;
        status.classList.add('error');
      } else if (onMessage) {
        onMessage(m);
      }
    });
    let resizeTimer;
    const reportWidth = () => vscode.postMessage({ type: 'resize', width: picture.clientWidth || document.body.clientWidth });
    window.addEventListener('resize', () => {
      clearTimeout(resizeTimer);
      resizeTimer = setTimeout(reportWidth, 150);
    });
    reportWidth();
    vscode.postMessage({ type: 'ready' });
  }

  window.hyperlabScene = { renderScene, connectPanel };
})();
