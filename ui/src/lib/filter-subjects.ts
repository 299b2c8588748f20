import type { GraphEdge, GraphNode, ServiceSummary, Signals } from '@meshscope/query/api';
import type { FilterSubject } from './expression-filter';

function fromSignals(name: string, signals: Signals, health: string, sharePct: number | null): FilterSubject {
  return {
    name,
    rps: signals.requestsPerSec,
    errorPct: signals.errorRate * 100,
    clientErrorPct: signals.clientErrorRate * 100,
    latencyMs: signals.latencyMs,
    sharePct,
    health,
  };
}

export const serviceSubject = (s: ServiceSummary): FilterSubject => fromSignals(s.name, s, s.health, null);

export const nodeSubject = (n: GraphNode): FilterSubject =>
  fromSignals(n.version ? `${n.service} ${n.version}` : n.service, n.signals, n.health, null);

/** An edge is named "source target" so a name term finds the edges touching a service. */
export const edgeSubject = (e: GraphEdge, sourceName: string, targetName: string): FilterSubject =>
  fromSignals(`${sourceName} ${targetName}`, e.signals, e.health, e.trafficShare * 100);
