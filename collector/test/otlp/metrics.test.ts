import {
  AggregationTemporality,
  AggregationType,
  DataPointType,
  type Histogram,
  type MetricData,
  type ResourceMetrics,
} from '@opentelemetry/sdk-metrics';
import { describe, expect, it } from 'vitest';
import { decodeMetricsRequestJson } from '../../src/otlp/json/metrics.js';
import { decodeMetricsRequest } from '../../src/otlp/proto/metrics.js';
import { encode, hexBytes, kv, type Field } from './encode.js';
import { RESOURCE, hrNs, meterHarness, metricsRequest } from './sdk.js';

/** What an agent-like process records: a counter, an up-down counter, a histogram, a gauge. */
async function recordRequestMetrics(): Promise<ResourceMetrics> {
  const h = meterHarness(AggregationTemporality.CUMULATIVE, [
    { instrumentName: 'payload.size', aggregation: { type: AggregationType.EXPONENTIAL_HISTOGRAM } },
  ]);
  const requests = h.meter.createCounter('mesh.requests', {
    description: 'Requests served.',
    unit: '{request}',
  });
  requests.add(5, { route: '/a', response_code: 200 });
  requests.add(2, { route: '/b', response_code: 503 });
  const inflight = h.meter.createUpDownCounter('mesh.inflight');
  inflight.add(3);
  inflight.add(-1);
  const duration = h.meter.createHistogram('http.server.request.duration', {
    unit: 's',
    advice: { explicitBucketBoundaries: [0.1, 0.5, 1] },
  });
  duration.record(0.05, { reporter: 'destination' });
  duration.record(0.75, { reporter: 'destination' });
  duration.record(2, { reporter: 'destination' });
  h.meter.createGauge('pool.pending').record(4, { pool: 'reviews' });
  h.meter.createHistogram('payload.size').record(1234);
  const collected = await h.collect();
  await h.shutdown();
  return collected;
}

function metric(collected: ResourceMetrics, name: string): MetricData {
  const found = collected.scopeMetrics.flatMap((s) => s.metrics).find((m) => m.descriptor.name === name);
  if (!found) throw new Error(`no metric ${name}`);
  return found;
}

const scope = {
  ResourceAttributes: expect.objectContaining(RESOURCE) as unknown,
  ResourceSchemaUrl: '',
  ScopeName: 'meshscope-test',
  ScopeVersion: '1.2.3',
  ScopeAttributes: {},
  ScopeDroppedAttrCount: 0,
  ScopeSchemaUrl: '',
  ServiceName: 'reviews',
};
const noExemplars = {
  'Exemplars.FilteredAttributes': [],
  'Exemplars.TimeUnix': [],
  'Exemplars.Value': [],
  'Exemplars.SpanId': [],
  'Exemplars.TraceId': [],
};

