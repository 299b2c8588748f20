import { z } from 'zod';
import { healthStatusSchema } from '../api/mesh.js';
import { DEFAULT_RATE, kialiPattern, type HealthConfig, type Tolerance } from './config.js';

/**
 * Request health as Kiali computes it (`business/health_calculator.go`): for each direction and protocol,
 * every matching tolerance turns the share of matching codes into a status; the worst status wins, across
 * tolerances and across directions. Traffic that no tolerance covers (e.g. tcp) counts as no traffic, and
 * no traffic is 'NA'. A node's health is the worst of its inbound and outbound traffic; an edge's is the
 * worse of the source's outbound tolerances and the destination's inbound tolerances applied to the edge.
 *
 * Thresholds are compared on the counts (`errors × 100 >= threshold × total`), which is exact for whole
 * request counts whatever the division would round to.
 */

// One definition of the status for the API contract and this module.
export { healthStatusSchema };
export type HealthStatus = z.infer<typeof healthStatusSchema>;

export const healthResultSchema = z.object({
  status: healthStatusSchema,
  /** error % behind the status (of the tolerance that decided it); null without traffic */
  errorRatioPct: z.number().nullable(),
});
export type HealthResult = z.infer<typeof healthResultSchema>;

/** Per protocol ('http', 'grpc', …), response code → requests (counts or rates). '-' is "no response". */
export type ProtocolTraffic = Readonly<Record<string, Readonly<Record<string, number>>>>;

export interface DirectionalTraffic {
  inbound: ProtocolTraffic;
  outbound: ProtocolTraffic;
}

/** What the rates' namespace/kind/name patterns are matched against. */
export interface HealthEntity {
  namespace: string;
  /** 'service' | 'workload' | 'app' */
  kind: string;
  name: string;
}

export type Direction = 'inbound' | 'outbound';

interface CompiledTolerance {
  code: RegExp;
  protocol: RegExp;
  direction: RegExp;
  degraded: number;
  failure: number;
}

interface CompiledRate {
  namespace: RegExp;
  kind: RegExp;
  name: RegExp;
  tolerances: CompiledTolerance[];
}

/** Tolerances with their patterns compiled once, for evaluating many nodes and edges. */
export interface HealthPolicy {
  readonly rates: readonly CompiledRate[];
}

const compileTolerance = (t: Tolerance): CompiledTolerance => ({
  code: new RegExp(kialiPattern(t.code, true)),
  protocol: new RegExp(kialiPattern(t.protocol, false)),
  direction: new RegExp(kialiPattern(t.direction, false)),
  degraded: t.degraded,
  failure: t.failure,
});

/** Compile a parsed configuration; Kiali's default rate is appended as the catch-all. */
export function compileHealthPolicy(config: HealthConfig = { rate: [] }): HealthPolicy {
  return {
    rates: [...config.rate, DEFAULT_RATE].map((rate) => ({
      namespace: new RegExp(kialiPattern(rate.namespace, false)),
      kind: new RegExp(kialiPattern(rate.kind, false)),
      name: new RegExp(kialiPattern(rate.name, false)),
      tolerances: rate.tolerance.map(compileTolerance),
    })),
  };
}

function tolerancesFor(policy: HealthPolicy, entity: HealthEntity): readonly CompiledTolerance[] {
  const rate =
    policy.rates.find(
      (r) => r.namespace.test(entity.namespace) && r.kind.test(entity.kind) && r.name.test(entity.name),
    ) ?? policy.rates.at(-1);
  return rate?.tolerances ?? [];
}

const PRIORITY: Record<HealthStatus, number> = { NA: 0, Healthy: 1, Degraded: 2, Failure: 3 };

const NO_TRAFFIC: HealthResult = { status: 'NA', errorRatioPct: null };

/** The worse of two results; on equal status, the one with the larger error ratio explains it better. */
export function worseHealth(a: HealthResult, b: HealthResult): HealthResult {
  const byStatus = PRIORITY[b.status] - PRIORITY[a.status];
  if (byStatus !== 0) return byStatus > 0 ? b : a;
  return (b.errorRatioPct ?? -1) > (a.errorRatioPct ?? -1) ? b : a;
}

