import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import {
  BatchingWriter,
  createCollectorMetrics,
  createStorageClient,
  migrate,
  Spool,
  StorageSink,
  storageConfigSchema,
  type StorageClient,
} from '@meshscope/collector';
import { buildApp, queryConfigSchema } from '@meshscope/query';
import { instancesResponseSchema, type AlertInstance } from '@meshscope/query/api';
import type { FastifyInstance } from 'fastify';
import pino from 'pino';
import { buildUi, launchChromium, NAMESPACE, seedWorld, type Chromium } from '../../src/browser/index.js';
import { hexId, hopHistogram, spanRow, type Workload } from '../../src/browser/rows.js';

/**
 * The alerts page in Debian's Chromium, against the real query service and its real evaluator over
 * embedded ClickHouse. The service's clock starts two minutes behind the wall clock, so the test can move
 * it forward to let a pending alert's `for` pass while every event stays inside the page's time range.
 * Screenshots land in test-results/browser/.
 */

const SHOTS = 'test-results/browser';
const UI_TIMEOUT_MS = 15_000;
/** how far behind the wall clock the service starts */
const LAG_MS = 120_000;

const RULES_FILE = `
rules:
  - name: RatingsErrors
    scope: { service: ratings }
    signal: { type: error_rate, window: 5m, threshold: 0.1 }
    annotations: { summary: "{{service}} fails {{value}} of requests" }
`;

let dir: string;
let uiDir: string;
let storage: StorageClient;
let writer: BatchingWriter;
let sink: StorageSink;
let app: FastifyInstance;
let url: string;
let lagMs = LAG_MS;
let browser: Chromium;
let page: Page;

beforeAll(async () => {
  uiDir = await buildUi();
  dir = await mkdtemp(join(tmpdir(), 'meshscope-browser-alerts-'));
  const config = storageConfigSchema.parse({ dataDir: join(dir, 'chdb') });
  storage = await createStorageClient(config);
  await migrate(storage, config.retention);
  // kept open: the test writes the failing traffic after the rule exists
  writer = new BatchingWriter(
    storage,
    await Spool.open(join(dir, 'spool'), 1 << 24),
    { maxBatchRows: 50_000, flushIntervalMs: 10, maxQueueRows: 1_000_000, retryAfterSec: 1 },
    createCollectorMetrics(),
    pino({ level: 'silent' }),
  );
  sink = new StorageSink(writer);
  await seedWorld(sink, Date.now() - LAG_MS);
  const rulesFile = join(dir, 'rules.yaml');
  await writeFile(rulesFile, RULES_FILE);
  app = await buildApp({
    storage,
    queryLimits: config.queryLimits,
    uiDir,
    now: () => Date.now() - lagMs,
    config: queryConfigSchema.parse({ alerts: { rulesFile, evaluationIntervalSec: 1 } }),
  });
  await app.listen({ host: '127.0.0.1', port: 0 });
  const address = app.server.address();
  url = `http://127.0.0.1:${typeof address === 'object' && address !== null ? address.port : 0}`;
  // tall enough that each alerts page fits one screenshot (the page scrolls inside <main>)
  browser = await launchChromium({ width: 1400, height: 1500 });
  page = await browser.context.newPage();
  page.setDefaultTimeout(UI_TIMEOUT_MS);
  await mkdir(SHOTS, { recursive: true });
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await app?.close();
  await writer?.close();
  await storage?.close();
  if (dir) await rm(dir, { recursive: true, force: true });
  if (uiDir) await rm(uiDir, { recursive: true, force: true });
});

const shot = (name: string) => page.screenshot({ path: `${SHOTS}/${name}.png` });

