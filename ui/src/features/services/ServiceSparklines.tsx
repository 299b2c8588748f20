import { Sparkline } from '../../components/charts/Sparkline';
import { useServiceSeriesQuery } from '../../hooks/useServiceSeriesQuery';
import type { TimeWindow } from '../../lib/time-range';

/** Request-rate trend of one service, fetched per row (visible rows only). */
export function ServiceSparkline({ service, window }: { service: string; window: TimeWindow }) {
  const query = useServiceSeriesQuery(service, window);
  const values = query.data?.points.map((p) => p.requestsPerSec) ?? [];
  return <Sparkline values={values} label={`${service} request rate trend`} />;
}
