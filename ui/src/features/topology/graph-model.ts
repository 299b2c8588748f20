import type { GraphEdge, GraphNode, TopologyResponse } from '@meshscope/query/api';
import type { Predicate } from '../../lib/expression-filter';
import { edgeSubject, nodeSubject } from '../../lib/filter-subjects';

/**
 * What the topology shows, before layout: the API's graph minus idle nodes (unless asked for) and minus
 * what "hide" matches, plus what "find" highlights. Pure, so the shaping is tested without a browser.
 */

export interface ServiceGroup {
  id: string;
  label: string;
  members: string[];
}

export interface TopologyView {
  nodes: GraphNode[];
  edges: GraphEdge[];
  /** versioned graph: one box per service holding its version nodes */
  groups: ServiceGroup[];
  /** ids matched by "find"; null when nothing is being searched */
  found: { nodes: Set<string>; edges: Set<string> } | null;
  hiddenNodes: number;
}

export interface ShapeOptions {
  showIdle: boolean;
  hide: Predicate | null;
  find: Predicate | null;
}

export function nodeLabel(node: GraphNode): string {
  return node.kind === 'user' ? 'unknown (user)' : node.service;
}

export function shapeTopology(graph: TopologyResponse, options: ShapeOptions): TopologyView {
  const { hide, find } = options;
  const byId = new Map(graph.nodes.map((n) => [n.id, n]));
  const nameOf = (id: string): string => {
    const node = byId.get(id);
    return node ? nodeLabel(node) : id;
  };
  const nodes = graph.nodes.filter(
    (n) => (options.showIdle || !n.idle) && !(hide && n.kind !== 'user' && hide(nodeSubject(n))),
  );
  const kept = new Set(nodes.map((n) => n.id));
  const edges = graph.edges.filter(
    (e) =>
      kept.has(e.source) &&
      kept.has(e.target) &&
      !(hide && hide(edgeSubject(e, nameOf(e.source), nameOf(e.target))) && isEdgeExpression(hide, e)),
  );

  let found: TopologyView['found'] = null;
  if (find) {
    found = {
      nodes: new Set(nodes.filter((n) => find(nodeSubject(n))).map((n) => n.id)),
      edges: new Set(
        edges.filter((e) => find(edgeSubject(e, nameOf(e.source), nameOf(e.target)))).map((e) => e.id),
      ),
    };
  }
  return {
    nodes,
    edges,
    groups: graph.graphType === 'versioned' ? groupVersions(nodes) : [],
    found,
    hiddenNodes: graph.nodes.length - nodes.length,
  };
}

/**
 * Hiding an edge by a name term would remove every edge of a hidden service's neighbours too (edge names
 * are "source target"); edges are hidden only by numeric terms, which a name-only test cannot satisfy.
 * We detect name-only matches by asking the predicate about the edge with its name blanked.
 */
function isEdgeExpression(hide: Predicate, e: GraphEdge): boolean {
  return hide(edgeSubject(e, '', ''));
}

/** Version nodes of one service share a box; services with one version get one too, for a steady look. */
export function groupVersions(nodes: readonly GraphNode[]): ServiceGroup[] {
  const groups = new Map<string, ServiceGroup>();
  for (const node of nodes) {
    if (node.kind !== 'service' || node.version === null) continue;
    const id = `group:${node.namespace}/${node.service}`;
    const group = groups.get(id) ?? { id, label: node.service, members: [] };
    group.members.push(node.id);
    groups.set(id, group);
  }
  return [...groups.values()];
}

/** A key that changes only when the graph's structure does: layout is reused while only numbers move. */
export function structureKey(view: Pick<TopologyView, 'nodes' | 'edges' | 'groups'>): string {
  const nodeIds = view.nodes.map((n) => n.id).sort();
  const edgeIds = view.edges.map((e) => `${e.source}>${e.target}#${e.id}`).sort();
  const groupIds = view.groups.map((g) => `${g.id}:${g.members.length}`).sort();
  return `${nodeIds.join('|')}\n${edgeIds.join('|')}\n${groupIds.join('|')}`;
}
