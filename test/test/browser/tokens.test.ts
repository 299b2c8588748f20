import { mkdir, rm } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Page, Request } from 'playwright-core';
import { queryConfigSchema } from '@meshscope/query';
import {
  buildUi,
  launchChromium,
  seedWorld,
  startSeededService,
  type Chromium,
  type SeededService,
} from '../../src/browser/index.js';

/**
 * The dashboard in Debian's Chromium in front of a query service that requires API tokens (one read, one
 * admin): the sign-in panel, a refused token, reading with the read token, a write refused for its role,
 * sign-out, and the same write with the admin token. Screenshots land in test-results/browser/.
 */

const SHOTS = 'test-results/browser';
const UI_TIMEOUT_MS = 15_000;
const READ_TOKEN = 'read-7f3a9c2e51b84d06a1e2';
const ADMIN_TOKEN = 'admin-0c5d8e1f4a7b2963d8e1';
const WRONG_TOKEN = 'wrong-9e8d7c6b5a4f3e2d1c0b';
const HEADING = 'This meshscope needs an API token';

let uiDir: string;
let service: SeededService;
let browser: Chromium;
let page: Page;
/** the Authorization header of every /api request the page sent, in order */
const sent: { path: string; authorization: string | undefined }[] = [];

beforeAll(async () => {
  uiDir = await buildUi();
  service = await startSeededService(
    uiDir,
    async (sink) => {
      await seedWorld(sink, Date.now());
    },
    queryConfigSchema.parse({ tokens: { read: [READ_TOKEN], admin: [ADMIN_TOKEN] } }),
  );
  browser = await launchChromium({ width: 1400, height: 1100 });
  page = await browser.context.newPage();
  page.setDefaultTimeout(UI_TIMEOUT_MS);
  page.on('request', (request: Request) => {
    const url = new URL(request.url());
    if (url.pathname.startsWith('/api/')) {
      sent.push({ path: url.pathname, authorization: request.headers().authorization });
    }
  });
  await mkdir(SHOTS, { recursive: true });
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await service?.close();
  if (uiDir) await rm(uiDir, { recursive: true, force: true });
});

const shot = (name: string) => page.screenshot({ path: `${SHOTS}/${name}.png` });
const panel = () => page.getByRole('region', { name: HEADING });
/** every value the page keeps in sessionStorage and localStorage (evaluated in the page, which has them) */
const storedTokens = () =>
  page.evaluate<{ session: string[]; local: string[] }>(
    '({ session: Object.values(sessionStorage), local: Object.values(localStorage) })',
  );

async function signIn(token: string): Promise<void> {
  await panel().getByLabel('API token', { exact: true }).fill(token);
  await panel().getByRole('button', { name: 'Sign in' }).click();
}

/** The URL and history never hold a token. */
function expectNoTokenInUrl(): void {
  for (const token of [READ_TOKEN, ADMIN_TOKEN, WRONG_TOKEN]) expect(page.url()).not.toContain(token);
}

describe('API tokens', () => {
  it('asks for a token with the service’s reason, and refuses a wrong one', async () => {
    await page.goto(`${service.url}/services?range=30m`);
    await panel().waitFor();
    const input = panel().getByLabel('API token', { exact: true });
    expect(await input.getAttribute('type')).toBe('password');
    await panel().getByRole('alert').filter({ hasText: 'authentication required' }).waitFor();
    expect(await page.getByRole('table', { name: 'Services' }).count()).toBe(0);
    await shot('tokens-sign-in');

    await signIn(WRONG_TOKEN);
    await panel()
      .getByRole('alert')
      .filter({ hasText: "the bearer token is not one of this service's API tokens" })
      .waitFor();
    expect(await input.getAttribute('aria-invalid')).toBe('true');
    expect(await storedTokens()).toEqual({ session: [], local: [] });
    expectNoTokenInUrl();
    await shot('tokens-wrong-token');
  });

  it('shows the services with the read token, sending it on every request, after a reload too', async () => {
    sent.length = 0;
    await signIn(READ_TOKEN);
    const table = page.getByRole('table', { name: 'Services' });
    await table.getByRole('link', { name: 'ratings', exact: true }).waitFor();
    expect(await panel().count()).toBe(0);
    expect(await storedTokens()).toEqual({ session: [READ_TOKEN], local: [] });
    expectNoTokenInUrl();
    await table.getByRole('img', { name: 'ratings request rate trend' }).waitFor();
    await shot('tokens-read-services');

    // a deep-linked topology: its request starts before React (routing/prefetch.ts), with the token
    sent.length = 0;
    await page.goto(`${service.url}/topology?range=30m`);
    await page.getByRole('button', { name: /^Service ratings, / }).waitFor();
    expect(await panel().count()).toBe(0);
    expect(sent.map((r) => r.path)).toContain('/api/mesh/topology');
    expect(sent.filter((r) => r.authorization !== `Bearer ${READ_TOKEN}`)).toEqual([]);
  });

  it('says a read token may not change alerts, next to the button', async () => {
    await page.goto(`${service.url}/alerts?range=30m`);
    await page.getByRole('button', { name: 'New rule' }).click();
    const editor = page.getByRole('region', { name: 'New rule' });
    await editor.getByLabel('Rule name', { exact: true }).fill('CheckoutErrors');
    await editor.getByLabel('Service', { exact: true }).fill('checkout');
    await editor.getByLabel('Window', { exact: true }).fill('5m');
    await editor.getByLabel('Threshold (%)', { exact: true }).fill('5');
    await editor.getByLabel('For', { exact: true }).fill('1m');
    await editor.getByRole('button', { name: 'Create rule' }).click();
    await editor
      .locator('.form-actions')
      .getByRole('alert')
      .filter({ hasText: 'may read but not change alerts' })
      .waitFor();
    expect(new URL(page.url()).searchParams.get('edit')).toBe('new');
    await shot('tokens-read-refused-write');
  });

  it('signs out, then creates the rule with the admin token', async () => {
    await page.getByRole('button', { name: 'Sign out' }).click();
    await panel().getByRole('alert').filter({ hasText: 'authentication required' }).waitFor();
    expect(await storedTokens()).toEqual({ session: [], local: [] });
    expect(await page.getByRole('button', { name: 'Sign out' }).count()).toBe(0);

    sent.length = 0;
    await signIn(ADMIN_TOKEN);
    // the half-written rule survived the sign-in
    const editor = page.getByRole('region', { name: 'New rule' });
    expect(await editor.getByLabel('Rule name', { exact: true }).inputValue()).toBe('CheckoutErrors');
    await editor.getByRole('button', { name: 'Create rule' }).click();
    await page.waitForURL(
      (u) => u.searchParams.get('rule') === 'CheckoutErrors' && !u.searchParams.has('edit'),
    );
    await page
      .getByRole('table', { name: 'Alert rules' })
      .getByRole('button', { name: 'CheckoutErrors', exact: true })
      .waitFor();
    expect(sent.filter((r) => r.authorization !== `Bearer ${ADMIN_TOKEN}`)).toEqual([]);
    expectNoTokenInUrl();
    await shot('tokens-admin-created');
  });
});
