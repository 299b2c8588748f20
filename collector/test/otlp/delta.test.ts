import { AggregationTemporality } from '@opentelemetry/sdk-metrics';
import { describe, expect, it } from 'vitest';
import { DeltaConverter } from '../../src/otlp/delta.js';
import { decodeMetricsRequest } from '../../src/otlp/proto/metrics.js';
import type { MetricHistogramRow, MetricRows, MetricSumRow } from '../../src/storage/rows.js';
import { meterHarness, metricsRequest } from './sdk.js';

const S1 = '1700000000000000000';
const S2 = '1700000100000000000';
const t = (sec: number): string =>
  (1_700_000_000n * 1_000_000_000n + BigInt(sec) * 1_000_000_000n).toString();
const RESOURCE = { 'service.name': 'reviews' };

function sum(value: number, timeSec: number, overrides: Partial<MetricSumRow> = {}): MetricSumRow {
  return {
    ResourceAttributes: RESOURCE,
    ResourceSchemaUrl: '',
    ScopeName: 'agent',
    ScopeVersion: '1',
    ScopeAttributes: {},
    ScopeDroppedAttrCount: 0,
    ScopeSchemaUrl: '',
    ServiceName: 'reviews',
    MetricName: 'requests',
    MetricDescription: '',
    MetricUnit: '',
    Attributes: { route: '/a' },
    StartTimeUnix: S1,
    TimeUnix: t(timeSec),
    Flags: 0,
    'Exemplars.FilteredAttributes': [],
    'Exemplars.TimeUnix': [],
    'Exemplars.Value': [],
    'Exemplars.SpanId': [],
    'Exemplars.TraceId': [],
    Value: value,
    AggregationTemporality: 2,
    IsMonotonic: true,
    ...overrides,
  };
}

const sums = (...rows: MetricSumRow[]): MetricRows => ({ sums: rows, gauges: [], histograms: [] });
const values = (rows: MetricRows): [number, string, number][] =>
  rows.sums.map((r) => [r.Value, r.StartTimeUnix, r.AggregationTemporality]);

async function decodedCollection(
  collect: () => Promise<Parameters<typeof metricsRequest>[0]>,
): Promise<MetricRows> {
  return decodeMetricsRequest(metricsRequest(await collect(), 'protobuf')).rows;
}

describe('DeltaConverter with the SDK’s cumulative metrics', () => {
  it('turns a cumulative counter into per-interval deltas', async () => {
    const h = meterHarness(AggregationTemporality.CUMULATIVE);
    const counter = h.meter.createCounter('requests');
    const converter = new DeltaConverter({ maxSeries: 10 });

    counter.add(5);
    const first = await decodedCollection(h.collect);
    const firstStart = first.sums[0]!.StartTimeUnix;
    const firstTime = first.sums[0]!.TimeUnix;
    expect(converter.convert(first).rows.sums[0]).toMatchObject({
      Value: 5,
      StartTimeUnix: firstStart,
      AggregationTemporality: 1,
    });

    counter.add(3);
    const second = converter.convert(await decodedCollection(h.collect)).rows.sums[0]!;
    expect(second).toMatchObject({ Value: 3, StartTimeUnix: firstTime, AggregationTemporality: 1 });

    counter.add(2);
    const third = converter.convert(await decodedCollection(h.collect)).rows.sums[0]!;
    expect(third).toMatchObject({ Value: 2, StartTimeUnix: second.TimeUnix });
    await h.shutdown();
  });

  it('turns a cumulative histogram into per-interval bucket deltas', async () => {
    const h = meterHarness(AggregationTemporality.CUMULATIVE);
    const histogram = h.meter.createHistogram('duration', {
      advice: { explicitBucketBoundaries: [0.1, 0.5, 1] },
    });
    const converter = new DeltaConverter({ maxSeries: 10 });

    // binary-exact values, so the cumulative sums subtract exactly
    histogram.record(0.25);
    histogram.record(0.75);
    const first = converter.convert(await decodedCollection(h.collect)).rows.histograms[0]!;
    expect(first).toMatchObject({
      Count: 2,
      Sum: 1,
      BucketCounts: [0, 1, 1, 0],
      Min: 0.25,
      Max: 0.75,
      AggregationTemporality: 1,
    });

    histogram.record(2);
    const second = converter.convert(await decodedCollection(h.collect)).rows.histograms[0]!;
    expect(second).toMatchObject({
      Count: 1,
      Sum: 2,
      BucketCounts: [0, 0, 0, 1],
      ExplicitBounds: [0.1, 0.5, 1],
      // the cumulative max moved within the interval, so it is this interval's max; the min did not: unknown
      Max: 2,
      Min: 0,
      StartTimeUnix: first.TimeUnix,
      AggregationTemporality: 1,
    });
    await h.shutdown();
  });
});

