import { LATENCY_BOUNDS_MS } from '@meshscope/collector';
import { describe, expect, it } from 'vitest';
import { jaegerMetricFamilySchema } from '../../src/jaeger/model.js';
import {
  histogramQuantile,
  metricFamily,
  protoTimestamp,
  type SpmQuery,
  type SpmRow,
} from '../../src/spm/metric-family.js';

/** Cumulative counts on LATENCY_BOUNDS_MS (+Inf) for requests of the given durations. */
function cumulative(durationsMs: number[]): number[] {
  return [...LATENCY_BOUNDS_MS, Infinity].map((bound) => durationsMs.filter((d) => d <= bound).length);
}

const row = (
  minuteSec: number,
  requests: number,
  errors: number,
  durationMs: number,
  operation = 'op',
): SpmRow => ({
  timeSec: minuteSec,
  service: 'svc',
  operation,
  requests,
  errors,
  bucketsLe: cumulative(new Array<number>(requests).fill(durationMs)),
});

const query = (metric: SpmQuery['metric'], extra: Partial<SpmQuery> = {}): SpmQuery => ({
  metric,
  groupByOperation: false,
  endMs: 600_000,
  lookbackMs: 300_000,
  stepMs: 60_000,
  ratePerMs: 120_000,
  quantile: 0.5,
  ...extra,
});

describe('histogramQuantile (Prometheus semantics on the fixed buckets)', () => {
  it('interpolates linearly inside the bucket holding the rank', () => {
    // 10 requests in (10, 25] ms: the median is half-way through the bucket
    expect(histogramQuantile(0.5, cumulative(new Array<number>(10).fill(20)))).toBeCloseTo(17.5, 10);
    // half ≤ 5 ms, half in (100, 250]: p99 = 100 + 150 × 0.98
    const split = cumulative([...new Array<number>(50).fill(1), ...new Array<number>(50).fill(200)]);
    expect(histogramQuantile(0.99, split)).toBeCloseTo(247, 10);
  });

  it('answers the highest finite bound in the +Inf bucket, nothing without requests', () => {
    expect(histogramQuantile(0.99, cumulative([60_000]))).toBe(10_000);
    expect(histogramQuantile(0.5, cumulative([]))).toBeUndefined();
  });
});

describe('metricFamily', () => {
  const rows = [row(300, 60, 6, 20), row(360, 120, 0, 20), row(480, 60, 60, 20)];

  it('computes trailing-window call rates at each step', () => {
    const family = jaegerMetricFamilySchema.parse(metricFamily(query('calls'), rows));
    const points = family.metrics[0]?.metricPoints.map((p) => [p.timestamp, p.gaugeValue.doubleValue]);
    // steps 300 … 600 s; a minute counts when it starts in [t − 120 s, t)
    expect(points).toEqual([
      ['1970-01-01T00:05:00Z', 0],
      ['1970-01-01T00:06:00Z', 0.5],
      ['1970-01-01T00:07:00Z', 1.5],
      ['1970-01-01T00:08:00Z', 1],
      ['1970-01-01T00:09:00Z', 0.5],
      ['1970-01-01T00:10:00Z', 0.5],
    ]);
  });

  it('computes error rates and quantiles only where there were calls', () => {
    const errors = metricFamily(query('errors'), rows).metrics[0]?.metricPoints.map(
      (p) => p.gaugeValue.doubleValue,
    );
    expect(errors).toEqual([0.1, 6 / 180, 0, 1, 1]);
    const latencies = metricFamily(query('latencies'), rows);
    expect(latencies.help).toBe('0.50th quantile latency, grouped by service');
    expect(latencies.metrics[0]?.metricPoints).toHaveLength(5);
  });

  it('names series by operation when grouped', () => {
    const family = metricFamily(query('calls', { groupByOperation: true }), [
      row(300, 1, 0, 1, 'a'),
      row(300, 1, 0, 1, 'b'),
    ]);
    expect(family.name).toBe('service_operation_call_rate');
    expect(family.help).toBe('calls/sec, grouped by service & operation');
    expect(family.metrics.map((m) => m.labels[1]?.value)).toEqual(['a', 'b']);
  });

  it('writes timestamps as protobuf JSON does', () => {
    expect(protoTimestamp(1_622_711_526_000)).toBe('2021-06-03T09:12:06Z');
    expect(protoTimestamp(1_622_711_526_250)).toBe('2021-06-03T09:12:06.250Z');
  });
});
