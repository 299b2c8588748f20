import type { Logger } from 'pino';
import { AGENT_RESOURCE_ATTR } from '../conventions/mesh.js';
import type { StorageClient } from '../storage/client.js';
import { LATENCY_BOUNDS_MS, Tables } from '../storage/schema/tables.js';

const EDGE_COLUMNS = `Minute, Reporter, ConnectionType, SourceService, SourceWorkload, SourceNamespace, SourceVersion,
  SourcePrincipal, DestService, DestWorkload, DestNamespace, DestVersion, DestPrincipal, Protocol, Mtls, Requests,
  Http4xx, Http5xx, GrpcErrors, NoResponse, DurationSumMs, LatencyBucketsLe, LatencyValuesMs, LatencyWeights`;

const boundsNs = `[${LATENCY_BOUNDS_MS.map((ms) => ms * 1_000_000).join(', ')}]`;
const NOT_AGENT = `ResourceAttributes['${AGENT_RESOURCE_ATTR}'] != 'true'`;
const NAMESPACE = `if(ResourceAttributes['k8s.namespace.name'] != '', ResourceAttributes['k8s.namespace.name'], ResourceAttributes['service.namespace'])`;
const HTTP_STATUS = `toUInt16OrZero(if(SpanAttributes['http.response.status_code'] != '', SpanAttributes['http.response.status_code'], SpanAttributes['http.status_code']))`;
/** The peer an unpaired client span talked to, in Tempo's order of preference. */
const PEER = `multiIf(
    SpanAttributes['peer.service'] != '', SpanAttributes['peer.service'],
    SpanAttributes['db.namespace'] != '', SpanAttributes['db.namespace'],
    SpanAttributes['db.name'] != '', SpanAttributes['db.name'],
    SpanAttributes['db.system.name'] != '', SpanAttributes['db.system.name'],
    SpanAttributes['db.system'] != '', SpanAttributes['db.system'],
    SpanAttributes['server.address'] != '', SpanAttributes['server.address'],
    SpanAttributes['net.peer.name'] != '', SpanAttributes['net.peer.name'],
    SpanAttributes['network.peer.address'] != '',
      concat(SpanAttributes['network.peer.address'], if(SpanAttributes['network.peer.port'] != '', concat(':', SpanAttributes['network.peer.port']), '')),
    '')`;

/** Client/producer spans of SDK-instrumented services that start in the window, with what edges need. */
function clientsSql(traces: string): string {
  return `SELECT Timestamp, TraceId, SpanId, SpanKind, ServiceName, Duration,
      ${NAMESPACE} AS Namespace, ResourceAttributes['service.version'] AS Version,
      SpanAttributes['db.system'] != '' OR SpanAttributes['db.system.name'] != '' AS IsDb,
      ${PEER} AS Peer,
      ${HTTP_STATUS} AS Code,
      SpanAttributes['rpc.grpc.status_code'] AS Grpc,
      multiIf(SpanAttributes['rpc.system'] = 'grpc', 'grpc', IsDb, 'tcp', 'http') AS Proto
    FROM ${traces}
    WHERE Timestamp >= fromUnixTimestamp64Nano({startNs:Int64}) AND Timestamp < fromUnixTimestamp64Nano({endNs:Int64})
      AND SpanKind IN ('Client', 'Producer') AND ${NOT_AGENT}`;
}

/** Children of spans near the window (skew allowed), reduced to what the pairing needs. */
function childrenSql(traces: string): string {
  return `SELECT TraceId, ParentSpanId,
      anyIf(ServiceName, SpanKind IN ('Server', 'Consumer')) AS ServerService,
      anyIf(${NAMESPACE}, SpanKind IN ('Server', 'Consumer')) AS ServerNamespace,
      anyIf(ResourceAttributes['service.version'], SpanKind IN ('Server', 'Consumer')) AS ServerVersion,
      max(ResourceAttributes['${AGENT_RESOURCE_ATTR}'] = 'true') AS ViaAgent,
      anyIf(${HTTP_STATUS}, SpanKind IN ('Server', 'Consumer')) AS ServerCode
    FROM ${traces}
    WHERE Timestamp >= fromUnixTimestamp64Nano({startNs:Int64}) - INTERVAL {skewSec:UInt32} SECOND
      AND Timestamp < fromUnixTimestamp64Nano({endNs:Int64}) + INTERVAL {skewSec:UInt32} SECOND
      AND ParentSpanId != ''
    GROUP BY TraceId, ParentSpanId`;
}

/**
 * CLIENT→SERVER edges for services outside the mesh (Tempo / OTel servicegraph semantics), computed over a
 * closed window so it works on a single embedded engine too. A client span paired with an SDK server span is
 * a direct edge; unpaired, it names a virtual node (peer.service, db, server.address…); when its child is an
 * agent span the request went through the mesh and is already counted from agent metrics, so it is skipped.
 */