describe('decodeMetricsRequest (protobuf from the OpenTelemetry JS SDK)', () => {
  it('turns sums, gauges and histograms into otel_metrics_* rows with every field', async () => {
    const collected = await recordRequestMetrics();
    const decoded = decodeMetricsRequest(metricsRequest(collected, 'protobuf'));

    const requests = metric(collected, 'mesh.requests');
    const [a, b] = requests.dataPoints;
    expect(decoded.rows.sums.filter((r) => r.MetricName === 'mesh.requests')).toEqual([
      {
        ...scope,
        ...noExemplars,
        MetricName: 'mesh.requests',
        MetricDescription: 'Requests served.',
        MetricUnit: '{request}',
        Attributes: { route: '/a', response_code: '200' },
        StartTimeUnix: hrNs(a!.startTime),
        TimeUnix: hrNs(a!.endTime),
        Flags: 0,
        Value: 5,
        AggregationTemporality: 2,
        IsMonotonic: true,
      },
      {
        ...scope,
        ...noExemplars,
        MetricName: 'mesh.requests',
        MetricDescription: 'Requests served.',
        MetricUnit: '{request}',
        Attributes: { route: '/b', response_code: '503' },
        StartTimeUnix: hrNs(b!.startTime),
        TimeUnix: hrNs(b!.endTime),
        Flags: 0,
        Value: 2,
        AggregationTemporality: 2,
        IsMonotonic: true,
      },
    ]);
    expect(decoded.rows.sums.find((r) => r.MetricName === 'mesh.inflight')).toMatchObject({
      Value: 2,
      IsMonotonic: false,
      AggregationTemporality: 2,
      Attributes: {},
    });

    const gauge = metric(collected, 'pool.pending').dataPoints[0]!;
    expect(decoded.rows.gauges).toEqual([
      {
        ...scope,
        ...noExemplars,
        MetricName: 'pool.pending',
        MetricDescription: '',
        MetricUnit: '',
        Attributes: { pool: 'reviews' },
        StartTimeUnix: hrNs(gauge.startTime),
        TimeUnix: hrNs(gauge.endTime),
        Flags: 0,
        Value: 4,
      },
    ]);

    const durationMetric = metric(collected, 'http.server.request.duration');
    expect(durationMetric.dataPointType).toBe(DataPointType.HISTOGRAM);
    const point = durationMetric.dataPoints[0]!;
    const sdkValue = point.value as Histogram;
    expect(decoded.rows.histograms).toEqual([
      {
        ...scope,
        ...noExemplars,
        MetricName: 'http.server.request.duration',
        MetricDescription: '',
        MetricUnit: 's',
        Attributes: { reporter: 'destination' },
        StartTimeUnix: hrNs(point.startTime),
        TimeUnix: hrNs(point.endTime),
        Flags: 0,
        Count: 3,
        Sum: 2.8,
        BucketCounts: [1, 0, 1, 1],
        ExplicitBounds: [0.1, 0.5, 1],
        Min: 0.05,
        Max: 2,
        AggregationTemporality: 2,
      },
    ]);
    expect(sdkValue.buckets.counts).toEqual([1, 0, 1, 1]);

    // payload.size is an exponential histogram: refused with a message saying what to do.
    expect(decoded.receivedPoints).toBe(6);
    expect(decoded.rejectedPoints).toBe(1);
    expect(decoded.unsupportedPoints).toBe(1);
    expect(decoded.errorMessage).toBe(
      "1 data point rejected: metric 'payload.size': exponential histograms are not stored; configure the SDK to export explicit-bucket histograms",
    );
  });

  it('produces the same rows from the SDK’s OTLP/JSON as from its protobuf', async () => {
    const collected = await recordRequestMetrics();
    const fromJson = decodeMetricsRequestJson(metricsRequest(collected, 'json'));
    const fromProto = decodeMetricsRequest(metricsRequest(collected, 'protobuf'));
    expect(fromJson).toEqual(fromProto);
  });

  it('accepts an empty request', () => {
    expect(decodeMetricsRequest(Buffer.alloc(0))).toEqual({
      rows: { sums: [], gauges: [], histograms: [] },
      receivedPoints: 0,
      rejectedPoints: 0,
      unsupportedPoints: 0,
      errorMessage: '',
    });
  });
});

// --- hand-built requests -------------------------------------------------------------------------------

const T = 1_700_000_000_000_000_000n;

function metricsBody(metrics: readonly Field[]): Buffer {
  return encode([
    [
      1,
      'message',
      [
        [1, 'message', [kv(1, 'service.name', [[1, 'string', 'svc']])]],
        [3, 'string', 'https://opentelemetry.io/schemas/1.26.0'],
        [
          2,
          'message',
          [
            [
              1,
              'message',
              [
                [1, 'string', 'agent'],
                [2, 'string', '0.1'],
                kv(3, 'scope.k', [[1, 'string', 'v']]),
                [4, 'varint', 2],
              ],
            ],
            [3, 'string', 'scope-schema'],
            ...metrics,
          ],
        ],
      ],
    ],
  ]);
}

const numberPoint = (...fields: Field[]): Field => [
  1,
  'message',
  [[2, 'fixed64', T], [3, 'fixed64', T + 10n], ...fields],
];
const sum = (temporality: number, monotonic: boolean, ...points: Field[]): Field => [
  7,
  'message',
  [...points, [2, 'varint', temporality], [3, 'varint', monotonic ? 1 : 0]],
];
const histogramPoint = (count: bigint, buckets: bigint[], bounds: number[], ...fields: Field[]): Field => [
  1,
  'message',
  [
    [2, 'fixed64', T],
    [3, 'fixed64', T + 10n],
    [4, 'fixed64', count],
    [5, 'double', 1.5],
    ...buckets.map((c): Field => [6, 'fixed64', c]),
    ...bounds.map((b): Field => [7, 'double', b]),
    ...fields,
  ],
];
const metricOf = (name: string, data: Field): Field => [2, 'message', [data, [1, 'string', name]]];

