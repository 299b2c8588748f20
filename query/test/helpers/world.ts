import { SpanKind, SpanStatusCode, context, trace, type Tracer } from '@opentelemetry/api';
import { SpanPairingJob, type IngestSink, type SpanRow, type StorageClient } from '@meshscope/collector';
import { MeshAttr } from '@meshscope/collector/conventions';
import pino from 'pino';
import { inflightGauge, ns, requestHistogram, type Hop } from './mesh.js';
import { sdkSpanRows } from './sdk.js';

/**
 * One small world, seeded through the collector's sink, with numbers the tests know exactly:
 *
 * mesh (agents' request metrics, reported by both ends unless said otherwise), in namespace `shop`:
 *   (outside, no identity) → frontend      300 requests, destination report only
 *   frontend → reviews v1                   500 requests, 20 of them 503 (reviews as a whole: 2 %)
 *   frontend → reviews v2                   500 requests, none failed
 *   reviews v1 → ratings v1 (gRPC)          200 requests, 2 UNAVAILABLE
 *   reviews v1 → payments-api (ns ext)      50 requests, plaintext, no agent at payments-api
 *   reviews replicas report 3 + 4 requests in flight in the same minute
 * Every mesh request takes 20 ms, except 10 % of frontend → reviews, which take 200 ms.
 *
 * outside the mesh (the real OpenTelemetry SDK), in namespace `legacy`:
 *   web SERVER `GET /home` → CLIENT → orders SERVER `GET /orders/{id}` → CLIENT to postgres (ordersdb)
 *   1,000 traces; the orders SERVER span of trace i takes (i + 1) × 0.2 ms; the first 20 fail with 500
 *   (both the orders SERVER span and the web CLIENT span that saw the 500 are errors).
 */

export const MESH = 'shop';
export const LEGACY = 'legacy';
export const svc = (app: string, version = 'v1', namespace = MESH) => ({ app, version, namespace });

export const frontendReviewsV1: Hop = { source: svc('frontend'), dest: svc('reviews', 'v1') };
export const frontendReviewsV2: Hop = { source: svc('frontend'), dest: svc('reviews', 'v2') };
export const reviewsRatings: Hop = { source: svc('reviews'), dest: svc('ratings'), protocol: 'grpc' };
export const reviewsPayments: Hop = {
  source: svc('reviews'),
  dest: svc('payments-api', 'v1', 'ext'),
  mtls: false,
};

export const SDK_TRACES = 1000;
export const SDK_FAILED = 20;
/** orders SERVER span durations, ms: 0.2, 0.4, … 200 */
export const ordersDurationMs = (i: number): number => (i + 1) * 0.2;

const repeat = (n: number, sec: number): number[] => new Array<number>(n).fill(sec);

export interface SeededWorld {
  /** first minute with data (unix seconds, minute-aligned) */
  baseSec: number;
  /** a window covering everything */
  window: { startSec: number; endSec: number };
  sdkTraceIds: string[];
  /** the trace whose orders span is slowest */
  slowestTraceId: string;
  /** an SDK trace with a failed orders span */
  failedTraceId: string;
}

