import { onCluster, storageTable, type SchemaContext } from './ddl.js';
import { Tables } from './tables.js';

/**
 * otel_traces in a second order: by TraceId. The exporter's order key (service, span name, time) keeps
 * one service's spans together, which is what searches and rollups want, but scatters a trace over one
 * granule per service it crossed: fetching a 30-service trace read 30 granules of every column (measured
 * on 10 M spans: ~100 ms per trace). ClickHouse keeps the projection inside each part, in step with merges,
 * TTL and replication, and uses it by itself for `TraceId IN (…)`, so reads stay plain SQL and writers
 * (an OpenTelemetry Collector too) need not know. Its granules are small, so one trace reads a few
 * hundred rows instead of thousands. The cost is storage and insert work for a second copy of the spans.
 */
export const TRACE_ID_PROJECTION = 'trace_id_order';

/** Rows per granule of the projection: a trace of a few hundred spans reads one or two granules. */
export const TRACE_ID_PROJECTION_GRANULARITY = 1024;

export function traceIdProjectionStatements(ctx: SchemaContext): string[] {
  const table = `${storageTable(ctx, Tables.traces)}${onCluster(ctx)}`;
  return [
    `ALTER TABLE ${table} ADD PROJECTION IF NOT EXISTS ${TRACE_ID_PROJECTION} (SELECT * ORDER BY TraceId)` +
      ` WITH SETTINGS (index_granularity = ${TRACE_ID_PROJECTION_GRANULARITY})`,
    // Existing parts get the projection in the background (a mutation); new parts have it at once.
    `ALTER TABLE ${table} MATERIALIZE PROJECTION ${TRACE_ID_PROJECTION}`,
  ];
}
