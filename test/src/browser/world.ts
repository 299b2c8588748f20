import type { IngestSink, MetricHistogramRow, SpanRow } from '@meshscope/collector';
import { hexId, hopHistogram, spanRow, type SpanSpec, type Workload } from './rows.js';

/**
 * The small mesh the browser tests look at, with health the tests know (Kiali's default tolerances):
 *
 *   frontend → productpage        100/min, no errors                  edge Healthy
 *   productpage → reviews v1       50/min, 2 of them 503 (4 %)         edge Degraded
 *   productpage → reviews v2       50/min, no errors                   edge Healthy
 *   reviews v2 → ratings           40/min, 6 of them 500 (15 %)        edge Failure
 *   productpage → details          50/min, no errors, plaintext        edge Healthy, no mTLS lock
 *
 * Node health is the worst of inbound and outbound, as in Kiali: frontend Healthy, productpage Degraded (its
 * calls to reviews v1 fail 4 %), reviews Failure (its calls to ratings fail 15 %), ratings Failure, details
 * Healthy.
 * Every request is reported by both agents, over the `minutes` minutes before `nowMs`.
 *
 * One known trace (TRACE_ID) crosses every service: 10 spans, 9 of them on the critical path — the
 * `cache lookup` span runs beside the reviews call and finishes first, so it is not. Four more
 * frontend → productpage traces give the search's scatter plot something to show.
 */

export const NAMESPACE = 'bookinfo';
const w = (app: string, version = 'v1'): Workload => ({ app, version, namespace: NAMESPACE });

export const TRACE_ID = 'a1b2c3d4e5f60718293a4b5c6d7e8f90';
export const TRACE_SPANS = 10;
export const OFF_PATH_SPAN = 'cache lookup';

interface HopPlan {
  source: Workload;
  dest: Workload;
  perMinute: number;
  failed: number;
  failCode: number;
  durationSec: number;
  mtls: boolean;
}

export const HOPS: HopPlan[] = [
  {
    source: w('frontend'),
    dest: w('productpage'),
    perMinute: 100,
    failed: 0,
    failCode: 500,
    durationSec: 0.04,
    mtls: true,
  },
  {
    source: w('productpage'),
    dest: w('reviews', 'v1'),
    perMinute: 50,
    failed: 2,
    failCode: 503,
    durationSec: 0.02,
    mtls: true,
  },
  {
    source: w('productpage'),
    dest: w('reviews', 'v2'),
    perMinute: 50,
    failed: 0,
    failCode: 500,
    durationSec: 0.03,
    mtls: true,
  },
  {
    source: w('reviews', 'v2'),
    dest: w('ratings'),
    perMinute: 40,
    failed: 6,
    failCode: 500,
    durationSec: 0.01,
    mtls: true,
  },
  {
    source: w('productpage'),
    dest: w('details'),
    perMinute: 50,
    failed: 0,
    failCode: 500,
    durationSec: 0.015,
    mtls: false,
  },
];

export const EXPECTED_NODE_HEALTH: Record<string, string> = {
  frontend: 'Healthy',
  productpage: 'Degraded',
  reviews: 'Failure',
  ratings: 'Failure',
  details: 'Healthy',
};

function meshMetrics(nowMs: number, minutes: number): MetricHistogramRow[] {
  const rows: MetricHistogramRow[] = [];
  const lastMinuteMs = Math.floor(nowMs / 60_000) * 60_000 - 60_000;
  for (let m = 0; m < minutes; m++) {
    const atMs = lastMinuteMs - m * 60_000 + 30_000;
    for (const hop of HOPS) {
      for (const reporter of ['source', 'destination'] as const) {
        const ok = hop.perMinute - hop.failed;
        rows.push(hopHistogram(hop.source, hop.dest, reporter, 200, ok, hop.durationSec, atMs, hop.mtls));
        if (hop.failed > 0) {
          rows.push(
            hopHistogram(
              hop.source,
              hop.dest,
              reporter,
              hop.failCode,
              hop.failed,
              hop.durationSec,
              atMs,
              hop.mtls,
            ),
          );
        }
      }
    }
  }
  return rows;
}

const AGENT = { 'meshscope.agent': 'true', 'service.namespace': NAMESPACE };

