import type { SeriesPoint } from '@meshscope/query/api';
import type { SeriesDef, TimePoint } from './TimeSeriesChart';

/** Series points from the API → chart rows, one row per time bucket. */
export function toTimePoints(points: readonly SeriesPoint[]): TimePoint[] {
  return points.map((p) => ({
    timeMs: p.timeSec * 1000,
    rps: p.requestsPerSec,
    errorPct: p.errorRate * 100,
    p50: p.latencyMs.p50,
    p95: p.latencyMs.p95,
    p99: p.latencyMs.p99,
    inflight: p.inflight,
  }));
}

export const RATE_SERIES: SeriesDef[] = [{ key: 'rps', label: 'req/s', colour: '#0066cc' }];
export const ERROR_SERIES: SeriesDef[] = [{ key: 'errorPct', label: '5xx %', colour: '#c9190b' }];
export const LATENCY_SERIES: SeriesDef[] = [
  { key: 'p50', label: 'p50', colour: '#4cb140' },
  { key: 'p95', label: 'p95', colour: '#f0ab00' },
  { key: 'p99', label: 'p99', colour: '#c9190b' },
];
export const SATURATION_SERIES: SeriesDef[] = [{ key: 'inflight', label: 'in flight', colour: '#5752d1' }];
