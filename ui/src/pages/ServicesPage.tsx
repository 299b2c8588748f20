import { EmptyState, QueryView } from '../components/StateViews';
import { TimeRangePicker } from '../components/TimeRangePicker';
import { EMPTY_FIRING } from '../features/alerts/firing';
import { ServicesTable } from '../features/services/ServicesTable';
import { parseSortKey, sortServices, type ServiceSortKey } from '../features/services/sort';
import { useFiringAlertsQuery } from '../hooks/useAlertInstancesQuery';
import { useRetryWhileEmpty } from '../hooks/useRetryWhileEmpty';
import { useServicesQuery } from '../hooks/useServicesQuery';
import { useTimeWindow } from '../hooks/useTimeWindow';
import { MESH_REFRESH_DEFAULT } from '../lib/time-range';
import { parseFilter } from '../lib/expression-filter';
import { serviceSubject } from '../lib/filter-subjects';
import { useSearchParams } from '../routing/router';

export function ServicesPage() {
  const time = useTimeWindow(MESH_REFRESH_DEFAULT);
  const [params, update] = useSearchParams();
  const query = useServicesQuery(time.window);
  useRetryWhileEmpty(
    query,
    query.data?.services.length === 0,
    time.range.kind === 'lookback' ? time.refreshNow : undefined,
  );
  const firing = useFiringAlertsQuery().data ?? EMPTY_FIRING;
  const filterText = params.get('filter') ?? '';
  const filter = parseFilter(filterText);
  const sortKey = parseSortKey(params.get('sort'));
  const descending = params.get('dir') !== 'asc' && !(params.get('dir') === null && sortKey === 'name');

  const onSort = (key: ServiceSortKey): void =>
    update({
      sort: key,
      dir:
        key === sortKey ? (descending ? 'asc' : 'desc') : key === 'name' || key === 'health' ? 'asc' : 'desc',
    });

  return (
    <div className="page-full">
      <div className="toolbar">
        <label>
          Filter
          <input
            type="search"
            aria-label="Filter services"
            placeholder="name, or error% > 5, rps > 10, p95 > 200"
            value={filterText}
            size={38}
            aria-invalid={filter?.ok === false}
            onChange={(e) => update({ filter: e.target.value })}
          />
        </label>
        {filter?.ok === false ? (
          <span className="field-error" role="alert">
            {filter.error}
          </span>
        ) : null}
        <span className="spacer" />
        <TimeRangePicker time={time} />
      </div>
      <div className="page">
        <QueryView query={query} loadingLabel="Loading services…">
          {(data) => {
            if (data.services.length === 0) {
              return (
                <EmptyState title="No services reported traffic in this window">
                  Widen the time range, or check that agents and SDKs send telemetry to the collector.
                </EmptyState>
              );
            }
            const predicate = filter?.ok ? filter.predicate : null;
            const shown = sortServices(
              predicate ? data.services.filter((s) => predicate(serviceSubject(s))) : data.services,
              sortKey,
              descending,
            );
            return shown.length === 0 ? (
              <EmptyState title="No service matches the filter" />
            ) : (
              <ServicesTable
                services={shown}
                sortKey={sortKey}
                descending={descending}
                onSort={onSort}
                window={time.window}
                params={params}
                firing={firing}
              />
            );
          }}
        </QueryView>
      </div>
    </div>
  );
}
