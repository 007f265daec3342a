// Browser tests of the operator console, in Debian's chromium driven by playwright-core. The gateway under test is
// the real jar on its embedded default; the receiver is a real HTTP server on loopback that verifies Standard
// Webhooks signatures with the secrets a test gives it. Screenshots go to artifacts/.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createHmac, createPublicKey, timingSafeEqual, verify } from 'node:crypto';
import { mkdtempSync, mkdirSync } from 'node:fs';
import { createServer } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium } from 'playwright-core';

const ADMIN = 'console-test-admin-token';
const ARTIFACTS = new URL('./artifacts/', import.meta.url).pathname;
mkdirSync(ARTIFACTS, { recursive: true });

let gateway, gatewayUrl, receiver, receiverUrl, browser;
let receiverStatus = 200;
const statusByPath = new Map();     // path -> status the receiver answers
const secretsByPath = new Map();    // path -> secrets the receiver holds; when set, it verifies and answers 401 on a mismatch
const received = [];                // { path, headers, body, status, verified }
const pageErrors = [];              // uncaught errors in any page: a broken console fails the run

// An HMAC secret (whsec_) checks v1 entries; an Ed25519 public key (whpk_) checks v1a entries with Node's own
// crypto.verify: an implementation independent of the gateway's (BouncyCastle).
function verifies(secret, headers, body) {
  const content = `${headers['webhook-id']}.${headers['webhook-timestamp']}.${body}`;
  if (secret.startsWith('whpk_')) {
    const raw = Buffer.from(secret.slice('whpk_'.length), 'base64');
    const key = createPublicKey({ key: { kty: 'OKP', crv: 'Ed25519', x: raw.toString('base64url') }, format: 'jwk' });
    return (headers['webhook-signature'] || '').split(' ').some((entry) => {
      const [version, sig] = entry.split(',');
      return version === 'v1a' && verify(null, Buffer.from(content), key, Buffer.from(sig || '', 'base64'));
    });
  }
  const key = Buffer.from(secret.replace(/^whsec_/, ''), 'base64');
  const expected = createHmac('sha256', key).update(`${headers['webhook-id']}.${headers['webhook-timestamp']}.${body}`).digest();
  return (headers['webhook-signature'] || '').split(' ').some((entry) => {
    const [version, sig] = entry.split(',');
    const given = Buffer.from(sig || '', 'base64');
    return version === 'v1' && given.length === expected.length && timingSafeEqual(given, expected);
  });
}

async function freePort() {
  return new Promise((resolve) => {
    const s = createServer().listen(0, '127.0.0.1', () => { const p = s.address().port; s.close(() => resolve(p)); });
  });
}

async function api(method, path, token, body, headers = {}) {
  const r = await fetch(gatewayUrl + path, {
    method, body: body === undefined ? undefined : JSON.stringify(body),
    headers: { Authorization: 'Bearer ' + token, 'Content-Type': 'application/json', ...headers }
  });
  const text = await r.text();
  return { status: r.status, json: text ? JSON.parse(text) : {} };
}

async function until(what, check, ms = 20000) {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = await check();
    if (value) return value;
    if (Date.now() > deadline) throw new Error('timed out waiting for ' + what);
    await new Promise((r) => setTimeout(r, 100));
  }
}

async function tenant(id) {
  const r = await api('POST', '/v1/tenants', ADMIN, { id, name: id });
  assert.equal(r.status, 201);
  return r.json.token;
}

async function endpoint(t, token, path, types = []) {
  const r = await api('POST', `/v1/tenants/${t}/endpoints`, token, { url: receiverUrl + path, eventTypes: types });
  assert.equal(r.status, 201);
  return r.json;
}

async function audit(t, token, kind) {
  return (await api('GET', `/v1/tenants/${t}/audit?kind=${kind}&limit=1000`, token)).json.data;
}

