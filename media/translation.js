// Translation diagram page: the address form and the picture; the extension does the walk.
/* global document, window, acquireVsCodeApi */
'use strict';
(function () {
  const vscode = acquireVsCodeApi();
  const form = document.getElementById('form');
  const address = document.getElementById('address');
  const vcpu = document.getElementById('vcpu');
  const access = document.getElementById('access');
  const status = document.getElementById('status');
  const picture = document.getElementById('picture');
  const details = document.getElementById('details');

  form.addEventListener('submit', (ev) => {
    ev.preventDefault();
    const threadId = vcpu.value === '' ? null : Number(vcpu.value);
    vscode.postMessage({ type: 'translate', address: address.value, threadId, access: access.value });
  });

  window.hyperlabScene.connectPanel(vscode, { status, picture, details }, (m) => {
    if (m.type === 'choices') {
      vcpu.replaceChildren(...m.vcpus.map((c) => {
        const o = document.createElement('option');
        o.value = c.threadId === null ? '' : String(c.threadId);
        o.textContent = c.label;
        o.selected = c.threadId === m.threadId;
        return o;
      }));
      if (document.activeElement !== address) address.value = m.address;
      access.value = m.access;
    }
  });
})();