/** Polls the API (bounded: the evaluator runs every second) until the rule has an instance in `status`. */
async function instanceOf(rule: string, status: AlertInstance['status']): Promise<AlertInstance> {
  for (let i = 0; i < 60; i++) {
    const response = await fetch(`${url}/api/mesh/alerts/instances?rule=${rule}&status=${status}`);
    const hit = instancesResponseSchema.parse(await response.json()).instances[0];
    if (hit) return hit;
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  throw new Error(`${rule} never became ${status}`);
}

const w = (app: string): Workload => ({ app, version: 'v1', namespace: NAMESPACE });

/** frontend → checkout, 60 requests a minute, half of them 500, with failing spans to link as examples. */
async function seedFailingCheckout(endMs: number, minutes: number): Promise<void> {
  const histograms = [];
  const spans = [];
  for (let m = 0; m < minutes; m++) {
    const atMs = endMs - m * 60_000;
    for (const reporter of ['source', 'destination'] as const) {
      histograms.push(hopHistogram(w('frontend'), w('checkout'), reporter, 200, 30, 0.05, atMs));
      histograms.push(hopHistogram(w('frontend'), w('checkout'), reporter, 500, 30, 0.05, atMs));
    }
    spans.push(
      spanRow({
        traceId: hexId(0xc0ffee00 + m, 16),
        spanId: hexId(0xc0ffee00 + m, 8),
        parentSpanId: '',
        service: 'checkout',
        name: 'POST /checkout',
        kind: 'Server',
        startMs: atMs - 30_000,
        durationMs: 50,
        error: true,
        attributes: { 'http.request.method': 'POST', 'http.response.status_code': '500' },
      }),
    );
  }
  await sink.writeMetrics({ sums: [], gauges: [], histograms });
  await sink.writeSpans(spans);
}

describe('alerts', () => {
  it('shows a rules-file rule read-only', async () => {
    await page.goto(`${url}/alerts?range=30m`);
    const rules = page.getByRole('table', { name: 'Alert rules' });
    await rules.getByRole('button', { name: 'RatingsErrors', exact: true }).waitFor();
    expect(await rules.getByRole('button', { name: 'Delete rule RatingsErrors' }).count()).toBe(0);
    await rules.getByRole('button', { name: 'View rule RatingsErrors' }).click();
    const editor = page.getByRole('region', { name: 'Rule RatingsErrors (from the rules file)' });
    expect(await editor.getByLabel('Threshold (%)', { exact: true }).inputValue()).toBe('10');
    expect(await editor.getByLabel('Threshold (%)', { exact: true }).getAttribute('readonly')).not.toBeNull();
    expect(await editor.getByRole('button', { name: /Save rule|Create rule/ }).count()).toBe(0);
    // the live preview reads ratings' current error rate (15 %) from the services summary
    await editor.getByRole('table', { name: 'Live preview' }).getByRole('cell', { name: '15%' }).waitFor();
    await shot('alerts-file-rule');
    await editor.getByRole('button', { name: 'Close' }).click();
    await page.waitForURL((u) => !u.searchParams.has('edit'));
  });

  it('creates a rule, showing the API’s validation error beside the field it names', async () => {
    await page.goto(`${url}/alerts?range=30m`);
    await page.getByRole('button', { name: 'New rule' }).click();
    const editor = page.getByRole('region', { name: 'New rule' });
    await editor.getByLabel('Rule name', { exact: true }).fill('CheckoutErrors');
    await editor.getByLabel('Service', { exact: true }).fill('checkout');
    await editor.getByLabel('Window', { exact: true }).fill('5 minutes');
    await editor.getByLabel('Threshold (%)', { exact: true }).fill('5');
    await editor.getByLabel('For', { exact: true }).fill('1m');
    await editor.getByRole('button', { name: 'Create rule' }).click();
    const window = editor.getByLabel('Window', { exact: true });
    await editor.getByRole('alert').filter({ hasText: 'must be a duration' }).waitFor();
    expect(await window.getAttribute('aria-invalid')).toBe('true');
    const describedBy = await window.getAttribute('aria-describedby');
    expect(await page.locator(`[id="${describedBy}"]`).textContent()).toMatch(/must be a duration/);
    await shot('alerts-rule-invalid');

    await window.fill('5m');
    await editor.getByRole('button', { name: 'Create rule' }).click();
    await page.waitForURL(
      (u) => u.searchParams.get('rule') === 'CheckoutErrors' && !u.searchParams.has('edit'),
    );
    const row = page
      .getByRole('table', { name: 'Alert rules' })
      .getByRole('row')
      .filter({ has: page.getByRole('button', { name: 'CheckoutErrors', exact: true }) });
    expect(await row.getAttribute('data-state')).toBe('inactive');
    // checkout has sent nothing yet: watched, no data
    await page
      .getByRole('table', { name: 'Instances of CheckoutErrors' })
      .getByRole('row', { name: 'checkout, inactive' })
      .waitFor();
    await shot('alerts-rule-created');
  });

  it('fires on a high error rate, links example traces, and badges the topology node', async () => {
    await seedFailingCheckout(Date.now() - 60_000, 6);
    await instanceOf('CheckoutErrors', 'pending');
    lagMs = 0; // two minutes pass: more than the rule's `for`
    const firing = await instanceOf('CheckoutErrors', 'firing');
    expect(firing.value).toBeCloseTo(0.5, 1);

    await page.goto(`${url}/alerts?range=30m&rule=CheckoutErrors`);
    const instances = page.getByRole('table', { name: 'Instances of CheckoutErrors' });
    const row = instances.getByRole('row', { name: 'checkout, firing' });
    await row.waitFor();
    expect(await row.getByRole('cell', { name: '50%' }).count()).toBe(1);
    expect(await row.getByRole('cell', { name: '5%' }).count()).toBe(1);
    // pending, then firing: both transitions on the timeline, the newest seconds included
    await page
      .getByRole('figure', { name: 'Alert transitions' })
      .locator('.recharts-scatter-symbol')
      .nth(1)
      .waitFor();

    await row.getByRole('button', { name: 'Example traces of checkout' }).click();
    const examples = page.getByRole('list', { name: 'Example traces of checkout' });
    const first = examples.getByRole('link').first();
    await first.waitFor();
    expect(new URL(page.url()).searchParams.get('instance')).toBe(firing.fingerprint);
    await shot('alerts-firing');
    const traceId = await first.textContent();
    await first.click();
    await page.waitForURL(`**/traces/${traceId ?? ''}`);
    await page.getByRole('grid', { name: 'Spans' }).waitFor();

    await page.goto(`${url}/topology?range=30m`);
    const node = page.getByRole('button', { name: /^Service checkout, .*1 alert firing$/ });
    await node.waitFor();
    expect(await node.getAttribute('data-firing')).toBe('1');
    expect(await page.getByRole('button', { name: /^Service details, / }).getAttribute('data-firing')).toBe(
      '0',
    );
    await shot('alerts-topology-badge');

    await page.goto(`${url}/services?range=30m`);
    const badge = page.getByRole('link', { name: '1 alert firing on checkout' });
    await badge.waitFor();
    await badge.click();
    await page.waitForURL((u) => u.pathname === '/alerts' && u.searchParams.get('service') === 'checkout');
    await page
      .getByRole('table', { name: 'Firing alerts' })
      .getByRole('row', { name: 'checkout, firing' })
      .waitFor();
  });

  it('silences a firing instance and expires the silence', async () => {
    await page.goto(`${url}/alerts?range=30m&rule=CheckoutErrors`);
    const instances = page.getByRole('table', { name: 'Instances of CheckoutErrors' });
    await instances.getByRole('button', { name: 'Silence checkout' }).click();
    const form = page.getByRole('form', { name: 'New silence' });
    const matchers = form.getByLabel('Matchers', { exact: true });
    expect(await matchers.inputValue()).toBe('alertname="CheckoutErrors", service="checkout"');
    await form.getByLabel('Duration', { exact: true }).fill('1h');
    await form.getByLabel('Comment', { exact: true }).fill('deploying a fix');
    await form.getByRole('button', { name: 'Create silence' }).click();

    const silences = page.getByRole('table', { name: 'Silences' });
    const silence = silences.getByRole('row', {
      name: 'Silence alertname="CheckoutErrors", service="checkout", active',
    });
    await silence.waitFor();
    await instances.getByRole('row', { name: 'checkout, firing' }).getByText('silenced').waitFor();
    await shot('alerts-silenced');

    await silence.getByRole('button', { name: /^Expire silence / }).click();
    await silences
      .getByRole('row', { name: 'Silence alertname="CheckoutErrors", service="checkout", expired' })
      .waitFor();
  });

  it('deletes an API rule after a confirmation', async () => {
    await page.goto(`${url}/alerts?range=30m`);
    const rules = page.getByRole('table', { name: 'Alert rules' });
    await rules.getByRole('button', { name: 'Delete rule CheckoutErrors' }).click();
    await rules.getByRole('button', { name: 'Confirm deleting rule CheckoutErrors' }).click();
    await rules.getByRole('button', { name: 'CheckoutErrors', exact: true }).waitFor({ state: 'detached' });
    expect(await rules.getByRole('button', { name: 'RatingsErrors', exact: true }).count()).toBe(1);
  });
});
