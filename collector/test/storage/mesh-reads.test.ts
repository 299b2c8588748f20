import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { INFLIGHT_METRIC, POOL_PENDING_METRIC } from '../../src/conventions/mesh.js';
import { StorageSink } from '../../src/ingest/storage-sink.js';
import { SpanPairingJob } from '../../src/rollups/span-pairing.js';
import type { StorageClient } from '../../src/storage/client.js';
import type { MeshTrafficRow } from '../../src/storage/read/mesh-traffic.js';
import { ReadApi } from '../../src/storage/read/read-api.js';
import type { MetricGaugeRow, SpanRow } from '../../src/storage/rows.js';
import type { BatchingWriter } from '../../src/writer/batching-writer.js';
import { hex, makeRequestHistogram, makeSpan } from '../helpers/rows.js';
import { openTestStorage, openTestWriter } from '../helpers/storage.js';

let storage: StorageClient;
let cleanup: () => Promise<void>;
let writer: BatchingWriter;
let read: ReadApi;
const log = pino({ level: 'silent' });

const minute = Math.floor(Date.now() / 60_000) * 60 - 900;
const ns = (sec: number) => BigInt(sec) * 1_000_000_000n;
const window = { startSec: minute, endSec: minute + 600 };

const mtls = { connection_security_policy: 'mutual_tls' };
const frontendToReviews = (reporter: string, version: string, extra: Record<string, string> = {}) => ({
  reporter,
  source_app: 'frontend',
  source_workload: 'frontend-v1',
  source_workload_namespace: 'shop',
  source_version: 'v1',
  source_principal: 'spiffe://cluster.local/ns/shop/sa/frontend',
  destination_service_name: 'reviews',
  destination_service_namespace: 'shop',
  destination_workload: `reviews-${version}`,
  destination_version: version,
  destination_principal: 'spiffe://cluster.local/ns/shop/sa/reviews',
  response_code: '200',
  ...mtls,
  ...extra,
});

function gauge(
  metric: string,
  service: string,
  instance: string,
  value: number,
  sec: number,
  attributes: Record<string, string>,
): MetricGaugeRow {
  return {
    ResourceAttributes: { 'service.name': service, 'service.instance.id': instance },
    ResourceSchemaUrl: '',
    ScopeName: 'agent',
    ScopeVersion: '',
    ScopeAttributes: {},
    ScopeDroppedAttrCount: 0,
    ScopeSchemaUrl: '',
    ServiceName: service,
    MetricName: metric,
    MetricDescription: '',
    MetricUnit: '{request}',
    Attributes: attributes,
    StartTimeUnix: ns(sec).toString(),
    TimeUnix: ns(sec).toString(),
    Flags: 0,
    'Exemplars.FilteredAttributes': [],
    'Exemplars.TimeUnix': [],
    'Exemplars.Value': [],
    'Exemplars.SpanId': [],
    'Exemplars.TraceId': [],
    Value: value,
  };
}

function span(service: string, kind: SpanRow['SpanKind'], traceId: string, parent: string, sec: number) {
  return makeSpan(
    {
      TraceId: traceId,
      ParentSpanId: parent,
      ServiceName: service,
      SpanKind: kind,
      SpanName: `${kind} ${service}`,
      ResourceAttributes: { 'service.name': service },
      SpanAttributes: { 'http.response.status_code': '200' },
      Duration: 5_000_000,
    },
    ns(sec),
  );
}

const traceSlow = hex(16);
const traceFast = hex(16);

