import { memo, type KeyboardEvent } from 'react';
import type { GraphEdge, GraphNode, HealthStatus } from '@meshscope/query/api';
import { HEALTH_COLOUR, HEALTH_LABEL } from '../../lib/health';
import { formatPercent } from '../../lib/format';
import { firingLabel } from '../alerts/firing';
import { edgeLabel, type EdgeLabelMode } from './edge-label';
import { nodeLabel } from './graph-model';
import { NODE_RADIUS, type Point } from './layout';

export type Selection = { kind: 'node' | 'edge'; id: string } | null;

const activate = (select: () => void) => (e: KeyboardEvent) => {
  if (e.key === 'Enter' || e.key === ' ') {
    e.preventDefault();
    select();
  }
};

export function ArrowMarkers() {
  return (
    <defs>
      {(Object.keys(HEALTH_COLOUR) as HealthStatus[]).map((h) => (
        <marker
          key={h}
          id={`arrow-${h}`}
          viewBox="0 0 10 10"
          refX="9"
          refY="5"
          markerUnits="userSpaceOnUse"
          markerWidth="10"
          markerHeight="10"
          orient="auto-start-reverse"
        >
          <path d="M 0 0 L 10 5 L 0 10 z" fill={HEALTH_COLOUR[h]} />
        </marker>
      ))}
    </defs>
  );
}

function pathOf(points: readonly Point[]): string {
  return points.map((p, i) => `${i === 0 ? 'M' : 'L'}${p.x.toFixed(1)},${p.y.toFixed(1)}`).join(' ');
}

/** The point halfway along a polyline, where labels and the lock sit. */
function midpoint(points: readonly Point[]): Point {
  const lengths = points
    .slice(1)
    .map((p, i) => Math.hypot(p.x - (points[i]?.x ?? 0), p.y - (points[i]?.y ?? 0)));
  let remaining = lengths.reduce((a, b) => a + b, 0) / 2;
  for (let i = 0; i < lengths.length; i++) {
    const length = lengths[i] ?? 0;
    const a = points[i];
    const b = points[i + 1];
    if (a && b && remaining <= length) {
      const t = length === 0 ? 0 : remaining / length;
      return { x: a.x + (b.x - a.x) * t, y: a.y + (b.y - a.y) * t };
    }
    remaining -= length;
  }
  return points[0] ?? { x: 0, y: 0 };
}

/** A padlock drawn in SVG (no emoji font needed), marking edges carried over mutual TLS. */
function Lock({ at, share }: { at: Point; share: number }) {
  return (
    <g className="mtls-lock" transform={`translate(${at.x - 5},${at.y + 4})`} aria-hidden="true">
      <title>{`mTLS ${formatPercent(share)}`}</title>
      <path d="M2 5 V3.5 a3 3 0 0 1 6 0 V5" fill="none" stroke="#151515" strokeWidth="1.3" />
      <rect x="0.5" y="5" width="9" height="7" rx="1" fill={share >= 1 ? '#151515' : '#8a8d90'} />
    </g>
  );
}

/** A loop above the node, for a service calling itself. */
export function selfLoop(at: Point): Point[] {
  const r = NODE_RADIUS;
  return [
    { x: at.x - r * 0.6, y: at.y - r },
    { x: at.x - r * 1.6, y: at.y - r * 3 },
    { x: at.x + r * 1.6, y: at.y - r * 3 },
    { x: at.x + r * 0.6, y: at.y - r },
  ];
}