describe('hand-built metric requests', () => {
  it('reads schema URLs, scope attributes, exemplars, int values and unpacked repeated fields', () => {
    const decoded = decodeMetricsRequest(
      metricsBody([
        metricOf(
          'late.name',
          sum(
            1,
            true,
            numberPoint(
              [6, 'fixed64', 2n ** 64n - 3n],
              kv(7, 'k', [[1, 'string', 'v']]),
              [8, 'varint', 0],
              [
                5,
                'message',
                [
                  kv(7, 'user', [[1, 'string', 'u1']]),
                  [2, 'fixed64', T + 5n],
                  [3, 'double', 0.25],
                  [4, 'bytes', hexBytes('00f067aa0ba902b7')],
                  [5, 'bytes', hexBytes('4bf92f3577b34da6a3ce929d0e0e4736')],
                ],
              ],
            ),
          ),
        ),
        metricOf('h', [
          9,
          'message',
          [histogramPoint(3n, [1n, 2n], [0.5], [11, 'double', 0.1], [12, 'double', 0.9]), [2, 'varint', 1]],
        ]),
      ]),
    );
    expect(decoded.rejectedPoints).toBe(0);
    expect(decoded.rows.sums[0]).toMatchObject({
      ResourceSchemaUrl: 'https://opentelemetry.io/schemas/1.26.0',
      ScopeName: 'agent',
      ScopeAttributes: { 'scope.k': 'v' },
      ScopeDroppedAttrCount: 2,
      ScopeSchemaUrl: 'scope-schema',
      MetricName: 'late.name',
      Value: -3,
      StartTimeUnix: T.toString(),
      TimeUnix: (T + 10n).toString(),
      AggregationTemporality: 1,
      'Exemplars.FilteredAttributes': [{ user: 'u1' }],
      'Exemplars.TimeUnix': [(T + 5n).toString()],
      'Exemplars.Value': [0.25],
      'Exemplars.SpanId': ['00f067aa0ba902b7'],
      'Exemplars.TraceId': ['4bf92f3577b34da6a3ce929d0e0e4736'],
    });
    expect(decoded.rows.histograms[0]).toMatchObject({
      Count: 3,
      Sum: 1.5,
      BucketCounts: [1, 2],
      ExplicitBounds: [0.5],
      Min: 0.1,
      Max: 0.9,
      AggregationTemporality: 1,
    });
  });

  it('rejects invalid data points one by one with the first reason', () => {
    const decoded = decodeMetricsRequest(
      metricsBody([
        metricOf('ok', sum(1, true, numberPoint([4, 'double', 1]))),
        metricOf('no.value', sum(1, true, numberPoint())),
        metricOf('stale', sum(1, true, numberPoint([8, 'varint', 1]))),
        metricOf('no.time', [5, 'message', [[1, 'message', [[4, 'double', 1]]]]]),
        metricOf('unspecified', sum(0, true, numberPoint([4, 'double', 1]))),
        metricOf('', sum(1, true, numberPoint([4, 'double', 1]))),
        metricOf('buckets', [9, 'message', [histogramPoint(3n, [1n, 2n], [0.5, 1]), [2, 'varint', 1]]]),
        metricOf('count', [9, 'message', [histogramPoint(4n, [1n, 2n], [0.5]), [2, 'varint', 1]]]),
        metricOf('summary', [
          11,
          'message',
          [
            [1, 'message', [[3, 'fixed64', T]]],
            [1, 'message', [[3, 'fixed64', T]]],
          ],
        ]),
      ]),
    );
    expect(decoded.rows.sums.map((r) => r.MetricName)).toEqual(['ok', 'stale']);
    expect(decoded.receivedPoints).toBe(10);
    expect(decoded.rejectedPoints).toBe(8);
    expect(decoded.unsupportedPoints).toBe(2);
    expect(decoded.errorMessage).toBe(
      "8 data points rejected; first: metric 'no.value' data point: it has neither as_double nor as_int",
    );
  });

  it.each([
    ['no time', [5, 'message', [[1, 'message', [[4, 'double', 1]]]]], 'time_unix_nano is 0'],
    [
      'unspecified temporality',
      sum(0, true, numberPoint([4, 'double', 1])),
      'aggregation_temporality is unspecified',
    ],
    [
      'bucket/bound mismatch',
      [9, 'message', [histogramPoint(3n, [1n, 2n], [0.5, 1]), [2, 'varint', 2]]],
      '2 bucket_counts for 2 explicit_bounds (expected 3)',
    ],
    [
      'count mismatch',
      [9, 'message', [histogramPoint(4n, [1n, 2n], [0.5]), [2, 'varint', 2]]],
      'bucket_counts add up to 3 but count is 4',
    ],
    [
      'summary',
      [11, 'message', [[1, 'message', [[3, 'fixed64', T]]]]],
      'summaries are not stored; export histograms instead',
    ],
  ] as const)('names the problem: %s', (_name, data, problem) => {
    const decoded = decodeMetricsRequest(metricsBody([metricOf('m', data)]));
    expect(decoded.rejectedPoints).toBe(1);
    expect(decoded.errorMessage).toContain(problem);
  });
});
