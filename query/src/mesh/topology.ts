import type {
  MeshTrafficRow,
  RedPoint,
  TrafficEndpoint,
  TrafficEndpointSeen,
  TrafficLevel,
} from '@meshscope/collector';
import type { GraphEdge, GraphNode, GraphType, Signals } from '../api/mesh.js';
import {
  edgeHealth,
  nodeHealth,
  type HealthEntity,
  type HealthPolicy,
  type ProtocolTraffic,
} from '../health/health.js';
import { compare, groupBy } from './services.js';
import {
  addTraffic,
  type TrafficSum,
  mergeRows,
  mtlsShare,
  NO_SIGNALS,
  protocolTraffic,
  redSignals,
  redTraffic,
  trafficSignals,
} from './signals.js';

/**
 * The service graph in Kiali's three flavours: one node per service, per service version ("versioned"), or
 * per workload. Edges come from the traffic rows, already counted once (agents for the mesh, span pairing
 * outside it); callers outside the mesh become one "user" node, uninstrumented peers virtual or database
 * nodes. Node signals are a node's inbound traffic; health follows Kiali: a node is the worst of its
 * inbound and outbound traffic, an edge the worse of its caller's outbound and its callee's inbound rules.
 */

export const LEVEL_OF: Record<GraphType, TrafficLevel> = {
  service: 'service',
  versioned: 'version',
  workload: 'workload',
};

export interface TopologyInputs {
  graphType: GraphType;
  windowSec: number;
  /** traffic per (caller, callee, protocol) at the graph's level */
  edges: readonly MeshTrafficRow[];
  /** traffic per callee (callers summed) at the graph's level */
  inbound: readonly MeshTrafficRow[];
  /** SDK SERVER/CONSUMER spans per service (service graph: nodes outside the mesh count like the services list) */
  redInbound: readonly RedPoint[];
  /** endpoints seen over the idle lookback; empty when idle nodes are not asked for */
  seen: readonly TrafficEndpointSeen[];
  namespace?: string;
  policy: HealthPolicy;
}

interface NodeDraft {
  id: string;
  kind: GraphNode['kind'];
  service: string;
  namespace: string;
  version: string | null;
  workload: string | undefined;
  inMesh: boolean;
}

const OUTSIDE_CALLERS = new Set(['user', 'unknown']);

/** Span roots' callers ('user') and mesh callers without an identity ('unknown') are one outside node. */
function isOutsideCaller(service: string, via: 'mesh' | 'spans'): boolean {
  return OUTSIDE_CALLERS.has(service) && (via === 'spans' || service === 'unknown');
}

/** The node a row endpoint stands for. */
export function nodeOf(
  end: TrafficEndpoint,
  side: 'source' | 'dest',
  row: { via: 'mesh' | 'spans'; connectionType: string; destReported?: boolean; source?: TrafficEndpoint },
  graphType: GraphType,
): NodeDraft {
  const base = { namespace: end.namespace, workload: undefined, version: null };
  if (side === 'source' && isOutsideCaller(end.service, row.via)) {
    return { ...base, id: 'user', kind: 'user', service: 'user', namespace: '', inMesh: false };
  }
  // A span root's edge is virtual on its caller's side (the user), not on the service it reached.
  const virtualDest = row.source === undefined || !isOutsideCaller(row.source.service, row.via);
  if (side === 'dest' && row.connectionType === 'virtual_node' && virtualDest) {
    return { ...base, id: `virtual:${end.service}`, kind: 'virtual', service: end.service, inMesh: false };
  }
  if (side === 'dest' && row.connectionType === 'database') {
    return { ...base, id: `database:${end.service}`, kind: 'database', service: end.service, inMesh: false };
  }
  const inMesh = row.via === 'mesh' && (side === 'source' || row.destReported === true);
  const svcId = `svc:${end.namespace}/${end.service}`;
  if (graphType === 'service') return { ...base, id: svcId, kind: 'service', service: end.service, inMesh };
  const version = end.version || 'unknown';
  if (graphType === 'workload' && end.workload !== '') {
    return {
      ...base,
      id: `wl:${end.namespace}/${end.workload}`,
      kind: 'service',
      service: end.service,
      version,
      workload: end.workload,
      inMesh,
    };
  }
  return { ...base, id: `${svcId}@${version}`, kind: 'service', service: end.service, version, inMesh };
}

function entityOf(node: NodeDraft, graphType: GraphType): HealthEntity {
  if (graphType === 'workload' && node.workload) {
    return { namespace: node.namespace, kind: 'workload', name: node.workload };
  }
  return {
    namespace: node.namespace,
    kind: graphType === 'versioned' ? 'app' : 'service',
    name: node.service,
  };
}

