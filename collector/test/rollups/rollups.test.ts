import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { StorageSink } from '../../src/ingest/storage-sink.js';
import { edgeRowsFromHistograms, latencyFromBuckets } from '../../src/rollups/edges.js';
import type { StorageClient } from '../../src/storage/client.js';
import { Tables } from '../../src/storage/schema/tables.js';
import type { BatchingWriter } from '../../src/writer/batching-writer.js';
import { makeRequestHistogram, makeSpan } from '../helpers/rows.js';
import { openTestStorage, openTestWriter } from '../helpers/storage.js';

let storage: StorageClient;
let cleanup: () => Promise<void>;
let writer: BatchingWriter;
let sink: StorageSink;

beforeAll(async () => {
  let dir: string;
  ({ storage, cleanup, dir } = await openTestStorage());
  ({ writer } = await openTestWriter(storage, dir, { flushIntervalMs: 20 }));
  sink = new StorageSink(writer);
});
afterAll(async () => {
  await writer.close();
  await cleanup();
});

async function query<T>(sql: string): Promise<T[]> {
  const rs = await storage.client.query({ query: sql, format: 'JSONEachRow' });
  return rs.json<T>();
}

const minuteNs = (BigInt(Math.floor(Date.now() / 60_000) - 5) * 60_000n + 10_000n) * 1_000_000n;
const edge = {
  reporter: 'destination',
  source_workload: 'productpage-v1',
  source_workload_namespace: 'bookinfo',
  source_app: 'productpage',
  source_version: 'v1',
  source_principal: 'spiffe://cluster.local/ns/bookinfo/sa/productpage',
  destination_service: 'reviews.bookinfo.svc.cluster.local',
  destination_service_name: 'reviews',
  destination_service_namespace: 'bookinfo',
  destination_workload: 'reviews-v2',
  destination_app: 'reviews',
  destination_version: 'v2',
  request_protocol: 'http',
  connection_security_policy: 'mutual_tls',
};

describe('latencyFromBuckets', () => {
  it('keeps the counts exactly when the bounds are the rollup bounds, and weights bucket midpoints', () => {
    const counts = [1, 2, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 3];
    const r = latencyFromBuckets(
      {
        BucketCounts: counts,
        ExplicitBounds: [0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.25, 0.5, 0.75, 1, 2.5, 5, 7.5, 10],
        Count: 6,
        Min: 0.001,
        Max: 12,
      },
      1000,
    );
    expect(r.LatencyBucketsLe).toEqual([1, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 6]);
    expect(r.LatencyValuesMs).toEqual([2.5, 7.5, 11_000]);
    expect(r.LatencyWeights).toEqual([1, 2, 3]);
  });
});

