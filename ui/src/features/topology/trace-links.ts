import type { GraphEdge, GraphNode } from '@meshscope/query/api';
import { formatLogfmt } from '../../lib/logfmt';

/** Search fields for "traces through here" on a node: its service (and version, as a resource attribute). */
export function nodeTraceSearch(node: GraphNode): Record<string, string | undefined> {
  return {
    service: node.service,
    tags: node.version ? formatLogfmt([['service.version', node.version]]) : undefined,
  };
}

/**
 * The search for traces over an edge. Agents put the destination's Istio labels on their CLIENT spans, so a
 * mesh edge is the source's spans naming the destination (and versions, in the versioned graph); an edge
 * seen only in SDK spans falls back to the callee's traces.
 */
export function edgeTraceSearch(
  edge: GraphEdge,
  source: GraphNode | undefined,
  target: GraphNode | undefined,
): Record<string, string | undefined> {
  if (edge.via !== 'mesh' || !source || !target || source.kind !== 'service') {
    return { service: target?.service ?? edge.target };
  }
  const tags: [string, string][] = [['destination_service_name', target.service]];
  if (target.version) tags.push(['destination_version', target.version]);
  if (source.version) tags.push(['service.version', source.version]);
  return { service: source.service, tags: formatLogfmt(tags) };
}
