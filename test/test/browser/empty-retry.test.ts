import { rm } from 'node:fs/promises';
import { afterAll, beforeAll, describe, it } from 'vitest';
import type { Page } from 'playwright-core';
import {
  buildUi,
  launchChromium,
  seedWorld,
  startSeededService,
  type Chromium,
  type SeededService,
} from '../../src/browser/index.js';

/**
 * A view opened before the first traffic fills in by itself, even with auto-refresh off, when that
 * traffic is stored in a minute that starts after the window the page opened with. The stored traffic
 * lies three minutes ahead of the real clock; Chromium's clock is then moved forward (Playwright's clock
 * emulation fires the page's timers as time passes), so the page's re-ask must move its window to the
 * page's now. Re-asking for the window the page opened with (the first version) never shows it.
 */

const AHEAD_MS = 3 * 60_000;

let uiDir: string;
let service: SeededService;
let browser: Chromium;
let page: Page;

beforeAll(async () => {
  uiDir = await buildUi();
  service = await startSeededService(uiDir, async (sink) => {
    await seedWorld(sink, Date.now() + AHEAD_MS, 1);
  });
  browser = await launchChromium();
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await service?.close();
  if (uiDir) await rm(uiDir, { recursive: true, force: true });
});

async function openEmpty(path: string, empty: RegExp): Promise<void> {
  page = await browser.context.newPage();
  page.setDefaultTimeout(15_000);
  await page.clock.install();
  await page.goto(`${service.url}${path}`);
  await page.getByText(empty).waitFor();
}

describe('a view opened before its first traffic', () => {
  it('topology fills in when the traffic lands in a later minute, with auto-refresh off', async () => {
    await openEmpty('/topology?refresh=off&range=5m', /^No traffic in this window$/);
    // past the stored minutes, in 5 s steps so that each re-ask runs at its time
    for (let s = 0; s < (AHEAD_MS + 90_000) / 5_000; s++) await page.clock.runFor(5_000);
    await page.getByRole('button', { name: /^Service productpage, / }).waitFor();
    await page.close();
  }, 60_000);

  it('the services list does the same', async () => {
    await openEmpty('/services?refresh=off&range=5m', /^No services reported traffic in this window$/);
    for (let s = 0; s < (AHEAD_MS + 90_000) / 5_000; s++) await page.clock.runFor(5_000);
    await page
      .getByRole('table', { name: 'Services' })
      .getByRole('link', { name: 'productpage', exact: true })
      .waitFor();
    await page.close();
  }, 60_000);
});
