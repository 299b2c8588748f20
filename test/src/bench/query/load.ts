import {
  decodeTraceRequest,
  type IngestSink,
  type MetricGaugeRow,
  type MetricHistogramRow,
} from '@meshscope/collector';
import { INFLIGHT_METRIC, MeshAttr } from '@meshscope/collector/conventions';
import { SpanKind } from '@opentelemetry/api';
import { ProtobufTraceSerializer } from '@opentelemetry/otlp-transformer';
import type { ReadableSpan } from '@opentelemetry/sdk-trace';
import { generateSpans, MeshTraffic } from '../../fixtures/mesh-traffic.js';
import { AGENT_METRIC_ROW_BASE } from '../../fixtures/agent-metric-rows.js';

/**
 * Bench data, written the way production data arrives: spans of 50 services (MeshTraffic: SERVER and CLIENT
 * spans per hop, HTTP semantic conventions, Istio identities) serialised by the OpenTelemetry SDK's OTLP
 * protobuf serialiser, decoded by the collector's decoder and written through its sink and batching
 * writer; plus what the services' agents would report for the same requests: delta request-duration
 * histograms from both ends of every hop (→ edge rollups) and in-flight gauges.
 */

export interface LoadOptions {
  spans: number;
  services: number;
  /** data spans [endSec − hours, endSec) */
  hours: number;
  endSec: number;
  /** spans generated, serialised and written per step */
  chunkSpans: number;
  seed: number;
}

export interface LoadResult {
  spans: number;
  traces: number;
  histogramPoints: number;
  generateSec: number;
  writeWaitSec: number;
  totalSec: number;
}

const BOUNDS_SEC = [0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.25, 0.5, 0.75, 1, 2.5, 5, 7.5, 10];
const NS_PER_SEC = 1_000_000_000n;

const hrNs = (t: readonly [number, number]): bigint => BigInt(t[0]) * NS_PER_SEC + BigInt(t[1]);

interface HistogramAcc {
  minuteSec: number;
  attrs: Record<string, string>;
  counts: number[];
  sumSec: number;
  minSec: number;
  maxSec: number;
}

/** What each end's agent reports for the SERVER spans of a chunk, per minute, edge and status. */
function agentHistograms(spans: readonly ReadableSpan[]): MetricHistogramRow[] {
  const acc = new Map<string, HistogramAcc>();
  for (const span of spans) {
    if (span.kind !== SpanKind.SERVER) continue;
    const a = span.attributes;
    const root = span.parentSpanContext === undefined;
    const code = String(a['http.response.status_code']);
    const startNs = hrNs(span.startTime);
    const minuteSec = Number((startNs / NS_PER_SEC / 60n) * 60n);
    const durationSec = Number(hrNs(span.endTime) - startNs) / 1e9;
    const attrs: Record<string, string> = {
      [MeshAttr.destinationServiceName]: String(a.destination_service_name),
      [MeshAttr.destinationServiceNamespace]: 'shop',
      [MeshAttr.destinationWorkload]: String(a.destination_workload),
      [MeshAttr.destinationWorkloadNamespace]: 'shop',
      [MeshAttr.destinationApp]: String(a.destination_service_name),
      [MeshAttr.destinationVersion]: String(a.destination_version),
      [MeshAttr.destinationPrincipal]: `spiffe://cluster.local/ns/shop/sa/${String(a.destination_service_name)}`,
      [MeshAttr.responseCode]: code,
      [MeshAttr.requestProtocol]: 'http',
      [MeshAttr.connectionSecurityPolicy]: root ? 'none' : 'mutual_tls',
      // the entry service is called from outside the mesh: no caller identity
      ...(root
        ? {}
        : {
            [MeshAttr.sourceWorkload]: String(a.source_workload),
            [MeshAttr.sourceWorkloadNamespace]: 'shop',
            [MeshAttr.sourceApp]: String(a.source_app),
            [MeshAttr.sourceVersion]: String(a.source_version),
            [MeshAttr.sourcePrincipal]: `spiffe://cluster.local/ns/shop/sa/${String(a.source_app)}`,
          }),
    };
    const key = `${minuteSec}|${String(a.source_workload)}|${String(a.destination_workload)}|${code}|${root}`;
    let h = acc.get(key);
    if (!h) {
      h = {
        minuteSec,
        attrs,
        counts: new Array<number>(BOUNDS_SEC.length + 1).fill(0),
        sumSec: 0,
        minSec: Infinity,
        maxSec: 0,
      };
      acc.set(key, h);
    }
    const bucket = BOUNDS_SEC.findIndex((b) => durationSec <= b);
    h.counts[bucket < 0 ? BOUNDS_SEC.length : bucket]! += 1;
    h.sumSec += durationSec;
    h.minSec = Math.min(h.minSec, durationSec);
    h.maxSec = Math.max(h.maxSec, durationSec);
  }
  const rows: MetricHistogramRow[] = [];
  for (const h of acc.values()) {
    const reporters = h.attrs[MeshAttr.sourceApp]
      ? (['destination', 'source'] as const)
      : (['destination'] as const);
    for (const reporter of reporters) {
      const owner =
        reporter === 'destination' ? h.attrs[MeshAttr.destinationApp] : h.attrs[MeshAttr.sourceApp];
      const timeNs = BigInt(h.minuteSec + 59) * NS_PER_SEC;
      rows.push({
        ...AGENT_METRIC_ROW_BASE,
        ResourceAttributes: { 'service.name': owner ?? '', 'meshscope.agent': 'true' },
        ServiceName: owner ?? '',
        MetricName: reporter === 'source' ? 'http.client.request.duration' : 'http.server.request.duration',
        MetricUnit: 's',
        Attributes: { ...h.attrs, [MeshAttr.reporter]: reporter },
        StartTimeUnix: (timeNs - 60n * NS_PER_SEC).toString(),
        TimeUnix: timeNs.toString(),
        Count: h.counts.reduce((n, c) => n + c, 0),
        Sum: h.sumSec,
        BucketCounts: h.counts,
        ExplicitBounds: BOUNDS_SEC,
        Min: h.minSec,
        Max: h.maxSec,
        AggregationTemporality: 1,
      });
    }
  }
  return rows;
}

