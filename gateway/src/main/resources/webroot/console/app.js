// Countersign operator console. Uses the public HTTP API only. The token lives in sessionStorage; secrets are
// shown once in the page and are never logged, stored or put in a URL.
(function () {
  'use strict';
  const RACE_MESSAGE = 'Another rotation happened while this page was open. Reload: if a new secret is displayed, copy that one.';
  const $ = (id) => document.getElementById(id);
  const state = { tenant: sessionStorage.getItem('cs.tenant') || '', token: sessionStorage.getItem('cs.token') || '', endpoints: [] };

  function el(tag, attrs, ...children) {
    const node = document.createElement(tag);
    Object.entries(attrs || {}).forEach(([k, v]) => {
      if (k === 'class') node.className = v;
      else if (k.startsWith('on')) node.addEventListener(k.slice(2), v);
      else if (v !== null && v !== undefined) node.setAttribute(k, v);
    });
    children.flat().forEach((c) => node.append(c instanceof Node ? c : document.createTextNode(c == null ? '' : String(c))));
    return node;
  }

  async function api(method, path, body, version) {
    const headers = { Authorization: 'Bearer ' + state.token };
    if (body !== undefined) headers['Content-Type'] = 'application/json';
    if (version !== undefined) headers['If-Match'] = '"' + version + '"';
    const response = await fetch('/v1/tenants/' + encodeURIComponent(state.tenant) + path, {
      method, headers, body: body === undefined ? undefined : JSON.stringify(body), cache: 'no-store'
    });
    let json = {};
    try { json = await response.json(); } catch (e) { json = {}; }
    return { status: response.status, ok: response.ok, json };
  }

  function setStatus(text) { $('status').textContent = text; }

  function utc(iso) { return iso ? iso.replace('T', ' ').replace(/\.\d+Z$/, 'Z').replace('Z', ' UTC') : ''; }

  function countdown(iso) {
    const ms = Date.parse(iso) - Date.now();
    if (ms <= 0) return 'expired';
    const d = Math.floor(ms / 86400000), h = Math.floor(ms / 3600000) % 24, m = Math.floor(ms / 60000) % 60;
    return (d ? d + 'd ' : '') + h + 'h ' + m + 'm left';
  }

  function message(box, kind, text) {
    box.replaceChildren(el('div', { class: 'message ' + kind, role: kind === 'error' ? 'alert' : 'status' }, text));
  }

  function showSecretOnce(box, secret, cutoff) {
    const tpl = $('secret-dialog').content.cloneNode(true);
    tpl.querySelector('.secret-value').textContent = secret;
    tpl.querySelector('.cutoff').textContent = 'Receivers must switch before ' + utc(cutoff) + '.';
    const panel = tpl.querySelector('.secret-once');
    tpl.querySelector('.copy').addEventListener('click', () => navigator.clipboard && navigator.clipboard.writeText(secret));
    tpl.querySelector('.dismiss').addEventListener('click', () => panel.remove());
    box.replaceChildren(tpl);
  }

  // The same compare-and-set handling for every secret action: the version the page loaded goes in If-Match.
  function explainFailure(box, r, endpoint) {
    const code = r.json.code;
    if (r.status === 409 && code === 'rotation_race') {
      message(box, 'error', RACE_MESSAGE);
    } else if (r.status === 409 && code === 'overlap_in_progress') {
      box.replaceChildren(el('div', { class: 'message error', role: 'alert' },
        'A rotation overlap is still running: ' + r.json.detail + ' ',
        el('button', { type: 'button', onclick: () => rotate(endpoint, box, true) }, 'Drop the previous secret and rotate')));
    } else {
      message(box, 'error', (code ? code + ': ' : '') + (r.json.detail || ('HTTP ' + r.status)));
    }
  }

  async function rotate(endpoint, box, dropPrevious) {
    const overlap = box.closest('.endpoint').querySelector('.overlap').value || 'P7D';
    if (dropPrevious && !window.confirm('Receivers still holding the previous secret will start failing. Drop it?')) return;
    const body = { overlap };
    if (dropPrevious) body.dropPrevious = true;
    const r = await api('POST', '/endpoints/' + endpoint.id + '/secret/rotate', body, endpoint.version);
    if (r.ok) {
      showSecretOnce(box, r.json.secret, r.json.receiversMustSwitchBefore);
      endpoint.version = r.json.version;   // further actions on this card use the new version
    } else {
      explainFailure(box, r, endpoint);
    }
  }

  async function simpleAction(endpoint, box, action, body, done) {
    const r = await api('POST', '/endpoints/' + endpoint.id + '/secret/' + action, body || {}, endpoint.version);
    if (r.ok) {
      message(box, 'ok', done(r.json));
      if (r.json.version !== undefined) endpoint.version = r.json.version;
    } else {
      explainFailure(box, r, endpoint);
    }
  }

  function endpointCard(e) {
    const previous = e.secrets.find((s) => s.state === 'previous');
    const box = el('div', { class: 'result', 'aria-live': 'polite' });
    const card = el('article', { class: 'endpoint', 'data-endpoint': e.id },
      el('h2', {}, e.url),
      el('div', { class: 'meta' },
        el('span', {}, 'id ', el('code', {}, e.id)),
        el('span', {}, 'version ', el('span', { class: 'version' }, e.version)),
        el('span', {}, 'event types: ', e.eventTypes.length ? e.eventTypes.join(', ') : 'all'),
        el('span', {}, 'state: ', el('span', { class: 'badge ' + (e.enabled ? 'enabled' : 'disabled') }, e.enabled ? 'enabled' : 'disabled'),
          ' circuit ', el('span', { class: 'badge ' + e.circuit.state }, e.circuit.state)),
        el('span', {}, 'adoption: ', el('span', { class: 'badge adoption ' + e.adoption }, e.adoption)),
        el('span', {}, 'signature rejections (1 h): ', e.signatureRejections),
        el('span', {}, 'last delivery: ', e.lastDelivery ? (e.lastDelivery.statusCode || e.lastDelivery.error || '') + ' at ' + utc(e.lastDelivery.at) : 'none')),
      el('ul', { class: 'secrets', 'aria-label': 'Secrets' }, e.secrets.map((s) => el('li', { class: 'secret ' + s.state },
        el('strong', {}, s.state), ' ', el('code', { class: 'hint' }, '…' + s.hint), ' (' + s.id + ')',
        s.expiresAt ? ' valid until ' + utc(s.expiresAt) + ' (' + countdown(s.expiresAt) + ')' : ''))),
      el('div', { class: 'actions' },
        el('label', {}, 'Overlap ', el('input', { class: 'overlap', value: 'P7D', size: '6', 'aria-label': 'Overlap (ISO-8601)' })),
        el('button', { type: 'button', class: 'rotate', onclick: () => rotate(e, box, false) }, 'Rotate'),
        el('button', { type: 'button', class: 'probe', onclick: () => simpleAction(e, box, 'probe', {}, (j) =>
          'Probe ' + j.result + (j.statusCode ? ' (' + j.statusCode + ')' : '') + ' in ' + j.latencyMs + ' ms; adoption: ' + j.adoption) }, 'Probe'),
        el('button', { type: 'button', class: 'expire', disabled: previous ? null : 'disabled',
          onclick: () => simpleAction(e, box, 'expire-previous', {}, () => 'The previous secret no longer signs.') }, 'Expire previous'),
        el('button', { type: 'button', class: 'rollback', disabled: previous ? null : 'disabled',
          onclick: () => simpleAction(e, box, 'rollback', {}, () => 'Rolled back: the previous secret is current again.') }, 'Roll back'),
        el('label', {}, 'Extend to (UTC) ', el('input', { class: 'extend-to', placeholder: '2026-12-31T17:00:00Z', size: '22' })),
        el('button', { type: 'button', class: 'extend', disabled: previous ? null : 'disabled',
          onclick: () => simpleAction(e, box, 'extend', { expiresAt: card.querySelector('.extend-to').value }, () => 'Overlap extended.') }, 'Extend')),
      box);
    return card;
  }

  async function loadEndpoints() {
    const r = await api('GET', '/endpoints');
    if (!r.ok) { setStatus('Could not load endpoints: ' + (r.json.detail || r.status)); return; }
    state.endpoints = r.json.data;
    $('view-endpoints').replaceChildren(...state.endpoints.map(endpointCard));
    $('replay-endpoint').replaceChildren(...state.endpoints.map((e) => el('option', { value: e.id }, e.url)));
    setStatus(state.endpoints.length + ' endpoints, loaded ' + utc(new Date().toISOString()));
  }

  async function loadDeliveries() {
    const r = await api('GET', '/deliveries?status=failed&limit=200');
    if (!r.ok) { setStatus('Could not load deliveries: ' + (r.json.detail || r.status)); return; }
    $('deliveries-table').replaceChildren(el('table', {},
      el('thead', {}, el('tr', {}, ['Event', 'Endpoint', 'Attempts', 'Last status', 'Last error', 'Created (UTC)'].map((h) => el('th', { scope: 'col' }, h)))),
      el('tbody', {}, r.json.data.map((d) => el('tr', {}, el('td', {}, d.eventId), el('td', {}, d.endpointId), el('td', {}, d.attemptCount),
        el('td', {}, d.lastStatusCode == null ? '' : d.lastStatusCode), el('td', {}, d.lastError || ''), el('td', {}, utc(d.createdAt)))))));
  }

  async function loadAudit() {
    const r = await api('GET', '/audit?limit=500');
    if (!r.ok) { setStatus('Could not load the audit log: ' + (r.json.detail || r.status)); return; }
    $('view-audit').replaceChildren(el('table', {},
      el('thead', {}, el('tr', {}, ['Time (UTC)', 'Kind', 'Endpoint', 'Actor', 'Versions', 'Detail'].map((h) => el('th', { scope: 'col' }, h)))),
      el('tbody', {}, r.json.data.slice().reverse().map((a) => el('tr', {}, el('td', {}, utc(a.at)), el('td', {}, a.kind), el('td', {}, a.endpointId || ''),
        el('td', {}, a.actor), el('td', {}, (a.versionBefore ?? '') + ' → ' + (a.versionAfter ?? '')), el('td', {}, JSON.stringify(a.detail)))))));
  }

  function show(view) {
    ['endpoints', 'deliveries', 'audit'].forEach((v) => { $('view-' + v).hidden = v !== view; });
    document.querySelectorAll('nav button').forEach((b) => b.setAttribute('aria-pressed', String(b.dataset.view === view)));
    if (view === 'endpoints') loadEndpoints();
    if (view === 'deliveries') loadDeliveries();
    if (view === 'audit') loadAudit();
  }

  $('login').addEventListener('submit', (ev) => {
    ev.preventDefault();
    state.tenant = $('tenant').value.trim();
    state.token = $('token').value.trim();
    sessionStorage.setItem('cs.tenant', state.tenant);
    sessionStorage.setItem('cs.token', state.token);
    show('endpoints');
  });
  document.querySelectorAll('nav button').forEach((b) => b.addEventListener('click', () => show(b.dataset.view)));
  $('replay-form').addEventListener('submit', async (ev) => {
    ev.preventDefault();
    const endpoint = $('replay-endpoint').value;
    const body = { since: $('replay-since').value.trim(), status: 'failed' };
    if ($('replay-until').value.trim()) body.until = $('replay-until').value.trim();
    const key = 'console-replay-' + endpoint + '-' + body.since + '-' + (body.until || Date.now());
    const response = await fetch('/v1/tenants/' + encodeURIComponent(state.tenant) + '/endpoints/' + endpoint + '/replay', {
      method: 'POST', cache: 'no-store',
      headers: { Authorization: 'Bearer ' + state.token, 'Content-Type': 'application/json', 'Idempotency-Key': key },
      body: JSON.stringify(body)
    });
    const json = await response.json().catch(() => ({}));
    message($('replay-result'), response.ok ? 'ok' : 'error',
      response.ok ? 'Re-queued ' + json.requeued + ' deliveries.' : (json.code + ': ' + json.detail));
    if (response.ok) loadDeliveries();
  });

  $('tenant').value = state.tenant;
  $('token').value = state.token;
  if (state.tenant && state.token) show('endpoints');
}());
