import type { MeshTrafficRow, RedPoint, SaturationPoint } from '@meshscope/collector';
import type { ServiceSummary } from '../api/mesh.js';
import { nodeHealth, type HealthPolicy } from '../health/health.js';
import {
  addTraffic,
  type TrafficSum,
  mergeRows,
  NO_SIGNALS,
  protocolTraffic,
  redSignals,
  redTraffic,
  trafficSignals,
} from './signals.js';

/**
 * The services list. A service's numbers come from one source only:
 *
 * - in the mesh (agents report requests into it: inbound agent, or callers' agents when it has none):
 *   agents' request metrics, which are never sampled;
 * - otherwise, its SDK SERVER/CONSUMER spans (RED rollups of spans not exported by an agent).
 *
 * Services that only call others (a load generator, a cron job) are listed with no inbound traffic. Health
 * is Kiali's: the worst of inbound traffic and of the outbound edges the service itself called.
 */

export interface ServicesInputs {
  windowSec: number;
  /** mesh traffic per destination service (callers summed), agents only */
  inbound: readonly MeshTrafficRow[];
  /** edges between services (agents and span pairing), counted once */
  edges: readonly MeshTrafficRow[];
  /** SDK SERVER/CONSUMER spans per service */
  redInbound: readonly RedPoint[];
  /** SDK spans of any kind per service (who exists outside the mesh) */
  redAny: readonly RedPoint[];
  saturation: readonly SaturationPoint[];
  policy: HealthPolicy;
}

/** Names that stand for "someone outside", never a service of their own. */
const NOT_A_SERVICE = new Set(['', 'unknown', 'user']);

const keyOf = (namespace: string, name: string): string => `${namespace}\u0000${name}`;

interface Draft {
  name: string;
  namespace: string;
  versions: string[];
  source: 'mesh' | 'spans';
  inbound?: MeshTrafficRow;
  red?: RedPoint;
}

/**
 * Services known only from SDK spans (not reached or reporting through agents): the ones whose numbers
 * come from span RED rollups, so the only ones whose latency digests need merging.
 */
export function spanOnlyServices(inputs: Pick<ServicesInputs, 'inbound' | 'edges' | 'redAny'>): string[] {
  const mesh = new Set<string>();
  for (const r of inputs.inbound) if (r.connectionType === '') mesh.add(r.dest.service);
  for (const e of inputs.edges) if (e.via === 'mesh') mesh.add(e.source.service);
  return [
    ...new Set(inputs.redAny.map((r) => r.service).filter((s) => !mesh.has(s) && !NOT_A_SERVICE.has(s))),
  ];
}

export function buildServiceSummaries(inputs: ServicesInputs): ServiceSummary[] {
  const drafts = new Map<string, Draft>();

  const inboundByKey = groupBy(inputs.inbound, (r) => keyOf(r.dest.namespace, r.dest.service));
  for (const [key, rows] of inboundByKey) {
    const row = mergeRows(rows);
    if (!row || NOT_A_SERVICE.has(row.dest.service) || row.connectionType !== '') continue;
    drafts.set(key, {
      name: row.dest.service,
      namespace: row.dest.namespace,
      versions: row.destVersions,
      source: 'mesh',
      inbound: row,
    });
  }
  // Callers in the mesh that nobody in the mesh calls.
  for (const e of inputs.edges) {
    if (e.via !== 'mesh' || NOT_A_SERVICE.has(e.source.service)) continue;
    const key = keyOf(e.source.namespace, e.source.service);
    if (!drafts.has(key)) {
      drafts.set(key, {
        name: e.source.service,
        namespace: e.source.namespace,
        versions: [],
        source: 'mesh',
      });
    }
  }

  const redInbound = new Map(inputs.redInbound.map((r) => [r.service, r]));
  const spanNamespaces = spanServiceNamespaces(inputs.edges);
  for (const service of spanOnlyServices(inputs)) {
    const seen = spanNamespaces.get(service);
    const namespace = seen?.namespace ?? '';
    drafts.set(keyOf(namespace, service), {
      name: service,
      namespace,
      versions: seen?.versions ?? [],
      source: 'spans',
      red: redInbound.get(service),
    });
  }

  const outbound = outboundTraffic(inputs.edges);
  const saturation = new Map(inputs.saturation.map((s) => [s.service, s]));
  const summaries = [...drafts.values()].map((d): ServiceSummary => {
    const inboundSignals = d.inbound
      ? trafficSignals(d.inbound, inputs.windowSec)
      : d.red
        ? redSignals(d.red, inputs.windowSec)
        : NO_SIGNALS;
    const inboundTraffic = d.inbound ? protocolTraffic(d.inbound.protocols) : d.red ? redTraffic(d.red) : {};
    const out =
      outbound.get(keyOf(d.namespace, d.name)) ??
      (d.source === 'spans' ? outbound.get(keyOf('', d.name)) : undefined) ??
      {};
    const health = nodeHealth(
      inputs.policy,
      { namespace: d.namespace, kind: 'service', name: d.name },
      { inbound: inboundTraffic, outbound: out },
    );
    const sat = saturation.get(d.name);
    return {
      name: d.name,
      namespace: d.namespace,
      versions: d.versions,
      source: d.source,
      ...inboundSignals,
      health: health.status,
      saturation: { inflight: sat?.inflight ?? null, poolPending: sat?.poolPending ?? null },
    };
  });
  return summaries.sort((a, b) => compare(a.namespace, b.namespace) || compare(a.name, b.name));
}

/** Outbound per-code traffic of each calling service (by namespace and name). */
function outboundTraffic(edges: readonly MeshTrafficRow[]): Map<string, TrafficSum> {
  const out = new Map<string, TrafficSum>();
  for (const e of edges) {
    const key = keyOf(e.source.namespace, e.source.service);
    out.set(key, addTraffic(out.get(key) ?? {}, protocolTraffic(e.protocols)));
  }
  return out;
}

/** Namespace and versions of SDK services, as their spans' resources tell them (span-paired edges). */
function spanServiceNamespaces(
  edges: readonly MeshTrafficRow[],
): Map<string, { namespace: string; versions: string[] }> {
  const out = new Map<string, { namespace: string; versions: string[] }>();
  for (const e of edges) {
    if (e.via !== 'spans') continue;
    const realDest =
      e.connectionType === '' || e.connectionType === 'messaging_system' || e.source.service === 'user';
    if (realDest) {
      const seen = out.get(e.dest.service);
      out.set(e.dest.service, {
        namespace: seen?.namespace || e.dest.namespace,
        versions: [...new Set([...(seen?.versions ?? []), ...e.destVersions])].sort(),
      });
    }
    if (!out.has(e.source.service))
      out.set(e.source.service, { namespace: e.source.namespace, versions: [] });
  }
  return out;
}

export function groupBy<T>(items: readonly T[], key: (item: T) => string): Map<string, T[]> {
  const out = new Map<string, T[]>();
  for (const item of items) {
    const k = key(item);
    const list = out.get(k);
    if (list) list.push(item);
    else out.set(k, [item]);
  }
  return out;
}

export function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
