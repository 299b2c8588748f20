import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { StorageSink } from '../../src/ingest/storage-sink.js';
import { SpanPairingJob } from '../../src/rollups/span-pairing.js';
import type { StorageClient } from '../../src/storage/client.js';
import type { MeshTrafficQuery, MeshTrafficRow } from '../../src/storage/read/mesh-traffic.js';
import { ReadApi, type EdgePoint, type RedPoint, type Window } from '../../src/storage/read/read-api.js';
import { LATENCY_BOUNDS_MS, Tables } from '../../src/storage/schema/tables.js';
import type { MetricHistogramRow, SpanRow } from '../../src/storage/rows.js';
import type { BatchingWriter } from '../../src/writer/batching-writer.js';
import { hex, makeRequestHistogram, makeSpan } from '../helpers/rows.js';
import { openTestStorage, openTestWriter } from '../helpers/storage.js';

/**
 * Reads take whole hours from the hourly rollups and the ragged minutes around them from the per-minute
 * rollups. Over four hours of traffic written through the collector's sink, every read must give what the
 * per-minute rollups alone give: the same counts, and quantiles within t-digest tolerance.
 */

let storage: StorageClient;
let cleanup: () => Promise<void>;
let writer: BatchingWriter;
/** whole hours from the hourly rollups (the default) */
let hybrid: ReadApi;
/** per-minute rollups only: the reference */
let minutes: ReadApi;
const log = pino({ level: 'silent' });

const HOUR = 3600;
/** an hour boundary, with data from 40 minutes before it to 3 h 40 min after it, all in the past */
const h0 = Math.floor(Date.now() / 1000 / HOUR) * HOUR - 5 * HOUR;
const firstMinute = h0 - 40 * 60;
const lastMinute = h0 + 3 * HOUR + 39 * 60;
const ns = (sec: number) => BigInt(sec) * 1_000_000_000n;

/** Windows that start and end mid-hour, on the hour, mid-minute, or hold no whole hour. */
const WINDOWS: Array<[string, Window]> = [
  ['mid-hour to mid-hour, two whole hours', { startSec: h0 - 17 * 60, endSec: h0 + 2 * HOUR + 23 * 60 }],
  ['exactly three hours on the hour', { startSec: h0, endSec: h0 + 3 * HOUR }],
  ['on the hour to mid-hour', { startSec: h0 + HOUR, endSec: h0 + 2 * HOUR + 30 * 60 }],
  ['mid-hour to on the hour', { startSec: h0 - 25 * 60, endSec: h0 + HOUR }],
  ['mid-minute ends', { startSec: h0 - 17 * 60 + 30, endSec: h0 + 2 * HOUR + 10 }],
  ['one whole hour and one minute', { startSec: h0 + HOUR - 60, endSec: h0 + 2 * HOUR }],
  ['an hour across a boundary, no whole hour', { startSec: h0 + 20 * 60, endSec: h0 + HOUR + 20 * 60 }],
  ['shorter than an hour', { startSec: h0 + 10 * 60, endSec: h0 + 50 * 60 }],
  ['everything', { startSec: firstMinute - HOUR, endSec: lastMinute + HOUR }],
];

const edge = (
  reporter: string,
  source: string,
  dest: string,
  version: string,
  extra: Record<string, string> = {},
) => ({
  reporter,
  source_app: source,
  source_workload: `${source}-v1`,
  source_workload_namespace: 'shop',
  source_version: 'v1',
  source_principal: `spiffe://cluster.local/ns/shop/sa/${source}`,
  destination_service_name: dest,
  destination_service_namespace: 'shop',
  destination_workload: `${dest}-${version}`,
  destination_version: version,
  destination_principal: `spiffe://cluster.local/ns/shop/sa/${dest}`,
  response_code: '200',
  connection_security_policy: 'mutual_tls',
  ...extra,
});

/** Counts over the first buckets that change from minute to minute, so every minute's digest differs. */
function buckets(m: number, spread: number): number[] {
  return Array.from({ length: 6 }, (_, b) => ((m * (b + 3) * spread) % 11) + (b === 2 ? 1 : 0));
}
const total = (counts: number[]) => counts.reduce((a, b) => a + b, 0);

