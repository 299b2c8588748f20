import { mkdir, rm } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Locator, Page } from 'playwright-core';
import {
  buildUi,
  EXPECTED_NODE_HEALTH,
  launchChromium,
  OFF_PATH_SPAN,
  seedWorld,
  startSeededService,
  startStaticServer,
  TRACE_ID,
  TRACE_SPANS,
  type Chromium,
  type SeededService,
} from '../../src/browser/index.js';

/**
 * The dashboard in Debian's Chromium, served by the real query service over storage seeded through the
 * collector's sink. Screenshots land in test-results/browser/ for a person to look at.
 */

const SHOTS = 'test-results/browser';
/** the service's API answers in well under a second; the retries of an unreachable API take ~3 s */
const UI_TIMEOUT_MS = 15_000;

let uiDir: string;
let service: SeededService;
let browser: Chromium;
let page: Page;

beforeAll(async () => {
  uiDir = await buildUi();
  service = await startSeededService(uiDir, async (sink) => {
    await seedWorld(sink, Date.now());
  });
  browser = await launchChromium();
  page = await browser.context.newPage();
  page.setDefaultTimeout(UI_TIMEOUT_MS);
  await mkdir(SHOTS, { recursive: true });
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await service?.close();
  if (uiDir) await rm(uiDir, { recursive: true, force: true });
});

const shot = (name: string) => page.screenshot({ path: `${SHOTS}/${name}.png` });

/** Waits for the element (Playwright's auto-waiting), then reads an attribute. */
async function attribute(locator: Locator, name: string): Promise<string | null> {
  await locator.waitFor();
  return locator.getAttribute(name);
}

describe('topology', () => {
  it('shows the seeded services with Kiali health colours on nodes and edges', async () => {
    await page.goto(`${service.url}/topology?range=30m`);
    for (const [name, health] of Object.entries(EXPECTED_NODE_HEALTH)) {
      expect(
        await attribute(page.getByRole('button', { name: new RegExp(`^Service ${name}, `) }), 'data-health'),
        name,
      ).toBe(health);
    }
    expect(
      await attribute(page.getByRole('button', { name: /^Edge reviews → ratings, / }), 'data-health'),
    ).toBe('Failure');
    expect(
      await attribute(page.getByRole('button', { name: /^Edge productpage → details, / }), 'data-health'),
    ).toBe('Healthy');
    // the colour a person sees: Kiali's red on the failing node's outline
    expect(
      await attribute(
        page
          .getByRole('button', { name: /^Service ratings, / })
          .locator('circle')
          .last(),
        'stroke',
      ),
    ).toBe('#c9190b');
    // mTLS lock on mutual-TLS edges only
    expect(
      await attribute(page.getByRole('button', { name: /^Edge productpage → reviews, / }), 'data-mtls'),
    ).toBe('true');
    expect(
      await attribute(page.getByRole('button', { name: /^Edge productpage → details, / }), 'data-mtls'),
    ).toBe('false');
    await shot('topology');
  });

  it('opens an edge panel with charts when an edge is clicked', async () => {
    await page.goto(`${service.url}/topology?range=30m`);
    await page.getByRole('button', { name: /^Edge productpage → reviews, / }).click();
    const panel = page.getByRole('complementary', { name: 'Details of edge productpage → reviews' });
    for (const chart of ['Request rate', 'Error rate (5xx)', 'Latency p50 / p95 / p99']) {
      // a drawn line (not the empty or error state); a flat line has no height, so wait for it attached
      const line = panel.getByRole('figure', { name: chart }).locator('path.recharts-line-curve').first();
      await line.waitFor({ state: 'attached' });
      expect(await line.getAttribute('d'), chart).toMatch(/^M[\d.]+,[\d.]+L/);
    }
    expect(new URL(page.url()).searchParams.get('edge')).not.toBeNull();
    await shot('topology-edge-panel');

    // "traces through here": a search pre-filled with the caller and the callee, which finds the trace
    await panel.getByRole('link', { name: 'Traces through here' }).click();
    await page
      .getByRole('list', { name: 'Search results' })
      .locator(`a[href="/traces/${TRACE_ID}"]`)
      .waitFor();
    expect(await page.getByRole('combobox', { name: 'Service' }).inputValue()).toBe('productpage');
    expect(await page.getByRole('textbox', { name: 'Tags' }).inputValue()).toBe(
      'destination_service_name=reviews',
    );
  });

  it('finds nodes by expression and dims the rest', async () => {
    await page.goto(`${service.url}/topology?range=30m&find=${encodeURIComponent('error% > 5')}`);
    expect(await attribute(page.getByRole('button', { name: /^Service ratings, / }), 'class')).toBe('node');
    expect(await attribute(page.getByRole('button', { name: /^Service details, / }), 'class')).toBe(
      'node dimmed',
    );
  });
});

describe('topology, versioned', () => {
  it('shows one node per version, boxed by service', async () => {
    await page.goto(`${service.url}/topology?graph=versioned&range=30m`);
    expect(await attribute(page.getByRole('button', { name: /^Service reviews v1, / }), 'data-health')).toBe(
      'Degraded',
    );
    expect(await attribute(page.getByRole('button', { name: /^Service reviews v2, / }), 'data-health')).toBe(
      'Failure',
    );
    await page.getByLabel('Service group reviews').waitFor();
    await shot('topology-versioned');
  });
});

