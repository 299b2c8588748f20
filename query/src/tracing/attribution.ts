import { z } from 'zod';
import type { SpanRow } from '@meshscope/collector';
import { criticalPathOfRows } from './critical-path.js';
import { durationNsToUs, nsTextToUs } from './span-time.js';

/**
 * Latency attribution: which (service, operation) pairs the critical path runs through, in a sample of slow
 * traces compared with a baseline sample. A span's contribution to a trace is its self time on that trace's
 * critical path (Jaeger's algorithm), summed per (service, operation). Comparing the two samples per pair
 * answers "what got slower" where a flat duration breakdown cannot: time a span spends waiting on a child,
 * or in a child that does not block its parent, is never counted.
 */

export const sampleSummarySchema = z.object({
  traceCount: z.number().int().nonnegative(),
  /** trace duration as Jaeger shows it (earliest span start to latest span end), µs; nearest-rank quantiles */
  durationP50Us: z.number().nonnegative(),
  durationP99Us: z.number().nonnegative(),
  totalDurationUs: z.number().nonnegative(),
});
export type SampleSummary = z.infer<typeof sampleSummarySchema>;

export const operationSampleStatsSchema = z.object({
  /** traces of the sample in which this operation is on the critical path at all */
  tracesOnPath: z.number().int().nonnegative(),
  /** critical-path time of this operation summed over the sample's traces, µs */
  criticalPathUs: z.number().nonnegative(),
  /** criticalPathUs ÷ the sample's summed trace durations, 0…1 (shares of one sample sum to 1 unless
   *  non-blocking work outlives the roots or several roots overlap) */
  share: z.number().min(0),
  /**
   * Per-trace contribution, µs, over every trace of the sample (0 where the operation is not on the
   * path, so samples of different make-up compare fairly); quantiles by nearest rank.
   */
  meanUs: z.number().nonnegative(),
  p50Us: z.number().nonnegative(),
  p99Us: z.number().nonnegative(),
});
export type OperationSampleStats = z.infer<typeof operationSampleStatsSchema>;

export const operationAttributionSchema = z.object({
  service: z.string(),
  operation: z.string(),
  slow: operationSampleStatsSchema,
  baseline: operationSampleStatsSchema,
  /** slow − baseline */
  delta: z.object({
    meanUs: z.number(),
    p50Us: z.number(),
    p99Us: z.number(),
    share: z.number(),
  }),
});
export type OperationAttribution = z.infer<typeof operationAttributionSchema>;

export const latencyAttributionSchema = z.object({
  slow: sampleSummarySchema,
  baseline: sampleSummarySchema,
  /** largest mean per-trace increase first: the top rows explain the slowdown */
  operations: z.array(operationAttributionSchema),
});
export type LatencyAttribution = z.infer<typeof latencyAttributionSchema>;

export interface AttributionInput {
  /** each trace as its stored rows */
  slow: readonly (readonly SpanRow[])[];
  baseline: readonly (readonly SpanRow[])[];
}

/** Nearest-rank quantile of ascending-sorted values; 0 for none. */
export function nearestRankQuantile(sortedAsc: readonly number[], q: number): number {
  if (sortedAsc.length === 0) return 0;
  const rank = Math.min(sortedAsc.length, Math.max(1, Math.ceil(q * sortedAsc.length)));
  return sortedAsc[rank - 1] ?? 0;
}

interface TraceBreakdown {
  durationUs: number;
  /** key → critical-path µs */
  byOperation: Map<string, number>;
}

const keyOf = (service: string, operation: string): string => JSON.stringify([service, operation]);

function breakDown(rows: readonly SpanRow[], names: Map<string, { service: string; operation: string }>) {
  let firstUs = Infinity;
  let lastUs = -Infinity;
  const rowById = new Map<string, SpanRow>();
  for (const row of rows) {
    const startUs = nsTextToUs(row.Timestamp);
    firstUs = Math.min(firstUs, startUs);
    lastUs = Math.max(lastUs, startUs + durationNsToUs(row.Duration));
    if (!rowById.has(row.SpanId)) rowById.set(row.SpanId, row);
  }
  const byOperation = new Map<string, number>();
  for (const { spanID, selfTimeUs } of criticalPathOfRows(rows).selfTimes) {
    const row = rowById.get(spanID);
    if (row === undefined) continue;
    const key = keyOf(row.ServiceName, row.SpanName);
    names.set(key, { service: row.ServiceName, operation: row.SpanName });
    byOperation.set(key, (byOperation.get(key) ?? 0) + selfTimeUs);
  }
  const breakdown: TraceBreakdown = { durationUs: rows.length === 0 ? 0 : lastUs - firstUs, byOperation };
  return breakdown;
}

function summarise(traces: readonly TraceBreakdown[]): SampleSummary {
  const durations = traces.map((t) => t.durationUs).sort((a, b) => a - b);
  return {
    traceCount: traces.length,
    durationP50Us: nearestRankQuantile(durations, 0.5),
    durationP99Us: nearestRankQuantile(durations, 0.99),
    totalDurationUs: durations.reduce((sum, d) => sum + d, 0),
  };
}

function statsFor(
  key: string,
  traces: readonly TraceBreakdown[],
  totalDurationUs: number,
): OperationSampleStats {
  const perTrace = traces.map((t) => t.byOperation.get(key) ?? 0).sort((a, b) => a - b);
  const criticalPathUs = perTrace.reduce((sum, v) => sum + v, 0);
  return {
    tracesOnPath: perTrace.filter((v) => v > 0).length,
    criticalPathUs,
    share: totalDurationUs > 0 ? criticalPathUs / totalDurationUs : 0,
    meanUs: traces.length > 0 ? criticalPathUs / traces.length : 0,
    p50Us: nearestRankQuantile(perTrace, 0.5),
    p99Us: nearestRankQuantile(perTrace, 0.99),
  };
}

/** Attribute the critical-path time of a slow sample and a baseline sample to (service, operation). */
export function attributeLatency(input: AttributionInput): LatencyAttribution {
  const names = new Map<string, { service: string; operation: string }>();
  const slow = input.slow.map((rows) => breakDown(rows, names));
  const baseline = input.baseline.map((rows) => breakDown(rows, names));
  const slowSummary = summarise(slow);
  const baselineSummary = summarise(baseline);

  const operations = [...names].map(([key, { service, operation }]): OperationAttribution => {
    const s = statsFor(key, slow, slowSummary.totalDurationUs);
    const b = statsFor(key, baseline, baselineSummary.totalDurationUs);
    return {
      service,
      operation,
      slow: s,
      baseline: b,
      delta: {
        meanUs: s.meanUs - b.meanUs,
        p50Us: s.p50Us - b.p50Us,
        p99Us: s.p99Us - b.p99Us,
        share: s.share - b.share,
      },
    };
  });
  operations.sort(
    (x, y) =>
      y.delta.meanUs - x.delta.meanUs ||
      y.slow.criticalPathUs - x.slow.criticalPathUs ||
      compareText(x.service, y.service) ||
      compareText(x.operation, y.operation),
  );
  return { slow: slowSummary, baseline: baselineSummary, operations };
}

function compareText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