function histograms(): MetricHistogramRow[] {
  const rows: MetricHistogramRow[] = [];
  for (let sec = firstMinute, m = 0; sec <= lastMinute; sec += 60, m++) {
    const at = ns(sec + 30);
    const version = m % 3 === 0 ? 'v2' : 'v1';
    const ok = buckets(m, 1);
    // frontend → reviews, reported by both agents; some minutes have 503s
    rows.push(
      makeRequestHistogram(edge('destination', 'frontend', 'reviews', version), ok, total(ok) * 0.03, at),
    );
    rows.push(makeRequestHistogram(edge('source', 'frontend', 'reviews', version), ok, total(ok) * 0.03, at));
    if (m % 4 === 1) {
      const failed = [0, 0, 0, 0, 0, 0, 0, 1 + (m % 5)];
      const attrs = edge('destination', 'frontend', 'reviews', version, { response_code: '503' });
      rows.push(makeRequestHistogram(attrs, failed, 0.5, at));
    }
    // reviews → ratings over gRPC, destination only
    const grpc = buckets(m, 2);
    const ratings = edge('destination', 'reviews', 'ratings', 'v1', {
      request_protocol: 'grpc',
      grpc_response_status: m % 7 === 0 ? '14' : '0',
    });
    rows.push(makeRequestHistogram(ratings, grpc, total(grpc) * 0.01, at));
    // reviews → payments: the caller reports every minute, payments' own agent only in the leading ragged
    // minutes (so whether source reports count depends on the window, through both tables)
    const pay = buckets(m, 5);
    rows.push(makeRequestHistogram(edge('source', 'reviews', 'payments', 'v1'), pay, total(pay) * 0.02, at));
    if (sec < h0 - 20 * 60)
      rows.push(makeRequestHistogram(edge('destination', 'reviews', 'payments', 'v1'), pay, 0.1, at));
  }
  return rows;
}

/** SDK spans of two services outside the mesh, durations spread over three orders of magnitude. */
function spans(): SpanRow[] {
  const rows: SpanRow[] = [];
  for (let sec = firstMinute, m = 0; sec <= lastMinute; sec += 60, m++) {
    for (let i = 0; i < 3; i++) {
      const traceId = hex(16);
      const root = makeSpan(
        {
          TraceId: traceId,
          ServiceName: 'web',
          SpanName: 'GET /',
          ResourceAttributes: { 'service.name': 'web' },
          Duration: (1 + ((m * 37 + i * 101) % 400)) * 1_000_000,
          ...(i === 2 && m % 5 === 0
            ? { StatusCode: 'Error', SpanAttributes: { 'http.response.status_code': '500' } }
            : {}),
        },
        ns(sec + 10 + i),
      );
      const call = makeSpan(
        {
          TraceId: traceId,
          ParentSpanId: root.SpanId,
          ServiceName: 'web',
          SpanKind: 'Client',
          SpanName: 'GET /orders',
          ResourceAttributes: { 'service.name': 'web' },
          Duration: 2_000_000,
        },
        ns(sec + 11 + i),
      );
      const served = makeSpan(
        {
          TraceId: traceId,
          ParentSpanId: call.SpanId,
          ServiceName: 'orders',
          SpanName: 'GET /orders',
          ResourceAttributes: { 'service.name': 'orders' },
          Duration: (1 + ((m * 13 + i * 7) % 90)) * 100_000,
        },
        ns(sec + 11 + i),
      );
      rows.push(root, call, served);
    }
  }
  return rows;
}