/** In-flight gauges of two replicas per service, every 10 s of the window. */
function inflightGauges(services: readonly string[], startSec: number, endSec: number): MetricGaugeRow[] {
  const rows: MetricGaugeRow[] = [];
  for (let t = startSec; t < endSec; t += 10) {
    services.forEach((service, i) => {
      for (const replica of ['a', 'b']) {
        const timeNs = (BigInt(t) * NS_PER_SEC).toString();
        rows.push({
          ...AGENT_METRIC_ROW_BASE,
          ResourceAttributes: { 'service.name': service, 'service.instance.id': `${service}-${replica}` },
          ServiceName: service,
          MetricName: INFLIGHT_METRIC,
          MetricUnit: '{request}',
          Attributes: { [MeshAttr.reporter]: 'destination' },
          StartTimeUnix: timeNs,
          TimeUnix: timeNs,
          Value: (i + t) % 17,
        });
      }
    });
  }
  return rows;
}

/**
 * Generates and writes the bench data. Generation (CPU) and inserts (chDB threads) overlap: the next chunk
 * is generated while the previous one is being written, with at most two writes in flight.
 */
export async function loadBenchData(
  sink: IngestSink,
  options: LoadOptions,
  progress: (done: number) => void,
): Promise<LoadResult> {
  const started = performance.now();
  const traffic = new MeshTraffic({
    services: options.services,
    fanOut: [1, 3],
    maxDepth: 3,
    errorRate: 0.02,
    seed: options.seed,
  });
  const chunks = Math.max(1, Math.ceil(options.spans / options.chunkSpans));
  const startSec = options.endSec - options.hours * 3600;
  const sliceNs = (BigInt(options.hours * 3600) * NS_PER_SEC) / BigInt(chunks);
  let spans = 0;
  let traces = 0;
  let histogramPoints = 0;
  let generateMs = 0;
  let waitMs = 0;
  const inFlight: Promise<void>[] = [];
  const gauges = inflightGauges(
    traffic.services.map((s) => s.name),
    startSec,
    options.endSec,
  );
  inFlight.push(sink.writeMetrics({ sums: [], histograms: [], gauges }));
  for (let i = 0; i < chunks && spans < options.spans; i++) {
    const t0 = performance.now();
    const want = Math.min(options.chunkSpans, options.spans - spans);
    const chunkStart = BigInt(startSec) * NS_PER_SEC + sliceNs * BigInt(i);
    // Traces are whole; leave their last milliseconds inside the slice.
    const generated = generateSpans(traffic, want, chunkStart, sliceNs - 2n * NS_PER_SEC);
    const body = ProtobufTraceSerializer.serializeRequest(generated);
    if (!body) throw new Error('the SDK serialiser produced nothing');
    const decoded = decodeTraceRequest(Buffer.from(body));
    if (decoded.rejectedSpans > 0) throw new Error(`spans rejected: ${decoded.errorMessage}`);
    const histograms = agentHistograms(generated);
    traces += generated.filter((s) => s.parentSpanContext === undefined).length;
    generateMs += performance.now() - t0;
    const t1 = performance.now();
    while (inFlight.length >= 2) await inFlight.shift();
    waitMs += performance.now() - t1;
    inFlight.push(
      sink.writeSpans(decoded.spans).then(() => sink.writeMetrics({ sums: [], gauges: [], histograms })),
    );
    spans += decoded.spans.length;
    histogramPoints += histograms.length;
    progress(spans);
  }
  const t1 = performance.now();
  for (const write of inFlight) await write;
  waitMs += performance.now() - t1;
  return {
    spans,
    traces,
    histogramPoints,
    generateSec: generateMs / 1000,
    writeWaitSec: waitMs / 1000,
    totalSec: (performance.now() - started) / 1000,
  };
}
