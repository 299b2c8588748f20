import { INFLIGHT_METRIC, MeshAttr, POOL_PENDING_METRIC } from '../../conventions/mesh.js';
import { Tables } from '../schema/tables.js';
import type { Window } from './read-api.js';
import type { ReadContext } from './read-context.js';
import { Params } from './sql.js';

/**
 * Saturation reported by agents as gauges (`otel_metrics_gauge`): requests in flight through a service's
 * inbound listeners, and requests queued for an upstream connection in its outbound pools. Agents sample
 * the gauges every export interval; several replicas of a service report at different instants. So each
 * instance's peak per minute is taken, the instances' peaks are added up (the service's load in that
 * minute), and a bucket reports the largest per-minute load.
 */

export interface SaturationQuery extends Window {
  /** bucket width (at least 60 s); omit for one bucket over the whole window */
  stepSec?: number;
  services?: readonly string[];
}

export interface SaturationPoint {
  /** bucket start, unix seconds */
  timeSec: number;
  /** the reporting service (the agent's `service.name`) */
  service: string;
  /** peak in-flight inbound requests; null when no agent reported it */
  inflight: number | null;
  /** peak requests waiting for an upstream connection; null when no agent reported it */
  poolPending: number | null;
}

export async function saturation(ctx: ReadContext, query: SaturationQuery): Promise<SaturationPoint[]> {
  if (!(query.endSec > query.startSec)) throw new RangeError('window end must be after its start');
  const p = new Params();
  const start = p.add(Math.floor(query.startSec), 'Int64');
  const end = p.add(Math.ceil(query.endSec), 'Int64');
  const inflight = p.add(INFLIGHT_METRIC, 'String');
  const pending = p.add(POOL_PENDING_METRIC, 'String');
  const bucket = query.stepSec
    ? (() => {
        const step = p.add(Math.max(60, Math.floor(query.stepSec)), 'UInt32');
        return `toUInt32(intDiv(toUnixTimestamp(minute), ${step}) * ${step})`;
      })()
    : `toUInt32(${p.add(Math.floor(query.startSec), 'UInt32')})`;
  const where = [
    `TimeUnix >= fromUnixTimestamp64Nano(${start} * 1000000000)`,
    `TimeUnix < fromUnixTimestamp64Nano(${end} * 1000000000)`,
    `MetricName IN (${inflight}, ${pending})`,
    // Inbound only: what the service itself is working on (outbound in-flight waits on others).
    `(MetricName != ${inflight} OR Attributes['${MeshAttr.reporter}'] = 'destination')`,
  ];
  if (query.services) where.push(`ServiceName IN ${p.add(query.services, 'Array(String)')}`);
  const rows = await ctx.rows<{
    timeSec: number | string;
    service: string;
    inflight: number | null;
    poolPending: number | null;
  }>(
    `SELECT ${bucket} AS timeSec, service,
       maxIf(load, metric = ${inflight}) AS inflightPeak, countIf(metric = ${inflight}) > 0 AS hasInflight,
       maxIf(load, metric = ${pending}) AS pendingPeak, countIf(metric = ${pending}) > 0 AS hasPending,
       if(hasInflight, inflightPeak, NULL) AS inflight, if(hasPending, pendingPeak, NULL) AS poolPending
     FROM (
       SELECT service, metric, minute, sum(peak) AS load FROM (
         SELECT ServiceName AS service, MetricName AS metric, toStartOfMinute(TimeUnix) AS minute,
           ResourceAttributes['service.instance.id'] AS instance, Attributes['upstream_cluster'] AS cluster,
           max(Value) AS peak
         FROM ${ctx.table(Tables.metricsGauge)}
         WHERE ${where.join(' AND ')}
         GROUP BY service, metric, minute, instance, cluster)
       GROUP BY service, metric, minute)
     GROUP BY timeSec, service
     ORDER BY timeSec, service
     LIMIT 100000`,
    p,
  );
  return rows.map((r) => ({
    timeSec: Number(r.timeSec),
    service: r.service,
    inflight: r.inflight === null ? null : Number(r.inflight),
    poolPending: r.poolPending === null ? null : Number(r.poolPending),
  }));
}
