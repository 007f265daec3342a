// Browser tests of the operator console, in Debian's chromium driven by playwright-core. The gateway under test is
// the real jar on its embedded default; the receiver is a real HTTP server on loopback. Screenshots go to artifacts/.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
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

async function openConsole(t, token) {
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
  const page = await context.newPage();
  const logged = [];
  page.on('console', (m) => logged.push(m.text()));
  await page.goto(gatewayUrl + '/console/');
  await page.fill('#tenant', t);
  await page.fill('#token', token);
  await page.press('#token', 'Enter');          // keyboard only
  await page.waitForSelector('article.endpoint');
  return { page, logged, context };
}

before(async () => {
  receiver = createServer((req, res) => { req.resume(); req.on('end', () => { res.statusCode = receiverStatus; res.end(); }); });
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
      COUNTERSIGN_LOG_FORMAT: 'text', COUNTERSIGN_DB_URL: '' },
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
  if (browser) await browser.close();
  if (gateway) gateway.kill('SIGTERM');
  if (receiver) receiver.close();
});

test('two tabs rotate at once: exactly one shows a secret, the other the race message and no secret', async () => {
  const token = await tenant('tabs');
  const ep = await endpoint('tabs', token, '/tabs');
  const a = await openConsole('tabs', token);
  const b = await openConsole('tabs', token);
  const cardA = a.page.locator(`article[data-endpoint="${ep.id}"]`);
  const cardB = b.page.locator(`article[data-endpoint="${ep.id}"]`);
  await Promise.all([cardA.locator('button.rotate').click(), cardB.locator('button.rotate').click()]);
  await Promise.all([
    a.page.waitForSelector(`article[data-endpoint="${ep.id}"] .result .secret-once, article[data-endpoint="${ep.id}"] .result .message`),
    b.page.waitForSelector(`article[data-endpoint="${ep.id}"] .result .secret-once, article[data-endpoint="${ep.id}"] .result .message`)
  ]);
  await a.page.screenshot({ path: ARTIFACTS + 'two-tabs-a.png', fullPage: true });
  await b.page.screenshot({ path: ARTIFACTS + 'two-tabs-b.png', fullPage: true });
  const shown = [await cardA.locator('.secret-value').count(), await cardB.locator('.secret-value').count()];
  assert.deepEqual(shown.sort(), [0, 1], 'exactly one tab shows a secret');
  const loser = shown[0] === 0 && (await cardA.locator('.secret-value').count()) === 0 ? cardA : cardB;
  const loserText = await loser.locator('.result').innerText();
  assert.match(loserText, /Another rotation happened while this page was open\. Reload: if a new secret is displayed, copy that one\./);
  assert.doesNotMatch(await loser.innerText(), /whsec_/, 'the losing tab shows no secret');

  const winnerSecret = await (shown[0] === 1 ? cardA : cardB).locator('.secret-value').innerText().catch(async () =>
    (await cardA.locator('.secret-value').count()) ? cardA.locator('.secret-value').innerText() : cardB.locator('.secret-value').innerText());
  const hint = winnerSecret.slice(-4);
  await a.page.reload(); await b.page.reload();
  await a.page.waitForSelector('article.endpoint'); await b.page.waitForSelector('article.endpoint');
  for (const tab of [a, b]) {
    const current = await tab.page.locator(`article[data-endpoint="${ep.id}"] li.secret.current .hint`).innerText();
    assert.equal(current, '…' + hint, 'after reload both tabs show the winner\'s hint');
    assert.ok(!tab.logged.some((line) => line.includes('whsec_')), 'no secret in the browser console');
    assert.ok(!tab.page.url().includes('whsec_') && !tab.page.url().includes(token), 'no secret or token in the URL');
  }
  await a.context.close(); await b.context.close();
});

test('a full rotation walk: rotate, probe, expire previous', async () => {
  const token = await tenant('walk');
  const ep = await endpoint('walk', token, '/walk');
  const { page, context, logged } = await openConsole('walk', token);
  const card = page.locator(`article[data-endpoint="${ep.id}"]`);
  await card.locator('button.rotate').click();
  await card.locator('.secret-once').waitFor();
  assert.match(await card.locator('.secret-once').innerText(), /Receivers must switch before \d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC/);
  await card.locator('.secret-once button.dismiss').click();
  await card.locator('button.probe').click();
  await card.locator('.result .message').waitFor();
  assert.match(await card.locator('.result').innerText(), /Probe accepted \(200\).*adoption: new_secret_confirmed/);
  await page.reload(); await page.waitForSelector('article.endpoint');
  const reloaded = page.locator(`article[data-endpoint="${ep.id}"]`);
  assert.match(await reloaded.innerText(), /previous/);
  assert.match(await reloaded.innerText(), /valid until .* UTC \(\d+d \d+h \d+m left\)/);
  await reloaded.locator('button.expire').click();
  await reloaded.locator('.result .message.ok').waitFor();
  await page.screenshot({ path: ARTIFACTS + 'rotation-walk.png', fullPage: true });
  await page.reload(); await page.waitForSelector('article.endpoint');
  assert.doesNotMatch(await page.locator(`article[data-endpoint="${ep.id}"] .secrets`).innerText(), /previous/);
  assert.ok(!logged.some((line) => line.includes('whsec_')));
  // readable at phone width
  await page.setViewportSize({ width: 390, height: 844 });
  await page.screenshot({ path: ARTIFACTS + 'phone.png', fullPage: true });
  await context.close();
});

test('a failed delivery is listed and replayed by time window', async () => {
  const token = await tenant('replay');
  const ep = await endpoint('replay', token, '/replay');
  const since = new Date(Date.now() - 60_000).toISOString();
  receiverStatus = 500;
  const posted = await api('POST', '/v1/tenants/replay/events', token, { order: 1 },
    { 'Idempotency-Key': 'console-replay-1', 'Event-Type': 'order.created' });
  assert.equal(posted.status, 202);
  for (let i = 0; i < 100; i++) {
    const r = await api('GET', '/v1/tenants/replay/deliveries?status=failed', token);
    if (r.json.data.length === 1) break;
    await new Promise((res) => setTimeout(res, 200));
  }
  receiverStatus = 200;
  const { page, context } = await openConsole('replay', token);
  await page.click('nav button[data-view="deliveries"]');
  await page.waitForSelector('#deliveries-table tbody tr');
  assert.match(await page.locator('#deliveries-table').innerText(), new RegExp(posted.json.id));
  await page.selectOption('#replay-endpoint', ep.id);
  await page.fill('#replay-since', since);
  await page.click('#replay-form button[type="submit"]');
  await page.locator('#replay-result .message.ok').waitFor();
  assert.match(await page.locator('#replay-result').innerText(), /Re-queued 1 deliveries/);
  for (let i = 0; i < 100; i++) {
    const r = await api('GET', '/v1/tenants/replay/events/' + posted.json.id, token);
    if (r.json.deliveries[0].status === 'delivered') break;
    await new Promise((res) => setTimeout(res, 200));
  }
  const event = await api('GET', '/v1/tenants/replay/events/' + posted.json.id, token);
  assert.equal(event.json.deliveries[0].status, 'delivered');
  await page.click('nav button[data-view="audit"]');
  await page.waitForSelector('#view-audit tbody tr');
  assert.match(await page.locator('#view-audit').innerText(), /deliveries_replayed/);
  await page.screenshot({ path: ARTIFACTS + 'replay.png', fullPage: true });
  await context.close();
});
