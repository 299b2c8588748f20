import { useMemo } from 'react';
import { graphTypeSchema } from '@meshscope/query/api';
import { QueryView } from '../components/StateViews';
import { EMPTY_FIRING } from '../features/alerts/firing';
import { parseEdgeLabelMode } from '../features/topology/edge-label';
import { TopologyToolbar } from '../features/topology/TopologyToolbar';
import { TopologyView } from '../features/topology/TopologyView';
import { useFiringAlertsQuery } from '../hooks/useAlertInstancesQuery';
import { useTimeWindow } from '../hooks/useTimeWindow';
import { MESH_REFRESH_DEFAULT } from '../lib/time-range';
import { useRetryWhileEmpty } from '../hooks/useRetryWhileEmpty';
import { useTopologyQuery } from '../hooks/useTopologyQuery';
import { parseFilter } from '../lib/expression-filter';
import { useSearchParams } from '../routing/router';

export function TopologyPage() {
  const time = useTimeWindow(MESH_REFRESH_DEFAULT);
  const [params] = useSearchParams();
  const graphType = graphTypeSchema.catch('service').parse(params.get('graph') ?? 'service');
  const idle = params.get('idle') === '1';
  const labelMode = parseEdgeLabelMode(params.get('labels'));
  const findText = params.get('find') ?? '';
  const hideText = params.get('hide') ?? '';
  const find = useMemo(() => parseFilter(findText), [findText]);
  const hide = useMemo(() => parseFilter(hideText), [hideText]);
  const query = useTopologyQuery(time.window, graphType, idle);
  useRetryWhileEmpty(
    query,
    query.data?.nodes.length === 0,
    time.range.kind === 'lookback' ? time.refreshNow : undefined,
  );
  const firing = useFiringAlertsQuery().data ?? EMPTY_FIRING;

  return (
    <div className="page-full">
      <TopologyToolbar
        time={time}
        graphType={graphType}
        labelMode={labelMode}
        idle={idle}
        find={find}
        hide={hide}
      />
      <QueryView query={query} loadingLabel="Loading topology…">
        {(graph) => (
          <TopologyView
            graph={graph}
            labelMode={labelMode}
            showIdle={idle}
            find={find?.ok ? find.predicate : null}
            hide={hide?.ok ? hide.predicate : null}
            window={time.window}
            firing={firing}
          />
        )}
      </QueryView>
    </div>
  );
}
