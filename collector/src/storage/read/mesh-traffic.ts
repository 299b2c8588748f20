import { Tables } from '../schema/tables.js';
import type { Latency, Window } from './read-api.js';
import { QUANTILES } from './read-api.js';
import { latencyOf, rollupRows, timeBucket, type ReadContext, type Rollup } from './read-context.js';
import { Params } from './sql.js';

/**
 * Edge traffic for the mesh views (services, topology, edges), with "never count one request twice" applied
 * in SQL, before anything is summed: a request between two agents is reported by both (reporter source and
 * destination) and may also appear as a paired CLIENT→SERVER span edge. So, per destination service:
 *
 * - agents' destination reports are always used (the inbound agent sees every request that arrived);
 * - source reports only for destination services that no inbound agent reported in the window (callees
 *   outside the mesh, or whose agent does not export), and always for requests that never reached a
 *   destination workload (destination_workload 'unknown' from a caller agent: fault aborts, no healthy
 *   endpoint, pool overflow, no connection to any endpoint (503 UF)), which no inbound agent can have seen;
 * - span-paired edges (reporter 'spans') only for destinations no agent reported at all.
 *
 * Because the choice is made on rows, any grouping (service, version, workload; by caller or not) sums
 * requests and merges latency digests without double counting.
 */

export type TrafficLevel = 'service' | 'version' | 'workload';

export interface MeshTrafficQuery extends Window {
  /** bucket width; omit for one bucket over the whole window */
  stepSec?: number;
  /** how finely nodes are told apart: service; service + version; service + version + workload */
  level: TrafficLevel;
  /** keep callers apart (false: every caller of a destination summed) */
  bySource: boolean;
  /** keep callees apart (false: every callee of a source summed) */
  byDest: boolean;
  /** one row per protocol (edges are drawn per protocol) */
  byProtocol?: boolean;
  sourceServices?: readonly string[];
  destServices?: readonly string[];
  /** include span-paired edges of services outside the mesh (default true) */
  spans?: boolean;
  /** include agents' edges (default true) */
  agents?: boolean;
  /**
   * Latency quantiles and buckets (default true). Merging digest states is most of a query's cost, so
   * views that only need counts (health, dependencies) leave them out.
   */
  latency?: boolean;
  /** principals and destination versions seen (default true) */
  identities?: boolean;
}

export interface TrafficEndpoint {
  service: string;
  namespace: string;
  /** '' unless the level keeps versions apart */
  version: string;
  /** '' unless the level keeps workloads apart */
  workload: string;
}

/** Requests of one protocol, with the error classes the rollups keep. */
export interface ProtocolCounts {
  protocol: string;
  requests: number;
  http4xx: number;
  http5xx: number;
  grpcErrors: number;
  noResponse: number;
}

export interface MeshTrafficRow extends Latency {
  timeSec: number;
  /** 'mesh': agents' request metrics; 'spans': CLIENT→SERVER span pairing */
  via: 'mesh' | 'spans';
  /** '' direct; 'virtual_node' | 'database' | 'messaging_system' for span-derived edges */
  connectionType: string;
  /** empty strings when callers are summed */
  source: TrafficEndpoint;
  /** empty strings when callees are summed */
  dest: TrafficEndpoint;
  /** '' unless byProtocol */
  protocol: string;
  /** some of these requests were reported by the destination's own agent (it is in the mesh) */
  destReported: boolean;
  requests: number;
  mtlsRequests: number;
  /**
   * requests that reached a destination workload over a connection (not a caller's fault abort, "no
   * healthy upstream" or pool overflow): the ones that could be mutual TLS at all
   */
  connectedRequests: number;
  durationSumMs: number;
  protocols: ProtocolCounts[];
  /** SPIFFE ids seen (at most 20 each) */
  sourcePrincipals: string[];
  destPrincipals: string[];
  /** destination versions seen (at most 50), whatever the level */
  destVersions: string[];
}

/** The edge rollups, per minute and per hour, with every column an edge read uses. */
export const EDGE_ROLLUP: Rollup = {
  minute: Tables.edges1m,
  hour: Tables.edges1h,
  columns: [
    'Reporter',
    'ConnectionType',
    'SourceService',
    'SourceWorkload',
    'SourceNamespace',
    'SourceVersion',
    'SourcePrincipal',
    'DestService',
    'DestWorkload',
    'DestNamespace',
    'DestVersion',
    'DestPrincipal',
    'Protocol',
    'Mtls',
    'Requests',
    'Http4xx',
    'Http5xx',
    'GrpcErrors',
    'NoResponse',
    'DurationSumMs',
    'LatencyDigest',
    'LatencyBuckets',
  ],
};