async function openConsole(t, token) {
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  const page = await context.newPage();
  const logged = [];
  page.on('console', (m) => logged.push(m.text()));
  page.on('pageerror', (e) => pageErrors.push(String(e)));
  page.on('console', (m) => { if (/Content Security Policy|Refused to/.test(m.text())) pageErrors.push(m.text()); });
  page.on('dialog', (d) => d.accept());          // the "I have stored it" and drop confirmations
  await page.goto(gatewayUrl + '/console/');
  await page.fill('#tenant', t);
  await page.fill('#token', token);
  await page.press('#token', 'Enter');          // keyboard only
  await page.waitForSelector('#endpoint-list article.endpoint, #endpoint-list .empty');
  return { page, logged, context };
}

before(async () => {
  receiver = createServer((req, res) => {
    const chunks = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      const secrets = secretsByPath.get(req.url);
      const verified = secrets ? secrets.some((s) => verifies(s, req.headers, body)) : null;
      const status = verified === false ? 401 : (statusByPath.get(req.url) ?? receiverStatus);
      received.push({ path: req.url, headers: req.headers, body, status, verified });
      res.statusCode = status;
      res.end();
    });
  });
  await new Promise((r) => receiver.listen(0, '127.0.0.1', r));
  receiverUrl = 'http://127.0.0.1:' + receiver.address().port;
  const port = await freePort();
  gatewayUrl = 'http://127.0.0.1:' + port;
  const data = mkdtempSync(join(tmpdir(), 'countersign-console-'));
  gateway = spawn('java', ['-jar', new URL('../gateway/target/countersign-gateway.jar', import.meta.url).pathname,
    '--port', String(port), '--data-dir', join(data, 'postgres')], {
    env: { ...process.env, COUNTERSIGN_ADMIN_TOKEN: ADMIN, COUNTERSIGN_HTTP_HOST: '127.0.0.1',
      COUNTERSIGN_DELIVERY_ALLOW_PRIVATE_NETWORKS: 'true', COUNTERSIGN_DELIVERY_RETRY_SCHEDULE: '200ms',
      COUNTERSIGN_DELIVERY_POLL_INTERVAL: '200ms', COUNTERSIGN_SECRETS_KEY_FILE: join(data, 'master.key'),
      COUNTERSIGN_LOG_FORMAT: 'text', COUNTERSIGN_DB_URL: '', COUNTERSIGN_MANAGEMENT_PORT: '0' },
    stdio: ['ignore', 'ignore', 'inherit']
  });
  for (let i = 0; i < 240; i++) {
    try { if ((await fetch(gatewayUrl + '/health')).ok) break; } catch (e) { /* starting */ }
    await new Promise((r) => setTimeout(r, 500));
  }
  browser = await chromium.launch({
    executablePath: process.env.CHROMIUM || '/usr/bin/chromium', headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
      '--disable-component-update', '--disable-sync']
  });
});

after(async () => {
  assert.deepEqual(pageErrors, [], 'no uncaught errors or Content-Security-Policy refusals in the console pages');
  if (browser) await browser.close();
  if (gateway) gateway.kill('SIGTERM');
  if (receiver) receiver.close();
});

test('before login the page says what to enter; an empty tenant says how to start', async () => {
  const context = await browser.newContext();
  const page = await context.newPage();
  await page.goto(gatewayUrl + '/console/');
  assert.match(await page.locator('#login-hint').innerText(), /tenant id and one of its API tokens/);
  await context.close();
  const token = await tenant('empty');
  const { page: opened, context: ctx } = await openConsole('empty', token);
  assert.equal(await opened.locator('#login-hint').isVisible(), false, 'the hint goes once a tenant is open');
  assert.match(await opened.locator('#endpoint-list').innerText(), /No endpoints yet/);
  await opened.click('nav button[data-view="deliveries"]');
  await opened.waitForSelector('#deliveries-table .empty');
  await opened.click('nav button[data-view="audit"]');
  await opened.waitForSelector('#view-audit .empty');
  assert.match(await opened.locator('#view-audit').innerText(), /No audit entries yet/);
  await ctx.close();
});

