import type { IngestSink, MetricHistogramRow, SpanKindName, SpanRow } from '@meshscope/collector';
import { hexId, hopHistogram, spanRow, type Workload } from '../browser/rows.js';
import { prng } from '../fixtures/mesh-traffic.js';

/**
 * What `bench:ui` loads: one 10,000-span trace across 25 services, and a 300-service mesh, seeded through
 * the collector's sink so the query service answers with its real SQL and serialisation.
 */

export const BIG_TRACE_ID = 'b16b16b16b16b16b16b16b16b16b16b1';
const TRACE_SERVICES = 25;
const KINDS: SpanKindName[] = ['Server', 'Client', 'Internal'];

/** A random tree: each span's parent is an earlier span, biased to recent ones so the tree gets deep. */
export function bigTraceRows(startMs: number, count: number, seed = 7): SpanRow[] {
  const rand = prng(seed);
  const spans: { startMs: number; durationMs: number; spanId: string }[] = [];
  const rows: SpanRow[] = [];
  for (let i = 0; i < count; i++) {
    const parentIndex = i === 0 ? -1 : Math.floor(i - 1 - Math.floor(rand() ** 3 * i));
    const parent = spans[parentIndex];
    const begin = parent ? parent.startMs + rand() * parent.durationMs * 0.7 : startMs;
    const durationMs = parent ? Math.max(0.01, rand() * (parent.startMs + parent.durationMs - begin)) : 5000;
    const spanId = hexId(i + 1, 8);
    spans.push({ startMs: begin, durationMs, spanId });
    const service = `service-${String(Math.floor(rand() * TRACE_SERVICES)).padStart(2, '0')}`;
    rows.push(
      spanRow({
        traceId: BIG_TRACE_ID,
        spanId,
        parentSpanId: parent?.spanId ?? '',
        service,
        name: `GET /api/v1/resource/${i % 40}`,
        kind: KINDS[i % 3] ?? 'Internal',
        startMs: begin,
        durationMs,
        error: rand() < 0.01,
        attributes: {
          'http.request.method': 'GET',
          'url.path': `/api/v1/resource/${i % 40}`,
          'http.response.status_code': '200',
          'server.address': `${service}.shop.svc.cluster.local`,
          'network.peer.address': `10.0.${i % 250}.${(i * 7) % 250}`,
          'user_agent.original': 'bench/1.0',
        },
        resource: { 'service.namespace': 'shop', 'service.version': 'v1', 'host.name': `node-${i % 12}` },
      }),
    );
  }
  return rows;
}

/**
 * 300 services in layers; each calls two services further right and one at random further on (about 600
 * edges). About 1 in 10 edges degrade, 1 in 20 fail.
 */
export function bigMeshRows(
  nowMs: number,
  services: number,
  minutes: number,
  seed = 11,
): MetricHistogramRow[] {
  const rand = prng(seed);
  const w = (i: number): Workload => ({
    app: `mesh-${String(i).padStart(3, '0')}`,
    version: 'v1',
    namespace: 'shop',
  });
  const hops: { source: Workload; dest: Workload; perMinute: number; failed: number }[] = [];
  for (let i = 0; i < services; i++) {
    // a tree of calls plus one cross-link to some later service, so layers are not independent subtrees
    const crossLink = i + 1 + Math.floor(rand() * (services - i - 1));
    for (const j of new Set([2 * i + 1, 2 * i + 2, crossLink])) {
      if (j >= services) continue;
      const perMinute = 20 + Math.floor(rand() * 500);
      const roll = rand();
      const failRate = roll < 0.05 ? 0.15 : roll < 0.15 ? 0.03 : 0;
      hops.push({ source: w(i), dest: w(j), perMinute, failed: Math.round(perMinute * failRate) });
    }
  }
  const rows: MetricHistogramRow[] = [];
  const lastMinuteMs = Math.floor(nowMs / 60_000) * 60_000 - 60_000;
  for (let m = 0; m < minutes; m++) {
    const atMs = lastMinuteMs - m * 60_000 + 30_000;
    for (const hop of hops) {
      for (const reporter of ['source', 'destination'] as const) {
        rows.push(hopHistogram(hop.source, hop.dest, reporter, 200, hop.perMinute - hop.failed, 0.02, atMs));
        if (hop.failed > 0)
          rows.push(hopHistogram(hop.source, hop.dest, reporter, 503, hop.failed, 0.02, atMs));
      }
    }
  }
  return rows;
}

export async function seedBench(
  sink: IngestSink,
  nowMs: number,
  traceSpans: number,
  meshServices: number,
): Promise<void> {
  const spans = bigTraceRows(nowMs - 5 * 60_000, traceSpans);
  for (let i = 0; i < spans.length; i += 5000) await sink.writeSpans(spans.slice(i, i + 5000));
  await sink.writeMetrics({ sums: [], gauges: [], histograms: bigMeshRows(nowMs, meshServices, 5) });
}
