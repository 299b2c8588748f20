import type { Signals } from '@meshscope/query/api';
import { formatMs, formatPercent, formatRps } from '../../lib/format';

export function SignalStats({ signals }: { signals: Signals }) {
  const stats = [
    ['req/s', formatRps(signals.requestsPerSec)],
    ['5xx', formatPercent(signals.errorRate)],
    ['p95', formatMs(signals.latencyMs.p95)],
    ['p99', formatMs(signals.latencyMs.p99)],
  ];
  return (
    <div className="stat-row">
      {stats.map(([label, value]) => (
        <div className="stat" key={label}>
          <div className="label">{label}</div>
          <div className="value">{value}</div>
        </div>
      ))}
    </div>
  );
}