test('two tabs rotate at once: one shows the secret, the other who won and no secret', async () => {
  const token = await tenant('tabs');
  const ep = await endpoint('tabs', token, '/tabs');
  const a = await openConsole('tabs', token);
  const b = await openConsole('tabs', token);
  const cardA = a.page.locator(`article[data-endpoint="${ep.id}"]`);
  const cardB = b.page.locator(`article[data-endpoint="${ep.id}"]`);
  await Promise.all([cardA.locator('button.rotate').click(), cardB.locator('button.rotate').click()]);
  await Promise.all([a.page.waitForSelector(`article[data-endpoint="${ep.id}"] .result .message`),
    b.page.waitForSelector(`article[data-endpoint="${ep.id}"] .result .message`)]);
  await a.page.screenshot({ path: ARTIFACTS + 'two-tabs-a.png', fullPage: true });
  await b.page.screenshot({ path: ARTIFACTS + 'two-tabs-b.png', fullPage: true });
  const shown = [await a.page.locator('#secrets-shown .secret-value').count(), await b.page.locator('#secrets-shown .secret-value').count()];
  assert.deepEqual(shown.slice().sort(), [0, 1], 'exactly one tab shows a secret');
  const [winner, loser, loserCard] = shown[0] === 1 ? [a, b, cardB] : [b, a, cardA];
  const loserText = await loserCard.locator('.result').innerText();
  assert.match(loserText, /Another rotation won/);
  assert.match(loserText, /shown only to tok_/);
  assert.match(loserText, /Version 2: secret_rotated by tok_/);
  assert.doesNotMatch(loserText, /Reload: if a new secret is displayed/);
  assert.doesNotMatch(await loser.page.content(), /whsec_/, 'the losing tab shows no secret');
  const winnerSecret = await winner.page.locator('#secrets-shown .secret-value').innerText();
  // the winner's panel survives the loser's news and a re-render of the cards
  await winner.page.click('nav button[data-view="audit"]');
  await winner.page.click('nav button[data-view="endpoints"]');
  await winner.page.waitForSelector('article.endpoint');
  assert.equal(await winner.page.locator('#secrets-shown .secret-value').innerText(), winnerSecret);
  for (const tab of [a, b]) {
    await tab.page.click('nav button[data-view="endpoints"]');
    // the click reloads the cards; until the reload lands the old cards may still be on the page
    const hint = `article[data-endpoint="${ep.id}"] li.secret.current .hint`;
    const expected = '…' + winnerSecret.slice(-4);
    await tab.page.waitForFunction(([selector, want]) => document.querySelector(selector)?.textContent === want,
      [hint, expected], { timeout: 10000 }).catch(() => {});
    assert.equal(await tab.page.locator(hint).innerText(), expected, 'both tabs show the winner\'s hint');
    assert.ok(!tab.logged.some((line) => line.includes('whsec_')), 'no secret in the browser console');
    assert.ok(!tab.page.url().includes('whsec_') && !tab.page.url().includes(token), 'no secret or token in the URL');
  }
  await a.context.close(); await b.context.close();
});

test('a double-click on Rotate rotates once, and the secret left on the page is the one that signs', async () => {
  const token = await tenant('dbl');
  const ep = await endpoint('dbl', token, '/dbl', ['order.created']);
  const { page, context } = await openConsole('dbl', token);
  const card = page.locator(`article[data-endpoint="${ep.id}"]`);
  await card.locator('button.rotate').dblclick();
  await card.locator('.result .message.ok').waitFor();
  await page.screenshot({ path: ARTIFACTS + 'double-click-rotate.png', fullPage: true });
  assert.equal(await page.locator('#secrets-shown .secret-once').count(), 1);
  assert.equal(await card.locator('.result .message.error').count(), 0, 'no race message after a double-click');
  const secret = await page.locator('#secrets-shown .secret-value').innerText();
  assert.equal((await audit('dbl', token, 'secret_rotated')).length, 1, 'exactly one rotation');
  assert.equal((await audit('dbl', token, 'rotation_race_detected')).length, 0);
  const view = await api('GET', `/v1/tenants/dbl/endpoints/${ep.id}`, token);
  assert.equal(view.json.version, 2);
  // a receiver that holds only the secret on the page verifies the next delivery
  secretsByPath.set('/dbl', [secret]);
  const posted = await api('POST', '/v1/tenants/dbl/events', token, { order: 7 }, { 'Idempotency-Key': 'dbl-1', 'Event-Type': 'order.created' });
  assert.equal(posted.status, 202);
  const got = await until('the delivery', () => received.find((r) => r.path === '/dbl' && r.headers['webhook-id'] === posted.json.id));
  assert.equal(got.verified, true, 'verified with the displayed secret alone');
  assert.equal(got.status, 200);
  // the panel stays until the operator confirms
  await page.locator('#secrets-shown button.dismiss').click();
  assert.equal(await page.locator('#secrets-shown .secret-once').count(), 0);
  await context.close();
});

