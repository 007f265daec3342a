// Browser test of the load tool's report.html: two short real runs (the tool starts its own gateway on the embedded
// default), the second a --find-max run with --compare on the first, then the generated page in Debian's chromium.
// The charts must render with data, and a screenshot goes to artifacts/load-report.png.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, mkdirSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { chromium } from 'playwright-core';

const ARTIFACTS = new URL('./artifacts/', import.meta.url).pathname;
const JAR = new URL('../load-tests/target/countersign-load.jar', import.meta.url).pathname;
mkdirSync(ARTIFACTS, { recursive: true });

let dir, browser;

function load(...args) {
  const r = spawnSync('java', ['-jar', JAR, '--data-dir', join(dir, 'data'), '--endpoints', '2', ...args],
    { encoding: 'utf8', timeout: 240_000 });
  assert.equal(r.status, 0, `load tool failed:\n${r.stdout}\n${r.stderr}`);
}

before(() => {
  assert.ok(existsSync(JAR), 'build the load tool first: mvn -q -DskipTests package');
  dir = mkdtempSync(join(tmpdir(), 'countersign-report-'));
  load('--rate', '40', '--duration', '4s', '--warmup', '1s', '--out', join(dir, 'first'));
  load('--find-max', '--rate', '40', '--step-factor', '2', '--max-rate', '160', '--duration', '3s', '--warmup', '1s',
    '--compare', join(dir, 'first'), '--out', join(dir, 'second'));
});

after(async () => {
  await browser?.close();
});

test('the report draws every chart with data, axes and legends, beside the compared run', async () => {
  browser = await chromium.launch({ executablePath: process.env.CHROMIUM || '/usr/bin/chromium', headless: true,
    args: ['--no-sandbox', '--disable-gpu'] });
  const page = await browser.newPage({ viewport: { width: 1100, height: 900 } });
  const errors = [];
  page.on('pageerror', (e) => errors.push(String(e)));
  await page.goto(pathToFileURL(join(dir, 'second', 'report.html')).href);
  const charts = await page.evaluate(() => (window.countersignCharts || [])
    .map((c) => ({ id: c.id, series: c.series, points: c.points, axes: c.chart.axes.map((a) => a.label) })));
  assert.deepEqual(errors, []);
  assert.deepEqual(charts.map((c) => c.id), ['chart-throughput', 'chart-latency', 'chart-distribution', 'chart-steps']);
  for (const c of charts) {
    assert.ok(c.points > 0, `${c.id} has data`);
  }
  // with --compare every chart carries the previous run's curves too (the first run has no find-max steps)
  assert.deepEqual(charts.map((c) => c.series), [8, 8, 2, 2]);
  assert.equal(await page.locator('.chart canvas').count(), 4);
  // uPlot draws axes on the canvas: their labels are checked on the chart objects, legends and titles in the page
  assert.deepEqual(charts.map((c) => c.axes), [['elapsed (s)', 'events/s', 'backlog (deliveries)'],
    ['elapsed (s)', 'ms'], ['percentile', 'ms'], ['offered (events/s)', 'p99 (ms)']]);
  assert.equal(await page.locator('.u-title').count(), 4);
  assert.ok(await page.locator('.u-legend', { hasText: 'delivered /s (previous)' }).count() > 0);
  assert.ok(await page.locator('.u-legend', { hasText: 'SLO (ms)' }).count() > 0);
  // the must-be-zero outcomes are marked good
  for (const key of ['lost', 'duplicateDeliveries', 'signatureFailures']) {
    assert.equal(await page.locator('#outcome tr.good th', { hasText: key }).count(), 1, key);
  }
  assert.ok(await page.locator('#cpu td', { hasText: 'postgres' }).count() > 0);
  await page.screenshot({ path: join(ARTIFACTS, 'load-report.png'), fullPage: true });
});
