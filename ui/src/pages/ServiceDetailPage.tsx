import { GoldenSignalCharts } from '../components/charts/GoldenSignalCharts';
import { QueryView } from '../components/StateViews';
import { TimeRangePicker } from '../components/TimeRangePicker';
import { EdgeTable } from '../features/service-detail/EdgeTables';
import { LatencyAttribution } from '../features/service-detail/LatencyAttribution';
import { OperationsTable } from '../features/service-detail/OperationsTable';
import { useServiceEdgesQuery } from '../hooks/useServiceEdgesQuery';
import { useServiceOperationsQuery } from '../hooks/useServiceOperationsQuery';
import { useServiceSeriesQuery } from '../hooks/useServiceSeriesQuery';
import { useTimeWindow } from '../hooks/useTimeWindow';
import { MESH_REFRESH_DEFAULT } from '../lib/time-range';
import { links } from '../routing/links';
import { Link, useSearchParams } from '../routing/router';

export function ServiceDetailPage({ service }: { service: string }) {
  const time = useTimeWindow(MESH_REFRESH_DEFAULT);
  const [params, update] = useSearchParams();
  const series = useServiceSeriesQuery(service, time.window);
  const edges = useServiceEdgesQuery(service, time.window);
  const operations = useServiceOperationsQuery(service, time.window);
  // The operation to explain: chosen in the URL, else the busiest server-side one.
  const busiest = operations.data?.operations
    .filter((o) => o.spanKind.toLowerCase() !== 'client')
    .toSorted((a, b) => b.requestsPerSec - a.requestsPerSec)[0]?.name;
  const operation = params.get('op') ?? busiest ?? null;

  return (
    <div className="page-full">
      <div className="toolbar">
        <Link href={links.services(params)}>Services</Link> /
        <h1 style={{ fontSize: 18, margin: 0 }}>{service}</h1>
        <Link href={links.traceSearch(params, { service })}>Search its traces</Link>
        <span className="spacer" />
        <TimeRangePicker time={time} />
      </div>
      <div className="page">
        <section aria-label="Golden signals">
          <GoldenSignalCharts
            points={series.data?.points}
            loading={series.isPending}
            error={series.error}
            showSaturation
          />
        </section>
        <div className="two-columns">
          <QueryView query={edges} loadingLabel="Loading edges…">
            {(data) => (
              <>
                <EdgeTable title="Inbound (callers)" rows={data.inbound} params={params} />
                <EdgeTable title="Outbound (callees)" rows={data.outbound} params={params} />
              </>
            )}
          </QueryView>
        </div>
        <section className="card" aria-label="Operations">
          <h2>Operations</h2>
          <QueryView query={operations} loadingLabel="Loading operations…">
            {(data) => (
              <OperationsTable
                data={data}
                selected={operation}
                onSelect={(op) => update({ op })}
                params={params}
              />
            )}
          </QueryView>
        </section>
        <section className="card" aria-label="Latency attribution">
          <h2>Latency attribution{operation ? `: ${operation}` : ''}</h2>
          {operation ? (
            <LatencyAttribution service={service} operation={operation} window={time.window} />
          ) : (
            <div className="muted">
              Pick an operation above to see which services own its slow critical paths.
            </div>
          )}
        </section>
      </div>
    </div>
  );
}