test('switching to Ed25519 shows the public key, and receivers holding either the old secret or the key verify', async () => {
  const token = await tenant('ed');
  const ep = await endpoint('ed', token, '/ed', ['order.created']);
  const { page, context } = await openConsole('ed', token);
  const card = page.locator(`article[data-endpoint="${ep.id}"]`);
  await card.locator('select.rotate-scheme').selectOption('ed25519');
  await card.locator('button.rotate').click();
  await card.locator('.result .message.ok').waitFor();
  await page.screenshot({ path: ARTIFACTS + 'switch-to-ed25519.png', fullPage: true });
  assert.equal(await page.locator('#secrets-shown .secret-once').count(), 0, 'no secret is shown: the signing key never leaves');
  const publicKey = await page.locator('#public-keys-shown .secret-value').innerText();
  assert.match(publicKey, /^whpk_/);
  const keys = await api('GET', `/v1/tenants/ed/endpoints/${ep.id}/public-keys`, token);
  assert.equal(keys.status, 200);
  assert.deepEqual(keys.json.data.map((k) => k.publicKey), [publicKey]);
  const rotated = (await audit('ed', token, 'secret_rotated'))[0];
  assert.equal(rotated.detail.currentScheme, 'ed25519');
  assert.equal(rotated.detail.previousScheme, 'hmac-sha256');
  // during the overlap a receiver on the old HMAC secret and one on the new public key both verify the same delivery
  for (const [path, held] of [['/ed', ep.secret], ['/ed', publicKey]]) {
    secretsByPath.set(path, [held]);
    const key = 'ed-' + held.slice(0, 6);
    const posted = await api('POST', '/v1/tenants/ed/events', token, { order: 8 }, { 'Idempotency-Key': key, 'Event-Type': 'order.created' });
    assert.equal(posted.status, 202);
    const got = await until('the delivery', () => received.find((r) => r.path === path && r.headers['webhook-id'] === posted.json.id));
    assert.equal(got.verified, true, 'verified with ' + held.slice(0, 5) + ' alone');
    assert.deepEqual(got.headers['webhook-signature'].split(' ').map((e) => e.split(',')[0]), ['v1', 'v1a']);
  }
  // the public key stays readable on the endpoint's card (it is not a secret)
  const again = await openConsole('ed', token);
  const shown = again.page.locator(`article[data-endpoint="${ep.id}"] li.current code.public-key`);
  assert.equal(await shown.innerText(), publicKey);
  await again.context.close();
  await context.close();
});

