import type { ServiceSummary } from '@meshscope/query/api';
import { FiringBadge } from '../../components/FiringBadge';
import { HealthBadge } from '../../components/HealthBadge';
import type { FiringIndex } from '../alerts/firing';
import { formatMs, formatPercent, formatRps } from '../../lib/format';
import type { TimeWindow } from '../../lib/time-range';
import { links } from '../../routing/links';
import { Link } from '../../routing/router';
import { ServiceSparkline } from './ServiceSparklines';
import type { ServiceSortKey } from './sort';

const COLUMNS: { key: ServiceSortKey; label: string; numeric: boolean }[] = [
  { key: 'health', label: 'Health', numeric: false },
  { key: 'name', label: 'Service', numeric: false },
  { key: 'rps', label: 'req/s', numeric: true },
  { key: 'errors', label: 'Error %', numeric: true },
  { key: 'p50', label: 'p50', numeric: true },
  { key: 'p95', label: 'p95', numeric: true },
  { key: 'p99', label: 'p99', numeric: true },
];

/** Rows beyond this get no sparkline: each one is a request, and nobody reads 500 trends at once. */
const SPARKLINE_ROWS = 50;

export function ServicesTable({
  services,
  sortKey,
  descending,
  onSort,
  window,
  params,
  firing,
}: {
  services: ServiceSummary[];
  sortKey: ServiceSortKey;
  descending: boolean;
  onSort: (key: ServiceSortKey) => void;
  window: TimeWindow;
  params: URLSearchParams;
  /** firing alerts per service (badges) */
  firing: FiringIndex;
}) {
  return (
    <table className="data" aria-label="Services">
      <thead>
        <tr>
          {COLUMNS.map((c) => (
            <th
              key={c.key}
              className={c.numeric ? 'num' : undefined}
              aria-sort={sortKey === c.key ? (descending ? 'descending' : 'ascending') : 'none'}
            >
              <button type="button" onClick={() => onSort(c.key)} aria-label={`Sort by ${c.label}`}>
                {c.label}
                {sortKey === c.key ? (descending ? ' ▼' : ' ▲') : ''}
              </button>
            </th>
          ))}
          <th>Namespace</th>
          <th>Trend</th>
        </tr>
      </thead>
      <tbody>
        {services.map((s, i) => (
          <tr key={`${s.namespace}/${s.name}`}>
            <td>
              <HealthBadge health={s.health} />
            </td>
            <td>
              <Link href={links.service(s.name, params)}>{s.name}</Link>
              <FiringBadge
                count={firing.services.get(s.name) ?? 0}
                service={s.name}
                href={links.alerts(params, { service: s.name })}
              />
              {s.source === 'spans' ? (
                <span className="muted" title="Numbers from SDK spans (outside the mesh)">
                  {' '}
                  · spans
                </span>
              ) : null}
            </td>
            <td className="num">{formatRps(s.requestsPerSec)}</td>
            <td className="num">{formatPercent(s.errorRate)}</td>
            <td className="num">{formatMs(s.latencyMs.p50)}</td>
            <td className="num">{formatMs(s.latencyMs.p95)}</td>
            <td className="num">{formatMs(s.latencyMs.p99)}</td>
            <td className="muted">{s.namespace}</td>
            <td>{i < SPARKLINE_ROWS ? <ServiceSparkline service={s.name} window={window} /> : null}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}
