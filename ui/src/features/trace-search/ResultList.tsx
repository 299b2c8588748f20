import type { TraceSummary } from '@meshscope/query/api';
import { countOf, formatDateTime, formatDurationUs } from '../../lib/format';
import { links } from '../../routing/links';
import { Link, useSearchParams } from '../../routing/router';
import { RESULT_SORTS, parseResultSort, sortResults, type ResultSort } from './search-params';

export function ResultList({ traces }: { traces: TraceSummary[] }) {
  const [params, update] = useSearchParams();
  const sort = parseResultSort(params.get('sort'));
  const sorted = sortResults(traces, sort);
  const longest = Math.max(1, ...traces.map((t) => t.durationUs));
  return (
    <div className="card">
      <div className="page-title">
        <h2 style={{ margin: 0 }}>
          {traces.length} trace{traces.length === 1 ? '' : 's'}
        </h2>
        <span style={{ flex: 1 }} />
        <label>
          Sort{' '}
          <select aria-label="Sort results" value={sort} onChange={(e) => update({ sort: e.target.value })}>
            {(Object.keys(RESULT_SORTS) as ResultSort[]).map((key) => (
              <option key={key} value={key}>
                {RESULT_SORTS[key].label}
              </option>
            ))}
          </select>
        </label>
      </div>
      <ol className="results" aria-label="Search results">
        {sorted.map((t) => (
          <li key={t.traceID} className="result">
            <div className="result-head">
              <Link href={links.trace(t.traceID)} className="result-title">
                {t.rootService}: {t.rootOperation}
              </Link>
              <span className="muted"> {t.traceID.slice(0, 12)}</span>
              <span style={{ flex: 1 }} />
              <strong>{formatDurationUs(t.durationUs)}</strong>
            </div>
            <div className="result-bar" style={{ width: `${(t.durationUs / longest) * 100}%` }} />
            <div className="result-meta">
              <span>{countOf(t.spanCount, 'span')}</span>
              {t.errorCount > 0 ? (
                <span className="status-error">{countOf(t.errorCount, 'error')}</span>
              ) : (
                <span className="muted">no errors</span>
              )}
              {t.services.map((s) => (
                <span key={s.name} className="chip">
                  {s.name} ({s.spanCount})
                </span>
              ))}
              <span style={{ flex: 1 }} />
              <span className="muted">{formatDateTime(t.startUs / 1000)}</span>
            </div>
          </li>
        ))}
      </ol>
    </div>
  );
}