test('a double-click on every other state-changing button changes state once', async () => {
  const token = await tenant('clicks');
  const { page, context } = await openConsole('clicks', token);
  // create
  await page.fill('#create-url', receiverUrl + '/clicks');
  await page.fill('#create-types', 'order.created');
  await page.locator('#create-form button[type="submit"]').dblclick();
  await page.locator('#create-result .message.ok').waitFor();
  const list = (await api('GET', '/v1/tenants/clicks/endpoints', token)).json.data;
  assert.equal(list.length, 1, 'one endpoint created');
  assert.equal(await page.locator('#secrets-shown .secret-once').count(), 1, 'its secret is shown once');
  const id = list[0].id;
  const card = () => page.locator(`article[data-endpoint="${id}"]`);
  await card().waitFor();
  const version = async () => (await api('GET', `/v1/tenants/clicks/endpoints/${id}`, token)).json.version;

  async function dbl(selector, expectVersion, kind) {
    await card().locator(selector).dblclick();
    await card().locator('.result .message').waitFor();
    assert.equal(await card().locator('.result .message.error').count(), 0, selector + ': ' + await card().locator('.result').innerText());
    assert.equal(await version(), expectVersion, selector + ' changed the endpoint once');
    if (kind) assert.equal((await audit('clicks', token, kind)).length, 1, 'one ' + kind);
    await card().locator('.result').evaluate((n) => n.replaceChildren());
  }
  // the slowest double-click, made deterministic: the first click's change answers and the card is redrawn
  // (Disable became Enable) before the second click lands on the new button in the same place
  const at = await card().locator('button.disable').boundingBox();
  await page.mouse.click(at.x + at.width / 2, at.y + at.height / 2);
  await card().locator('button.enable').waitFor();
  await page.mouse.down({ clickCount: 2 });
  await page.mouse.up({ clickCount: 2 });
  await card().locator('.result .message').waitFor();
  assert.equal(await card().locator('.result .message.error').count(), 0, await card().locator('.result').innerText());
  assert.equal(await version(), 2, "a double-click's second click on the redrawn button changed nothing");
  assert.equal((await audit('clicks', token, 'endpoint_disabled')).length, 1, 'one endpoint_disabled');
  assert.equal((await audit('clicks', token, 'endpoint_enabled')).length, 0, 'no endpoint_enabled');
  await card().locator('.result').evaluate((n) => n.replaceChildren());
  // an event while it is disabled is held for it, and the card says so
  await api('POST', '/v1/tenants/clicks/events', token, { held: true }, { 'Idempotency-Key': 'c-held', 'Event-Type': 'order.created' });
  await page.click('nav button[data-view="endpoints"]');
  await until('the held count', async () => /held deliveries: 1/.test(await card().innerText()));
  assert.match(await card().locator('button.enable-release').innerText(), /Enable and send 1 held/);
  await dbl('button.enable', 3, 'endpoint_enabled');
  await card().locator('button.edit-toggle').click();
  await card().locator('.edit-types').fill('order.created,invoice.paid');
  await card().locator('.edit-headers').fill('X-Api-Key: console-key-1234');
  await dbl('button.save', 4, 'endpoint_updated');
  const saved = (await api('GET', `/v1/tenants/clicks/endpoints/${id}`, token)).json;
  assert.deepEqual(saved.eventTypes, ['order.created', 'invoice.paid']);
  assert.deepEqual(saved.headers, { 'X-Api-Key': '…1234' });
  await page.click('nav button[data-view="endpoints"]');
  await until('the masked header on the card', async () => /custom headers: X-Api-Key …1234/.test(await card().innerText()));
  assert.doesNotMatch(await page.content(), /console-key-1234/);
  await card().locator('button.rotate').dblclick();
  await card().locator('.result .message.ok').waitFor();
  assert.equal(await version(), 5);
  await card().locator('.result').evaluate((n) => n.replaceChildren());
  await page.click('nav button[data-view="endpoints"]');
  await card().locator('li.secret.previous').waitFor();
  const probesBefore = received.filter((r) => r.path === '/clicks').length;
  await dbl('button.probe', 5);
  assert.equal(received.filter((r) => r.path === '/clicks').length, probesBefore + 1, 'one probe sent');
  const later = new Date(Date.now() + 9 * 86400000).toISOString().replace(/\.\d+Z$/, 'Z');
  await card().locator('.extend-to').fill(later);
  await dbl('button.extend', 6, 'overlap_extended');
  await dbl('button.rollback', 7, 'secret_rolled_back');
  await page.click('nav button[data-view="endpoints"]');
  await card().locator('li.secret.previous').waitFor();
  await dbl('button.expire', 8, 'previous_expired');
  // replay (one key per intent: a double-click re-queues once)
  statusByPath.set('/clicks', 500);
  const posted = await api('POST', '/v1/tenants/clicks/events', token, { n: 1 }, { 'Idempotency-Key': 'c-1', 'Event-Type': 'order.created' });
  await until('the failed delivery', async () => (await api('GET', '/v1/tenants/clicks/deliveries?status=failed', token)).json.data.length === 1);
  statusByPath.set('/clicks', 200);
  await page.click('nav button[data-view="deliveries"]');
  await page.selectOption('#replay-endpoint', id);
  await page.fill('#replay-since', new Date(Date.now() - 3600000).toISOString());
  await page.locator('#replay-form button[type="submit"]').dblclick();
  await page.locator('#replay-result .message.ok').waitFor();
  assert.match(await page.locator('#replay-result').innerText(), /Re-queued 1 deliveries/);
  assert.equal((await audit('clicks', token, 'deliveries_replayed')).length, 1, 'one replay');
  await until('the replayed delivery', () => received.some((r) => r.path === '/clicks' && r.headers['webhook-id'] === posted.json.id && r.status === 200));
  await page.screenshot({ path: ARTIFACTS + 'double-clicks.png', fullPage: true });
  await context.close();
});

