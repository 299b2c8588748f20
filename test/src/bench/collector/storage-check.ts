import { Tables, type StorageClient } from '@meshscope/collector';

/** What a data directory holds after a run: the span rows and what the materialized views made of them. */
export interface StoredCounts {
  spans: number;
  /** distinct (TraceId, SpanId): equal to `spans` when nothing was stored twice */
  distinctSpans: number;
  traces: number;
  /** distinct trace ids in the trace-id lookup table (its MV) */
  lookupTraces: number;
  /** requests counted by the per-minute RED rollup (its MV) */
  redRequests: number;
  /** spans counted by the operations catalog (its MV) */
  operationSpans: number;
}

async function one<T>(storage: StorageClient, query: string): Promise<T> {
  const rs = await storage.client.query({ query, format: 'JSONEachRow' });
  const [row] = await rs.json<T>();
  if (!row) throw new Error(`no answer to ${query}`);
  return row;
}

export async function countStored(storage: StorageClient): Promise<StoredCounts> {
  const t = (name: string) => storage.table(name);
  const spans = await one<{ n: string; d: string; t: string }>(
    storage,
    `SELECT count() AS n, uniqExact(TraceId, SpanId) AS d, uniqExact(TraceId) AS t FROM ${t(Tables.traces)}`,
  );
  const lookup = await one<{ n: string }>(
    storage,
    `SELECT uniqExact(TraceId) AS n FROM ${t(Tables.traceIdTs)}`,
  );
  const red = await one<{ n: string }>(storage, `SELECT sum(Requests) AS n FROM ${t(Tables.red1m)}`);
  const ops = await one<{ n: string }>(storage, `SELECT sum(Spans) AS n FROM ${t(Tables.operations)}`);
  return {
    spans: Number(spans.n),
    distinctSpans: Number(spans.d),
    traces: Number(spans.t),
    lookupTraces: Number(lookup.n),
    redRequests: Number(red.n),
    operationSpans: Number(ops.n),
  };
}

/** '' when the views saw every stored span exactly once; else what disagrees. */
export function viewProblems(c: StoredCounts): string {
  const problems: string[] = [];
  if (c.distinctSpans !== c.spans) problems.push(`${c.spans - c.distinctSpans} duplicate spans`);
  if (c.lookupTraces !== c.traces) problems.push(`trace-id table ${c.lookupTraces} traces vs ${c.traces}`);
  if (c.redRequests !== c.spans) problems.push(`RED rollup ${c.redRequests} requests vs ${c.spans} spans`);
  if (c.operationSpans !== c.spans) problems.push(`operations ${c.operationSpans} vs ${c.spans} spans`);
  return problems.join('; ');
}
