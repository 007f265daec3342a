// Countersign operator console. Uses the public HTTP API only. The token lives in sessionStorage; secrets are
// shown once in the page and are never logged, stored or put in a URL.
//
// Three rules keep an operator from losing a secret (the incident this project exists for):
// - one Idempotency-Key per operator intent: a double-click or a retry after a network error repeats the answer,
//   never the change;
// - every state-changing button is disabled while its request is in flight;
// - a secret, once shown, stays in its own panel (outside the endpoint cards, which re-render) until the operator
//   confirms "I have stored it"; no later answer, re-render or 409 replaces it.
(function () {
  'use strict';
  const $ = (id) => document.getElementById(id);
  const state = { tenant: sessionStorage.getItem('cs.tenant') || '', token: sessionStorage.getItem('cs.token') || '', endpoints: [] };
  // intent -> Idempotency-Key, kept until the intent gets an HTTP answer, so a retry after a network error reuses it
  const intents = new Map();

  function el(tag, attrs, ...children) {
    const node = document.createElement(tag);
    Object.entries(attrs || {}).forEach(([k, v]) => {
      if (k === 'class') node.className = v;
      else if (k.startsWith('on')) node.addEventListener(k.slice(2), v);
      else if (v !== null && v !== undefined && v !== false) node.setAttribute(k, v === true ? '' : v);
    });
    children.flat().forEach((c) => node.append(c instanceof Node ? c : document.createTextNode(c == null ? '' : String(c))));
    return node;
  }

  function newKey() {
    return 'console-' + (crypto.randomUUID ? crypto.randomUUID() : Date.now() + '-' + Math.random().toString(16).slice(2));
  }

  async function api(method, path, body, options) {
    const { version, intent } = options || {};
    const headers = { Authorization: 'Bearer ' + state.token };
    if (body !== undefined) headers['Content-Type'] = 'application/json';
    if (version !== undefined) headers['If-Match'] = '"' + version + '"';
    if (intent) {
      if (!intents.has(intent)) intents.set(intent, newKey());
      headers['Idempotency-Key'] = intents.get(intent);
    }
    let response;
    try {
      response = await fetch('/v1/tenants/' + encodeURIComponent(state.tenant) + path, {
        method, headers, body: body === undefined ? undefined : JSON.stringify(body), cache: 'no-store'
      });
    } catch (e) {
      // no answer: keep the intent's key, so trying again cannot apply the change twice
      return { status: 0, ok: false, json: { code: 'network_error', detail: 'The gateway did not answer. Nothing is known to have changed; trying again is safe.' } };
    }
    if (intent) intents.delete(intent);
    let json = {};
    try { json = await response.json(); } catch (e) { json = {}; }
    return { status: response.status, ok: response.ok, json, replayed: response.headers.get('Idempotent-Replayed') === 'true' };
  }

  // The second click of a double-click is never a new intent. Swallowed before any handler sees it: when the first
  // click's change answers quickly, the card is redrawn between the two clicks and the second lands on a new button
  // in the same place (Disable becomes Enable), which once() below cannot know is the same gesture.
  document.addEventListener('click', (ev) => {
    if (ev.detail > 1 && ev.target.closest && ev.target.closest('button')) {
      ev.stopImmediatePropagation();
      ev.preventDefault();
    }
  }, true);

  // Runs a state-changing action once: its button (and the card's other buttons) stay disabled until it answers.
  async function once(button, action) {
    if (button.dataset.busy === '1') return;
    const group = button.closest('[data-actions]') || button.parentElement;
    const buttons = Array.from(group.querySelectorAll('button'));
    const before = buttons.map((b) => b.disabled);
    buttons.forEach((b) => { b.disabled = true; });
    button.dataset.busy = '1';
    button.setAttribute('aria-busy', 'true');
    try {
      await action();
    } finally {
      delete button.dataset.busy;
      button.removeAttribute('aria-busy');
      if (button.isConnected) buttons.forEach((b, i) => { b.disabled = before[i]; });
    }
  }

  function setStatus(text) { $('status').textContent = text; }

  function utc(iso) { return iso ? iso.replace('T', ' ').replace(/\.\d+Z$/, 'Z').replace('Z', ' UTC') : ''; }

  function countdown(iso) {
    const ms = Date.parse(iso) - Date.now();
    if (ms <= 0) return 'expired';
    const d = Math.floor(ms / 86400000), h = Math.floor(ms / 3600000) % 24, m = Math.floor(ms / 60000) % 60;
    return (d ? d + 'd ' : '') + h + 'h ' + m + 'm left';
  }

  function message(box, kind, ...text) {
    box.replaceChildren(el('div', { class: 'message ' + kind, role: kind === 'error' ? 'alert' : 'status' }, ...text));
  }

  // The secret panel lives in #secrets-shown, which nothing else writes to; only its own button removes it.
  function showSecretOnce(title, secret, note) {
    const tpl = $('secret-dialog').content.cloneNode(true);
    const panel = tpl.querySelector('.secret-once');
    tpl.querySelector('.secret-title').textContent = title;
    tpl.querySelector('.secret-value').textContent = secret;
    tpl.querySelector('.cutoff').textContent = note;
    tpl.querySelector('.copy').addEventListener('click', () => navigator.clipboard && navigator.clipboard.writeText(secret).catch(() => {}));
    tpl.querySelector('.dismiss').addEventListener('click', () => {
      if (window.confirm('Have you stored this secret where the receiver reads it? It will not be shown again.')) panel.remove();
    });
    $('secrets-shown').append(tpl);
    panel.scrollIntoView({ block: 'nearest' });
  }
  window.addEventListener('beforeunload', (ev) => {
    if ($('secrets-shown').children.length) { ev.preventDefault(); ev.returnValue = ''; }
  });

  // A public key is not a secret: its panel can be dismissed without a warning, and the card keeps showing it.
  function showPublicKey(title, publicKey, note) {
    const tpl = $('secret-dialog').content.cloneNode(true);
    const panel = tpl.querySelector('.secret-once');
    panel.classList.add('public-key-once');
    tpl.querySelector('.secret-title').textContent = title;
    tpl.querySelector('.secret-value').textContent = publicKey;
    tpl.querySelector('.cutoff').textContent = note || '';
    tpl.querySelector('.copy').textContent = 'Copy public key';
    tpl.querySelector('.copy').addEventListener('click', () => navigator.clipboard && navigator.clipboard.writeText(publicKey).catch(() => {}));
    tpl.querySelector('.dismiss').textContent = 'Dismiss';
    tpl.querySelector('.dismiss').addEventListener('click', () => panel.remove());
    $('public-keys-shown').append(tpl);
  }

  // A lost compare-and-set: the server's account of who won, and the next step. Never a secret.
  function explainFailure(box, r, endpoint) {
    const code = r.json.code;
    const detail = r.json.detail || ('HTTP ' + r.status);
    if (r.status === 409 && (code === 'rotation_race' || code === 'concurrent_change' || code === 'stale_version')) {
      const w = r.json.winner;
      const rows = [el('p', {}, el('strong', {}, code === 'rotation_race' ? 'Another rotation won. ' : 'The endpoint changed meanwhile. '), detail)];
      if (w) rows.push(el('p', { class: 'winner' }, 'Version ' + w.version + ': ' + (w.change || 'a change') + ' by ' + (w.actor || 'unknown') + (w.at ? ' at ' + utc(w.at) : '') + '.'));
      const next = [el('button', { type: 'button', class: 'reload', onclick: () => loadEndpoints() }, 'Show the current state')];
      if (w && (w.change === 'secret_rotated' || w.change === 'previous_dropped')) {
        next.push(el('button', { type: 'button', class: 'rollback-winner', onclick: (ev) => once(ev.target, () =>
          simpleAction(Object.assign({}, endpoint, { version: w.version }), box, 'rollback', {}, () => 'Rolled back: the secret your receivers had is current again.')) },
        'Roll back version ' + w.version));
      }
      box.replaceChildren(el('div', { class: 'message error', role: 'alert', 'data-actions': '' }, rows, el('div', { class: 'actions' }, next)));
    } else if (r.status === 409 && code === 'overlap_in_progress') {
      box.replaceChildren(el('div', { class: 'message error', role: 'alert', 'data-actions': '' },
        'A rotation overlap is still running: ' + detail + ' ',
        el('button', { type: 'button', onclick: (ev) => once(ev.target, () => rotate(endpoint, box, true)) }, 'Drop the previous secret and rotate')));
    } else {
      message(box, 'error', (code ? code + ': ' : '') + detail);
    }
  }

  async function rotate(endpoint, box, dropPrevious) {
    const card = box.closest('.endpoint');
    const overlap = card.querySelector('.overlap').value || 'P7D';
    const scheme = card.querySelector('.rotate-scheme').value;
    if (dropPrevious && !window.confirm('Receivers still holding the previous secret will start failing. Drop it?')) return;
    const body = { overlap };
    if (scheme !== endpoint.signatureScheme) body.signatureScheme = scheme;
    if (dropPrevious) body.dropPrevious = true;
    const r = await api('POST', '/endpoints/' + endpoint.id + '/secret/rotate', body,
      { version: endpoint.version, intent: 'rotate:' + endpoint.id + ':' + endpoint.version + ':' + JSON.stringify(body) });
    if (r.ok) {
      endpoint.version = r.json.version;   // further actions on this card use the new version
      const switchBy = 'Receivers must switch before ' + utc(r.json.receiversMustSwitchBefore) + '. Until then every delivery carries both signatures.';
      if (r.json.secret) {
        showSecretOnce('New secret for ' + endpoint.url + ' (version ' + r.json.version + '), shown only once.', r.json.secret, switchBy);
      } else if (r.json.current.publicKey) {
        // a public key is not a secret: it stays readable on the card and at GET .../public-keys
        showPublicKey('New Ed25519 public key for ' + endpoint.url + ' (version ' + r.json.version + ').', r.json.current.publicKey, switchBy);
      }
      message(box, 'ok', 'Rotated to version ' + r.json.version + (r.replayed ? ' (this click repeated the same rotation; nothing rotated twice)' : '')
        + (r.json.secret ? '. The new secret is in the panel at the top.' : r.json.current.publicKey ? '. The new public key is in the panel at the top.' : '.'));
      box.closest('.endpoint').querySelector('.version').textContent = r.json.version;
    } else {
      explainFailure(box, r, endpoint);
    }
  }

  async function simpleAction(endpoint, box, action, body, done) {
    const r = await api('POST', '/endpoints/' + endpoint.id + '/secret/' + action, body || {},
      { version: endpoint.version, intent: action + ':' + endpoint.id + ':' + endpoint.version + ':' + JSON.stringify(body || {}) });
    if (r.ok) {
      message(box, 'ok', done(r.json));
      if (r.json.version !== undefined) {
        endpoint.version = r.json.version;
        const card = box.closest('.endpoint');
        if (card) card.querySelector('.version').textContent = r.json.version;
      }
    } else {
      explainFailure(box, r, endpoint);
    }
  }

  async function patchEndpoint(endpoint, box, change, done) {
    const r = await api('PATCH', '/endpoints/' + endpoint.id, change,
      { version: endpoint.version, intent: 'patch:' + endpoint.id + ':' + endpoint.version + ':' + JSON.stringify(change) });
    if (r.ok) {
      await loadEndpoints();
      const card = document.querySelector('article[data-endpoint="' + endpoint.id + '"] .result');
      if (card) message(card, 'ok', done(r.json));
    } else {
      explainFailure(box, r, endpoint);
    }
  }

  function banner(e, previous, box) {
    const items = [];
    if (e.signatureRejectionBurst) {
      const current = e.secrets.find((s) => s.state === 'current');
      items.push(el('div', { class: 'banner burst', role: 'alert', 'data-actions': '' },
        el('strong', {}, 'The receiver is rejecting signatures (401/403) since ' + utc(e.signatureRejectionBurst.since) + '. '),
        previous
          ? ['A rotation overlap is active: if the receiver cannot take the new secret yet, roll back or extend. ',
            el('button', { type: 'button', class: 'rollback', onclick: (ev) => once(ev.target, () => simpleAction(e, box, 'rollback', {}, () => 'Rolled back: the previous secret is current again.')) }, 'Roll back'),
            ' ',
            el('button', { type: 'button', class: 'banner-extend', onclick: () => e.card.querySelector('.extend-to').focus() }, 'Extend…')]
          : 'No overlap is active: the receiver must deploy the current secret (hint …' + (current ? current.hint : '') + ').'));
    }
    if (e.overlapEndingUnconfirmed && previous) {
      items.push(el('div', { class: 'banner reminder', role: 'status' },
        el('span', { class: 'badge reminder' }, 'overlap ends soon, unconfirmed'),
        ' The previous secret stops signing at ' + utc(previous.expiresAt) + ' (' + countdown(previous.expiresAt) + ') and no receiver has confirmed the current one: probe it, or extend.'));
    }
    return items;
  }

  function endpointCard(e) {
    const previous = e.secrets.find((s) => s.state === 'previous');
    const box = el('div', { class: 'result', 'aria-live': 'polite' });
    const edit = el('form', { class: 'edit', hidden: true, 'data-actions': '' },
      el('label', {}, 'URL ', el('input', { class: 'edit-url', value: e.url, size: '40', required: true })),
      el('label', {}, 'Event types ', el('input', { class: 'edit-types', value: e.eventTypes.join(','), placeholder: 'all', size: '24' })),
      el('label', {}, 'Custom headers ', el('textarea', { class: 'edit-headers', rows: '2', cols: '34',
        placeholder: 'X-Api-Key: value (one per line; replaces them all; empty keeps them)' })),
      el('label', {}, el('input', { type: 'checkbox', class: 'edit-clear-headers' }), ' remove custom headers'),
      el('button', { type: 'submit', class: 'save' }, 'Save'));
    edit.addEventListener('submit', (ev) => {
      ev.preventDefault();
      const types = edit.querySelector('.edit-types').value.split(',').map((t) => t.trim()).filter(Boolean);
      const change = { url: edit.querySelector('.edit-url').value.trim(), eventTypes: types };
      const lines = edit.querySelector('.edit-headers').value.split('\n').map((l) => l.trim()).filter(Boolean);
      if (edit.querySelector('.edit-clear-headers').checked) {
        change.headers = {};
      } else if (lines.length) {
        change.headers = {};
        lines.forEach((l) => { const i = l.indexOf(':'); change.headers[l.slice(0, i).trim()] = l.slice(i + 1).trim(); });
      }
      once(edit.querySelector('.save'), () => patchEndpoint(e, box, change, () => 'Saved.'));
    });
    const card = el('article', { class: 'endpoint', 'data-endpoint': e.id },
      el('h2', {}, e.url),
      banner(e, previous, box),
      el('div', { class: 'meta' },
        el('span', {}, 'id ', el('code', {}, e.id)),
        el('span', {}, 'version ', el('span', { class: 'version' }, e.version)),
        el('span', {}, 'event types: ', e.eventTypes.length ? e.eventTypes.join(', ') : 'all'),
        el('span', {}, 'state: ', el('span', { class: 'badge ' + (e.enabled ? 'enabled' : 'disabled') }, e.enabled ? 'enabled' : 'disabled'),
          ' circuit ', el('span', { class: 'badge ' + e.circuit.state }, e.circuit.state)),
        el('span', {}, 'adoption: ', el('span', { class: 'badge adoption ' + e.adoption }, e.adoption)),
        el('span', {}, 'signature rejections (1 h): ', e.signatureRejections),
        el('span', { class: 'held' }, 'held deliveries: ', e.heldDeliveries || 0),
        el('span', { class: 'headers' }, 'custom headers: ', Object.keys(e.headers || {}).length
          ? Object.entries(e.headers).map(([k, v]) => k + ' ' + v).join(', ') : 'none'),
        el('span', {}, 'last delivery: ', e.lastDelivery ? (e.lastDelivery.statusCode || e.lastDelivery.error || '') + ' at ' + utc(e.lastDelivery.at) : 'none')),
      el('ul', { class: 'secrets', 'aria-label': 'Secrets' }, e.secrets.map((s) => el('li', { class: 'secret ' + s.state },
        el('strong', {}, s.state), ' ', el('span', { class: 'scheme' }, s.scheme), ' ',
        s.publicKey ? el('code', { class: 'public-key' }, s.publicKey) : el('code', { class: 'hint' }, '…' + s.hint), ' (' + s.id + ')',
        s.expiresAt ? ' valid until ' + utc(s.expiresAt) + ' (' + countdown(s.expiresAt) + ')' : ''))),
      el('div', { class: 'actions', 'data-actions': '' },
        el('label', {}, 'Overlap ', el('input', { class: 'overlap', value: 'P7D', size: '6', 'aria-label': 'Overlap (ISO-8601)' })),
        el('label', {}, 'to ', el('select', { class: 'rotate-scheme', 'aria-label': 'Signature scheme after the rotation' },
          ['hmac-sha256', 'ed25519'].map((v) => el('option', Object.assign({ value: v }, v === e.signatureScheme ? { selected: '' } : {}), v)))),
        el('button', { type: 'button', class: 'rotate', onclick: (ev) => once(ev.target, () => rotate(e, box, false)) }, 'Rotate'),
        el('button', { type: 'button', class: 'probe', onclick: (ev) => once(ev.target, () => simpleAction(e, box, 'probe', {}, (j) =>
          'Probe ' + j.result + (j.statusCode ? ' (' + j.statusCode + ')' : '') + ' in ' + j.latencyMs + ' ms; adoption: ' + j.adoption)) }, 'Probe'),
        el('button', { type: 'button', class: 'expire', disabled: !previous,
          onclick: (ev) => once(ev.target, () => simpleAction(e, box, 'expire-previous', {}, () => 'The previous secret no longer signs.')) }, 'Expire previous'),
        el('button', { type: 'button', class: 'rollback', disabled: !previous,
          onclick: (ev) => once(ev.target, () => simpleAction(e, box, 'rollback', {}, () => 'Rolled back: the previous secret is current again.')) }, 'Roll back'),
        el('label', {}, 'Extend to (UTC) ', el('input', { class: 'extend-to', placeholder: '2026-12-31T17:00:00Z', size: '22' })),
        el('button', { type: 'button', class: 'extend', disabled: !previous,
          onclick: (ev) => once(ev.target, () => simpleAction(e, box, 'extend', { expiresAt: card.querySelector('.extend-to').value.trim() }, () => 'Overlap extended: tell the receivers the new cutoff.')) }, 'Extend'),
        el('button', { type: 'button', class: e.enabled ? 'disable' : 'enable',
          onclick: (ev) => once(ev.target, () => patchEndpoint(e, box, { enabled: !e.enabled }, () => e.enabled ? 'Disabled: deliveries wait until it is enabled.' : 'Enabled: waiting deliveries are due now.')) },
        e.enabled ? 'Disable' : 'Enable'),
        !e.enabled && e.heldDeliveries > 0 ? el('button', { type: 'button', class: 'enable-release',
          onclick: (ev) => once(ev.target, () => patchEndpoint(e, box, { enabled: true, releaseHeld: true },
            () => 'Enabled: the ' + e.heldDeliveries + ' held deliveries are being sent.')) },
        'Enable and send ' + e.heldDeliveries + ' held') : null,
        el('button', { type: 'button', class: 'edit-toggle', onclick: () => { edit.hidden = !edit.hidden; } }, 'Edit')),
      edit,
      box);
    e.card = card;
    return card;
  }

  async function loadEndpoints() {
    const r = await api('GET', '/endpoints');
    if (!r.ok) { setStatus('Could not load endpoints: ' + (r.json.detail || r.status)); return; }
    state.endpoints = r.json.data;
    $('endpoint-list').replaceChildren(...(state.endpoints.length ? state.endpoints.map(endpointCard)
      : [el('p', { class: 'empty' }, 'No endpoints yet. Create one above: its signing secret is shown once.')]));
    $('replay-endpoint').replaceChildren(...state.endpoints.map((e) => el('option', { value: e.id }, e.url)));
    setStatus(state.endpoints.length + ' endpoints, loaded ' + utc(new Date().toISOString()));
  }

  function table(headers, rows, empty) {
    if (!rows.length) return el('p', { class: 'empty' }, empty);
    return el('table', {}, el('thead', {}, el('tr', {}, headers.map((h) => el('th', { scope: 'col' }, h)))), el('tbody', {}, rows));
  }

  async function loadDeliveries() {
    const r = await api('GET', '/deliveries?status=failed&limit=200');
    if (!r.ok) { setStatus('Could not load deliveries: ' + (r.json.detail || r.status)); return; }
    $('deliveries-table').replaceChildren(table(['Event', 'Endpoint', 'Attempts', 'Last status', 'Last error', 'Created (UTC)'],
      r.json.data.map((d) => el('tr', {}, el('td', {}, d.eventId), el('td', {}, d.endpointId), el('td', {}, d.attemptCount),
        el('td', {}, d.lastStatusCode == null ? '' : d.lastStatusCode), el('td', {}, d.lastError || ''), el('td', {}, utc(d.createdAt)))),
      'No failed deliveries. Deliveries still retrying are not listed here; replay them with status "pending".'));
  }

  async function loadAudit() {
    const r = await api('GET', '/audit?limit=500');
    if (!r.ok) { setStatus('Could not load the audit log: ' + (r.json.detail || r.status)); return; }
    $('view-audit').replaceChildren(table(['Time (UTC)', 'Kind', 'Endpoint', 'Actor', 'Versions', 'Detail'],
      r.json.data.slice().reverse().map((a) => el('tr', {}, el('td', {}, utc(a.at)), el('td', {}, a.kind), el('td', {}, a.endpointId || ''),
        el('td', {}, a.actor), el('td', {}, (a.versionBefore ?? '') + ' → ' + (a.versionAfter ?? '')), el('td', {}, JSON.stringify(a.detail)))),
      'No audit entries yet.'));
  }

  // The event log: filters, newest first, "Older events" follows the cursor; a row opens its deliveries and attempts.
  let eventsCursor = null;
  function eventsQuery() {
    const q = new URLSearchParams({ limit: '50' });
    [['eventType', 'events-type'], ['status', 'events-status'], ['endpoint', 'events-endpoint'], ['since', 'events-since'],
      ['until', 'events-until'], ['idempotencyKey', 'events-key']].forEach(([name, id]) => {
      const v = $(id).value.trim();
      if (v) q.set(name, v);
    });
    return q;
  }

  async function loadEvents(more) {
    const q = eventsQuery();
    if (more && eventsCursor) q.set('cursor', eventsCursor);
    const r = await api('GET', '/events?' + q.toString());
    if (!r.ok) { message($('events-result'), 'error', (r.json.code ? r.json.code + ': ' : '') + (r.json.detail || r.status)); return; }
    $('events-result').replaceChildren();
    eventsCursor = r.json.nextCursor;
    $('events-more').hidden = !eventsCursor;
    const rows = r.json.data.map((e) => el('tr', { class: 'event-row', 'data-event': e.id, tabindex: '0',
      onclick: () => showEvent(e.id), onkeydown: (ev) => { if (ev.key === 'Enter') showEvent(e.id); } },
      el('td', {}, utc(e.createdAt)), el('td', {}, el('code', {}, e.id)), el('td', {}, e.eventType),
      el('td', {}, e.deliveries.delivered + ' delivered, ' + e.deliveries.pending + ' pending, ' + e.deliveries.failed + ' failed'),
      el('td', {}, e.idempotencyKey)));
    if (more) {
      const body = $('events-table').querySelector('tbody');
      if (body) { rows.forEach((row) => body.append(row)); return; }
    }
    $('events-table').replaceChildren(table(['Created (UTC)', 'Event', 'Type', 'Deliveries', 'Idempotency-Key'], rows,
      'No events match. Events appear here as senders post them.'));
  }

  async function showEvent(id) {
    const r = await api('GET', '/events/' + encodeURIComponent(id));
    if (!r.ok) { message($('event-detail'), 'error', r.json.detail || r.status); return; }
    const e = r.json;
    $('event-detail').replaceChildren(el('article', { class: 'endpoint event-detail', 'data-event': e.id },
      el('h2', {}, e.eventType + ' ', el('code', {}, e.id)),
      el('p', {}, 'created ' + utc(e.createdAt) + ', Idempotency-Key ' + e.idempotencyKey),
      e.deliveries.length ? e.deliveries.map((d) => el('div', { class: 'delivery' },
        el('h3', {}, d.endpointId + ': ' + d.status + ' after ' + d.attemptCount + ' attempts'),
        table(['#', 'At (UTC)', 'Status', 'Latency', 'Error'], d.attempts.map((a) => el('tr', {}, el('td', {}, a.number),
          el('td', {}, utc(a.at)), el('td', {}, a.statusCode == null ? '' : a.statusCode), el('td', {}, a.latencyMs + ' ms'),
          el('td', {}, a.error || ''))), 'No attempt yet.')))
        : el('p', { class: 'empty' }, 'No endpoint was subscribed to this event.'),
      el('pre', { class: 'payload' }, JSON.stringify(e.payload, null, 2))));
  }

  async function loadTokens() {
    const r = await api('GET', '/tokens');
    if (!r.ok) { setStatus('Could not load the tokens: ' + (r.json.detail || r.status)); return; }
    $('tokens-table').replaceChildren(table(['Name', 'Id', 'Hint', 'Scopes', 'Created', 'Last used', 'Expires', ''],
      r.json.data.map((t) => el('tr', { 'data-token': t.id }, el('td', {}, t.name), el('td', {}, el('code', {}, t.id)),
        el('td', {}, t.hint ? '…' + t.hint : ''), el('td', {}, t.scopes.join(', ')), el('td', {}, utc(t.createdAt)),
        el('td', {}, utc(t.lastUsedAt) || 'never'), el('td', {}, t.revokedAt ? 'revoked ' + utc(t.revokedAt) : utc(t.expiresAt) || 'never'),
        el('td', { 'data-actions': '' }, t.revokedAt ? '' : el('button', { type: 'button', class: 'revoke', onclick: (ev) => once(ev.target, async () => {
          if (!window.confirm('Revoke ' + t.name + '? Every caller using it is refused at once here and within 10 s everywhere.')) return;
          const d = await api('DELETE', '/tokens/' + encodeURIComponent(t.id));
          message($('token-result'), d.ok ? 'ok' : 'error', d.ok ? 'Revoked ' + t.name + '.' : (d.json.code + ': ' + d.json.detail));
          loadTokens();
        }) }, 'Revoke')))),
      'No tokens.'));
  }

  function show(view) {
    $('login-hint').hidden = true;
    ['endpoints', 'events', 'deliveries', 'tokens', 'audit'].forEach((v) => { $('view-' + v).hidden = v !== view; });
    document.querySelectorAll('nav button').forEach((b) => b.setAttribute('aria-pressed', String(b.dataset.view === view)));
    if (view === 'endpoints') loadEndpoints();
    if (view === 'deliveries') loadDeliveries();
    if (view === 'tokens') loadTokens();
    if (view === 'events') {
      $('events-endpoint').replaceChildren(el('option', { value: '' }, 'any'),
        ...state.endpoints.map((e) => el('option', { value: e.id }, e.url)));
      loadEvents(false);
    }
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

  $('events-form').addEventListener('submit', (ev) => { ev.preventDefault(); loadEvents(false); });
  $('token-form').addEventListener('submit', (ev) => {
    ev.preventDefault();
    const body = { name: $('token-name').value.trim(),
      scopes: Array.from(document.querySelectorAll('.token-scope')).filter((c) => c.checked).map((c) => c.value) };
    if ($('token-expires').value.trim()) body.expiresAt = $('token-expires').value.trim();
    once($('token-form').querySelector('button[type="submit"]'), async () => {
      const r = await api('POST', '/tokens', body);
      if (r.ok) {
        showSecretOnce('API token ' + r.json.name + ' (' + r.json.scopes.join(', ') + '), shown only once.', r.json.token,
          'Give it to the caller that needs it; it can do only what its scopes allow.');
        message($('token-result'), 'ok', 'Created ' + r.json.id + '.');
        $('token-form').reset();
        loadTokens();
      } else {
        message($('token-result'), 'error', (r.json.code ? r.json.code + ': ' : '') + (r.json.detail || ('HTTP ' + r.status)));
      }
    });
  });
  $('events-more').addEventListener('click', () => loadEvents(true));

  $('create-form').addEventListener('submit', (ev) => {
    ev.preventDefault();
    const url = $('create-url').value.trim();
    const eventTypes = $('create-types').value.split(',').map((t) => t.trim()).filter(Boolean);
    once($('create-form').querySelector('button[type="submit"]'), async () => {
      const body = { url, eventTypes, signatureScheme: $('create-scheme').value };
      const r = await api('POST', '/endpoints', body, { intent: 'create:' + JSON.stringify(body) });
      if (r.ok) {
        if (r.json.secret) {
          showSecretOnce('Signing secret of the new endpoint ' + r.json.id + ' (' + r.json.url + '), shown only once.', r.json.secret,
            'Give it to the receiver before its first delivery.');
        } else if (r.json.signatureScheme === 'ed25519') {
          showPublicKey('Ed25519 public key of the new endpoint ' + r.json.id + ' (' + r.json.url + ').',
            r.json.secrets[0].publicKey, 'Give it to the receiver; the signing key never leaves the gateway.');
        }
        message($('create-result'), 'ok', 'Created ' + r.json.id + (r.replayed ? ' (this click repeated the same creation; nothing was created twice)' : '') + '.');
        $('create-form').reset();
        await loadEndpoints();
      } else {
        message($('create-result'), 'error', (r.json.code ? r.json.code + ': ' : '') + (r.json.detail || ('HTTP ' + r.status)));
      }
    });
  });

  $('replay-form').addEventListener('submit', (ev) => {
    ev.preventDefault();
    const endpoint = $('replay-endpoint').value;
    const body = { since: $('replay-since').value.trim(), status: $('replay-status').value };
    if ($('replay-until').value.trim()) body.until = $('replay-until').value.trim();
    once($('replay-form').querySelector('button[type="submit"]'), async () => {
      const r = await api('POST', '/endpoints/' + endpoint + '/replay', body, { intent: 'replay:' + endpoint + ':' + JSON.stringify(body) });
      message($('replay-result'), r.ok ? 'ok' : 'error',
        r.ok ? 'Re-queued ' + r.json.requeued + ' deliveries' + (r.replayed ? ' (this request had already run: nothing re-queued twice)' : '') + '.'
          : (r.json.code + ': ' + r.json.detail));
      if (r.ok) loadDeliveries();
    });
  });

  $('tenant').value = state.tenant;
  $('token').value = state.token;
  if (state.tenant && state.token) show('endpoints');
}());