test('a 401 burst shows a red banner offering roll back or extend; an overlap ending unconfirmed shows a badge', async () => {
  const token = await tenant('burst');
  const ep = await endpoint('burst', token, '/burst', ['order.created']);
  const rotated = await api('POST', `/v1/tenants/burst/endpoints/${ep.id}/secret/rotate`, token, { overlap: 'PT12H' }, { 'If-Match': '"1"' });
  assert.equal(rotated.status, 200);
  statusByPath.set('/burst', 401);
  for (let i = 0; i < 3; i++) {
    await api('POST', '/v1/tenants/burst/events', token, { i }, { 'Idempotency-Key': 'b-' + i, 'Event-Type': 'order.created' });
  }
  await until('the burst', async () => (await audit('burst', token, 'signature_rejections_burst')).length === 1);
  const { page, context } = await openConsole('burst', token);
  const card = page.locator(`article[data-endpoint="${ep.id}"]`);
  const banner = card.locator('.banner.burst');
  await banner.waitFor();
  assert.match(await banner.innerText(), /rejecting signatures \(401\/403\)/);
  assert.match(await banner.innerText(), /roll back or extend/);
  assert.match(await card.locator('.banner.reminder').innerText(), /overlap ends soon, unconfirmed/);
  assert.match(await card.innerText(), /adoption: rejecting/);
  await page.screenshot({ path: ARTIFACTS + 'burst-banner.png', fullPage: true });
  await banner.locator('button.rollback').click();
  await card.locator('.result .message.ok').waitFor();
  assert.equal((await audit('burst', token, 'secret_rolled_back')).length, 1);
  await context.close();
});

test('the Events view lists, filters and pages events, and opens one with its deliveries and attempts', async () => {
  const token = await tenant('evlog');
  const ep = await endpoint('evlog', token, '/evlog');
  const ids = [];
  for (const [i, type] of ['order.created', 'invoice.sent', 'order.paid'].entries()) {
    const r = await api('POST', '/v1/tenants/evlog/events', token, { i }, { 'Idempotency-Key': 'ev-' + i, 'Event-Type': type });
    assert.equal(r.status, 202);
    ids.push(r.json.id);
  }
  await until('the deliveries', () => received.filter((r) => r.path === '/evlog').length >= 3);
  const { page, context } = await openConsole('evlog', token);
  await page.click('nav button[data-view="events"]');
  await page.waitForSelector('#events-table tbody tr');
  assert.equal(await page.locator('#events-table tbody tr').count(), 3);
  assert.equal(await page.locator('#events-table tbody tr').first().getAttribute('data-event'), ids[2], 'newest first');
  await page.fill('#events-type', 'order.*');
  await page.click('#events-form button[type="submit"]');
  await until('the filtered list', async () => (await page.locator('#events-table tbody tr').count()) === 2);
  await page.locator(`#events-table tr[data-event="${ids[0]}"]`).click();
  await page.locator('#event-detail .delivery').waitFor();
  const detail = await page.locator('#event-detail').innerText();
  assert.match(detail, new RegExp(ep.id + ': delivered after 1 attempts'));
  assert.match(detail, /200/);
  await page.screenshot({ path: ARTIFACTS + 'events.png', fullPage: true });
  await context.close();
});

