import { ApiFailure } from '../api/errors';
import { ErrorState, Loading } from '../components/StateViews';
import { TraceView } from '../features/trace-view/TraceView';
import { useCriticalPathQuery } from '../hooks/useCriticalPathQuery';
import { useTraceQuery } from '../hooks/useTraceQuery';
import { Link, useSearchParams } from '../routing/router';

export function TracePage({ traceID }: { traceID: string }) {
  const query = useTraceQuery(traceID);
  const [params] = useSearchParams();
  // Ask for the critical path alongside the trace rather than after it: the two answers arrive together.
  useCriticalPathQuery(traceID, params.get('cp') !== 'off');
  if (query.data) return <TraceView key={traceID} trace={query.data} />;
  if (query.error instanceof ApiFailure && (query.error.notFound || query.error.status === 400)) {
    return (
      <div className="state state-error" role="alert">
        <strong>{query.error.notFound ? 'Trace not found' : 'Not a valid trace ID'}</strong>
        <div className="state-hint">
          {query.error.notFound
            ? `No trace with ID ${traceID} is stored. Check the ID; older traces may have passed the retention period.`
            : `${traceID}: ${query.error.message}`}
        </div>
        <Link href="/traces">Search traces</Link>
      </div>
    );
  }
  if (query.error) return <ErrorState error={query.error} onRetry={() => void query.refetch()} />;
  return <Loading label="Loading trace…" />;
}
