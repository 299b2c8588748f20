import type { MeshTrafficRow, RedPoint, SaturationPoint } from '@meshscope/collector';
import type { SeriesPoint, Signals } from '../api/mesh.js';
import { groupBy } from './services.js';
import { mergeRows, redSignals, trafficSignals } from './signals.js';

/**
 * Time series at a fixed step: one point per bucket of the window, empty buckets included (a chart must
 * show a gap in traffic as zero, not interpolate across it), latency null where there were no requests.
 */

function point(timeSec: number, s: Signals | undefined, inflight: number | null): SeriesPoint {
  return {
    timeSec,
    requestsPerSec: s?.requestsPerSec ?? 0,
    errorRate: s?.errorRate ?? 0,
    latencyMs: s?.latencyMs ?? { p50: null, p90: null, p95: null, p99: null },
    inflight,
  };
}

export function seriesFromTraffic(
  buckets: readonly number[],
  stepSec: number,
  rows: readonly MeshTrafficRow[],
  saturation: readonly SaturationPoint[] = [],
): SeriesPoint[] {
  const byTime = groupBy(rows, (r) => String(r.timeSec));
  const inflight = new Map(saturation.map((s) => [s.timeSec, s.inflight]));
  return buckets.map((t) => {
    const row = mergeRows(byTime.get(String(t)) ?? []);
    return point(t, row ? trafficSignals(row, stepSec) : undefined, inflight.get(t) ?? null);
  });
}

export function seriesFromRed(
  buckets: readonly number[],
  stepSec: number,
  rows: readonly RedPoint[],
  saturation: readonly SaturationPoint[] = [],
): SeriesPoint[] {
  const byTime = new Map(rows.map((r) => [r.timeSec, r]));
  const inflight = new Map(saturation.map((s) => [s.timeSec, s.inflight]));
  return buckets.map((t) => {
    const row = byTime.get(t);
    return point(t, row ? redSignals(row, stepSec) : undefined, inflight.get(t) ?? null);
  });
}