test('API tokens: created with scopes and shown once, listed without values, revoked', async () => {
  const token = await tenant('tokens');
  const { page, context } = await openConsole('tokens', token);
  await page.click('nav button[data-view="tokens"]');
  await page.waitForSelector('#tokens-table tbody tr');
  await page.fill('#token-name', 'orders-service');
  await page.check('.token-scope[value="events:write"]');
  await page.locator('#token-form button[type="submit"]').dblclick();
  await page.locator('#token-result .message.ok').waitFor();
  const created = await page.locator('#secrets-shown .secret-value').innerText();
  assert.match(created, /^cst_/);
  const listed = (await api('GET', '/v1/tenants/tokens/tokens', token)).json.data;
  assert.equal(listed.length, 2, 'one token created by the double-click');
  await until('the new row', async () => (await page.locator('#tokens-table tbody tr').count()) === 2);
  assert.doesNotMatch(await page.locator('#tokens-table').innerText(), new RegExp(created.slice(4)));
  const posted = await api('POST', '/v1/tenants/tokens/events', created, {}, { 'Idempotency-Key': 't-1', 'Event-Type': 'order.created' });
  assert.equal(posted.status, 202, 'the events:write token posts');
  const row = page.locator('#tokens-table tbody tr', { hasText: 'orders-service' });
  await row.locator('button.revoke').click();
  // the creation's ok message is still shown: wait for the revocation's own
  await page.locator('#token-result .message.ok', { hasText: 'Revoked orders-service.' }).waitFor();
  const refused = await api('POST', '/v1/tenants/tokens/events', created, {}, { 'Idempotency-Key': 't-2', 'Event-Type': 'order.created' });
  assert.equal(refused.status, 401, 'revoked at once');
  await page.screenshot({ path: ARTIFACTS + 'tokens.png', fullPage: true });
  await context.close();
});

test('a failed delivery is listed and replayed by time window', async () => {
  const token = await tenant('replay');
  const ep = await endpoint('replay', token, '/replay');
  const since = new Date(Date.now() - 60_000).toISOString();
  statusByPath.set('/replay', 500);
  const posted = await api('POST', '/v1/tenants/replay/events', token, { order: 1 },
    { 'Idempotency-Key': 'console-replay-1', 'Event-Type': 'order.created' });
  assert.equal(posted.status, 202);
  await until('the dead letter', async () => (await api('GET', '/v1/tenants/replay/deliveries?status=failed', token)).json.data.length === 1);
  statusByPath.set('/replay', 200);
  const { page, context } = await openConsole('replay', token);
  await page.click('nav button[data-view="deliveries"]');
  await page.waitForSelector('#deliveries-table tbody tr');
  assert.match(await page.locator('#deliveries-table').innerText(), new RegExp(posted.json.id));
  await page.selectOption('#replay-endpoint', ep.id);
  await page.fill('#replay-since', since);
  await page.click('#replay-form button[type="submit"]');
  await page.locator('#replay-result .message.ok').waitFor();
  assert.match(await page.locator('#replay-result').innerText(), /Re-queued 1 deliveries/);
  await until('the replayed delivery', async () =>
    (await api('GET', '/v1/tenants/replay/events/' + posted.json.id, token)).json.deliveries[0].status === 'delivered');
  await page.click('nav button[data-view="audit"]');
  await page.waitForSelector('#view-audit tbody tr');
  assert.match(await page.locator('#view-audit').innerText(), /deliveries_replayed/);
  await page.screenshot({ path: ARTIFACTS + 'replay.png', fullPage: true });
  // readable at phone width
  await page.setViewportSize({ width: 390, height: 844 });
  await page.screenshot({ path: ARTIFACTS + 'phone.png', fullPage: true });
  await context.close();
});