beforeAll(async () => {
  let dir: string;
  let config;
  ({ storage, cleanup, dir, config } = await openTestStorage());
  ({ writer } = await openTestWriter(storage, dir, { maxBatchRows: 2_000 }));
  hybrid = new ReadApi(storage, config.queryLimits);
  minutes = new ReadApi(storage, config.queryLimits, { hourRollups: false });
  const sink = new StorageSink(writer);
  await sink.writeMetrics({ sums: [], gauges: [], histograms: histograms() });
  await sink.writeSpans(spans());
  // span-paired edges (web → orders) in a ragged minute and inside whole hours
  const pairing = new SpanPairingJob(
    storage,
    { lagSec: 0, skewSec: 60, intervalMs: 1000, catchUpSec: 0 },
    log,
  );
  for (const sec of [h0 - 20 * 60, h0 + 30 * 60, h0 + 90 * 60, h0 + 3 * HOUR + 20 * 60])
    await pairing.pairMinute(sec);
}, 120_000);
afterAll(async () => {
  await writer.close();
  await cleanup();
});

/**
 * How far a quantile from hourly states may be from the per-minute one. Digests merged in another order
 * differ a little: within 2 % for spans' digests (exact durations). Agents' digests hold bucket midpoints
 * (the histograms are all there is), so a quantile between two midpoints is an interpolation, and either
 * read may land anywhere in the latency bucket: they agree within that bucket's width, which is the
 * precision ADR 0007 promises for mesh traffic.
 */
type Tolerance = (referenceMs: number) => number;
const SPAN_DIGESTS: Tolerance = (ms) => 0.02 * ms;
const AGENT_DIGESTS: Tolerance = (ms) => {
  const upper = LATENCY_BOUNDS_MS.findIndex((b) => ms <= b);
  const width =
    upper < 0
      ? Infinity
      : (LATENCY_BOUNDS_MS[upper] ?? 0) - (upper > 0 ? (LATENCY_BOUNDS_MS[upper - 1] ?? 0) : 0);
  return Math.max(0.02 * ms, width);
};

function expectQuantilesClose(
  actual: number[],
  expected: number[],
  tolerance: Tolerance,
  what: string,
): void {
  expect(actual.length, what).toBe(expected.length);
  actual.forEach((q, i) => {
    const want = expected[i] ?? NaN;
    expect(Math.abs(q - want), `${what} q${i}: ${q} vs ${want}`).toBeLessThanOrEqual(tolerance(want) + 1e-9);
  });
}

/** Rows equal field by field (bucket counts too); float sums to 1e-9 relative; quantiles within tolerance. */
function expectSameRows<T extends { quantilesMs: number[] }>(
  actual: T[],
  expected: T[],
  floats: ReadonlyArray<keyof T>,
  tolerance: Tolerance,
  what: string,
): void {
  expect(actual.length, `${what}: rows`).toBe(expected.length);
  expect(expected.length, `${what}: the seeded data is in the window`).toBeGreaterThan(0);
  const strip = (r: T) => {
    const copy: Record<string, unknown> = { ...r, quantilesMs: undefined };
    for (const f of floats) copy[f as string] = undefined;
    return copy;
  };
  actual.forEach((row, i) => {
    const want = expected[i] as T;
    expect(strip(row), `${what}: row ${i}`).toEqual(strip(want));
    for (const f of floats) {
      const [a, b] = [Number(row[f]), Number(want[f])];
      expect(Math.abs(a - b), `${what}: ${String(f)}`).toBeLessThanOrEqual(1e-9 * Math.abs(b) + 1e-9);
    }
    expectQuantilesClose(row.quantilesMs, want.quantilesMs, tolerance, `${what}: row ${i}`);
  });
}

const TRAFFIC: Array<[string, Omit<MeshTrafficQuery, 'startSec' | 'endSec'>]> = [
  ['services by caller and callee', { level: 'service', bySource: true, byDest: true }],
  ['callers summed per destination', { level: 'service', bySource: false, byDest: true }],
  ['versions per protocol', { level: 'version', bySource: true, byDest: true, byProtocol: true }],
  ['workloads, counts only', { level: 'workload', bySource: true, byDest: true, latency: false }],
  ['filtered to one caller', { level: 'service', bySource: true, byDest: true, sourceServices: ['reviews'] }],
];