describe('services', () => {
  it('lists the services with their health, sortable by error rate', async () => {
    await page.goto(`${service.url}/services?range=30m`);
    const table = page.getByRole('table', { name: 'Services' });
    const ratings = table
      .getByRole('row')
      .filter({ has: page.getByRole('link', { name: 'ratings', exact: true }) });
    expect(await attribute(ratings.locator('[data-health]'), 'data-health')).toBe('Failure');
    await table.getByRole('button', { name: 'Sort by Error %' }).click();
    await page.waitForURL(/sort=errors/);
    // 15 % errors: first when sorted by error rate, worst first
    expect(await table.locator('tbody tr').first().getByRole('link').first().textContent()).toBe('ratings');
    await table.getByRole('img', { name: 'ratings request rate trend' }).waitFor();
    await shot('services');
  });

  it('shows a service with its golden signals and its callers and callees', async () => {
    await page.goto(`${service.url}/services/reviews?range=30m`);
    const line = page
      .getByRole('figure', { name: 'Request rate' })
      .locator('path.recharts-line-curve')
      .first();
    await line.waitFor({ state: 'attached' });
    await page
      .getByRole('region', { name: 'Inbound (callers)' })
      .getByRole('link', { name: 'productpage' })
      .waitFor();
    await page
      .getByRole('region', { name: 'Outbound (callees)' })
      .getByRole('link', { name: 'ratings' })
      .waitFor();
    await shot('service-detail');
  });
});

describe('traces', () => {
  it('finds the seeded trace by service in the search', async () => {
    await page.goto(`${service.url}/traces`);
    await page
      .getByRole('combobox', { name: 'Service' })
      .locator('option[value="ratings"]')
      .waitFor({ state: 'attached' });
    await page.getByRole('combobox', { name: 'Service' }).selectOption('ratings');
    await page.getByRole('combobox', { name: 'Lookback' }).selectOption('1h');
    await page.getByRole('button', { name: 'Find traces' }).click();
    const result = page
      .getByRole('list', { name: 'Search results' })
      .locator(`a[href="/traces/${TRACE_ID}"]`);
    await result.waitFor();
    expect(await result.textContent()).toBe('frontend: GET /');
    await page
      .getByRole('figure', { name: 'Traces by time and duration' })
      .locator('.recharts-scatter-symbol')
      .first()
      .waitFor();
    await shot('trace-search');
  });

  it('shows every span of the trace and marks the critical path', async () => {
    await page.goto(`${service.url}/traces/${TRACE_ID}`);
    const rows = page.getByRole('grid', { name: 'Spans' }).getByRole('row');
    await rows.first().waitFor();
    expect(await rows.count()).toBe(TRACE_SPANS);
    await page.locator('.cp').first().waitFor();
    expect(await page.locator('[data-critical="true"]').count()).toBe(TRACE_SPANS - 1);
    expect(
      await page.getByRole('row', { name: `productpage ${OFF_PATH_SPAN}` }).getAttribute('data-critical'),
    ).toBe('false');

    await page.getByRole('row', { name: 'ratings GET /ratings' }).click();
    const status = page.getByRole('complementary', { name: 'Span detail' }).getByLabel('Status');
    await status.waitFor();
    expect(await status.textContent()).toContain('ERROR');
    await shot('trace-view');

    // find in trace: the two spans that name ratings, counted and highlighted
    await page.getByRole('searchbox', { name: 'Find in trace' }).fill('ratings');
    await page.getByText('1 of 2').waitFor();
    expect(await page.locator('.row.match').count()).toBe(2);

    // collapsing the root leaves one row; expanding brings every span back
    await page.getByRole('button', { name: 'Collapse GET /', exact: true }).click();
    await rows.nth(1).waitFor({ state: 'detached' });
    expect(await rows.count()).toBe(1);
    await page.getByRole('button', { name: 'Expand GET /', exact: true }).click();
    await rows.nth(TRACE_SPANS - 1).waitFor();

    await page.getByRole('checkbox', { name: 'Critical path' }).uncheck();
    await page.locator('.cp').first().waitFor({ state: 'detached' });
    expect(await page.locator('[data-critical="true"]').count()).toBe(0);
  });

  it('says clearly when a trace id is unknown', async () => {
    await page.goto(`${service.url}/traces/0123456789abcdef0123456789abcdef`);
    await page.getByRole('alert').filter({ hasText: 'Trace not found' }).waitFor();
    await shot('trace-not-found');
  });
});

describe('without the API', () => {
  it('says clearly that the API cannot be reached', async () => {
    const down = await startStaticServer(uiDir);
    try {
      await page.goto(`${down.url}/services`);
      await page.getByRole('alert').filter({ hasText: 'Cannot reach the meshscope API' }).waitFor();
      await shot('api-unreachable');
    } finally {
      await down.close();
    }
  });
});
