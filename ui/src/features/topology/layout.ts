import dagre, { type EdgeLabel, type GraphLabel, type NodeLabel } from '@dagrejs/dagre';
import type { TopologyView } from './graph-model';

/**
 * Layered left-to-right layout (dagre, Sugiyama-style), Kiali's default look: callers on the left,
 * callees on the right. Positions depend only on the structure, so the caller memoises on structureKey.
 */

export const NODE_RADIUS = 14;
/** room for the circle plus its label underneath */
const NODE_WIDTH = 40;
const NODE_HEIGHT = 48;
/**
 * Network simplex (dagre's default ranking) gives the tightest edges but grows fast: measured on a
 * 300-node, 600-edge mesh it took 1.7–2 s against 0.3–0.4 s for the tight-tree ranker, which produced the
 * same number of layers. Small graphs keep the nicer ranking.
 */
const SIMPLEX_MAX_NODES = 100;

export interface Point {
  x: number;
  y: number;
}
export interface Box {
  x: number;
  y: number;
  width: number;
  height: number;
}

export interface GraphLayout {
  nodes: Map<string, Point>;
  edges: Map<string, Point[]>;
  groups: Map<string, Box>;
  width: number;
  height: number;
}

export function layoutGraph(view: Pick<TopologyView, 'nodes' | 'edges' | 'groups'>): GraphLayout {
  const compound = view.groups.length > 0;
  const g = new dagre.graphlib.Graph<GraphLabel, NodeLabel, EdgeLabel>({ compound, multigraph: true });
  g.setGraph({
    rankdir: 'LR',
    nodesep: 18,
    ranksep: 110,
    edgesep: 8,
    marginx: 40,
    marginy: 40,
    ranker: view.nodes.length > SIMPLEX_MAX_NODES ? 'tight-tree' : 'network-simplex',
  });
  g.setDefaultEdgeLabel(() => ({}));
  for (const group of view.groups) g.setNode(group.id, { width: 0, height: 0, paddingTop: 18 });
  for (const node of view.nodes) g.setNode(node.id, { width: NODE_WIDTH, height: NODE_HEIGHT });
  for (const group of view.groups) for (const member of group.members) g.setParent(member, group.id);
  for (const edge of view.edges) {
    if (edge.source === edge.target) continue; // self-calls are drawn as a loop, not laid out
    g.setEdge(edge.source, edge.target, { weight: 1 }, edge.id);
  }
  dagre.layout(g);

  const nodes = new Map<string, Point>();
  for (const node of view.nodes) {
    const placed = g.node(node.id);
    nodes.set(node.id, { x: placed.x ?? 0, y: placed.y ?? 0 });
  }
  const groups = new Map<string, Box>();
  for (const group of view.groups) {
    const placed = g.node(group.id);
    const width = placed.width;
    const height = placed.height;
    groups.set(group.id, { x: (placed.x ?? 0) - width / 2, y: (placed.y ?? 0) - height / 2, width, height });
  }
  const edges = new Map<string, Point[]>();
  for (const edge of view.edges) {
    if (edge.source === edge.target) continue;
    const points = g.edge({ v: edge.source, w: edge.target, name: edge.id }).points;
    if (points) edges.set(edge.id, points);
  }
  const size = g.graph();
  return { nodes, edges, groups, width: size.width ?? 0, height: size.height ?? 0 };
}
