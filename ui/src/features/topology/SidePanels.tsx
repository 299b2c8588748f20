import type { GraphEdge, GraphNode } from '@meshscope/query/api';
import { GoldenSignalCharts } from '../../components/charts/GoldenSignalCharts';
import { HealthBadge } from '../../components/HealthBadge';
import { useEdgeSeriesQuery } from '../../hooks/useEdgeSeriesQuery';
import { useServiceSeriesQuery } from '../../hooks/useServiceSeriesQuery';
import { formatPercent } from '../../lib/format';
import type { TimeWindow } from '../../lib/time-range';
import { links } from '../../routing/links';
import { Link } from '../../routing/router';
import { nodeLabel } from './graph-model';
import { SignalStats } from './SignalStats';
import { edgeTraceSearch, nodeTraceSearch } from './trace-links';

function PanelHeader({ title, onClose }: { title: string; onClose: () => void }) {
  return (
    <div className="page-title">
      <h2>{title}</h2>
      <span className="spacer" style={{ flex: 1 }} />
      <button type="button" onClick={onClose} aria-label="Close panel">
        ✕
      </button>
    </div>
  );
}

export function NodePanel({
  node,
  window,
  params,
  onClose,
}: {
  node: GraphNode;
  window: TimeWindow;
  params: URLSearchParams;
  onClose: () => void;
}) {
  const isService = node.kind === 'service';
  const series = useServiceSeriesQuery(isService ? node.service : null, window);
  return (
    <aside className="side-panel" aria-label={`Details of ${nodeLabel(node)}`}>
      <PanelHeader title={`${nodeLabel(node)}${node.version ? ` ${node.version}` : ''}`} onClose={onClose} />
      <div>
        <HealthBadge health={node.health} />{' '}
        <span className="muted">
          · {node.namespace || 'no namespace'} · {node.inMesh ? 'in the mesh' : 'outside the mesh (spans)'}
        </span>
      </div>
      <SignalStats signals={node.signals} />
      {isService ? (
        <>
          <div className="muted">
            Charts show the whole service{node.version ? ' (all versions)' : ''}, inbound.
          </div>
          <GoldenSignalCharts
            points={series.data?.points}
            loading={series.isPending}
            error={series.error}
            showSaturation
            height={130}
          />
          <div style={{ display: 'flex', gap: 12 }}>
            <Link href={links.service(node.service, params)}>Service details</Link>
            <Link href={links.traceSearch(params, nodeTraceSearch(node))}>Traces through here</Link>
          </div>
        </>
      ) : (
        <div className="muted">
          No time series for {node.kind} nodes: they are seen only through their callers.
        </div>
      )}
    </aside>
  );
}

export function EdgePanel({
  edge,
  source,
  target,
  window,
  params,
  onClose,
}: {
  edge: GraphEdge;
  source: GraphNode | undefined;
  target: GraphNode | undefined;
  window: TimeWindow;
  params: URLSearchParams;
  onClose: () => void;
}) {
  const sourceName = source?.service ?? edge.source;
  const targetName = target?.service ?? edge.target;
  const series = useEdgeSeriesQuery({ source: sourceName, target: targetName }, window);
  return (
    <aside className="side-panel" aria-label={`Details of edge ${sourceName} → ${targetName}`}>
      <PanelHeader title={`${sourceName} → ${targetName}`} onClose={onClose} />
      <div>
        <HealthBadge health={edge.health} />{' '}
        <span className="muted">
          · {edge.protocol} · {edge.via === 'mesh' ? 'from agents' : 'from spans'}
        </span>
      </div>
      <SignalStats signals={edge.signals} />
      <div className="muted">
        {formatPercent(edge.trafficShare)} of {sourceName}&apos;s outbound requests ·{' '}
        {edge.mtlsShare === null ? 'mTLS unknown' : `mTLS ${formatPercent(edge.mtlsShare)}`}
        {edge.destinationPrincipals.length > 0 ? ` · ${edge.destinationPrincipals.join(', ')}` : ''}
      </div>
      {source?.version || target?.version ? (
        <div className="muted">Charts show the edge between the services, all versions.</div>
      ) : null}
      <GoldenSignalCharts
        points={series.data?.points}
        loading={series.isPending}
        error={series.error}
        showSaturation={false}
        height={130}
      />
      <Link href={links.traceSearch(params, edgeTraceSearch(edge, source, target))}>Traces through here</Link>
    </aside>
  );
}
