import { useCallback, useMemo } from 'react';
import type { TopologyResponse } from '@meshscope/query/api';
import { EmptyState } from '../../components/StateViews';
import type { FiringIndex } from '../alerts/firing';
import type { Predicate } from '../../lib/expression-filter';
import type { TimeWindow } from '../../lib/time-range';
import { useSearchParams } from '../../routing/router';
import type { EdgeLabelMode } from './edge-label';
import { shapeTopology, structureKey } from './graph-model';
import type { Selection } from './GraphShapes';
import { layoutGraph } from './layout';
import { EdgePanel, NodePanel } from './SidePanels';
import { TopologyGraph } from './TopologyGraph';

export function TopologyView({
  graph,
  labelMode,
  showIdle,
  find,
  hide,
  window,
  firing,
}: {
  graph: TopologyResponse;
  labelMode: EdgeLabelMode;
  showIdle: boolean;
  find: Predicate | null;
  hide: Predicate | null;
  window: TimeWindow;
  firing: FiringIndex;
}) {
  const [params, update] = useSearchParams();
  const view = useMemo(() => shapeTopology(graph, { showIdle, find, hide }), [graph, showIdle, find, hide]);
  const structure = structureKey(view);
  // Layout depends on the structure only: an auto-refresh that changes numbers keeps every node in place.
  // eslint-disable-next-line react-hooks/exhaustive-deps -- `structure` is the identity of `view`'s shape
  const layout = useMemo(() => layoutGraph(view), [structure]);

  const nodeId = params.get('node');
  const edgeId = params.get('edge');
  const selected: Selection = nodeId
    ? { kind: 'node', id: nodeId }
    : edgeId
      ? { kind: 'edge', id: edgeId }
      : null;
  const onSelect = useCallback(
    (s: Selection) =>
      update(
        { node: s?.kind === 'node' ? s.id : null, edge: s?.kind === 'edge' ? s.id : null },
        { push: true },
      ),
    [update],
  );
  const close = (): void => onSelect(null);

  if (view.nodes.length === 0) {
    return (
      <EmptyState title={graph.nodes.length === 0 ? 'No traffic in this window' : 'Every node is hidden'}>
        {graph.nodes.length === 0
          ? 'Widen the time range or turn on idle nodes.'
          : 'Clear the hide expression or turn on idle nodes.'}
      </EmptyState>
    );
  }
  const node = nodeId ? graph.nodes.find((n) => n.id === nodeId) : undefined;
  const edge = edgeId ? graph.edges.find((e) => e.id === edgeId) : undefined;
  return (
    <div className="topology">
      <TopologyGraph
        view={view}
        layout={layout}
        structure={structure}
        labelMode={labelMode}
        selected={selected}
        onSelect={onSelect}
        firing={firing}
      />
      {node ? <NodePanel node={node} window={window} params={params} onClose={close} /> : null}
      {edge ? (
        <EdgePanel
          edge={edge}
          source={graph.nodes.find((n) => n.id === edge.source)}
          target={graph.nodes.find((n) => n.id === edge.target)}
          window={window}
          params={params}
          onClose={close}
        />
      ) : null}
    </div>
  );
}