export const EdgeShape = memo(function EdgeShape({
  edge,
  points,
  name,
  labelMode,
  dimmed,
  selected,
  onSelect,
}: {
  edge: GraphEdge;
  points: readonly Point[];
  name: string;
  labelMode: EdgeLabelMode;
  dimmed: boolean;
  selected: boolean;
  onSelect: (selection: Selection) => void;
}) {
  const colour = HEALTH_COLOUR[edge.health];
  const d = pathOf(points);
  const mid = midpoint(points);
  const label = edgeLabel(edge, labelMode);
  const width = 1.2 + Math.min(3, Math.log10(1 + edge.signals.requestsPerSec));
  const select = (): void => onSelect({ kind: 'edge', id: edge.id });
  return (
    <g
      className={`edge${dimmed ? ' dimmed' : ''}`}
      role="button"
      tabIndex={0}
      aria-label={`Edge ${name}, ${HEALTH_LABEL[edge.health]}`}
      aria-pressed={selected}
      data-health={edge.health}
      data-mtls={edge.mtlsShare !== null && edge.mtlsShare > 0 ? 'true' : 'false'}
      onClick={select}
      onKeyDown={activate(select)}
    >
      <path d={d} fill="none" stroke="transparent" strokeWidth={12} />
      <path
        d={d}
        fill="none"
        stroke={selected ? '#0066cc' : colour}
        strokeWidth={selected ? width + 1.5 : width}
        markerEnd={`url(#arrow-${edge.health})`}
        strokeDasharray={edge.via === 'spans' ? '5 3' : undefined}
      />
      {label ? (
        <text className="edge-label" x={mid.x} y={mid.y - 4} textAnchor="middle" fill="#3c3f42">
          {label}
        </text>
      ) : null}
      {edge.mtlsShare !== null && edge.mtlsShare > 0 ? <Lock at={mid} share={edge.mtlsShare} /> : null}
    </g>
  );
});

function NodeGlyph({ node, colour }: { node: GraphNode; colour: string }) {
  const r = NODE_RADIUS;
  const common = { fill: node.idle ? '#f0f0f0' : '#ffffff', stroke: colour, strokeWidth: 3 };
  switch (node.kind) {
    case 'user':
      return <polygon points={`0,${-r} ${r},${r * 0.8} ${-r},${r * 0.8}`} {...common} />;
    case 'database':
      return <rect x={-r} y={-r * 0.8} width={r * 2} height={r * 1.6} rx={4} {...common} />;
    case 'messaging':
      return <rect x={-r} y={-r} width={r * 2} height={r * 2} transform="rotate(45)" {...common} />;
    default:
      return (
        <circle
          r={r}
          strokeDasharray={node.kind === 'virtual' || !node.inMesh ? '4 2' : undefined}
          {...common}
        />
      );
  }
}

/** A red disc with the count at the node's top right: alerts are firing about this service. */
function FiringMark({ count }: { count: number }) {
  const r = NODE_RADIUS;
  return (
    <g className="firing-mark" transform={`translate(${r * 0.8},${-r * 0.8})`} aria-hidden="true">
      <title>{firingLabel(count)}</title>
      <circle r={8} fill="#c9190b" stroke="#ffffff" strokeWidth={1.5} />
      <text y={3.5} textAnchor="middle" fontSize={10} fontWeight={700} fill="#ffffff">
        {count > 9 ? '9+' : count}
      </text>
    </g>
  );
}

export const NodeShape = memo(function NodeShape({
  node,
  at,
  dimmed,
  selected,
  onSelect,
  firing,
}: {
  node: GraphNode;
  at: Point;
  dimmed: boolean;
  selected: boolean;
  onSelect: (selection: Selection) => void;
  /** firing alerts about this node's service */
  firing: number;
}) {
  const colour = HEALTH_COLOUR[node.health];
  const label = nodeLabel(node);
  const select = (): void => onSelect({ kind: 'node', id: node.id });
  return (
    <g
      className={`node${dimmed ? ' dimmed' : ''}`}
      transform={`translate(${at.x},${at.y})`}
      role="button"
      tabIndex={0}
      aria-label={`Service ${label}${node.version ? ` ${node.version}` : ''}, ${HEALTH_LABEL[node.health]}${
        firing > 0 ? `, ${firingLabel(firing)}` : ''
      }`}
      aria-pressed={selected}
      data-health={node.health}
      data-node-id={node.id}
      data-firing={firing}
      onClick={select}
      onKeyDown={activate(select)}
    >
      {selected ? <circle r={NODE_RADIUS + 6} fill="none" stroke="#0066cc" strokeWidth={2} /> : null}
      <NodeGlyph node={node} colour={colour} />
      {firing > 0 ? <FiringMark count={firing} /> : null}
      <text y={NODE_RADIUS + 13} textAnchor="middle" fontWeight={600}>
        {node.version ?? label}
      </text>
    </g>
  );
});
