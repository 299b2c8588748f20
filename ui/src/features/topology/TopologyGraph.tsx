import { memo, useRef } from 'react';
import { HEALTH_COLOUR, HEALTH_LABEL } from '../../lib/health';
import type { FiringIndex } from '../alerts/firing';
import type { EdgeLabelMode } from './edge-label';
import { nodeLabel, type TopologyView } from './graph-model';
import { ArrowMarkers, EdgeShape, NodeShape, selfLoop, type Selection } from './GraphShapes';
import type { GraphLayout } from './layout';
import { usePanZoom } from './pan-zoom';

interface LayerProps {
  view: TopologyView;
  layout: GraphLayout;
  labelMode: EdgeLabelMode;
  selected: Selection;
  onSelect: (selection: Selection) => void;
  /** firing alerts per service (a badge on the node) */
  firing: FiringIndex;
}

/** Everything inside the pan/zoom layer; memoised so panning (a DOM attribute write) never re-renders it. */
const GraphLayers = memo(function GraphLayers({
  view,
  layout,
  labelMode,
  selected,
  onSelect,
  firing,
}: LayerProps) {
  const names = new Map(view.nodes.map((n) => [n.id, nodeLabel(n) + (n.version ? ` ${n.version}` : '')]));
  const found = view.found;
  return (
    <>
      <g className="groups">
        {view.groups.map((group) => {
          const box = layout.groups.get(group.id);
          return box ? (
            <g key={group.id} aria-label={`Service group ${group.label}`}>
              <rect
                x={box.x}
                y={box.y}
                width={box.width}
                height={box.height}
                rx={6}
                fill="#eef3f8"
                stroke="#b8c7d9"
              />
              <text x={box.x + 6} y={box.y + 13} fontSize={11} fontWeight={600} fill="#3c3f42">
                {group.label}
              </text>
            </g>
          ) : null;
        })}
      </g>
      <g className="edges">
        {view.edges.map((edge) => {
          const at = layout.nodes.get(edge.source);
          const points =
            edge.source === edge.target ? (at ? selfLoop(at) : undefined) : layout.edges.get(edge.id);
          if (!points) return null;
          return (
            <EdgeShape
              key={edge.id}
              edge={edge}
              points={points}
              name={`${names.get(edge.source) ?? edge.source} → ${names.get(edge.target) ?? edge.target}`}
              labelMode={labelMode}
              dimmed={found !== null && !found.edges.has(edge.id)}
              selected={selected?.kind === 'edge' && selected.id === edge.id}
              onSelect={onSelect}
            />
          );
        })}
      </g>
      <g className="nodes">
        {view.nodes.map((node) => {
          const at = layout.nodes.get(node.id);
          return at ? (
            <NodeShape
              key={node.id}
              node={node}
              at={at}
              dimmed={found !== null && !found.nodes.has(node.id)}
              selected={selected?.kind === 'node' && selected.id === node.id}
              onSelect={onSelect}
              firing={node.kind === 'user' ? 0 : (firing.services.get(node.service) ?? 0)}
            />
          ) : null;
        })}
      </g>
    </>
  );
});

export function TopologyGraph(props: LayerProps & { structure: string }) {
  const svgRef = useRef<SVGSVGElement>(null);
  const layerRef = useRef<SVGGElement>(null);
  const { fit, zoomBy } = usePanZoom(svgRef, layerRef, {
    width: props.layout.width,
    height: props.layout.height,
    key: props.structure,
  });
  return (
    <div className="graph-area">
      <svg ref={svgRef} role="group" aria-label="Service topology">
        <ArrowMarkers />
        <g ref={layerRef}>
          <GraphLayers {...props} />
        </g>
      </svg>
      <div className="graph-legend" aria-label="Legend">
        {(['Healthy', 'Degraded', 'Failure', 'NA'] as const).map((h) => (
          <span key={h} className="health-badge">
            <span className="health-dot" style={{ background: HEALTH_COLOUR[h] }} />
            {HEALTH_LABEL[h]}
          </span>
        ))}
        <span>- - from spans</span>
        <button type="button" onClick={() => zoomBy(1.25)} aria-label="Zoom in">
          +
        </button>
        <button type="button" onClick={() => zoomBy(0.8)} aria-label="Zoom out">
          −
        </button>
        <button type="button" onClick={fit} aria-label="Fit graph to view">
          Fit
        </button>
      </div>
      <div className="graph-stats">
        {props.view.nodes.length} nodes · {props.view.edges.length} edges
        {props.view.found ? ` · ${props.view.found.nodes.size} found` : ''}
      </div>
    </div>
  );
}
