/**
 * `npm run bench:ui`: headless Debian Chromium loads a 10,000-span trace and a 300-node topology from the
 * real query service (embedded ClickHouse, seeded through the collector's sink) serving the freshly built
 * UI. For each, over RUNS fresh pages: time to first render, time to interactive (a click on a span or a
 * node gets its detail panel), the API's share of that, and the JS heap after a forced GC. Also the time
 * from a scroll to the middle of the 10,000 rows until rows are painted there.
 */
import { mkdir, rm } from 'node:fs/promises';
import type { BrowserContext, Page } from 'playwright-core';
import { buildUi, launchChromium, startSeededService } from '../browser/index.js';
import { BIG_TRACE_ID, seedBench } from './ui-data.js';

const RUNS = Number(process.env.BENCH_RUNS ?? 5);
const TRACE_SPANS = 10_000;
const MESH_SERVICES = 300;
const SHOTS = 'bench-results';

interface Sample {
  firstRenderMs: number;
  interactiveMs: number;
  apiMs: number;
  /** a second API call, when the page makes one (the trace's critical path) */
  api2Ms?: number;
  heapMb: number;
  extraMs?: number;
}

const now = (page: Page): Promise<number> => page.evaluate(() => performance.now());

// The page-side snippets are strings: this package compiles for Node, without the DOM's types.

/** Milliseconds the page spent waiting for API responses whose URL contains `part`. */
const apiTime = async (page: Page, part: string): Promise<number> =>
  Number(
    await page.evaluate(
      `performance.getEntriesByType('resource').filter((e) => e.name.includes(${JSON.stringify(part)}))` +
        '.reduce((sum, e) => sum + e.responseEnd - e.startTime, 0)',
    ),
  );

/** Zooms the graph with a wheel event; ms until two frames later (the SVG repainted at the new scale). */
const WHEEL_ZOOM = `(async () => {
  const svg = document.querySelector('svg[aria-label="Service topology"]');
  const start = performance.now();
  svg.dispatchEvent(new WheelEvent('wheel', { deltaY: -300, clientX: 400, clientY: 400, bubbles: true, cancelable: true }));
  await new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r)));
  return performance.now() - start;
})()`;

/** Scrolls the span grid to its middle; ms until two frames later (scroll → rAF state update → paint). */
const SCROLL_TO_MIDDLE = `(async () => {
  const grid = document.querySelector('[role=grid]');
  const start = performance.now();
  grid.scrollTop = grid.scrollHeight / 2;
  await new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r)));
  return performance.now() - start;
})()`;

async function heapMb(context: BrowserContext, page: Page): Promise<number> {
  const cdp = await context.newCDPSession(page);
  await cdp.send('HeapProfiler.collectGarbage');
  const { usedSize } = await cdp.send('Runtime.getHeapUsage');
  await cdp.detach();
  return usedSize / 2 ** 20;
}

async function traceRun(context: BrowserContext, base: string, shot?: string): Promise<Sample> {
  const page = await context.newPage();
  try {
    await page.goto(`${base}/traces/${BIG_TRACE_ID}`, { waitUntil: 'commit' });
    await page.getByRole('grid', { name: 'Spans' }).getByRole('row').first().waitFor();
    const firstRenderMs = await now(page);
    await page.locator('.cp').first().waitFor({ state: 'attached' });
    await page.getByRole('grid', { name: 'Spans' }).getByRole('row').nth(5).click();
    await page.getByRole('complementary', { name: 'Span detail' }).waitFor();
    const interactiveMs = await now(page);
    if (shot) await page.screenshot({ path: shot });
    const extraMs = Number(await page.evaluate(SCROLL_TO_MIDDLE));
    const rows = await page.getByRole('grid', { name: 'Spans' }).getAttribute('aria-rowcount');
    if (rows !== String(TRACE_SPANS)) throw new Error(`expected ${TRACE_SPANS} rows, the grid says ${rows}`);
    return {
      firstRenderMs,
      interactiveMs,
      apiMs: await apiTime(page, '/api/traces/'),
      api2Ms: await apiTime(page, '/critical-path'),
      heapMb: await heapMb(context, page),
      extraMs,
    };
  } finally {
    await page.close();
  }
}