const PRINCIPALS_MAX = 20;
const VERSIONS_MAX = 50;
const NO_VALUE = `('', 'unknown')`;
const IDENTITIES = `groupUniqArrayIf(${PRINCIPALS_MAX})(SourcePrincipal, SourcePrincipal NOT IN ${NO_VALUE}) AS sourcePrincipals,
       groupUniqArrayIf(${PRINCIPALS_MAX})(DestPrincipal, DestPrincipal NOT IN ${NO_VALUE}) AS destPrincipals,
       groupUniqArrayIf(${VERSIONS_MAX})(DestVersion, DestVersion NOT IN ${NO_VALUE}) AS destVersions`;
const IDENTITIES_NONE = '[] AS sourcePrincipals, [] AS destPrincipals, [] AS destVersions';
// A function, not a constant: QUANTILES comes from read-api.ts, which imports this module.
const latencySql =
  (): string => `quantilesTDigestWeightedMerge(${QUANTILES.join(', ')})(LatencyDigest) AS quantilesMs,
       sumForEachMerge(LatencyBuckets) AS bucketsLe`;
const LATENCY_NONE = '[] AS quantilesMs, [] AS bucketsLe';

function endpointDims(side: 'Source' | 'Dest', level: TrafficLevel, keep: boolean): string[] {
  const col = (name: string, used: boolean) => (keep && used ? `${side}${name}` : "''");
  return [
    `${col('Service', true)} AS ${side}Svc`,
    `${col('Namespace', true)} AS ${side}Ns`,
    `${col('Version', level !== 'service')} AS ${side}Ver`,
    `${col('Workload', level === 'workload')} AS ${side}Wl`,
  ];
}

/** The rows that count, per the rule in the module comment, judged over the same window. */
function countedOnce(ctx: ReadContext, query: MeshTrafficQuery, p: Params): string {
  const destinations = rollupRows(ctx, EDGE_ROLLUP, query, [`Reporter = 'destination'`], p);
  const agents = rollupRows(ctx, EDGE_ROLLUP, query, [`Reporter IN ('source', 'destination')`], p);
  return `(Reporter = 'destination'
    OR (Reporter = 'source' AND DestWorkload = 'unknown')
    OR (Reporter = 'source' AND (DestNamespace, DestService) NOT IN (
      SELECT DestNamespace, DestService FROM ${destinations} GROUP BY DestNamespace, DestService))
    OR (Reporter = 'spans' AND DestService NOT IN (SELECT DestService FROM ${agents} GROUP BY DestService)))`;
}

interface RawTrafficRow {
  timeSec: number | string;
  via: 'mesh' | 'spans';
  connectionType: string;
  SourceSvc: string;
  SourceNs: string;
  SourceVer: string;
  SourceWl: string;
  DestSvc: string;
  DestNs: string;
  DestVer: string;
  DestWl: string;
  protocol: string;
  destReported: number | string;
  requests: number | string;
  mtlsRequests: number | string;
  connectedRequests: number | string;
  durationSumMs: number;
  byProtocol: [
    string[],
    (number | string)[],
    (number | string)[],
    (number | string)[],
    (number | string)[],
    (number | string)[],
  ];
  sourcePrincipals: string[];
  destPrincipals: string[];
  destVersions: string[];
  quantilesMs: unknown[];
  bucketsLe: unknown[];
}

