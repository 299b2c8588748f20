import type { MetricHistogramRow, SpanKindName, SpanRow } from '@meshscope/collector';
import {
  CLIENT_DURATION_METRIC,
  HTTP_DURATION_BUCKETS_SEC,
  MeshAttr,
  SERVER_DURATION_METRIC,
} from '@meshscope/collector/conventions';
import { AGENT_METRIC_ROW_BASE } from '../fixtures/agent-metric-rows.js';

/**
 * Rows exactly as the collector stores agents' telemetry (request-duration histograms, spans), so the
 * browser tests seed the real storage through the collector's own sink and the query service reads them
 * back through its real SQL.
 */

export interface Workload {
  app: string;
  version: string;
  namespace: string;
}

export const nsText = (unixMs: number): string => (BigInt(Math.round(unixMs * 1000)) * 1000n).toString();

function hopAttributes(
  source: Workload,
  dest: Workload,
  reporter: 'source' | 'destination',
  code: number,
  mtls: boolean,
) {
  return {
    [MeshAttr.reporter]: reporter,
    [MeshAttr.sourceWorkload]: `${source.app}-${source.version}`,
    [MeshAttr.sourceWorkloadNamespace]: source.namespace,
    [MeshAttr.sourceApp]: source.app,
    [MeshAttr.sourceVersion]: source.version,
    [MeshAttr.sourcePrincipal]: `spiffe://cluster.local/ns/${source.namespace}/sa/${source.app}`,
    [MeshAttr.destinationService]: `${dest.app}.${dest.namespace}.svc.cluster.local`,
    [MeshAttr.destinationServiceName]: dest.app,
    [MeshAttr.destinationServiceNamespace]: dest.namespace,
    [MeshAttr.destinationWorkload]: `${dest.app}-${dest.version}`,
    [MeshAttr.destinationWorkloadNamespace]: dest.namespace,
    [MeshAttr.destinationApp]: dest.app,
    [MeshAttr.destinationVersion]: dest.version,
    [MeshAttr.destinationPrincipal]: `spiffe://cluster.local/ns/${dest.namespace}/sa/${dest.app}`,
    [MeshAttr.responseCode]: String(code),
    [MeshAttr.requestProtocol]: 'http',
    [MeshAttr.connectionSecurityPolicy]: mtls ? 'mutual_tls' : 'none',
  };
}

/** One delta histogram point: `count` requests of one hop, all answered `code`, each taking `durationSec`. */
export function hopHistogram(
  source: Workload,
  dest: Workload,
  reporter: 'source' | 'destination',
  code: number,
  count: number,
  durationSec: number,
  atMs: number,
  mtls = true,
): MetricHistogramRow {
  const owner = reporter === 'destination' ? dest : source;
  const bounds = [...HTTP_DURATION_BUCKETS_SEC];
  const bucket = bounds.findIndex((b) => durationSec <= b);
  const counts = new Array<number>(bounds.length + 1).fill(0);
  counts[bucket < 0 ? bounds.length : bucket] = count;
  return {
    ...AGENT_METRIC_ROW_BASE,
    ResourceAttributes: {
      'service.name': owner.app,
      'service.namespace': owner.namespace,
      'service.version': owner.version,
      'meshscope.agent': 'true',
    },
    ServiceName: owner.app,
    MetricName: reporter === 'source' ? CLIENT_DURATION_METRIC : SERVER_DURATION_METRIC,
    MetricUnit: 's',
    Attributes: hopAttributes(source, dest, reporter, code, mtls),
    StartTimeUnix: nsText(atMs - 10_000),
    TimeUnix: nsText(atMs),
    Count: count,
    Sum: count * durationSec,
    BucketCounts: counts,
    ExplicitBounds: bounds,
    Min: durationSec,
    Max: durationSec,
    AggregationTemporality: 1,
  };
}

export interface SpanSpec {
  traceId: string;
  spanId: string;
  parentSpanId: string;
  service: string;
  name: string;
  kind: SpanKindName;
  startMs: number;
  durationMs: number;
  error?: boolean;
  attributes?: Record<string, string>;
  /** resource attributes besides service.name */
  resource?: Record<string, string>;
}

export function spanRow(s: SpanSpec): SpanRow {
  return {
    Timestamp: nsText(s.startMs),
    TraceId: s.traceId,
    SpanId: s.spanId,
    ParentSpanId: s.parentSpanId,
    TraceState: '',
    SpanName: s.name,
    SpanKind: s.kind,
    ServiceName: s.service,
    ResourceAttributes: { 'service.name': s.service, ...s.resource },
    ScopeName: 'meshscope-browser-test',
    ScopeVersion: '1',
    SpanAttributes: s.attributes ?? {},
    Duration: Math.round(s.durationMs * 1_000_000),
    StatusCode: s.error ? 'Error' : 'Unset',
    StatusMessage: s.error ? 'upstream failed' : '',
    'Events.Timestamp': [],
    'Events.Name': [],
    'Events.Attributes': [],
    'Links.TraceId': [],
    'Links.SpanId': [],
    'Links.TraceState': [],
    'Links.Attributes': [],
  };
}

/** Deterministic hex ids: `hexId(7, 8)` → "0000000000000007". */
export const hexId = (n: number, bytes: number): string => n.toString(16).padStart(bytes * 2, '0');
