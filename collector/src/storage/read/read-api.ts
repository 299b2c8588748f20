import type { StorageClient } from '../client.js';
import type { QueryLimits } from '../config.js';
import type { SpanKindName, SpanRow } from '../rows.js';
import { LATENCY_BOUNDS_MS, Tables } from '../schema/tables.js';
import { EDGE_ROLLUP, meshTraffic, trafficEndpoints } from './mesh-traffic.js';
import type { MeshTrafficQuery, MeshTrafficRow, TrafficEndpointSeen, TrafficLevel } from './mesh-traffic.js';
import { rollupRows, timeBucket, type ReadContext, type Rollup } from './read-context.js';
import { saturation, type SaturationPoint, type SaturationQuery } from './saturation.js';
import { Params, readSettings } from './sql.js';
import { SPAN_SELECT, toSpanRow } from './spans.js';
import { operationSamples, traceSummaries } from './trace-summaries.js';
import type { OperationSampleQuery, OperationSamples, TraceServiceSummary } from './trace-summaries.js';

/** Quantile levels every latency read returns, in this order. */
export const QUANTILES = [0.5, 0.9, 0.95, 0.99] as const;

export interface Window {
  /** unix seconds, inclusive */
  startSec: number;
  /** unix seconds, exclusive */
  endSec: number;
}

export interface SpanSearch extends Window {
  service?: string;
  operation?: string;
  spanKind?: SpanKindName;
  /** Each must hold on the same span (span attribute, or resource attribute of its service). */
  attributes?: ReadonlyArray<{ key: string; value: string }>;
  /** Only spans with StatusCode 'Error' (Jaeger's `error=true`). */
  errorOnly?: boolean;
  minDurationNs?: number;
  maxDurationNs?: number;
  limit: number;
}

export interface TraceHit {
  traceId: string;
  /** latest start of a matching span, unix ns (decimal string) */
  lastMatchNs: string;
}

export interface Latency {
  /** p50, p90, p95, p99 in ms (QUANTILES order); empty when there were no requests */
  quantilesMs: number[];
  /** cumulative counts per LATENCY_BOUNDS_MS bound, then +Inf */
  bucketsLe: number[];
}

export interface RedPoint extends Latency {
  /** bucket start (unix seconds); the window start when no step was asked for */
  timeSec: number;
  service: string;
  operation: string;
  spanKind: string;
  requests: number;
  errors: number;
  http4xx: number;
  http5xx: number;
  grpcErrors: number;
  durationSumMs: number;
}

export type RedGroup = 'service' | 'operation' | 'kind';

export interface RedQuery extends Window {
  /** bucket width; omit for one bucket over the whole window */
  stepSec?: number;
  groupBy: readonly RedGroup[];
  services?: readonly string[];
  spanKinds?: readonly SpanKindName[];
  /** false: only spans from SDKs (mesh requests are counted from agent metrics); undefined: all */
  fromAgent?: boolean;
  /**
   * Latency quantiles and buckets (default true). Merging the per-minute t-digests is nearly all of a RED
   * read's cost (measured: ~52 ms of ~60 for an hour of 50 services at 10 M spans / 2 h), so reads that
   * only need counts leave them out.
   */
  latency?: boolean;
}

/** Unix nanoseconds, both ends inclusive; either may be left open. */
export interface TraceTimeRange {
  startNs?: bigint;
  endNs?: bigint;
}

export interface EdgePoint extends Latency {
  timeSec: number;
  reporter: string;
  connectionType: string;
  sourceService: string;
  sourceWorkload: string;
  sourceNamespace: string;
  sourceVersion: string;
  sourcePrincipal: string;
  destService: string;
  destWorkload: string;
  destNamespace: string;
  destVersion: string;
  destPrincipal: string;
  protocol: string;
  requests: number;
  mtlsRequests: number;
  http4xx: number;
  http5xx: number;
  grpcErrors: number;
  noResponse: number;
  durationSumMs: number;
}