export async function meshTraffic(ctx: ReadContext, query: MeshTrafficQuery): Promise<MeshTrafficRow[]> {
  const p = new Params();
  const reporters: string[] = [];
  if (query.agents !== false) reporters.push('source', 'destination');
  if (query.spans !== false) reporters.push('spans');
  const filters = [`Reporter IN ${p.add(reporters, 'Array(String)')}`];
  if (query.sourceServices) filters.push(`SourceService IN ${p.add(query.sourceServices, 'Array(String)')}`);
  if (query.destServices) filters.push(`DestService IN ${p.add(query.destServices, 'Array(String)')}`);
  const rowsIn = rollupRows(ctx, EDGE_ROLLUP, query, filters, p);
  const counted = countedOnce(ctx, query, p);
  const dims = [
    ...endpointDims('Source', query.level, query.bySource),
    ...endpointDims('Dest', query.level, query.byDest),
    `${query.byProtocol ? 'Protocol' : "''"} AS protocol`,
  ];
  const keys = ['timeSec', 'via', 'connectionType', ...dims.map((d) => d.split(' AS ')[1] ?? d)];
  const rows = await ctx.rows<RawTrafficRow>(
    `SELECT ${timeBucket(query, 'Time', p)} AS timeSec,
       if(Reporter = 'spans', 'spans', 'mesh') AS via, ConnectionType AS connectionType, ${dims.join(', ')},
       max(Reporter = 'destination') AS destReported,
       sum(Requests) AS requests, sumIf(Requests, Mtls = 1) AS mtlsRequests,
       sumIf(Requests, NOT (Reporter = 'source' AND DestWorkload = 'unknown')) AS connectedRequests,
       sum(DurationSumMs) AS durationSumMs,
       sumMap([Protocol], [Requests], [Http4xx], [Http5xx], [GrpcErrors], [NoResponse]) AS byProtocol,
       ${query.identities === false ? IDENTITIES_NONE : IDENTITIES},
       ${query.latency === false ? LATENCY_NONE : latencySql()}
     FROM ${rowsIn}
     WHERE ${counted}
     GROUP BY ${keys.join(', ')}
     ORDER BY ${keys.join(', ')}
     LIMIT 100000`,
    p,
  );
  return rows.map(toTrafficRow);
}

function toTrafficRow(r: RawTrafficRow): MeshTrafficRow {
  const [names, requests, http4xx, http5xx, grpcErrors, noResponse] = r.byProtocol;
  const total = Number(r.requests);
  return {
    timeSec: Number(r.timeSec),
    via: r.via,
    connectionType: r.connectionType,
    source: { service: r.SourceSvc, namespace: r.SourceNs, version: r.SourceVer, workload: r.SourceWl },
    dest: { service: r.DestSvc, namespace: r.DestNs, version: r.DestVer, workload: r.DestWl },
    protocol: r.protocol,
    destReported: Number(r.destReported) === 1,
    requests: total,
    mtlsRequests: Number(r.mtlsRequests),
    connectedRequests: Number(r.connectedRequests),
    durationSumMs: Number(r.durationSumMs),
    protocols: names.map((protocol, i) => ({
      protocol,
      requests: Number(requests[i] ?? 0),
      http4xx: Number(http4xx[i] ?? 0),
      http5xx: Number(http5xx[i] ?? 0),
      grpcErrors: Number(grpcErrors[i] ?? 0),
      noResponse: Number(noResponse[i] ?? 0),
    })),
    sourcePrincipals: [...r.sourcePrincipals].sort(),
    destPrincipals: [...r.destPrincipals].sort(),
    destVersions: [...r.destVersions].sort(),
    ...latencyOf(total, r.quantilesMs, r.bucketsLe),
  };
}

export interface TrafficEndpointSeen extends TrafficEndpoint {
  via: 'mesh' | 'spans';
  /** how an edge reached it: '' directly (or as a caller), 'virtual_node' | 'database' for peers named by spans */
  connectionType: string;
}

/**
 * Every node that took part in an edge in a (typically longer) window, for showing idle nodes: cheap,
 * distinct keys only, no measures.
 */
export async function trafficEndpoints(
  ctx: ReadContext,
  query: Window & { level: TrafficLevel },
): Promise<TrafficEndpointSeen[]> {
  const p = new Params();
  const rowsIn = rollupRows(ctx, EDGE_ROLLUP, query, [], p);
  const side = (s: 'Source' | 'Dest', connection: string) =>
    `SELECT ${endpointDims(s, query.level, true).join(', ')}, if(Reporter = 'spans', 'spans', 'mesh') AS via,
       ${connection} AS connectionType
     FROM ${rowsIn}`;
  const rows = await ctx.rows<{
    Svc: string;
    Ns: string;
    Ver: string;
    Wl: string;
    via: 'mesh' | 'spans';
    connectionType: string;
  }>(
    `SELECT SourceSvc AS Svc, SourceNs AS Ns, SourceVer AS Ver, SourceWl AS Wl, via, connectionType
       FROM (${side('Source', "''")})
     UNION DISTINCT
     SELECT DestSvc, DestNs, DestVer, DestWl, via, connectionType
       FROM (${side('Dest', "if(Reporter = 'spans' AND SourceService = 'user', '', ConnectionType)")})
     LIMIT 10000`,
    p,
  );
  return rows.map((r) => ({
    service: r.Svc,
    namespace: r.Ns,
    version: r.Ver,
    workload: r.Wl,
    via: r.via,
    connectionType: r.connectionType,
  }));
}