describe('DeltaConverter rules', () => {
  it('starts over when the value decreases or the start time changes', () => {
    const converter = new DeltaConverter({ maxSeries: 10 });
    expect(values(converter.convert(sums(sum(10, 10))).rows)).toEqual([[10, S1, 1]]);
    expect(values(converter.convert(sums(sum(4, 20))).rows)).toEqual([[4, S1, 1]]);
    expect(values(converter.convert(sums(sum(6, 30))).rows)).toEqual([[2, t(20), 1]]);
    expect(values(converter.convert(sums(sum(12, 40, { StartTimeUnix: S2 }))).rows)).toEqual([[12, S2, 1]]);
  });

  it('converts points of one series in request order and drops a repeated or older point', () => {
    const converter = new DeltaConverter({ maxSeries: 10 });
    const result = converter.convert(sums(sum(1, 10), sum(4, 20), sum(4, 20), sum(3, 15)));
    expect(values(result.rows)).toEqual([
      [1, S1, 1],
      [3, t(10), 1],
    ]);
    expect(result.dropped).toBe(2);
  });

  it('keeps a new value that shares its predecessor’s timestamp (millisecond SDK clocks)', () => {
    const converter = new DeltaConverter({ maxSeries: 10 });
    const result = converter.convert(sums(sum(1, 10), sum(4, 10)));
    expect(values(result.rows)).toEqual([
      [1, S1, 1],
      [3, t(10), 1],
    ]);
    expect(result.dropped).toBe(0);
  });

  it('keeps series apart by resource, scope, metric name and attributes', () => {
    const converter = new DeltaConverter({ maxSeries: 10 });
    converter.convert(sums(sum(10, 10)));
    const other = converter.convert(
      sums(
        sum(11, 20, { Attributes: { route: '/b' } }),
        sum(12, 20, { MetricName: 'errors' }),
        sum(13, 20, { ScopeName: 'other' }),
        sum(14, 20, { ResourceAttributes: { 'service.name': 'ratings' } }),
        sum(15, 20),
      ),
    );
    expect(other.rows.sums.map((r) => r.Value)).toEqual([11, 12, 13, 14, 5]);
    expect(converter.size).toBe(5);
  });

  it('stores non-monotonic cumulative sums (levels) and deltas as sent', () => {
    const converter = new DeltaConverter({ maxSeries: 10 });
    const level = sum(7, 10, { IsMonotonic: false });
    const delta = sum(3, 10, { AggregationTemporality: 1 });
    const result = converter.convert(sums(level, delta, sum(2, 20, { IsMonotonic: false })));
    expect(values(result.rows)).toEqual([
      [7, S1, 2],
      [3, S1, 1],
      [2, S1, 2],
    ]);
    expect(converter.size).toBe(0);
  });

  it('forgets a series at a NO_RECORDED_VALUE point, so the next point starts over', () => {
    const converter = new DeltaConverter({ maxSeries: 10 });
    converter.convert(sums(sum(10, 10)));
    converter.convert(sums(sum(0, 20, { Flags: 1 })));
    expect(values(converter.convert(sums(sum(12, 30))).rows)).toEqual([[12, S1, 1]]);
  });

  it('bounds memory: beyond maxSeries the least recently seen series is forgotten and counted', () => {
    let evictions = 0;
    const converter = new DeltaConverter({ maxSeries: 2, onEvict: () => evictions++ });
    const a = { Attributes: { route: '/a' } };
    const b = { Attributes: { route: '/b' } };
    const c = { Attributes: { route: '/c' } };
    converter.convert(sums(sum(10, 10, a), sum(10, 10, b)));
    converter.convert(sums(sum(11, 20, a))); // a is now more recent than b
    converter.convert(sums(sum(10, 20, c))); // evicts b
    expect(converter.size).toBe(2);
    expect(converter.evicted).toBe(1);
    expect(evictions).toBe(1);
    expect(values(converter.convert(sums(sum(12, 30, a))).rows)).toEqual([[1, t(20), 1]]);
    expect(values(converter.convert(sums(sum(15, 30, b))).rows)).toEqual([[15, S1, 1]]);
  });

  it('rolls back a conversion whose rows could not be stored, so the retry is not taken for a duplicate', () => {
    const converter = new DeltaConverter({ maxSeries: 10 });
    converter.convert(sums(sum(10, 10)));
    const failed = converter.convert(sums(sum(15, 20), sum(1, 20, { Attributes: { route: '/new' } })));
    failed.rollback();
    const retried = converter.convert(sums(sum(15, 20), sum(1, 20, { Attributes: { route: '/new' } })));
    expect(retried.dropped).toBe(0);
    expect(values(retried.rows)).toEqual([
      [5, t(10), 1],
      [1, S1, 1],
    ]);
  });

  it('starts a histogram over when its bounds change', () => {
    const converter = new DeltaConverter({ maxSeries: 10 });
    const histogram = (
      count: number,
      buckets: number[],
      bounds: number[],
      timeSec: number,
    ): MetricHistogramRow => {
      const { Value: _v, IsMonotonic: _m, ...base } = sum(0, timeSec);
      return {
        ...base,
        Count: count,
        Sum: count,
        BucketCounts: buckets,
        ExplicitBounds: bounds,
        Min: 0,
        Max: 0,
      };
    };
    converter.convert({ sums: [], gauges: [], histograms: [histogram(2, [1, 1], [1], 10)] });
    const changed = converter.convert({
      sums: [],
      gauges: [],
      histograms: [histogram(3, [1, 1, 1], [1, 2], 20)],
    });
    expect(changed.rows.histograms[0]).toMatchObject({
      Count: 3,
      BucketCounts: [1, 1, 1],
      StartTimeUnix: S1,
    });
  });
});
