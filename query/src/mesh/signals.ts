import type { MeshTrafficRow, ProtocolCounts, RedPoint } from '@meshscope/collector';
import type { LatencyMs, Signals } from '../api/mesh.js';
import { protocolTrafficFromCounts, type ProtocolTraffic } from '../health/health.js';

/**
 * Golden signals from rollup rows. Errors are counted per protocol so that one failed request is one
 * error even when two classes describe it (a gRPC call that Envoy answered 503 carries both a 5xx and a
 * gRPC status): gRPC → non-OK status; everything else → 5xx; plus requests that got no response at all.
 */

export function errorCounts(protocols: readonly ProtocolCounts[]): { errors: number; clientErrors: number } {
  let errors = 0;
  let clientErrors = 0;
  for (const p of protocols) {
    errors += (p.protocol === 'grpc' ? p.grpcErrors : p.http5xx) + p.noResponse;
    if (p.protocol !== 'grpc') clientErrors += p.http4xx;
  }
  return { errors, clientErrors };
}

export function latencyMs(quantilesMs: readonly number[]): LatencyMs {
  const at = (i: number): number | null => {
    const v = quantilesMs[i];
    return v === undefined || !Number.isFinite(v) ? null : v;
  };
  return { p50: at(0), p90: at(1), p95: at(2), p99: at(3) };
}

const share = (part: number, whole: number): number => (whole > 0 ? Math.min(1, part / whole) : 0);

export function signals(
  requests: number,
  errors: number,
  clientErrors: number,
  quantilesMs: readonly number[],
  windowSec: number,
): Signals {
  return {
    requests,
    requestsPerSec: windowSec > 0 ? requests / windowSec : 0,
    errorRate: share(errors, requests),
    clientErrorRate: share(clientErrors, requests),
    latencyMs: requests > 0 ? latencyMs(quantilesMs) : latencyMs([]),
  };
}

export const NO_SIGNALS: Signals = signals(0, 0, 0, [], 0);

/** Signals of agents' (or span-paired) edge traffic. */
export function trafficSignals(
  row: Pick<MeshTrafficRow, 'requests' | 'protocols' | 'quantilesMs'>,
  windowSec: number,
): Signals {
  const { errors, clientErrors } = errorCounts(row.protocols);
  return signals(row.requests, errors, clientErrors, row.quantilesMs, windowSec);
}

/** Signals of SDK spans (RED rollups): a span with status Error is a failed request. */
export function redSignals(row: RedPoint, windowSec: number): Signals {
  return signals(row.requests, row.errors, row.http4xx, row.quantilesMs, windowSec);
}

/** Per-code traffic of edge rows, for Kiali's health rules. */
export function protocolTraffic(protocols: readonly ProtocolCounts[]): ProtocolTraffic {
  const out: TrafficSum = {};
  for (const p of protocols) addTraffic(out, protocolTrafficFromCounts(p));
  return out;
}

/** Per-code traffic of SDK spans: an errored span counts as a 5xx. */
export function redTraffic(row: RedPoint): ProtocolTraffic {
  return protocolTrafficFromCounts({
    protocol: 'http',
    requests: row.requests,
    http4xx: row.http4xx,
    http5xx: Math.min(row.requests, row.errors),
    grpcErrors: 0,
    noResponse: 0,
  });
}

/** Per-code traffic being added up (mutable, so summing many edges costs no copies). */
export type TrafficSum = Record<string, Record<string, number>>;

/** Adds `b` into `into` and returns it. */
export function addTraffic(into: TrafficSum, b: ProtocolTraffic): TrafficSum {
  for (const [protocol, codes] of Object.entries(b)) {
    const target = (into[protocol] ??= {});
    for (const [code, n] of Object.entries(codes)) target[code] = (target[code] ?? 0) + n;
  }
  return into;
}

/** Adds up the counts of rows that one view shows as one (e.g. one node reached both directly and via spans). */
export function sumProtocols(rows: readonly { protocols: readonly ProtocolCounts[] }[]): ProtocolCounts[] {
  const byName = new Map<string, ProtocolCounts>();
  for (const row of rows) {
    for (const p of row.protocols) {
      const into = byName.get(p.protocol);
      if (!into) byName.set(p.protocol, { ...p });
      else {
        into.requests += p.requests;
        into.http4xx += p.http4xx;
        into.http5xx += p.http5xx;
        into.grpcErrors += p.grpcErrors;
        into.noResponse += p.noResponse;
      }
    }
  }
  return [...byName.values()];
}

/**
 * Several rows as one: counts add up; latency digests cannot be merged here, so the quantiles are those of
 * the busiest row (exact whenever one row carries the traffic, which the read grouping makes the rule).
 */
export function mergeRows(rows: readonly MeshTrafficRow[]): MeshTrafficRow | undefined {
  if (rows.length <= 1) return rows[0];
  const busiest = rows.reduce((a, b) => (b.requests > a.requests ? b : a));
  return {
    ...busiest,
    requests: rows.reduce((n, r) => n + r.requests, 0),
    mtlsRequests: rows.reduce((n, r) => n + r.mtlsRequests, 0),
    connectedRequests: rows.reduce((n, r) => n + r.connectedRequests, 0),
    durationSumMs: rows.reduce((n, r) => n + r.durationSumMs, 0),
    destReported: rows.some((r) => r.destReported),
    protocols: sumProtocols(rows),
    sourcePrincipals: union(rows.map((r) => r.sourcePrincipals)),
    destPrincipals: union(rows.map((r) => r.destPrincipals)),
    destVersions: union(rows.map((r) => r.destVersions)),
  };
}

function union(lists: readonly (readonly string[])[]): string[] {
  return [...new Set(lists.flat())].sort();
}

/**
 * The mutual-TLS share of an edge's requests that reached the callee over a connection; null for
 * span-paired edges (no agent saw the connection) and when none connected (all aborted by the caller).
 */
export function mtlsShare(
  row: Pick<MeshTrafficRow, 'via' | 'mtlsRequests' | 'connectedRequests'>,
): number | null {
  return row.via === 'mesh' && row.connectedRequests > 0
    ? Math.min(1, row.mtlsRequests / row.connectedRequests)
    : null;
}