export interface EdgeQuery extends Window {
  stepSec?: number;
  reporters?: ReadonlyArray<'source' | 'destination' | 'spans'>;
  /** Keep versions, workloads and principals apart (versioned/workload graphs); else one edge per service pair. */
  detail?: boolean;
}

export interface OperationInfo {
  name: string;
  spanKind: string;
}

/** The span RED rollups, per minute and per hour, with every column a RED read uses. */
const RED_ROLLUP: Rollup = {
  minute: Tables.red1m,
  hour: Tables.red1h,
  columns: [
    'ServiceName',
    'SpanName',
    'SpanKind',
    'FromAgent',
    'Requests',
    'Errors',
    'Http4xx',
    'Http5xx',
    'GrpcErrors',
    'DurationSumNs',
    'LatencyDigest',
    'LatencyBuckets',
  ],
};

export interface ReadOptions {
  /**
   * Take the whole hours of a window from the hourly rollups and only its ragged ends from the per-minute
   * ones (default true). false reads per-minute rollups only: the reference the hourly path is tested
   * against, and a way to rule it out when numbers look wrong.
   */
  hourRollups?: boolean;
}

/**
 * The typed read side of the schema, for the query service. Every statement is parameterised, bounded by a
 * time window and by the configured execution-time, memory and result-size limits.
 */
export class ReadApi {
  readonly #settings: string;
  /** what the read modules beside this class (mesh traffic, saturation, trace summaries) run through */
  readonly #context: ReadContext;

