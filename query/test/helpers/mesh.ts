import type { MetricGaugeRow, MetricHistogramRow } from '@meshscope/collector';
import { INFLIGHT_METRIC, MeshAttr } from '@meshscope/collector/conventions';

/** Agents' telemetry as the collector stores it: request-duration histograms (delta) and saturation gauges. */

/** OpenTelemetry's HTTP duration buckets, seconds (agents use these). */
export const BOUNDS_SEC = [0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.25, 0.5, 0.75, 1, 2.5, 5, 7.5, 10];

export const ns = (sec: number): bigint => BigInt(Math.round(sec * 1000)) * 1_000_000n;

const common = {
  ResourceSchemaUrl: '',
  ScopeName: '@meshscope/proxy-agent',
  ScopeVersion: '0.1.0',
  ScopeAttributes: {},
  ScopeDroppedAttrCount: 0,
  ScopeSchemaUrl: '',
  MetricDescription: '',
  Flags: 0,
  'Exemplars.FilteredAttributes': [],
  'Exemplars.TimeUnix': [],
  'Exemplars.Value': [],
  'Exemplars.SpanId': [],
  'Exemplars.TraceId': [],
};

export interface Hop {
  source: { app: string; version: string; namespace: string };
  dest: { app: string; version: string; namespace: string };
  protocol?: 'http' | 'grpc';
  mtls?: boolean;
}

/** Istio-style attributes of one hop as an agent reports it. */
export function hopAttributes(
  hop: Hop,
  reporter: 'source' | 'destination',
  code: number,
): Record<string, string> {
  const { source: s, dest: d } = hop;
  return {
    [MeshAttr.reporter]: reporter,
    [MeshAttr.sourceWorkload]: `${s.app}-${s.version}`,
    [MeshAttr.sourceWorkloadNamespace]: s.namespace,
    [MeshAttr.sourceApp]: s.app,
    [MeshAttr.sourceVersion]: s.version,
    [MeshAttr.sourcePrincipal]: `spiffe://cluster.local/ns/${s.namespace}/sa/${s.app}`,
    [MeshAttr.destinationService]: `${d.app}.${d.namespace}.svc.cluster.local`,
    [MeshAttr.destinationServiceName]: d.app,
    [MeshAttr.destinationServiceNamespace]: d.namespace,
    [MeshAttr.destinationWorkload]: `${d.app}-${d.version}`,
    [MeshAttr.destinationWorkloadNamespace]: d.namespace,
    [MeshAttr.destinationApp]: d.app,
    [MeshAttr.destinationVersion]: d.version,
    [MeshAttr.destinationPrincipal]: `spiffe://cluster.local/ns/${d.namespace}/sa/${d.app}`,
    [MeshAttr.responseCode]: String(code),
    [MeshAttr.requestProtocol]: hop.protocol ?? 'http',
    ...(hop.protocol === 'grpc' ? { [MeshAttr.grpcResponseStatus]: code === 200 ? '0' : '14' } : {}),
    [MeshAttr.connectionSecurityPolicy]: hop.mtls === false ? 'none' : 'mutual_tls',
  };
}

/** Bucket counts for the given request durations (seconds). */
export function bucketCounts(durationsSec: readonly number[]): number[] {
  const counts = new Array<number>(BOUNDS_SEC.length + 1).fill(0);
  for (const d of durationsSec) {
    const i = BOUNDS_SEC.findIndex((b) => d <= b);
    counts[i < 0 ? BOUNDS_SEC.length : i]! += 1;
  }
  return counts;
}

/** One delta histogram point of an agent (unit s) for requests that all got `code`. */
export function requestHistogram(
  hop: Hop,
  reporter: 'source' | 'destination',
  code: number,
  durationsSec: readonly number[],
  atSec: number,
): MetricHistogramRow {
  const owner = reporter === 'destination' ? hop.dest : hop.source;
  return {
    ...common,
    ResourceAttributes: {
      'service.name': owner.app,
      'service.namespace': owner.namespace,
      'service.version': owner.version,
      'meshscope.agent': 'true',
    },
    ServiceName: owner.app,
    MetricName: reporter === 'source' ? 'http.client.request.duration' : 'http.server.request.duration',
    MetricUnit: 's',
    Attributes: hopAttributes(hop, reporter, code),
    StartTimeUnix: ns(atSec - 10).toString(),
    TimeUnix: ns(atSec).toString(),
    Count: durationsSec.length,
    Sum: durationsSec.reduce((a, b) => a + b, 0),
    BucketCounts: bucketCounts(durationsSec),
    ExplicitBounds: BOUNDS_SEC,
    Min: Math.min(...durationsSec),
    Max: Math.max(...durationsSec),
    AggregationTemporality: 1,
  };
}

/** An agent's in-flight gauge sample for its inbound listener. */
export function inflightGauge(app: string, instance: string, value: number, atSec: number): MetricGaugeRow {
  return {
    ...common,
    ResourceAttributes: { 'service.name': app, 'service.instance.id': instance, 'meshscope.agent': 'true' },
    ServiceName: app,
    MetricName: INFLIGHT_METRIC,
    MetricUnit: '{request}',
    Attributes: { [MeshAttr.reporter]: 'destination', [MeshAttr.destinationApp]: app },
    StartTimeUnix: ns(atSec).toString(),
    TimeUnix: ns(atSec).toString(),
    Value: value,
  };
}
