import { Tables } from '../schema/tables.js';
import type { Window } from './read-api.js';
import type { ReadContext } from './read-context.js';
import { Params } from './sql.js';

/**
 * Reads over whole traces that return aggregates rather than spans: per-trace, per-service summaries for
 * search result lists, and trace-id samples for latency attribution. Both go through the trace-id lookup
 * table (or a service/operation condition on the order key) so no statement scans every span.
 */

export interface TraceServiceSummary {
  traceId: string;
  service: string;
  spans: number;
  errors: number;
  /** earliest span start of this service in the trace, unix µs (truncated as Jaeger does) */
  startUs: number;
  /** latest span end (truncated start + truncated duration), unix µs */
  endUs: number;
  /** earliest span without a parent, '' when this service has none */
  rootOperation: string;
  rootStartUs: number | null;
  /** earliest span of the service, whatever its parent */
  firstOperation: string;
}

/** Per (trace, service) summaries of up to 1,000 traces. */
export async function traceSummaries(
  ctx: ReadContext,
  traceIds: readonly string[],
  maxRows: number,
): Promise<TraceServiceSummary[]> {
  if (traceIds.length === 0) return [];
  if (traceIds.length > 1000) throw new RangeError('at most 1000 trace ids per fetch');
  const p = new Params();
  const ids = p.add([...traceIds], 'Array(String)');
  const startUs = 'intDiv(toUnixTimestamp64Nano(Timestamp), 1000)';
  const rows = await ctx.rows<Record<string, string | number>>(
    `WITH (SELECT (min(Start), max(End)) FROM ${ctx.table(Tables.traceIdTs)} WHERE TraceId IN ${ids}) AS range
     SELECT TraceId AS traceId, ServiceName AS service, count() AS spans,
       countIf(StatusCode = 'Error') AS errors,
       min(${startUs}) AS startUs, max(${startUs} + intDiv(Duration, 1000)) AS endUs,
       argMinIf(SpanName, Timestamp, ParentSpanId = '') AS rootOperation,
       countIf(ParentSpanId = '') AS roots,
       minIf(${startUs}, ParentSpanId = '') AS rootStartUs,
       argMin(SpanName, Timestamp) AS firstOperation
     FROM ${ctx.table(Tables.traces)}
     WHERE TraceId IN ${ids} AND Timestamp >= range.1 AND Timestamp <= addSeconds(range.2, 1)
     GROUP BY traceId, service
     ORDER BY traceId, service
     LIMIT ${p.add(maxRows, 'UInt32')}`,
    p,
  );
  return rows.map((r) => ({
    traceId: String(r.traceId),
    service: String(r.service),
    spans: Number(r.spans),
    errors: Number(r.errors),
    startUs: Number(r.startUs),
    endUs: Number(r.endUs),
    rootOperation: Number(r.roots) > 0 ? String(r.rootOperation) : '',
    rootStartUs: Number(r.roots) > 0 ? Number(r.rootStartUs) : null,
    firstOperation: String(r.firstOperation),
  }));
}

export interface OperationSampleQuery extends Window {
  service: string;
  operation: string;
  /** the slowest traces to take (by this operation's longest span in each) */
  slowest: number;
  /** a pseudo-random sample of traces having this operation, as the baseline */
  baseline: number;
}

export interface OperationSamples {
  slow: string[];
  baseline: string[];
}

/**
 * Trace ids for latency attribution: the traces in which the operation's span took longest, and a
 * deterministic pseudo-random sample (by trace-id hash) of all traces having the operation.
 */
export async function operationSamples(
  ctx: ReadContext,
  query: OperationSampleQuery,
): Promise<OperationSamples> {
  if (!(query.endSec > query.startSec)) throw new RangeError('window end must be after its start');
  const sample = async (order: string, limit: number): Promise<string[]> => {
    const p = new Params();
    const rows = await ctx.rows<{ traceId: string }>(
      `SELECT TraceId AS traceId FROM ${ctx.table(Tables.traces)}
       WHERE ServiceName = ${p.add(query.service, 'String')} AND SpanName = ${p.add(query.operation, 'String')}
         AND Timestamp >= toDateTime64(${p.add(query.startSec, 'Float64')}, 9)
         AND Timestamp < toDateTime64(${p.add(query.endSec, 'Float64')}, 9)
       GROUP BY TraceId
       ORDER BY ${order}
       LIMIT ${p.add(Math.max(0, Math.min(limit, 1000)), 'UInt32')}`,
      p,
    );
    return rows.map((r) => r.traceId);
  };
  const [slow, baseline] = await Promise.all([
    query.slowest > 0 ? sample('max(Duration) DESC, TraceId', query.slowest) : Promise.resolve([]),
    query.baseline > 0 ? sample('cityHash64(TraceId), TraceId', query.baseline) : Promise.resolve([]),
  ]);
  return { slow, baseline };
}