export function buildTopology(inputs: TopologyInputs): { nodes: GraphNode[]; edges: GraphEdge[] } {
  const { graphType, windowSec, policy } = inputs;
  const nodes = new Map<string, NodeDraft>();
  const remember = (n: NodeDraft): NodeDraft => {
    const known = nodes.get(n.id);
    if (!known) nodes.set(n.id, n);
    else if (n.inMesh && !known.inMesh) known.inMesh = true;
    return nodes.get(n.id) ?? n;
  };

  const edgeRows =
    inputs.namespace === undefined ? inputs.edges : inputs.edges.filter((e) => touches(e, inputs.namespace));
  const drafts = edgeRows.map((row) => ({
    row,
    source: remember(nodeOf(row.source, 'source', row, graphType)),
    target: remember(nodeOf(row.dest, 'dest', row, graphType)),
  }));

  // inbound traffic per node (callers summed), and SDK spans for service nodes outside the mesh
  const inboundRows = groupBy(inputs.inbound, (r) => nodeOf(r.dest, 'dest', r, graphType).id);
  const red = new Map(inputs.redInbound.map((r) => [r.service, r]));
  const inboundOf = (node: NodeDraft): { signals: Signals; traffic: ProtocolTraffic } => {
    const redRow =
      graphType === 'service' && !node.inMesh && node.kind === 'service' ? red.get(node.service) : undefined;
    if (redRow) return { signals: redSignals(redRow, windowSec), traffic: redTraffic(redRow) };
    const row = mergeRows(inboundRows.get(node.id) ?? []);
    if (!row) return { signals: NO_SIGNALS, traffic: {} };
    return { signals: trafficSignals(row, windowSec), traffic: protocolTraffic(row.protocols) };
  };

  const outboundRequests = new Map<string, number>();
  const outboundTraffic = new Map<string, TrafficSum>();
  for (const { row, source } of drafts) {
    outboundRequests.set(source.id, (outboundRequests.get(source.id) ?? 0) + row.requests);
    outboundTraffic.set(
      source.id,
      addTraffic(outboundTraffic.get(source.id) ?? {}, protocolTraffic(row.protocols)),
    );
  }

  const edges = drafts.map(({ row, source, target }): GraphEdge => {
    const health = edgeHealth(policy, {
      source: entityOf(source, graphType),
      destination: entityOf(target, graphType),
      traffic: protocolTraffic(row.protocols),
    });
    const out = outboundRequests.get(source.id) ?? 0;
    return {
      id: `${source.id}->${target.id}/${row.protocol}`,
      source: source.id,
      target: target.id,
      protocol: row.protocol,
      signals: trafficSignals(row, windowSec),
      trafficShare: out > 0 ? Math.min(1, row.requests / out) : 0,
      mtlsShare: mtlsShare(row),
      sourcePrincipals: row.sourcePrincipals,
      destinationPrincipals: row.destPrincipals,
      via: row.via,
      health: health.status,
    };
  });

  const active = new Set(nodes.keys());
  for (const end of inputs.seen) {
    if (inputs.namespace !== undefined && end.namespace !== inputs.namespace) continue;
    const side = end.connectionType === '' && OUTSIDE_CALLERS.has(end.service) ? 'source' : 'dest';
    remember(nodeOf(end, side, { ...end, destReported: end.via === 'mesh' }, graphType));
  }

  const graphNodes = [...nodes.values()].map((node): GraphNode => {
    const idle = !active.has(node.id);
    const inbound = idle ? { signals: NO_SIGNALS, traffic: {} } : inboundOf(node);
    const health = idle
      ? 'NA'
      : nodeHealth(policy, entityOf(node, graphType), {
          inbound: inbound.traffic,
          outbound: outboundTraffic.get(node.id) ?? {},
        }).status;
    return {
      id: node.id,
      kind: node.kind,
      service: node.service,
      namespace: node.namespace,
      version: node.version,
      inMesh: node.inMesh,
      signals: inbound.signals,
      health,
      idle,
      ...(node.workload !== undefined ? { workload: node.workload } : {}),
    };
  });
  return {
    nodes: graphNodes.sort((a, b) => compare(a.id, b.id)),
    edges: edges.sort((a, b) => compare(a.id, b.id)),
  };
}

function touches(row: MeshTrafficRow, namespace: string | undefined): boolean {
  return row.source.namespace === namespace || row.dest.namespace === namespace;
}