  constructor(
    private readonly storage: StorageClient,
    readonly limits: QueryLimits,
    options: ReadOptions = {},
  ) {
    this.#settings = readSettings(limits);
    this.#context = {
      rows: (sql, params) => this.#rows(sql, params),
      table: (name) => this.storage.table(name),
      hourRollups: options.hourRollups ?? true,
    };
  }

  async #rows<T>(sql: string, params: Params | Record<string, unknown>): Promise<T[]> {
    const rs = await this.storage.client.query({
      query: `${sql}\n${this.#settings}`,
      query_params: params instanceof Params ? params.values : params,
      format: 'JSONEachRow',
    });
    return rs.json<T>();
  }

  /**
   * The first minute any traffic was stored (edge or span rollups), or null while nothing is. Rates in a
   * window reaching back before it are taken over the time there was data (see the query service).
   */
  async dataStartSec(): Promise<number | null> {
    const first = (table: string) =>
      `SELECT min(Minute) AS m FROM ${this.storage.table(table)} HAVING count() > 0`;
    const [row] = await this.#rows<{ s: number | string }>(
      `SELECT toUInt32(min(m)) AS s FROM (${first(Tables.edges1m)} UNION ALL ${first(Tables.red1m)})`,
      {},
    );
    const sec = Number(row?.s ?? 0);
    return sec > 0 ? sec : null;
  }

  /** Service names seen since `sinceSec`, from the operations catalog (never scans spans). */
  async services(sinceSec = 0): Promise<string[]> {
    const rows = await this.#rows<{ s: string }>(
      `SELECT DISTINCT ServiceName AS s FROM ${this.storage.table(Tables.operations)}
       WHERE LastSeen >= toDateTime({since:UInt32}) AND ServiceName != '' ORDER BY s LIMIT 10000`,
      { since: Math.max(0, Math.floor(sinceSec)) },
    );
    return rows.map((r) => r.s);
  }

  async operations(service: string, spanKind?: SpanKindName): Promise<OperationInfo[]> {
    const p = new Params();
    const kind = spanKind ? `AND SpanKind = ${p.add(spanKind, 'String')}` : '';
    return this.#rows<OperationInfo>(
      `SELECT SpanName AS name, SpanKind AS spanKind FROM ${this.storage.table(Tables.operations)}
       WHERE ServiceName = ${p.add(service, 'String')} ${kind}
       GROUP BY name, spanKind ORDER BY name, spanKind LIMIT 10000`,
      p,
    );
  }

  /**
   * All spans of one trace, found through the trace-id time-range table; [] when unknown. A time range
   * (Jaeger's `start`/`end`) keeps only the spans starting inside it.
   */
  async trace(traceId: string, range: TraceTimeRange = {}): Promise<SpanRow[]> {
    return this.traces([traceId], range);
  }

  /** All spans of several traces (at most 1,000 ids), optionally only those starting inside a range. */
  async traces(traceIds: readonly string[], range: TraceTimeRange = {}): Promise<SpanRow[]> {
    if (traceIds.length === 0) return [];
    if (traceIds.length > 1000) throw new RangeError('at most 1000 trace ids per fetch');
    const traces = this.storage.table(Tables.traces);
    const lookup = this.storage.table(Tables.traceIdTs);
    const params: Record<string, unknown> = { ids: [...traceIds], limit: this.limits.maxRowsToReturn };
    const bounds: string[] = [];
    if (range.startNs !== undefined) {
      params.startNs = range.startNs.toString();
      bounds.push('AND Timestamp >= fromUnixTimestamp64Nano({startNs:Int64})');
    }
    if (range.endNs !== undefined) {
      params.endNs = range.endNs.toString();
      bounds.push('AND Timestamp <= fromUnixTimestamp64Nano({endNs:Int64})');
    }
    const raw = await this.#rows<Parameters<typeof toSpanRow>[0]>(
      `WITH (SELECT (min(Start), max(End)) FROM ${lookup} WHERE TraceId IN {ids:Array(String)}) AS range
       SELECT ${SPAN_SELECT} FROM ${traces}
       WHERE TraceId IN {ids:Array(String)}
         AND Timestamp >= range.1 AND Timestamp <= addSeconds(range.2, 1) ${bounds.join(' ')}
       ORDER BY TraceId, Timestamp
       LIMIT {limit:UInt32}`,
      params,
    );
    return raw.map(toSpanRow);
  }

  /** Trace ids having one span that meets every condition, most recent first. */
  async searchTraces(search: SpanSearch): Promise<TraceHit[]> {
    const p = new Params();
    const where = [
      `Timestamp >= toDateTime64(${p.add(search.startSec, 'Float64')}, 9)`,
      `Timestamp < toDateTime64(${p.add(search.endSec, 'Float64')}, 9)`,
    ];
    if (search.service !== undefined) where.push(`ServiceName = ${p.add(search.service, 'String')}`);
    if (search.operation !== undefined) where.push(`SpanName = ${p.add(search.operation, 'String')}`);
    if (search.spanKind !== undefined) where.push(`SpanKind = ${p.add(search.spanKind, 'String')}`);
    if (search.errorOnly) where.push(`StatusCode = 'Error'`);
    if (search.minDurationNs !== undefined)
      where.push(`Duration >= ${p.add(search.minDurationNs, 'UInt64')}`);
    if (search.maxDurationNs !== undefined)
      where.push(`Duration <= ${p.add(search.maxDurationNs, 'UInt64')}`);
    for (const { key, value } of search.attributes ?? []) {
      const k = p.add(key, 'String');
      const v = p.add(value, 'String');
      where.push(`(SpanAttributes[${k}] = ${v} OR ResourceAttributes[${k}] = ${v})`);
    }
    const rows = await this.#rows<{ traceId: string; lastMatchNs: string }>(
      `SELECT TraceId AS traceId, toString(toUnixTimestamp64Nano(max(Timestamp))) AS lastMatchNs
       FROM ${this.storage.table(Tables.traces)}
       WHERE ${where.join('\n AND ')}
       GROUP BY TraceId
       ORDER BY max(Timestamp) DESC
       LIMIT ${p.add(Math.min(search.limit, 10_000), 'UInt32')}`,
      p,
    );
    return rows;
  }

  /** RED (rate, errors, duration) from span rollups, grouped and bucketed as asked. */
  async red(query: RedQuery): Promise<RedPoint[]> {
    const p = new Params();
    const where: string[] = [];
    if (query.services?.length) where.push(`ServiceName IN ${p.add(query.services, 'Array(String)')}`);
    if (query.spanKinds?.length) where.push(`SpanKind IN ${p.add(query.spanKinds, 'Array(String)')}`);
    if (query.fromAgent !== undefined) where.push(`FromAgent = ${query.fromAgent ? 1 : 0}`);
    const rowsIn = rollupRows(this.#context, RED_ROLLUP, query, where, p);
    const groups: string[] = [];
    const service = query.groupBy.includes('service') ? 'ServiceName' : "''";
    const operation = query.groupBy.includes('operation') ? 'SpanName' : "''";
    const kind = query.groupBy.includes('kind') ? 'SpanKind' : "''";
    if (query.groupBy.includes('service')) groups.push('service');
    if (query.groupBy.includes('operation')) groups.push('operation');
    if (query.groupBy.includes('kind')) groups.push('spanKind');
    const rows = await this.#rows<Record<string, unknown>>(
      `SELECT ${timeBucket(query, 'Time', p)} AS timeSec, ${service} AS service, ${operation} AS operation,
         ${kind} AS spanKind,
         sum(Requests) AS requests, sum(Errors) AS errors, sum(Http4xx) AS http4xx, sum(Http5xx) AS http5xx,
         sum(GrpcErrors) AS grpcErrors, sum(DurationSumNs) / 1e6 AS durationSumMs,
         ${
           query.latency === false
             ? '[] AS quantilesMs, [] AS bucketsLe'
             : `quantilesTDigestMerge(${QUANTILES.join(', ')})(LatencyDigest) AS quantilesMs,
         sumForEachMerge(LatencyBuckets) AS bucketsLe`
         }
       FROM ${rowsIn}
       GROUP BY ${['timeSec', ...groups].join(', ')}
       ORDER BY ${['timeSec', ...groups].join(', ')}
       LIMIT 100000`,
      p,
    );
    return rows.map((r) => ({
      timeSec: Number(r.timeSec),
      service: String(r.service),
      operation: String(r.operation),
      spanKind: String(r.spanKind),
      requests: Number(r.requests),
      errors: Number(r.errors),
      http4xx: Number(r.http4xx),
      http5xx: Number(r.http5xx),
      grpcErrors: Number(r.grpcErrors),
      durationSumMs: Number(r.durationSumMs),
      ...latency(r),
    }));
  }

  /** Edge traffic from the edge rollups (agent metrics and span pairing). */
  async edges(query: EdgeQuery): Promise<EdgePoint[]> {
    const p = new Params();
    const where: string[] = [];
    if (query.reporters?.length) where.push(`Reporter IN ${p.add(query.reporters, 'Array(String)')}`);
    const rowsIn = rollupRows(this.#context, EDGE_ROLLUP, query, where, p);
    const detail = query.detail ?? false;
    const dims: [string, string][] = [
      ['reporter', 'Reporter'],
      ['connectionType', 'ConnectionType'],
      ['sourceService', 'SourceService'],
      ['sourceWorkload', detail ? 'SourceWorkload' : "''"],
      ['sourceNamespace', 'SourceNamespace'],
      ['sourceVersion', detail ? 'SourceVersion' : "''"],
      ['sourcePrincipal', detail ? 'SourcePrincipal' : "''"],
      ['destService', 'DestService'],
      ['destWorkload', detail ? 'DestWorkload' : "''"],
      ['destNamespace', 'DestNamespace'],
      ['destVersion', detail ? 'DestVersion' : "''"],
      ['destPrincipal', detail ? 'DestPrincipal' : "''"],
      ['protocol', 'Protocol'],
    ];
    const rows = await this.#rows<Record<string, unknown>>(
      `SELECT ${timeBucket(query, 'Time', p)} AS timeSec, ${dims.map(([alias, expr]) => `${expr} AS ${alias}`).join(', ')},
         sum(Requests) AS requests, sumIf(Requests, Mtls = 1) AS mtlsRequests, sum(Http4xx) AS http4xx,
         sum(Http5xx) AS http5xx, sum(GrpcErrors) AS grpcErrors, sum(NoResponse) AS noResponse,
         sum(DurationSumMs) AS durationSumMs,
         quantilesTDigestWeightedMerge(${QUANTILES.join(', ')})(LatencyDigest) AS quantilesMs,
         sumForEachMerge(LatencyBuckets) AS bucketsLe
       FROM ${rowsIn}
       GROUP BY timeSec, ${dims.map(([alias]) => alias).join(', ')}
       ORDER BY timeSec, sourceService, destService
       LIMIT 100000`,
      p,
    );
    return rows.map((r) => ({
      timeSec: Number(r.timeSec),
      reporter: String(r.reporter),
      connectionType: String(r.connectionType),
      sourceService: String(r.sourceService),
      sourceWorkload: String(r.sourceWorkload),
      sourceNamespace: String(r.sourceNamespace),
      sourceVersion: String(r.sourceVersion),
      sourcePrincipal: String(r.sourcePrincipal),
      destService: String(r.destService),
      destWorkload: String(r.destWorkload),
      destNamespace: String(r.destNamespace),
      destVersion: String(r.destVersion),
      destPrincipal: String(r.destPrincipal),
      protocol: String(r.protocol),
      requests: Number(r.requests),
      mtlsRequests: Number(r.mtlsRequests),
      http4xx: Number(r.http4xx),
      http5xx: Number(r.http5xx),
      grpcErrors: Number(r.grpcErrors),
      noResponse: Number(r.noResponse),
      durationSumMs: Number(r.durationSumMs),
      ...latency(r),
    }));
  }

  /** Resolves when ClickHouse answers a trivial statement (readiness). */
  async ping(): Promise<void> {
    await this.#rows<{ ok: number }>('SELECT 1 AS ok', {});
  }

  /** Edge traffic with every request counted once (see mesh-traffic.ts), grouped as asked. */
  meshTraffic(query: MeshTrafficQuery): Promise<MeshTrafficRow[]> {
    return meshTraffic(this.#context, query);
  }

  /** Nodes that took part in any edge in the window (for idle nodes). */
  trafficEndpoints(query: Window & { level: TrafficLevel }): Promise<TrafficEndpointSeen[]> {
    return trafficEndpoints(this.#context, query);
  }

  /** Agents' in-flight and pool-pending gauges per service. */
  saturation(query: SaturationQuery): Promise<SaturationPoint[]> {
    return saturation(this.#context, query);
  }

  /** Per (trace, service) summaries of up to 1,000 traces. */
  traceSummaries(traceIds: readonly string[]): Promise<TraceServiceSummary[]> {
    return traceSummaries(this.#context, traceIds, this.limits.maxRowsToReturn);
  }

  /** Slowest and baseline trace ids for one operation (latency attribution). */
  operationSamples(query: OperationSampleQuery): Promise<OperationSamples> {
    return operationSamples(this.#context, query);
  }
}

function latency(r: Record<string, unknown>): Latency {
  const requests = Number(r.requests);
  const q = (r.quantilesMs as unknown[] | undefined) ?? [];
  const b = (r.bucketsLe as unknown[] | undefined) ?? [];
  return {
    quantilesMs: requests > 0 ? q.map(Number) : [],
    bucketsLe: b.length ? b.map(Number) : new Array<number>(LATENCY_BOUNDS_MS.length + 1).fill(0),
  };
}
