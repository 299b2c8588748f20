import type { SeriesPoint } from '@meshscope/query/api';
import { formatMs, formatPercent, formatRps } from '../../lib/format';
import { TimeSeriesChart } from './TimeSeriesChart';
import { ERROR_SERIES, LATENCY_SERIES, RATE_SERIES, SATURATION_SERIES, toTimePoints } from './signal-series';

/** Traffic, errors, latency quantiles and (when agents report it) saturation, for a service or an edge. */
export function GoldenSignalCharts({
  points,
  loading,
  error,
  showSaturation,
  height,
}: {
  points: readonly SeriesPoint[] | undefined;
  loading: boolean;
  error: Error | null;
  showSaturation: boolean;
  height?: number;
}) {
  const rows = points ? toTimePoints(points) : undefined;
  const common = { points: rows, loading, error, height };
  return (
    <div className="chart-grid">
      <TimeSeriesChart title="Request rate" series={RATE_SERIES} formatValue={formatRps} {...common} />
      <TimeSeriesChart
        title="Error rate (5xx)"
        series={ERROR_SERIES}
        formatValue={(v) => formatPercent(v / 100)}
        {...common}
      />
      <TimeSeriesChart
        title="Latency p50 / p95 / p99"
        series={LATENCY_SERIES}
        formatValue={formatMs}
        {...common}
      />
      {showSaturation ? (
        <TimeSeriesChart
          title="Saturation (requests in flight)"
          series={SATURATION_SERIES}
          formatValue={(v) => v.toFixed(0)}
          {...common}
        />
      ) : null}
    </div>
  );
}
