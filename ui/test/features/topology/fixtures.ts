import type { GraphEdge, GraphNode, HealthStatus, Signals, TopologyResponse } from '@meshscope/query/api';

export const signals = (rps: number, errorRate = 0, p95: number | null = 10): Signals => ({
  requests: rps * 60,
  requestsPerSec: rps,
  errorRate,
  clientErrorRate: 0,
  latencyMs: { p50: p95 === null ? null : p95 / 2, p90: p95, p95, p99: p95 },
});

export function node(service: string, over: Partial<GraphNode> = {}): GraphNode {
  const version = over.version ?? null;
  return {
    id: `svc:shop/${service}${version ? `@${version}` : ''}`,
    kind: 'service',
    service,
    namespace: 'shop',
    version,
    inMesh: true,
    signals: signals(10),
    health: 'Healthy',
    idle: false,
    ...over,
  };
}

export function edge(
  source: GraphNode,
  target: GraphNode,
  rps = 10,
  errorRate = 0,
  health: HealthStatus = 'Healthy',
): GraphEdge {
  return {
    id: `${source.id}->${target.id}/http`,
    source: source.id,
    target: target.id,
    protocol: 'http',
    signals: signals(rps, errorRate),
    trafficShare: 1,
    mtlsShare: 1,
    sourcePrincipals: [],
    destinationPrincipals: [],
    via: 'mesh',
    health,
  };
}

export function graph(
  nodes: GraphNode[],
  edges: GraphEdge[],
  graphType: TopologyResponse['graphType'] = 'service',
): TopologyResponse {
  return { window: { startSec: 0, endSec: 3600 }, graphType, nodes, edges };
}

/** A layered graph of `count` services: each calls two in the next layer. */
export function bigGraph(count: number): TopologyResponse {
  const nodes = Array.from({ length: count }, (_, i) => node(`svc-${i}`));
  const edges: GraphEdge[] = [];
  for (let i = 0; i < count; i++) {
    for (const j of [2 * i + 1, 2 * i + 2]) {
      const a = nodes[i];
      const b = nodes[j];
      if (a && b) edges.push(edge(a, b));
    }
  }
  return graph(nodes, edges);
}
