import type { StorageClient } from './client.js';
import type { RetentionConfig } from './config.js';
import { onCluster, storageTable, type SchemaContext, type TableSpec } from './schema/ddl.js';
import { schemaContext } from './migrate.js';
import { alertHistoryTable } from './schema/alert-tables.js';
import {
  edges1hTable,
  edges1mTable,
  metricsGaugeTable,
  metricsHistogramTable,
  metricsSumTable,
  operationsTable,
  red1hTable,
  red1mTable,
  traceIdTsTable,
  tracesTable,
} from './schema/tables.js';

const TTL_TABLES: ReadonlyArray<(ctx: SchemaContext) => TableSpec> = [
  tracesTable,
  traceIdTsTable,
  operationsTable,
  metricsSumTable,
  metricsGaugeTable,
  metricsHistogramTable,
  red1mTable,
  red1hTable,
  edges1mTable,
  edges1hTable,
  alertHistoryTable,
];

/**
 * Migrations render TTLs from the retention configured when they ran. When the operator changes retention
 * later, this brings each table's TTL to the configured days (ALTER … MODIFY TTL), and does nothing when
 * they already agree. Returns the tables it altered.
 */
export async function applyRetention(storage: StorageClient, retention: RetentionConfig): Promise<string[]> {
  const ctx = schemaContext(storage, retention);
  const local = (name: string) => (ctx.cluster ? `${name}_local` : name);
  const rs = await storage.client.query({
    query: 'SELECT name, engine_full FROM system.tables WHERE database = {db:String}',
    query_params: { db: ctx.database },
    format: 'JSONEachRow',
  });
  const engines = new Map(
    (await rs.json<{ name: string; engine_full: string }>()).map((r) => [r.name, r.engine_full]),
  );
  const altered: string[] = [];
  for (const make of TTL_TABLES) {
    const spec = make(ctx);
    const wanted = /toIntervalDay\((\d+)\)/.exec(spec.ttl ?? '')?.[1];
    const engineFull = engines.get(local(spec.name));
    if (!wanted || engineFull === undefined) continue;
    const current = /toIntervalDay\((\d+)\)/.exec(engineFull)?.[1];
    if (current === wanted) continue;
    await storage.client.command({
      query: `ALTER TABLE ${storageTable(ctx, spec.name)}${onCluster(ctx)} MODIFY TTL ${spec.ttl}`,
    });
    altered.push(spec.name);
  }
  return altered;
}
