import type { Signal } from '@meshscope/query/api';
import { EmptyState, ErrorState, Loading } from '../../components/StateViews';
import { useAlertExemplarsQuery } from '../../hooks/useAlertExemplarsQuery';
import { formatDateTime } from '../../lib/format';
import { links } from '../../routing/links';
import { Link } from '../../routing/router';
import { formatSignalValue, type InstanceRow } from './instance-rows';
import { AlertStateBadge } from './AlertStateBadge';

/**
 * Instances of one rule (or the firing ones of every rule): state, value against threshold, since when;
 * a firing one opens example traces of its failing requests, and any one can be silenced.
 */
export function InstancesTable({
  label,
  rows,
  signalType,
  openFingerprint,
  onToggleExemplars,
  onSilence,
  showRule = false,
}: {
  label: string;
  rows: (InstanceRow & { rule?: string })[];
  /** the signal of every row (one rule); null: rows of several rules, values shown raw */
  signalType: Signal['type'] | ((row: InstanceRow & { rule?: string }) => Signal['type'] | null) | null;
  openFingerprint: string | null;
  onToggleExemplars: (fingerprint: string | null) => void;
  onSilence: (row: InstanceRow) => void;
  showRule?: boolean;
}) {
  const typeOf = (row: InstanceRow & { rule?: string }): Signal['type'] | null =>
    typeof signalType === 'function' ? signalType(row) : signalType;
  const format = (row: InstanceRow, value: number | null): string => {
    const type = typeOf(row);
    return type ? formatSignalValue(type, value) : value === null ? 'no data' : String(value);
  };
  return (
    <table className="data" aria-label={label}>
      <thead>
        <tr>
          {showRule ? <th>Rule</th> : null}
          <th>Subject</th>
          <th>State</th>
          <th className="num">Value</th>
          <th className="num">Threshold</th>
          <th>Since</th>
          <th>
            <span className="visually-hidden">Actions</span>
          </th>
        </tr>
      </thead>
      <tbody>
        {rows.map((row) => {
          const open = row.fingerprint !== null && row.fingerprint === openFingerprint;
          return [
            <tr key={row.key} data-state={row.state} aria-label={`${row.subject}, ${row.state}`}>
              {showRule ? <td>{row.rule}</td> : null}
              <td>{row.subject}</td>
              <td>
                <AlertStateBadge state={row.state} />
                {row.silenced ? <span className="silenced-tag">silenced</span> : null}
              </td>
              <td className="num">{format(row, row.value)}</td>
              <td className="num">{row.threshold === null ? '–' : format(row, row.threshold)}</td>
              <td className="muted">{row.sinceMs === null ? '' : formatDateTime(row.sinceMs)}</td>
              <td className="row-actions">
                {row.state === 'firing' && row.fingerprint !== null ? (
                  <button
                    type="button"
                    aria-expanded={open}
                    aria-label={`Example traces of ${row.subject}`}
                    onClick={() => onToggleExemplars(open ? null : row.fingerprint)}
                  >
                    Example traces
                  </button>
                ) : null}
                {row.state !== 'inactive' ? (
                  <button type="button" aria-label={`Silence ${row.subject}`} onClick={() => onSilence(row)}>
                    Silence…
                  </button>
                ) : null}
              </td>
            </tr>,
            open && row.fingerprint ? (
              <tr key={`${row.key}:exemplars`} className="exemplars-row">
                <td colSpan={showRule ? 7 : 6}>
                  <Exemplars fingerprint={row.fingerprint} subject={row.subject} />
                </td>
              </tr>
            ) : null,
          ];
        })}
      </tbody>
    </table>
  );
}

function Exemplars({ fingerprint, subject }: { fingerprint: string; subject: string }) {
  const query = useAlertExemplarsQuery(fingerprint);
  if (query.error) return <ErrorState error={query.error} onRetry={() => void query.refetch()} />;
  if (!query.data) return <Loading label="Finding failing requests…" />;
  if (query.data.traceIds.length === 0)
    return (
      <EmptyState title="No failing trace found in the alert's window">Traces may be sampled out.</EmptyState>
    );
  return (
    <div className="exemplars">
      <span className="muted">
        Failing requests of {subject}, {formatDateTime(query.data.window.startSec * 1000)} –{' '}
        {formatDateTime(query.data.window.endSec * 1000)}:
      </span>
      <ul aria-label={`Example traces of ${subject}`}>
        {query.data.traceIds.map((id) => (
          <li key={id}>
            <Link href={links.trace(id)} className="mono">
              {id}
            </Link>
          </li>
        ))}
      </ul>
    </div>
  );
}
