import { LATENCY_BOUNDS_MS, type RedPoint } from '@meshscope/collector';
import type { JaegerMetric, JaegerMetricFamily, JaegerMetricPoint } from '../jaeger/model.js';
import { compare } from '../mesh/services.js';

/**
 * Jaeger's Service Performance Monitoring answers (`/api/metrics/{calls,errors,latencies}`), computed from
 * per-minute span rollups the way Jaeger's Prometheus reader computes them from spanmetrics: at each step
 * `t` of [end − lookback, end], over the trailing `ratePer` window —
 *   calls:     sum(rate(calls[ratePer])) by (service[, operation])          → requests / ratePer seconds
 *   errors:    rate(calls{status_code="STATUS_CODE_ERROR"}) / rate(calls)   → errors / requests
 *   latencies: histogram_quantile(q, sum(rate(duration_bucket[ratePer])))   → from the fixed buckets, in ms
 * A minute belongs to the window when it starts within [t − ratePer, t). Steps where nothing was called get
 * no error-rate or latency point (Prometheus would give NaN); series exist only for services with data.
 */

export type SpmMetric = 'latencies' | 'calls' | 'errors';

export interface SpmQuery {
  metric: SpmMetric;
  groupByOperation: boolean;
  endMs: number;
  lookbackMs: number;
  stepMs: number;
  ratePerMs: number;
  /** latencies only */
  quantile: number;
}

/** Per-minute rows, one per (minute, service[, operation]); several kinds already summed. */
export type SpmRow = Pick<
  RedPoint,
  'timeSec' | 'service' | 'operation' | 'requests' | 'errors' | 'bucketsLe'
>;

const NAMES: Record<SpmMetric, string> = {
  latencies: 'service_latencies',
  calls: 'service_call_rate',
  errors: 'service_error_rate',
};

function help(query: SpmQuery): string {
  const base =
    query.metric === 'latencies'
      ? `${query.quantile.toFixed(2)}th quantile latency, grouped by service`
      : query.metric === 'calls'
        ? 'calls/sec, grouped by service'
        : 'error rate, computed as a fraction of errors/sec over calls/sec, grouped by service';
  return query.groupByOperation ? `${base} & operation` : base;
}

/** Protobuf JSON's Timestamp: RFC 3339 in UTC, fraction only when there is one. */
export function protoTimestamp(ms: number): string {
  const iso = new Date(ms).toISOString();
  return ms % 1000 === 0 ? iso.replace('.000Z', 'Z') : iso;
}

/** Prometheus' histogram_quantile over cumulative counts on LATENCY_BOUNDS_MS (+Inf last). */
export function histogramQuantile(q: number, cumulative: readonly number[]): number | undefined {
  const total = cumulative[cumulative.length - 1] ?? 0;
  if (total <= 0) return undefined;
  const rank = q * total;
  let previousCount = 0;
  for (let i = 0; i < cumulative.length; i++) {
    const count = cumulative[i] ?? 0;
    if (count >= rank && count > previousCount) {
      const upper = LATENCY_BOUNDS_MS[i];
      const lower = i === 0 ? 0 : (LATENCY_BOUNDS_MS[i - 1] ?? 0);
      // The +Inf bucket: Prometheus answers the highest finite bound.
      if (upper === undefined) return LATENCY_BOUNDS_MS[LATENCY_BOUNDS_MS.length - 1];
      return lower + ((upper - lower) * (rank - previousCount)) / (count - previousCount);
    }
    previousCount = count;
  }
  return LATENCY_BOUNDS_MS[LATENCY_BOUNDS_MS.length - 1];
}

/** The step times, oldest first. */
export function stepTimes(query: SpmQuery): number[] {
  const times: number[] = [];
  for (let t = query.endMs - query.lookbackMs; t <= query.endMs; t += query.stepMs) times.push(t);
  return times;
}

export function metricFamily(query: SpmQuery, rows: readonly SpmRow[]): JaegerMetricFamily {
  const series = new Map<string, { labels: JaegerMetric['labels']; minutes: SpmRow[] }>();
  for (const row of rows) {
    const key = JSON.stringify([row.service, query.groupByOperation ? row.operation : '']);
    let entry = series.get(key);
    if (!entry) {
      const labels = [{ name: 'service_name', value: row.service }];
      if (query.groupByOperation) labels.push({ name: 'operation', value: row.operation });
      entry = { labels, minutes: [] };
      series.set(key, entry);
    }
    entry.minutes.push(row);
  }
  const times = stepTimes(query);
  const ratePerSec = query.ratePerMs / 1000;
  const metrics = [...series.entries()]
    .sort(([a], [b]) => compare(a, b))
    .map(([, { labels, minutes }]): JaegerMetric => {
      const points: JaegerMetricPoint[] = [];
      for (const t of times) {
        const inWindow = minutes.filter(
          (m) => m.timeSec * 1000 >= t - query.ratePerMs && m.timeSec * 1000 < t,
        );
        const calls = inWindow.reduce((n, m) => n + m.requests, 0);
        let value: number | undefined;
        if (query.metric === 'calls') value = ratePerSec > 0 ? calls / ratePerSec : 0;
        else if (calls > 0 && query.metric === 'errors') {
          value = inWindow.reduce((n, m) => n + m.errors, 0) / calls;
        } else if (calls > 0) value = histogramQuantile(query.quantile, sumBuckets(inWindow));
        if (value !== undefined)
          points.push({ gaugeValue: { doubleValue: value }, timestamp: protoTimestamp(t) });
      }
      return { labels, metricPoints: points };
    });
  const name = query.groupByOperation
    ? NAMES[query.metric].replace('service', 'service_operation')
    : NAMES[query.metric];
  return { name, type: 'GAUGE', help: help(query), metrics };
}

function sumBuckets(rows: readonly SpmRow[]): number[] {
  const out = new Array<number>(LATENCY_BOUNDS_MS.length + 1).fill(0);
  for (const r of rows) r.bucketsLe.forEach((n, i) => (out[i] = (out[i] ?? 0) + n));
  return out;
}
