import type { Logger } from 'pino';
import type { StorageClient } from './client.js';
import type { RetentionConfig } from './config.js';
import { onCluster, q, type SchemaContext } from './schema/ddl.js';
import { LATEST_SCHEMA_VERSION, MIGRATIONS, type Migration } from './schema/migrations.js';
import { Tables } from './schema/tables.js';

export class SchemaTooNewError extends Error {
  constructor(readonly found: number) {
    super(
      `The database schema is at version ${found}, newer than this meshscope knows (${LATEST_SCHEMA_VERSION}). ` +
        'Upgrade meshscope (or point it at another database); refusing to run against a schema it does not understand.',
    );
    this.name = 'SchemaTooNewError';
  }
}

export interface MigrationResult {
  applied: number[];
  version: number;
}

export function schemaContext(storage: StorageClient, retention: RetentionConfig): SchemaContext {
  return { database: storage.database, cluster: storage.cluster, retention };
}

/** Statements that create the migrations bookkeeping (shared by every node of a cluster). */
export function bookkeepingStatements(ctx: SchemaContext): string[] {
  const engine = ctx.cluster
    ? `ReplicatedMergeTree('/clickhouse/tables/${ctx.database}/${Tables.migrations}', '{replica}')`
    : 'MergeTree';
  return [
    `CREATE DATABASE IF NOT EXISTS \`${ctx.database}\`${onCluster(ctx)}`,
    `CREATE TABLE IF NOT EXISTS ${q(ctx, Tables.migrations)}${onCluster(ctx)} (
    Version UInt32,
    Name String,
    AppliedAt DateTime64(3, 'UTC')
) ENGINE = ${engine}
ORDER BY Version`,
  ];
}

/**
 * Brings the schema to LATEST_SCHEMA_VERSION: idempotent (safe to run twice, or from two processes at
 * once), ordered, and refuses a database whose schema is newer than this code.
 */
export async function migrate(
  storage: StorageClient,
  retention: RetentionConfig,
  log?: Pick<Logger, 'info'>,
  migrations: readonly Migration[] = MIGRATIONS,
): Promise<MigrationResult> {
  const ctx = schemaContext(storage, retention);
  for (const sql of bookkeepingStatements(ctx)) await storage.client.command({ query: sql });

  const current = await currentVersion(storage);
  const latest = Math.max(0, ...migrations.map((m) => m.version));
  if (current > latest) throw new SchemaTooNewError(current);

  const applied: number[] = [];
  for (const m of [...migrations].sort((a, b) => a.version - b.version)) {
    if (m.version <= current) continue;
    log?.info({ version: m.version, migration: m.name }, 'applying schema migration');
    for (const sql of m.statements(ctx)) await storage.client.command({ query: sql });
    await storage.client.insert({
      table: storage.table(Tables.migrations),
      values: [{ Version: m.version, Name: m.name, AppliedAt: Date.now() }],
      format: 'JSONEachRow',
    });
    applied.push(m.version);
  }
  return { applied, version: Math.max(current, ...applied) };
}

export async function currentVersion(storage: StorageClient): Promise<number> {
  const rs = await storage.client.query({
    query: `SELECT max(Version) AS v FROM ${storage.table(Tables.migrations)}`,
    format: 'JSONEachRow',
  });
  const rows = await rs.json<{ v: number }>();
  return Number(rows[0]?.v ?? 0);
}
