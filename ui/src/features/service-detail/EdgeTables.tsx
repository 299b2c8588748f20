import type { ServiceEdgesResponse } from '@meshscope/query/api';
import { HealthBadge } from '../../components/HealthBadge';
import { EmptyState } from '../../components/StateViews';
import { formatMs, formatPercent, formatRps } from '../../lib/format';
import { links } from '../../routing/links';
import { Link } from '../../routing/router';

type EdgeRow = ServiceEdgesResponse['inbound'][number];

export function EdgeTable({
  title,
  rows,
  params,
}: {
  title: string;
  rows: EdgeRow[];
  params: URLSearchParams;
}) {
  return (
    <section className="card" aria-label={title}>
      <h2>{title}</h2>
      {rows.length === 0 ? (
        <EmptyState title="None in this window" />
      ) : (
        <table className="data">
          <thead>
            <tr>
              <th>Health</th>
              <th>Service</th>
              <th className="num">req/s</th>
              <th className="num">5xx</th>
              <th className="num">p95</th>
              <th className="num">mTLS</th>
            </tr>
          </thead>
          <tbody>
            {rows.map((r) => (
              <tr key={`${r.namespace}/${r.service}/${r.protocol}`}>
                <td>
                  <HealthBadge health={r.health} />
                </td>
                <td>
                  <Link href={links.service(r.service, params)}>{r.service}</Link>
                </td>
                <td className="num">{formatRps(r.requestsPerSec)}</td>
                <td className="num">{formatPercent(r.errorRate)}</td>
                <td className="num">{formatMs(r.latencyMs.p95)}</td>
                <td className="num">{r.mtlsShare === null ? '–' : formatPercent(r.mtlsShare)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}