async function topologyRun(context: BrowserContext, base: string, shot?: string): Promise<Sample> {
  const page = await context.newPage();
  try {
    await page.goto(`${base}/topology?range=15m`, { waitUntil: 'commit' });
    await page.locator('g.node').first().waitFor();
    const firstRenderMs = await now(page);
    const nodes = await page.locator('g.node').count();
    if (nodes !== MESH_SERVICES) throw new Error(`expected ${MESH_SERVICES} nodes, drew ${nodes}`);
    await page.getByRole('button', { name: /^Service mesh-150, / }).click();
    await page.getByRole('complementary', { name: 'Details of mesh-150' }).waitFor();
    const interactiveMs = await now(page);
    if (shot) await page.screenshot({ path: shot });
    const extraMs = Number(await page.evaluate(WHEEL_ZOOM));
    return {
      firstRenderMs,
      interactiveMs,
      extraMs,
      apiMs: await apiTime(page, '/api/mesh/topology'),
      heapMb: await heapMb(context, page),
    };
  } finally {
    await page.close();
  }
}

const median = (xs: number[]): number =>
  xs.toSorted((a, b) => a - b)[Math.floor(xs.length / 2)] ?? Number.NaN;
const max = (xs: number[]): number => Math.max(...xs);
const f = (ms: number): string => `${Math.round(ms)}`.padStart(6);

function report(name: string, samples: Sample[], targetMs: number, extra?: string): void {
  const col = (pick: (s: Sample) => number) => samples.map(pick);
  const interactive = median(col((s) => s.interactiveMs));
  process.stdout.write(
    `${name.padEnd(24)} first render ${f(median(col((s) => s.firstRenderMs)))} ms (max ${f(max(col((s) => s.firstRenderMs)))})` +
      `  interactive ${f(interactive)} ms (max ${f(max(col((s) => s.interactiveMs)))})` +
      `  of which API ${f(median(col((s) => s.apiMs)))} ms  heap ${median(col((s) => s.heapMb)).toFixed(1)} MB` +
      `  target ≤ ${targetMs} ms: ${interactive <= targetMs ? 'met' : 'MISSED'}\n`,
  );
  if (extra) process.stdout.write(`${''.padEnd(24)} ${extra}\n`);
}

async function main(): Promise<void> {
  process.stdout.write(
    `bench:ui — building the UI and seeding ${TRACE_SPANS} spans and a ${MESH_SERVICES}-service mesh…\n`,
  );
  const uiDir = await buildUi();
  const service = await startSeededService(uiDir, (sink) =>
    seedBench(sink, Date.now(), TRACE_SPANS, MESH_SERVICES),
  );
  const browser = await launchChromium({ width: 1400, height: 900 });
  try {
    // one warm-up of each (screenshots for a person to look at), so the figures are of a browser with the
    // assets cached, as a returning user has
    await mkdir(SHOTS, { recursive: true });
    await traceRun(browser.context, service.url, `${SHOTS}/ui-trace-10k.png`);
    await topologyRun(browser.context, service.url, `${SHOTS}/ui-topology-300.png`);
    const trace: Sample[] = [];
    const topology: Sample[] = [];
    for (let i = 0; i < RUNS; i++) {
      trace.push(await traceRun(browser.context, service.url));
      topology.push(await topologyRun(browser.context, service.url));
    }
    process.stdout.write(`medians of ${RUNS} runs, from navigation start, Debian Chromium headless\n`);
    report(
      `trace (${TRACE_SPANS} spans)`,
      trace,
      1500,
      `critical path API ${f(median(trace.map((s) => s.api2Ms ?? Number.NaN)))} ms;` +
        ` scroll to the middle → rows painted ${f(median(trace.map((s) => s.extraMs ?? Number.NaN)))} ms`,
    );
    report(
      `topology (${MESH_SERVICES} nodes)`,
      topology,
      2000,
      `wheel zoom → graph repainted ${f(median(topology.map((s) => s.extraMs ?? Number.NaN)))} ms`,
    );
  } finally {
    await browser.close();
    await service.close();
    await rm(uiDir, { recursive: true, force: true });
  }
}

await main();