describe.each(WINDOWS)('a window %s', (_name, window) => {
  it('gives the per-minute numbers for mesh traffic at every grouping', async () => {
    for (const [what, shape] of TRAFFIC) {
      const query = { ...window, ...shape };
      expectSameRows<MeshTrafficRow>(
        await hybrid.meshTraffic(query),
        await minutes.meshTraffic(query),
        ['durationSumMs'],
        AGENT_DIGESTS,
        what,
      );
    }
  });

  it('gives the per-minute numbers for RED and edges', async () => {
    const red = { ...window, groupBy: ['service', 'operation', 'kind'] as const };
    expectSameRows<RedPoint>(await hybrid.red(red), await minutes.red(red), [], SPAN_DIGESTS, 'red');
    for (const detail of [false, true]) {
      const edges = { ...window, detail };
      expectSameRows<EdgePoint>(
        await hybrid.edges(edges),
        await minutes.edges(edges),
        ['durationSumMs'],
        AGENT_DIGESTS,
        'edges',
      );
    }
  });

  it('lists the same endpoints', async () => {
    const sorted = async (read: ReadApi) =>
      (await read.trafficEndpoints({ ...window, level: 'version' })).map((e) => JSON.stringify(e)).sort();
    expect(await sorted(hybrid)).toEqual(await sorted(minutes));
  });
});

describe('series with a step', () => {
  const window = { startSec: h0 - 17 * 60, endSec: h0 + 3 * HOUR + 23 * 60 };

  it.each([60, 300, 1800, HOUR, 2 * HOUR, 5400])(
    'gives the per-minute points at a %i s step',
    async (stepSec) => {
      const red = { ...window, stepSec, groupBy: ['service'] as const };
      const redPoints = await hybrid.red(red);
      expectSameRows<RedPoint>(redPoints, await minutes.red(red), [], SPAN_DIGESTS, `red step ${stepSec}`);
      const buckets = Math.floor((window.endSec - 1) / stepSec) - Math.floor(window.startSec / stepSec) + 1;
      expect(new Set(redPoints.map((p) => p.timeSec)).size).toBe(buckets);
      const traffic = { ...window, stepSec, level: 'service' as const, bySource: true, byDest: true };
      expectSameRows<MeshTrafficRow>(
        await hybrid.meshTraffic(traffic),
        await minutes.meshTraffic(traffic),
        ['durationSumMs'],
        AGENT_DIGESTS,
        `traffic step ${stepSec}`,
      );
    },
  );
});

describe('whole hours come from the hourly rollups', () => {
  it('still answers for an hour whose per-minute rows are gone (minute retention is the shorter)', async () => {
    const window = { startSec: h0 - 17 * 60, endSec: h0 + 2 * HOUR + 23 * 60 };
    const query = { ...window, level: 'service' as const, bySource: true, byDest: true, latency: false };
    const before = await hybrid.meshTraffic(query);
    const redBefore = await hybrid.red({ ...window, groupBy: ['service'] });
    for (const table of [Tables.edges1m, Tables.red1m])
      await storage.client.command({
        query: `ALTER TABLE ${storage.table(table)} DELETE
                WHERE Minute >= toDateTime({from:UInt32}, 'UTC') AND Minute < toDateTime({to:UInt32}, 'UTC')`,
        query_params: { from: h0 + HOUR, to: h0 + 2 * HOUR },
        clickhouse_settings: { mutations_sync: '2' },
      });
    // The per-minute reference lost that hour; the hourly path did not.
    const requests = (rows: Array<{ requests: number }>) => rows.reduce((n, r) => n + r.requests, 0);
    expect(requests(await minutes.meshTraffic(query))).toBeLessThan(requests(before));
    expect(await hybrid.meshTraffic(query)).toEqual(before);
    expect(requests(await hybrid.red({ ...window, groupBy: ['service'] }))).toBe(requests(redBefore));
    // A step under an hour reads minutes only, so the deleted hour shows as missing points.
    const perMinute = await hybrid.red({ ...window, stepSec: 60, groupBy: ['service'], services: ['web'] });
    expect(perMinute.filter((p) => p.timeSec >= h0 + HOUR && p.timeSec < h0 + 2 * HOUR)).toEqual([]);
  });
});
