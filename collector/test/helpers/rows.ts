import { randomBytes } from 'node:crypto';
import type { MetricHistogramRow, SpanRow } from '../../src/storage/rows.js';

export const hex = (bytes: number): string => randomBytes(bytes).toString('hex');

/** A span row as the receivers produce it; `startNs` defaults to a minute ago. */
export function makeSpan(
  overrides: Partial<SpanRow> = {},
  startNs = BigInt(Date.now() - 60_000) * 1_000_000n,
): SpanRow {
  return {
    Timestamp: startNs.toString(),
    TraceId: hex(16),
    SpanId: hex(8),
    ParentSpanId: '',
    TraceState: '',
    SpanName: 'GET /books/{id}',
    SpanKind: 'Server',
    ServiceName: 'details',
    ResourceAttributes: { 'service.name': 'details', 'k8s.namespace.name': 'default' },
    ScopeName: 'meshscope-test',
    ScopeVersion: '1.0.0',
    SpanAttributes: { 'http.request.method': 'GET', 'http.response.status_code': '200' },
    Duration: 12_345_678,
    StatusCode: 'Unset',
    StatusMessage: '',
    'Events.Timestamp': [],
    'Events.Name': [],
    'Events.Attributes': [],
    'Links.TraceId': [],
    'Links.SpanId': [],
    'Links.TraceState': [],
    'Links.Attributes': [],
    ...overrides,
  };
}

/** An agent's delta request-duration histogram point (seconds, OTel default HTTP buckets). */
export function makeRequestHistogram(
  attributes: Record<string, string>,
  bucketCounts: number[],
  sumSec: number,
  timeNs = BigInt(Date.now() - 60_000) * 1_000_000n,
): MetricHistogramRow {
  const count = bucketCounts.reduce((a, b) => a + b, 0);
  return {
    ResourceAttributes: { 'service.name': attributes.destination_app ?? 'x', 'meshscope.agent': 'true' },
    ResourceSchemaUrl: '',
    ScopeName: 'meshscope-agent',
    ScopeVersion: '0.1.0',
    ScopeAttributes: {},
    ScopeDroppedAttrCount: 0,
    ScopeSchemaUrl: '',
    ServiceName: attributes.destination_app ?? 'x',
    MetricName:
      attributes.reporter === 'source' ? 'http.client.request.duration' : 'http.server.request.duration',
    MetricDescription: '',
    MetricUnit: 's',
    Attributes: attributes,
    StartTimeUnix: (timeNs - 5_000_000_000n).toString(),
    TimeUnix: timeNs.toString(),
    Flags: 0,
    'Exemplars.FilteredAttributes': [],
    'Exemplars.TimeUnix': [],
    'Exemplars.Value': [],
    'Exemplars.SpanId': [],
    'Exemplars.TraceId': [],
    Count: count,
    Sum: sumSec,
    BucketCounts: bucketCounts,
    ExplicitBounds: [0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.25, 0.5, 0.75, 1, 2.5, 5, 7.5, 10],
    Min: 0,
    Max: 0,
    AggregationTemporality: 1,
  };
}
