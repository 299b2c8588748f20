import type { OperationsResponse } from '@meshscope/query/api';
import { EmptyState } from '../../components/StateViews';
import { formatMs, formatPercent, formatRps } from '../../lib/format';
import { links } from '../../routing/links';
import { Link } from '../../routing/router';

export function OperationsTable({
  data,
  selected,
  onSelect,
  params,
}: {
  data: OperationsResponse;
  selected: string | null;
  onSelect: (operation: string) => void;
  params: URLSearchParams;
}) {
  if (data.operations.length === 0) return <EmptyState title="No operations in this window" />;
  return (
    <table className="data" aria-label="Operations">
      <thead>
        <tr>
          <th>Operation</th>
          <th>Kind</th>
          <th className="num">req/s</th>
          <th className="num">5xx</th>
          <th className="num">p50</th>
          <th className="num">p95</th>
          <th className="num">p99</th>
          <th />
        </tr>
      </thead>
      <tbody>
        {data.operations.map((op) => (
          <tr key={`${op.name}/${op.spanKind}`} aria-selected={selected === op.name}>
            <td>
              <button
                type="button"
                className="link-button"
                onClick={() => onSelect(op.name)}
                aria-label={`Attribute latency of ${op.name}`}
              >
                {op.name}
              </button>
            </td>
            <td className="muted">{op.spanKind.toLowerCase()}</td>
            <td className="num">{formatRps(op.requestsPerSec)}</td>
            <td className="num">{formatPercent(op.errorRate)}</td>
            <td className="num">{formatMs(op.latencyMs.p50)}</td>
            <td className="num">{formatMs(op.latencyMs.p95)}</td>
            <td className="num">{formatMs(op.latencyMs.p99)}</td>
            <td>
              <Link href={links.traceSearch(params, { service: data.service, operation: op.name })}>
                traces
              </Link>
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}