beforeAll(async () => {
  let dir: string;
  let config;
  ({ storage, cleanup, dir, config } = await openTestStorage());
  ({ writer } = await openTestWriter(storage, dir));
  read = new ReadApi(storage, config.queryLimits);
  const sink = new StorageSink(writer);
  await sink.writeMetrics({
    sums: [],
    histograms: [
      // frontend → reviews seen by both agents: 30 (v1) + 10 (v2, 2 of them 503) requests, not 80
      makeRequestHistogram(frontendToReviews('destination', 'v1'), [30], 0.06, ns(minute + 10)),
      makeRequestHistogram(frontendToReviews('source', 'v1'), [30], 0.06, ns(minute + 10)),
      makeRequestHistogram(frontendToReviews('destination', 'v2'), [0, 8], 0.08, ns(minute + 70)),
      makeRequestHistogram(
        frontendToReviews('destination', 'v2', { response_code: '503' }),
        [0, 2],
        0.02,
        ns(minute + 70),
      ),
      makeRequestHistogram(frontendToReviews('source', 'v2'), [0, 10], 0.1, ns(minute + 70)),
      // 5 more aborted by a fault in frontend's agent: no reviews workload saw them, only the caller counts them
      makeRequestHistogram(
        frontendToReviews('source', 'unknown', {
          destination_workload: 'unknown',
          destination_principal: 'unknown',
          response_code: '503',
          response_flags: 'FI',
          connection_security_policy: 'none',
        }),
        [5],
        0.005,
        ns(minute + 75),
      ),
      // reviews → an external API without an agent: only the caller reports it (plaintext)
      makeRequestHistogram(
        {
          reporter: 'source',
          source_app: 'reviews',
          source_workload: 'reviews-v1',
          source_workload_namespace: 'shop',
          destination_service_name: 'ratings-api',
          destination_service_namespace: 'ext',
          response_code: '200',
          request_protocol: 'grpc',
          connection_security_policy: 'none',
        },
        [7],
        0.007,
        ns(minute + 20),
      ),
    ],
    gauges: [
      // two reviews replicas: peaks 3 and 4 in the same minute → 7; a later minute peaks at 5
      gauge(INFLIGHT_METRIC, 'reviews', 'a', 2, minute + 5, { reporter: 'destination' }),
      gauge(INFLIGHT_METRIC, 'reviews', 'a', 3, minute + 25, { reporter: 'destination' }),
      gauge(INFLIGHT_METRIC, 'reviews', 'b', 4, minute + 30, { reporter: 'destination' }),
      gauge(INFLIGHT_METRIC, 'reviews', 'a', 5, minute + 65, { reporter: 'destination' }),
      // outbound in-flight is not the service's own load
      gauge(INFLIGHT_METRIC, 'reviews', 'a', 99, minute + 65, { reporter: 'source' }),
      gauge(POOL_PENDING_METRIC, 'frontend', 'f', 6, minute + 5, {
        reporter: 'source',
        upstream_cluster: 'x',
      }),
      gauge(POOL_PENDING_METRIC, 'frontend', 'f', 1, minute + 6, {
        reporter: 'source',
        upstream_cluster: 'y',
      }),
    ],
  });
  // SDK services outside the mesh: web → orders (paired), and web → reviews, which the mesh already counts.
  const spans: SpanRow[] = [];
  for (const [traceId, seconds] of [
    [traceSlow, 0],
    [traceFast, 1],
  ] as const) {
    const root = span('web', 'Server', traceId, '', minute + 120 + seconds);
    const call = span('web', 'Client', traceId, root.SpanId, minute + 120 + seconds);
    const served = { ...span('orders', 'Server', traceId, call.SpanId, minute + 120 + seconds) };
    if (traceId === traceSlow) Object.assign(served, { Duration: 900_000_000, StatusCode: 'Error' });
    const toMesh = span('web', 'Client', traceId, root.SpanId, minute + 121);
    const meshServer = span('reviews', 'Server', traceId, toMesh.SpanId, minute + 121);
    spans.push(root, call, served, toMesh, meshServer);
  }
  await sink.writeSpans(spans);
  await new SpanPairingJob(
    storage,
    { lagSec: 0, skewSec: 60, intervalMs: 1000, catchUpSec: 0 },
    log,
  ).pairMinute(minute + 120);
});
afterAll(async () => {
  await writer.close();
  await cleanup();
});

const pairs = (rows: MeshTrafficRow[]) =>
  rows
    .map((r) => [r.via, r.source.service, r.dest.service, r.requests] as const)
    .sort((a, b) => `${a[1]}>${a[2]}`.localeCompare(`${b[1]}>${b[2]}`));

