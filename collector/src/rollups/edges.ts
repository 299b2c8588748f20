import {
  CLIENT_DURATION_METRIC,
  MeshAttr,
  SERVER_DURATION_METRIC,
  type Reporter,
} from '../conventions/mesh.js';
import type { AttributeMap, MetricHistogramRow } from '../storage/rows.js';
import { LATENCY_BOUNDS_MS } from '../storage/schema/tables.js';

/** A row of `meshscope_edge_input`: one observation of traffic on an edge, folded into rollups by a view. */
export interface EdgeInputRow {
  /** unix seconds, start of the minute */
  Minute: number;
  Reporter: Reporter | 'spans';
  ConnectionType: '' | 'virtual_node' | 'database' | 'messaging_system';
  SourceService: string;
  SourceWorkload: string;
  SourceNamespace: string;
  SourceVersion: string;
  SourcePrincipal: string;
  DestService: string;
  DestWorkload: string;
  DestNamespace: string;
  DestVersion: string;
  DestPrincipal: string;
  Protocol: string;
  Mtls: 0 | 1;
  Requests: number;
  Http4xx: number;
  Http5xx: number;
  GrpcErrors: number;
  NoResponse: number;
  DurationSumMs: number;
  /** cumulative counts on LATENCY_BOUNDS_MS plus +Inf (length LATENCY_BOUNDS_MS.length + 1) */
  LatencyBucketsLe: number[];
  LatencyValuesMs: number[];
  LatencyWeights: number[];
}

const UNKNOWN = 'unknown';
const NS_PER_MINUTE = 60_000_000_000n;

/** Whether a histogram point is an agent's request metric (as opposed to any SDK's HTTP histogram). */
export function isMeshRequestHistogram(row: MetricHistogramRow): boolean {
  if (row.MetricName !== SERVER_DURATION_METRIC && row.MetricName !== CLIENT_DURATION_METRIC) return false;
  const reporter = row.Attributes[MeshAttr.reporter];
  return reporter === 'source' || reporter === 'destination';
}

/**
 * Edge rows from agents' request-duration histograms (delta points). Each agent knows both ends of the
 * request, so edges need no span pairing. Service names: `source_app` (else the workload) and
 * `destination_service_name` (else `destination_app`, else `destination_service`).
 */
export function edgeRowsFromHistograms(rows: readonly MetricHistogramRow[]): EdgeInputRow[] {
  const out: EdgeInputRow[] = [];
  for (const row of rows) {
    if (!isMeshRequestHistogram(row) || row.Count <= 0) continue;
    out.push(edgeRow(row));
  }
  return out;
}

function edgeRow(row: MetricHistogramRow): EdgeInputRow {
  const a = row.Attributes;
  const get = (key: string): string => a[key] ?? '';
  const toMs = unitToMs(row.MetricUnit);
  const code = Number(get(MeshAttr.responseCode) || NaN);
  const grpc = get(MeshAttr.grpcResponseStatus);
  const count = row.Count;
  const latency = latencyFromBuckets(row, toMs);
  return {
    Minute: Number((BigInt(row.TimeUnix) / NS_PER_MINUTE) * 60n),
    Reporter: get(MeshAttr.reporter) as Reporter,
    ConnectionType: '',
    SourceService: first(a, MeshAttr.sourceApp, MeshAttr.sourceWorkload),
    SourceWorkload: first(a, MeshAttr.sourceWorkload),
    SourceNamespace: first(a, MeshAttr.sourceWorkloadNamespace),
    SourceVersion: first(a, MeshAttr.sourceVersion),
    SourcePrincipal: get(MeshAttr.sourcePrincipal),
    DestService: first(
      a,
      MeshAttr.destinationServiceName,
      MeshAttr.destinationApp,
      MeshAttr.destinationService,
    ),
    DestWorkload: first(a, MeshAttr.destinationWorkload),
    DestNamespace: first(a, MeshAttr.destinationServiceNamespace, MeshAttr.destinationWorkloadNamespace),
    DestVersion: first(a, MeshAttr.destinationVersion),
    DestPrincipal: get(MeshAttr.destinationPrincipal),
    Protocol: (get(MeshAttr.requestProtocol) || 'http').toLowerCase(),
    Mtls: get(MeshAttr.connectionSecurityPolicy) === 'mutual_tls' ? 1 : 0,
    Requests: count,
    Http4xx: code >= 400 && code < 500 ? count : 0,
    Http5xx: code >= 500 && code < 600 ? count : 0,
    GrpcErrors: grpc !== '' && grpc !== '0' ? count : 0,
    NoResponse: code === 0 ? count : 0,
    DurationSumMs: row.Sum * toMs,
    ...latency,
  };
}

function first(a: AttributeMap, ...keys: string[]): string {
  for (const k of keys) {
    const v = a[k];
    if (v) return v;
  }
  return UNKNOWN;
}

function unitToMs(unit: string): number {
  switch (unit) {
    case 'ms':
      return 1;
    case 'us':
      return 0.001;
    case 'ns':
      return 1e-6;
    default:
      return 1000; // 's', the OpenTelemetry convention for durations
  }
}

/**
 * Re-buckets an explicit-bounds histogram onto the rollups' fixed bounds (exact when the bounds agree, as
 * they do for agents) and gives t-digest samples: each bucket's midpoint weighted by its count, clamped to
 * the point's min/max when known.
 */
export function latencyFromBuckets(
  row: Pick<MetricHistogramRow, 'BucketCounts' | 'ExplicitBounds' | 'Count' | 'Min' | 'Max'>,
  toMs: number,
): Pick<EdgeInputRow, 'LatencyBucketsLe' | 'LatencyValuesMs' | 'LatencyWeights'> {
  const boundsMs = row.ExplicitBounds.map((b) => b * toMs);
  const counts = row.BucketCounts;
  const le: number[] = [];
  for (const fixed of LATENCY_BOUNDS_MS) {
    let cumulative = 0;
    for (let i = 0; i < boundsMs.length && (boundsMs[i] ?? Infinity) <= fixed + 1e-9; i++)
      cumulative += counts[i] ?? 0;
    le.push(cumulative);
  }
  le.push(row.Count);
  const values: number[] = [];
  const weights: number[] = [];
  const min = row.Min > 0 ? row.Min * toMs : 0;
  const max = row.Max > 0 ? row.Max * toMs : Infinity;
  for (let i = 0; i < counts.length; i++) {
    const n = counts[i] ?? 0;
    if (n <= 0) continue;
    const lo = i === 0 ? 0 : (boundsMs[i - 1] ?? 0);
    const hi = boundsMs[i] ?? (Number.isFinite(max) ? max : lo * 1.5);
    values.push(Math.min(Math.max((lo + hi) / 2, min), max));
    weights.push(n);
  }
  return { LatencyBucketsLe: le, LatencyValuesMs: values, LatencyWeights: weights };
}