/** Kiali's `applyThresholds` on counts. */
function statusOf(errors: number, total: number, t: CompiledTolerance): HealthStatus {
  if (errors <= 0) return 'Healthy';
  if (t.failure > 0 && errors * 100 >= t.failure * total) return 'Failure';
  if (errors * 100 >= t.degraded * total) return 'Degraded';
  return 'Healthy';
}

const count = (n: number): number => (Number.isFinite(n) && n > 0 ? n : 0);

/** Health of the traffic in one direction under the given tolerances (Kiali's `processDirectionalTraffic`). */
function trafficHealth(
  traffic: ProtocolTraffic,
  tolerances: readonly CompiledTolerance[],
  direction: Direction,
): HealthResult {
  let worst = NO_TRAFFIC;
  for (const [protocol, codes] of Object.entries(traffic)) {
    const entries = Object.entries(codes);
    for (const t of tolerances) {
      if (!t.direction.test(direction) || !t.protocol.test(protocol)) continue;
      let total = 0;
      let errors = 0;
      for (const [code, n] of entries) {
        total += count(n);
        if (t.code.test(code)) errors += count(n);
      }
      if (total <= 0) continue;
      worst = worseHealth(worst, {
        status: statusOf(errors, total, t),
        errorRatioPct: (errors / total) * 100,
      });
    }
  }
  return worst;
}

/** A node (service, workload, app): the worst of its inbound and outbound traffic. */
export function nodeHealth(
  policy: HealthPolicy,
  entity: HealthEntity,
  traffic: DirectionalTraffic,
): HealthResult {
  const tolerances = tolerancesFor(policy, entity);
  return worseHealth(
    trafficHealth(traffic.inbound, tolerances, 'inbound'),
    trafficHealth(traffic.outbound, tolerances, 'outbound'),
  );
}

export interface EdgeTraffic {
  source: HealthEntity;
  destination: HealthEntity;
  /** the requests on this edge only */
  traffic: ProtocolTraffic;
}

/** An edge: the worse of the source's outbound view and the destination's inbound view of its requests. */
export function edgeHealth(policy: HealthPolicy, edge: EdgeTraffic): HealthResult {
  return worseHealth(
    trafficHealth(edge.traffic, tolerancesFor(policy, edge.source), 'outbound'),
    trafficHealth(edge.traffic, tolerancesFor(policy, edge.destination), 'inbound'),
  );
}

/** Error-class counts as the rollups keep them (one edge or service, one protocol, one window). */
export interface RollupCounts {
  /** 'http' | 'grpc' | 'tcp' */
  protocol: string;
  requests: number;
  http4xx: number;
  http5xx: number;
  grpcErrors: number;
  /** requests that got no response (response code 0) */
  noResponse: number;
}

/**
 * Rollup counts → per-code traffic. The rollups keep error classes, not codes, so each class stands for
 * one representative code ('500', '400', gRPC '2' UNKNOWN, '-'), the rest for '200' or gRPC '0'. Tolerances
 * on classes (the defaults, 5XX, 4XX, gRPC 1–16) see exact numbers; a tolerance on one code (only 503) needs
 * per-code counts and would see the whole class.
 */
export function protocolTrafficFromCounts(counts: RollupCounts): ProtocolTraffic {
  const requests = count(counts.requests);
  const noResponse = count(counts.noResponse);
  if (counts.protocol === 'grpc') {
    const grpcErrors = count(counts.grpcErrors);
    return {
      grpc: { '0': Math.max(0, requests - grpcErrors - noResponse), '2': grpcErrors, '-': noResponse },
    };
  }
  const http5xx = count(counts.http5xx);
  const http4xx = count(counts.http4xx);
  return {
    [counts.protocol]: {
      '200': Math.max(0, requests - http5xx - http4xx - noResponse),
      '500': http5xx,
      '400': http4xx,
      '-': noResponse,
    },
  };
}