describe('edge rollups from agent request histograms', () => {
  it('ignore HTTP histograms that are not an agent’s (no reporter)', () => {
    const sdk = makeRequestHistogram({ 'http.request.method': 'GET' }, [1], 0.001);
    expect(edgeRowsFromHistograms([sdk])).toEqual([]);
  });

  it('sum requests, error classes and mTLS, and estimate quantiles from the buckets', async () => {
    // 98 fast OK requests (≤ 5 ms), 2 slow 503s (in the 250–500 ms bucket), over two export intervals.
    const ok = [49, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0];
    const slow = [0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0];
    await sink.writeMetrics({
      sums: [],
      gauges: [],
      histograms: [
        makeRequestHistogram({ ...edge, response_code: '200' }, ok, 0.098, minuteNs),
        makeRequestHistogram({ ...edge, response_code: '200' }, ok, 0.098, minuteNs + 5_000_000_000n),
        makeRequestHistogram({ ...edge, response_code: '503' }, slow, 0.4, minuteNs),
        makeRequestHistogram({ ...edge, response_code: '503' }, slow, 0.4, minuteNs + 5_000_000_000n),
      ],
    });
    const [row] = await query<{
      src: string;
      dst: string;
      mtls: number;
      requests: string;
      e5: string;
      e4: string;
      q: number[];
      buckets: string[];
      minute: string;
    }>(`SELECT SourceService AS src, DestService AS dst, any(Mtls) AS mtls, sum(Requests) AS requests,
        sum(Http5xx) AS e5, sum(Http4xx) AS e4, quantilesTDigestWeightedMerge(0.5, 0.99)(LatencyDigest) AS q,
        sumForEachMerge(LatencyBuckets) AS buckets, toString(toUnixTimestamp(min(Minute))) AS minute
        FROM ${storage.table(Tables.edges1m)} GROUP BY src, dst`);
    expect(row).toMatchObject({ src: 'productpage', dst: 'reviews', mtls: 1 });
    expect(Number(row?.requests)).toBe(100);
    expect(Number(row?.e5)).toBe(2);
    expect(Number(row?.e4)).toBe(0);
    expect(row?.minute).toBe(String((minuteNs / 1_000_000_000n / 60n) * 60n));
    expect(row?.q[0]).toBeLessThanOrEqual(5);
    expect(row?.q[1]).toBeGreaterThanOrEqual(250);
    expect(row?.q[1]).toBeLessThanOrEqual(500);
    expect(row?.buckets.map(Number)).toEqual([
      98, 98, 98, 98, 98, 98, 98, 100, 100, 100, 100, 100, 100, 100, 100,
    ]);

    const hourly = await query<{ requests: string }>(
      `SELECT sum(Requests) AS requests FROM ${storage.table(Tables.edges1h)}`,
    );
    expect(Number(hourly[0]?.requests)).toBe(100);
  });
});

describe('RED rollups and catalogs from spans', () => {
  it('count requests and error classes per service and operation, with quantiles, and fill the lookups', async () => {
    const start = minuteNs;
    const spans = Array.from({ length: 200 }, (_, i) =>
      makeSpan(
        {
          ServiceName: 'ratings',
          SpanName: 'GET /ratings/{id}',
          Duration: (i + 1) * 1_000_000, // 1..200 ms
          StatusCode: i < 4 ? 'Error' : 'Unset',
          SpanAttributes: { 'http.response.status_code': i < 4 ? '503' : i < 10 ? '404' : '200' },
        },
        start + BigInt(i) * 1_000_000n,
      ),
    );
    await sink.writeSpans(spans);
    const [red] = await query<{ r: string; e: string; e5: string; e4: string; q: number[]; agent: number }>(
      `SELECT sum(Requests) AS r, sum(Errors) AS e, sum(Http5xx) AS e5, sum(Http4xx) AS e4,
        quantilesTDigestMerge(0.5, 0.99)(LatencyDigest) AS q, max(FromAgent) AS agent
        FROM ${storage.table(Tables.red1m)} WHERE ServiceName = 'ratings'`,
    );
    expect([Number(red?.r), Number(red?.e), Number(red?.e5), Number(red?.e4)]).toEqual([200, 4, 4, 6]);
    expect(red?.agent).toBe(0);
    expect(red?.q[0]).toBeGreaterThan(95);
    expect(red?.q[0]).toBeLessThan(106);
    expect(red?.q[1]).toBeGreaterThan(195);

    const ops = await query<{ ServiceName: string; SpanName: string; SpanKind: string }>(
      `SELECT ServiceName, SpanName, SpanKind FROM ${storage.table(Tables.operations)} WHERE ServiceName = 'ratings'`,
    );
    expect(ops).toEqual([{ ServiceName: 'ratings', SpanName: 'GET /ratings/{id}', SpanKind: 'Server' }]);

    const traceId = spans[0]?.TraceId ?? '';
    const lookup = await query<{ s: string }>(
      `SELECT toString(toUnixTimestamp(min(Start))) AS s FROM ${storage.table(Tables.traceIdTs)} WHERE TraceId = '${traceId}'`,
    );
    expect(lookup[0]?.s).toBe(String(start / 1_000_000_000n));
  });
});