describe('meshTraffic', () => {
  it('counts each request once: destination reports, source fallback, spans only outside the mesh', async () => {
    const rows = await read.meshTraffic({ ...window, level: 'service', bySource: true, byDest: true });
    expect(pairs(rows)).toEqual([
      ['mesh', 'frontend', 'reviews', 45],
      ['mesh', 'reviews', 'ratings-api', 7],
      ['spans', 'user', 'web', 2],
      ['spans', 'web', 'orders', 2],
    ]);
    const reviews = rows.find((r) => r.dest.service === 'reviews');
    // the 5 fault aborts never connected: they are not plaintext requests
    expect(reviews).toMatchObject({
      mtlsRequests: 40,
      connectedRequests: 40,
      destVersions: ['v1', 'v2'],
      destReported: true,
    });
    expect(rows.find((r) => r.dest.service === 'ratings-api')?.destReported).toBe(false);
    expect(reviews?.protocols).toEqual([
      { protocol: 'http', requests: 45, http4xx: 0, http5xx: 7, grpcErrors: 0, noResponse: 0 },
    ]);
    expect(reviews?.sourcePrincipals).toEqual(['spiffe://cluster.local/ns/shop/sa/frontend']);
    expect(rows.find((r) => r.dest.service === 'ratings-api')?.protocols[0]?.protocol).toBe('grpc');
  });

  it('sums callers per destination, per version at the versioned level, and buckets by step', async () => {
    const inbound = await read.meshTraffic({
      ...window,
      level: 'version',
      bySource: false,
      byDest: true,
      destServices: ['reviews'],
    });
    // the aborted requests reached no version of reviews
    expect(inbound.map((r) => [r.dest.version, r.requests])).toEqual([
      ['unknown', 5],
      ['v1', 30],
      ['v2', 10],
    ]);
    expect(inbound[1]?.quantilesMs).toHaveLength(4);
    const series = await read.meshTraffic({
      ...window,
      stepSec: 60,
      level: 'service',
      bySource: false,
      byDest: true,
      destServices: ['reviews'],
    });
    expect(series.map((r) => [r.timeSec - minute, r.requests])).toEqual([
      [0, 30],
      [60, 15],
    ]);
  });

  it('filters by caller and treats hostile names as plain text', async () => {
    const rows = await read.meshTraffic({
      ...window,
      level: 'service',
      bySource: true,
      byDest: true,
      sourceServices: ["reviews' OR '1'='1", '{p0:String}'],
    });
    expect(rows).toEqual([]);
    const fromReviews = await read.meshTraffic({
      ...window,
      level: 'service',
      bySource: true,
      byDest: true,
      sourceServices: ['reviews'],
    });
    expect(pairs(fromReviews)).toEqual([['mesh', 'reviews', 'ratings-api', 7]]);
  });

  it('lists the endpoints of every edge for idle nodes', async () => {
    const seen = await read.trafficEndpoints({ ...window, level: 'service' });
    expect(new Set(seen.map((e) => e.service))).toEqual(
      new Set(['frontend', 'reviews', 'ratings-api', 'user', 'web', 'orders']),
    );
  });
});

describe('saturation', () => {
  it('adds up replicas per minute and reports the peak minute', async () => {
    const points = await read.saturation(window);
    expect(points).toEqual([
      { timeSec: minute, service: 'frontend', inflight: null, poolPending: 7 },
      { timeSec: minute, service: 'reviews', inflight: 7, poolPending: null },
    ]);
    const series = await read.saturation({ ...window, stepSec: 60, services: ['reviews'] });
    expect(series.map((p) => [p.timeSec - minute, p.inflight])).toEqual([
      [0, 7],
      [60, 5],
    ]);
  });
});

describe('trace summaries and samples', () => {
  it('summarises traces per service', async () => {
    const rows = await read.traceSummaries([traceSlow]);
    const web = rows.find((r) => r.service === 'web');
    expect(web).toMatchObject({ spans: 3, errors: 0, rootOperation: 'Server web' });
    expect(rows.find((r) => r.service === 'orders')).toMatchObject({
      spans: 1,
      errors: 1,
      rootStartUs: null,
    });
    expect(await read.traceSummaries([hex(16)])).toEqual([]);
  });

  it('samples the slowest traces of an operation and a baseline', async () => {
    const samples = await read.operationSamples({
      ...window,
      service: 'orders',
      operation: 'Server orders',
      slowest: 1,
      baseline: 10,
    });
    expect(samples.slow).toEqual([traceSlow]);
    expect(new Set(samples.baseline)).toEqual(new Set([traceSlow, traceFast]));
  });

  it('answers a ping', async () => {
    await expect(read.ping()).resolves.toBeUndefined();
  });
});
