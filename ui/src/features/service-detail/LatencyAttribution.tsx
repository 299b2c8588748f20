import { ShareBarChart } from '../../components/charts/ShareBarChart';
import { EmptyState, QueryView } from '../../components/StateViews';
import { useAttributionQuery } from '../../hooks/useAttributionQuery';
import { formatDurationUs, formatPercent } from '../../lib/format';
import type { TimeWindow } from '../../lib/time-range';
import { sharesByService } from './attribution-model';

const TOP_OPERATIONS = 10;

export function LatencyAttribution({
  service,
  operation,
  window,
}: {
  service: string;
  operation: string;
  window: TimeWindow;
}) {
  const query = useAttributionQuery(service, operation, window);
  return (
    <QueryView query={query} loadingLabel="Computing critical paths of slow and baseline traces…">
      {(data) => {
        if (data.slow.traceCount === 0) {
          return (
            <EmptyState title={`No traces of ${operation} in this window`}>
              Attribution needs stored traces of the operation.
            </EmptyState>
          );
        }
        const shares = sharesByService(data).slice(0, 12);
        return (
          <div style={{ display: 'flex', flexDirection: 'column', gap: 8 }}>
            <div className="muted">
              {data.slow.traceCount} slowest traces (p99 {formatDurationUs(data.slow.durationP99Us)}) against{' '}
              {data.baseline.traceCount} baseline traces (p50 {formatDurationUs(data.baseline.durationP50Us)}
              ): share of critical-path time per service.
            </div>
            <ShareBarChart
              title="Critical-path share by service"
              bars={shares.map((s) => ({
                label: s.service,
                slow: s.slowShare * 100,
                baseline: s.baselineShare * 100,
              }))}
              series={[
                { key: 'slow', label: 'slow traces', colour: '#c9190b' },
                { key: 'baseline', label: 'baseline', colour: '#8a8d90' },
              ]}
              formatValue={(v) => formatPercent(v / 100)}
            />
            <table className="data" aria-label="Attribution by operation">
              <thead>
                <tr>
                  <th>Service</th>
                  <th>Operation</th>
                  <th className="num">Slow mean</th>
                  <th className="num">Baseline mean</th>
                  <th className="num">Added</th>
                  <th className="num">Slow share</th>
                </tr>
              </thead>
              <tbody>
                {data.operations.slice(0, TOP_OPERATIONS).map((op) => (
                  <tr key={`${op.service}/${op.operation}`}>
                    <td>{op.service}</td>
                    <td>{op.operation}</td>
                    <td className="num">{formatDurationUs(op.slow.meanUs)}</td>
                    <td className="num">{formatDurationUs(op.baseline.meanUs)}</td>
                    <td className="num">
                      {op.delta.meanUs >= 0 ? '+' : '−'}
                      {formatDurationUs(Math.abs(op.delta.meanUs))}
                    </td>
                    <td className="num">{formatPercent(op.slow.share)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        );
      }}
    </QueryView>
  );
}