function knownTrace(startMs: number): SpanRow[] {
  let next = 1;
  const id = (): string => hexId(0xa000 + next++, 8);
  const spans: SpanSpec[] = [];
  const add = (s: Omit<SpanSpec, 'traceId' | 'spanId'>): string => {
    const spanId = id();
    spans.push({ ...s, traceId: TRACE_ID, spanId, resource: { ...AGENT, 'service.version': 'v1' } });
    return spanId;
  };
  const http = (path: string, code: number) => ({
    'http.request.method': 'GET',
    'url.path': path,
    'http.response.status_code': String(code),
  });
  const root = add({
    parentSpanId: '',
    service: 'frontend',
    name: 'GET /',
    kind: 'Server',
    startMs,
    durationMs: 100,
    attributes: http('/', 200),
  });
  const toPage = add({
    parentSpanId: root,
    service: 'frontend',
    name: 'GET /productpage',
    kind: 'Client',
    startMs: startMs + 3,
    durationMs: 94,
    attributes: { ...http('/productpage', 200), destination_service_name: 'productpage' },
  });
  const page = add({
    parentSpanId: toPage,
    service: 'productpage',
    name: 'GET /productpage',
    kind: 'Server',
    startMs: startMs + 5,
    durationMs: 90,
    attributes: http('/productpage', 200),
  });
  add({
    parentSpanId: page,
    service: 'productpage',
    name: OFF_PATH_SPAN,
    kind: 'Internal',
    startMs: startMs + 12,
    durationMs: 8,
  });
  const toReviews = add({
    parentSpanId: page,
    service: 'productpage',
    name: 'GET /reviews',
    kind: 'Client',
    startMs: startMs + 10,
    durationMs: 50,
    attributes: { ...http('/reviews', 200), destination_service_name: 'reviews' },
  });
  const reviews = add({
    parentSpanId: toReviews,
    service: 'reviews',
    name: 'GET /reviews',
    kind: 'Server',
    startMs: startMs + 11,
    durationMs: 48,
    attributes: http('/reviews', 200),
  });
  const toRatings = add({
    parentSpanId: reviews,
    service: 'reviews',
    name: 'GET /ratings',
    kind: 'Client',
    startMs: startMs + 14,
    durationMs: 42,
    error: true,
    attributes: { ...http('/ratings', 500), destination_service_name: 'ratings' },
  });
  add({
    parentSpanId: toRatings,
    service: 'ratings',
    name: 'GET /ratings',
    kind: 'Server',
    startMs: startMs + 15,
    durationMs: 40,
    error: true,
    attributes: http('/ratings', 500),
  });
  const toDetails = add({
    parentSpanId: page,
    service: 'productpage',
    name: 'GET /details',
    kind: 'Client',
    startMs: startMs + 62,
    durationMs: 30,
    attributes: { ...http('/details', 200), destination_service_name: 'details' },
  });
  add({
    parentSpanId: toDetails,
    service: 'details',
    name: 'GET /details',
    kind: 'Server',
    startMs: startMs + 63,
    durationMs: 28,
    attributes: http('/details', 200),
  });
  return spans.map(spanRow);
}

function simpleTrace(n: number, startMs: number, durationMs: number): SpanRow[] {
  const traceId = hexId(0xbeef0000 + n, 16);
  const resource = { ...AGENT, 'service.version': 'v1' };
  return [
    {
      traceId,
      spanId: hexId(1, 8),
      parentSpanId: '',
      service: 'frontend',
      name: 'GET /',
      kind: 'Server' as const,
      startMs,
      durationMs,
      resource,
    },
    {
      traceId,
      spanId: hexId(2, 8),
      parentSpanId: hexId(1, 8),
      service: 'productpage',
      name: 'GET /productpage',
      kind: 'Server' as const,
      startMs: startMs + 1,
      durationMs: durationMs - 2,
      resource,
    },
  ].map(spanRow);
}

export interface SeededWorld {
  nowMs: number;
  traceId: string;
  otherTraceIds: string[];
}

export async function seedWorld(sink: IngestSink, nowMs: number, minutes = 10): Promise<SeededWorld> {
  await sink.writeMetrics({ sums: [], gauges: [], histograms: meshMetrics(nowMs, minutes) });
  const traceStartMs = nowMs - 5 * 60_000;
  const others = [0, 1, 2, 3].map((n) => simpleTrace(n, nowMs - (n + 2) * 60_000, 20 + n * 15));
  await sink.writeSpans([...knownTrace(traceStartMs), ...others.flat()]);
  return { nowMs, traceId: TRACE_ID, otherTraceIds: others.map((rows) => rows[0]?.TraceId ?? '') };
}
