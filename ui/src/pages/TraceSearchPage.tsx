import { TraceScatterChart } from '../components/charts/TraceScatterChart';
import { EmptyState, QueryView } from '../components/StateViews';
import { ResultList } from '../features/trace-search/ResultList';
import { SearchForm } from '../features/trace-search/SearchForm';
import { fieldsFromUrl, hasSearch } from '../features/trace-search/search-params';
import { useTimeWindow } from '../hooks/useTimeWindow';
import { useTraceSummariesQuery } from '../hooks/useTraceSummariesQuery';
import { links } from '../routing/links';
import { navigate, useSearchParams } from '../routing/router';

export function TraceSearchPage() {
  const time = useTimeWindow();
  const [params] = useSearchParams();
  const fields = fieldsFromUrl(params);
  const search = hasSearch(params)
    ? {
        service: fields.service || undefined,
        operation: fields.operation || undefined,
        tags: fields.tags || undefined,
        minDuration: fields.minDuration || undefined,
        maxDuration: fields.maxDuration || undefined,
        limit: fields.limit,
        startSec: time.window.startSec,
        endSec: time.window.endSec,
      }
    : null;
  const query = useTraceSummariesQuery(search);

  return (
    <div className="page search-page">
      {/* keyed by the URL's fields so a "traces through here" link refills the form */}
      <SearchForm key={JSON.stringify(fields)} time={time} />
      <div className="search-results">
        {search === null ? (
          <EmptyState title="Search for traces">
            Pick a service (or none for all), then Find traces.
          </EmptyState>
        ) : (
          <QueryView query={query} loadingLabel="Searching traces…">
            {(data) =>
              data.traces.length === 0 ? (
                <EmptyState title="No traces match">
                  Widen the lookback, or loosen the duration and tag filters.
                </EmptyState>
              ) : (
                <>
                  <TraceScatterChart
                    points={data.traces.map((t) => ({
                      traceID: t.traceID,
                      timeMs: t.startUs / 1000,
                      durationUs: t.durationUs,
                      spanCount: t.spanCount,
                      hasErrors: t.errorCount > 0,
                      label: `${t.rootService}: ${t.rootOperation}`,
                    }))}
                    onOpen={(id) => navigate(links.trace(id))}
                  />
                  <ResultList traces={data.traces} />
                </>
              )
            }
          </QueryView>
        )}
      </div>
    </div>
  );
}
