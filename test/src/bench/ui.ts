/**
 * `npm run bench:ui`: headless Debian Chromium loads a 10,000-span trace and a 300-node topology from the
 * real query service (embedded ClickHouse, seeded through the collector's sink) serving the freshly built
 * UI. For each, over RUNS fresh pages: time to first render, time to interactive (a click on a span or a
 * node gets its detail panel), the API's share of that, and the JS heap after a forced GC. Also the time
 * from a scroll to the middle of the 10,000 rows until rows are painted there.
 *
 * The times are taken in the page (PAINT_WATCH), not by when Playwright's waits return: those poll with
 * growing gaps, 500 ms apart after the first ~0.3 s, and the trace page's first render came out ~0.9 s
 * or ~1.4 s depending on which poll saw it (ADR 0006).
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
  /** from the click to its detail panel painted */
  clickMs: number;
}

/**
 * Page-side watch, added to every page before its scripts run: for each selector, the time
 * (`performance.now()`, from navigation start) of the first animation frame after a matching element is
 * in the DOM, i.e. when it is painted; and the timestamp of the last click. Playwright's waits still tell
 * the bench when to go on; their own timing is not used.
 */
const WATCHED = {
  '/traces/': {
    row: '[role=grid][aria-label="Spans"] [role=row]',
    criticalPath: '.cp',
    spanDetail: 'aside[aria-label="Span detail"]',
  },
  '/topology': {
    node: 'g.node',
    nodeDetail: 'aside[aria-label="Details of mesh-150"]',
  },
} as const;
type Watched = {
  [P in keyof typeof WATCHED]: keyof (typeof WATCHED)[P];
}[keyof typeof WATCHED];

// The observer stops once everything its page watches for was seen, so it costs the page nothing after.
const PAINT_WATCH = `(() => {
  const pages = ${JSON.stringify(WATCHED)};
  const page = Object.keys(pages).find((p) => location.pathname.startsWith(p));
  if (!page) return;
  const selectors = pages[page];
  const painted = {};
  window.__painted = painted;
  window.__clickAt = NaN;
  addEventListener('click', (e) => { window.__clickAt = e.timeStamp; }, true);
  const seen = new Set();
  const observer = new MutationObserver(() => {
    for (const [key, sel] of Object.entries(selectors)) {
      if (seen.has(key) || !document.querySelector(sel)) continue;
      seen.add(key);
      requestAnimationFrame(() => { painted[key] = performance.now(); });
    }
    if (seen.size === Object.keys(selectors).length) observer.disconnect();
  });
  observer.observe(document, { childList: true, subtree: true, attributes: true });
})()`;

/** When `what` was first painted in the page, ms from navigation start (waits for the frame). */
async function paintedAt(page: Page, what: Watched): Promise<number> {
  await page.waitForFunction(`window.__painted[${JSON.stringify(what)}] !== undefined`, undefined, {
    polling: 'raf',
  });
  return Number(await page.evaluate(`window.__painted[${JSON.stringify(what)}]`));
}

/** ms from the last click until `what` was painted: how long the page took to answer it. */
async function answeredIn(page: Page, what: Watched): Promise<number> {
  const painted = await paintedAt(page, what);
  const ms = painted - Number(await page.evaluate('window.__clickAt'));
  if (!(ms > 0)) throw new Error(`${what} was painted before the click (or no click was seen): ${ms} ms`);
  return ms;
}

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
    const firstRenderMs = await paintedAt(page, 'row');
    // ready for a person once the rows and the critical path are painted; interactive when a click made
    // then gets its answer
    const readyMs = Math.max(firstRenderMs, await paintedAt(page, 'criticalPath'));
    await page.getByRole('grid', { name: 'Spans' }).getByRole('row').nth(5).click();
    await page.getByRole('complementary', { name: 'Span detail' }).waitFor();
    const clickMs = await answeredIn(page, 'spanDetail');
    const interactiveMs = readyMs + clickMs;
    if (shot) await page.screenshot({ path: shot });
    const extraMs = Number(await page.evaluate(SCROLL_TO_MIDDLE));
    const rows = await page.getByRole('grid', { name: 'Spans' }).getAttribute('aria-rowcount');
    if (rows !== String(TRACE_SPANS)) throw new Error(`expected ${TRACE_SPANS} rows, the grid says ${rows}`);
    return {
      firstRenderMs,
      interactiveMs,
      clickMs,
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
    const firstRenderMs = await paintedAt(page, 'node');
    const nodes = await page.locator('g.node').count();
    if (nodes !== MESH_SERVICES) throw new Error(`expected ${MESH_SERVICES} nodes, drew ${nodes}`);
    await page.getByRole('button', { name: /^Service mesh-150, / }).click();
    await page.getByRole('complementary', { name: 'Details of mesh-150' }).waitFor();
    const clickMs = await answeredIn(page, 'nodeDetail');
    const interactiveMs = firstRenderMs + clickMs;
    if (shot) await page.screenshot({ path: shot });
    const extraMs = Number(await page.evaluate(WHEEL_ZOOM));
    return {
      firstRenderMs,
      interactiveMs,
      clickMs,
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
  await browser.context.addInitScript(PAINT_WATCH);
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
        ` click on a span → detail painted ${f(median(trace.map((s) => s.clickMs)))} ms;` +
        ` scroll to the middle → rows painted ${f(median(trace.map((s) => s.extraMs ?? Number.NaN)))} ms`,
    );
    report(
      `topology (${MESH_SERVICES} nodes)`,
      topology,
      2000,
      `click on a node → detail painted ${f(median(topology.map((s) => s.clickMs)))} ms;` +
        ` wheel zoom → graph repainted ${f(median(topology.map((s) => s.extraMs ?? Number.NaN)))} ms`,
    );
  } finally {
    await browser.close();
    await service.close();
    await rm(uiDir, { recursive: true, force: true });
  }
}

await main();