export async function seedWorld(
  sink: IngestSink,
  storage: StorageClient,
  baseSec: number,
): Promise<SeededWorld> {
  const t = (offsetSec: number) => baseSec + offsetSec;
  const both = (hop: Hop, code: number, durations: number[], at: number) => [
    requestHistogram(hop, 'destination', code, durations, at),
    requestHistogram(hop, 'source', code, durations, at),
  ];
  const slowShare = (n: number) => [...repeat(n * 0.9, 0.02), ...repeat(n * 0.1, 0.2)];
  const fromOutside = requestHistogram(
    { source: svc('unknown'), dest: svc('frontend') },
    'destination',
    200,
    repeat(300, 0.02),
    t(10),
  );
  for (const key of [
    MeshAttr.sourceApp,
    MeshAttr.sourceWorkload,
    MeshAttr.sourceVersion,
    MeshAttr.sourcePrincipal,
    MeshAttr.sourceWorkloadNamespace,
  ]) {
    delete fromOutside.Attributes[key];
  }
  await sink.writeMetrics({
    sums: [],
    histograms: [
      fromOutside,
      ...both(frontendReviewsV1, 200, slowShare(480), t(10)),
      ...both(frontendReviewsV1, 503, slowShare(20), t(70)),
      ...both(frontendReviewsV2, 200, slowShare(500), t(70)),
      ...both(reviewsRatings, 200, repeat(198, 0.02), t(20)),
      ...both(reviewsRatings, 503, repeat(2, 0.02), t(20)),
      requestHistogram(reviewsPayments, 'source', 200, repeat(50, 0.02), t(30)),
    ],
    gauges: [
      inflightGauge('reviews', 'reviews-a', 3, t(5)),
      inflightGauge('reviews', 'reviews-b', 4, t(30)),
      inflightGauge('reviews', 'reviews-a', 1, t(65)),
    ],
  });

  const traceIds: string[] = [];
  const rows = await sdkSpanRows(
    { 'service.name': 'web', 'k8s.namespace.name': LEGACY, 'service.version': '2.0.0' },
    (tracer) => traceIds.push(...recordWebTraces(tracer, t(120) * 1000)),
  );
  const ordersRows = await sdkSpanRows(
    { 'service.name': 'orders', 'k8s.namespace.name': LEGACY, 'service.version': '1.4.0' },
    (tracer) => recordOrders(tracer, rows, t(120) * 1000),
  );
  await sink.writeSpans([...rows, ...ordersRows]);
  const pairing = new SpanPairingJob(
    storage,
    { lagSec: 0, skewSec: 60, intervalMs: 60_000, catchUpSec: 0 },
    pino({ level: 'silent' }),
  );
  for (let minute = t(120); minute < t(300); minute += 60) await pairing.pairMinute(minute);

  return {
    baseSec,
    window: { startSec: baseSec, endSec: baseSec + 600 },
    sdkTraceIds: traceIds,
    slowestTraceId: traceIds[SDK_TRACES - 1] ?? '',
    failedTraceId: traceIds[0] ?? '',
  };
}

/** Trace i starts at startMs + i × 100 ms: web SERVER (root) → web CLIENT (its child). */
function recordWebTraces(tracer: Tracer, startMs: number): string[] {
  const ids: string[] = [];
  for (let i = 0; i < SDK_TRACES; i++) {
    const at = startMs + i * 100;
    const root = tracer.startSpan('GET /home', {
      kind: SpanKind.SERVER,
      startTime: at,
      attributes: { 'http.request.method': 'GET', 'http.route': '/home', 'http.response.status_code': 200 },
    });
    const failed = i < SDK_FAILED;
    const call = tracer.startSpan(
      'GET /orders/{id}',
      {
        kind: SpanKind.CLIENT,
        startTime: at + 1,
        attributes: {
          'http.request.method': 'GET',
          'server.address': 'orders',
          'http.response.status_code': failed ? 500 : 200,
        },
      },
      trace.setSpan(context.active(), root),
    );
    if (failed) call.setStatus({ code: SpanStatusCode.ERROR });
    call.end(at + 2 + ordersDurationMs(i));
    root.end(at + 3 + ordersDurationMs(i));
    ids.push(root.spanContext().traceId);
  }
  return ids;
}

/** orders SERVER spans under the web CLIENT spans (remote parents), each with a database call. */
function recordOrders(tracer: Tracer, webRows: readonly SpanRow[], startMs: number): void {
  const clients = webRows.filter((r) => r.SpanKind === 'Client');
  clients.forEach((client, i) => {
    const at = startMs + i * 100 + 1.5;
    const parent = trace.setSpanContext(context.active(), {
      traceId: client.TraceId,
      spanId: client.SpanId,
      traceFlags: 1,
      isRemote: true,
    });
    const failed = i < SDK_FAILED;
    const server = tracer.startSpan(
      'GET /orders/{id}',
      {
        kind: SpanKind.SERVER,
        startTime: at,
        attributes: {
          'http.request.method': 'GET',
          'http.route': '/orders/{id}',
          'http.response.status_code': failed ? 500 : 200,
          'user.id': i === 7 ? "o'brien \\ {name:String}'; DROP TABLE otel_traces --" : `user-${i % 10}`,
        },
      },
      parent,
    );
    if (failed) server.setStatus({ code: SpanStatusCode.ERROR, message: 'HTTP 500' });
    const db = tracer.startSpan(
      'SELECT ordersdb.orders',
      {
        kind: SpanKind.CLIENT,
        startTime: at + 0.05,
        attributes: { 'db.system': 'postgresql', 'db.name': 'ordersdb', 'db.operation': 'SELECT' },
      },
      trace.setSpan(context.active(), server),
    );
    db.end(at + 0.1);
    server.end(at + ordersDurationMs(i));
  });
}

/** The SPIFFE id the agents of an app report. */
export const principalOf = (app: string, namespace = MESH): string =>
  `spiffe://cluster.local/ns/${namespace}/sa/${app}`;

export { ns };