export function clientEdgesSql(storage: StorageClient): string {
  const traces = storage.table(Tables.traces);
  return `INSERT INTO ${storage.table(Tables.edgeInput)} (${EDGE_COLUMNS})
SELECT toStartOfMinute(c.Timestamp, 'UTC'), 'spans',
  multiIf(ch.ServerService != '', if(c.SpanKind = 'Producer', 'messaging_system', ''), c.IsDb, 'database', 'virtual_node'),
  c.ServiceName, '', c.Namespace, c.Version, '',
  if(ch.ServerService != '', ch.ServerService, c.Peer), '', if(ch.ServerService != '', ch.ServerNamespace, ''),
  if(ch.ServerService != '', ch.ServerVersion, ''), '',
  c.Proto, 0, 1,
  toUInt64(if(c.Code != 0, c.Code, ch.ServerCode) BETWEEN 400 AND 499),
  toUInt64(if(c.Code != 0, c.Code, ch.ServerCode) >= 500),
  toUInt64(c.Grpc NOT IN ('', '0')), 0,
  c.Duration / 1e6,
  arrayConcat(arrayMap(b -> toUInt64(c.Duration <= b), ${boundsNs}), [toUInt64(1)]),
  [c.Duration / 1e6], [toUInt64(1)]
FROM (${clientsSql(traces)}) AS c
LEFT JOIN (${childrenSql(traces)}) AS ch ON c.TraceId = ch.TraceId AND c.SpanId = ch.ParentSpanId
WHERE ch.ViaAgent = 0 AND (ch.ServerService != '' OR c.Peer != '')
SETTINGS insert_deduplication_token = {token:String}, deduplicate_blocks_in_dependent_materialized_views = 1,
  join_use_nulls = 0`;
}

/** A SERVER span without a parent gets a virtual "user" caller, as Tempo and Kiali draw it. */
export function rootEdgesSql(storage: StorageClient): string {
  return `INSERT INTO ${storage.table(Tables.edgeInput)} (${EDGE_COLUMNS})
SELECT toStartOfMinute(Timestamp, 'UTC'), 'spans', 'virtual_node', 'user', '', '', '', '',
  ServiceName, '', ${NAMESPACE}, ResourceAttributes['service.version'], '',
  if(SpanAttributes['rpc.system'] = 'grpc', 'grpc', 'http'), 0, 1,
  toUInt64(${HTTP_STATUS} BETWEEN 400 AND 499), toUInt64(${HTTP_STATUS} >= 500),
  toUInt64(SpanAttributes['rpc.grpc.status_code'] NOT IN ('', '0')), 0,
  Duration / 1e6,
  arrayConcat(arrayMap(b -> toUInt64(Duration <= b), ${boundsNs}), [toUInt64(1)]),
  [Duration / 1e6], [toUInt64(1)]
FROM ${storage.table(Tables.traces)}
WHERE Timestamp >= fromUnixTimestamp64Nano({startNs:Int64}) AND Timestamp < fromUnixTimestamp64Nano({endNs:Int64})
  AND SpanKind IN ('Server', 'Consumer') AND ParentSpanId = '' AND ${NOT_AGENT}
SETTINGS insert_deduplication_token = {token:String}, deduplicate_blocks_in_dependent_materialized_views = 1`;
}

export interface PairingOptions {
  /** How long after a minute ends before it is paired (late spans). */
  lagSec: number;
  /** Clock skew tolerated between a client span and its server span. */
  skewSec: number;
  /** How often the job looks for closed minutes. */
  intervalMs: number;
  /** At start, minutes this far back are (re)paired; re-pairing a minute is deduplicated by ClickHouse. */
  catchUpSec: number;
}

/**
 * Pairs spans one closed minute at a time. Each minute's inserts carry a token derived from the minute, so
 * running the same minute twice (a restart, or two collectors) stores its edges once.
 */
export class SpanPairingJob {
  #timer: NodeJS.Timeout | undefined;
  #running: Promise<void> | undefined;
  #nextMinute: number;
  #stopped = false;

  constructor(
    private readonly storage: StorageClient,
    private readonly options: PairingOptions,
    private readonly log: Logger,
    private readonly now: () => number = Date.now,
  ) {
    this.#nextMinute = Math.floor((now() / 1000 - options.catchUpSec) / 60) * 60;
  }

  start(): void {
    this.#timer = setInterval(() => {
      this.#running ??= this.runDue()
        .then(() => undefined)
        .finally(() => (this.#running = undefined));
    }, this.options.intervalMs);
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    clearInterval(this.#timer);
    await this.#running;
  }

  /** Pairs every minute that has closed (plus lag) and not been paired by this process yet. */
  async runDue(): Promise<number> {
    let done = 0;
    while (!this.#stopped && this.#nextMinute + 60 + this.options.lagSec <= this.now() / 1000) {
      try {
        await this.pairMinute(this.#nextMinute);
      } catch (err) {
        this.log.warn({ err, minute: this.#nextMinute }, 'span pairing failed; will retry');
        return done;
      }
      this.#nextMinute += 60;
      done++;
    }
    return done;
  }

  async pairMinute(minuteSec: number): Promise<void> {
    const startNs = BigInt(minuteSec) * 1_000_000_000n;
    const params = {
      startNs: startNs.toString(),
      endNs: (startNs + 60_000_000_000n).toString(),
      skewSec: this.options.skewSec,
    };
    await this.storage.client.command({
      query: clientEdgesSql(this.storage),
      query_params: { ...params, token: `pairing-client-${minuteSec}` },
    });
    await this.storage.client.command({
      query: rootEdgesSql(this.storage),
      query_params: { ...params, token: `pairing-root-${minuteSec}` },
    });
  }
}
