import type { RetentionConfig } from '../config.js';

/**
 * Renders DDL for a single node or for a cluster. On a cluster every table `t` becomes a replicated
 * `t_local` on each node plus a Distributed `t` over it, every statement runs ON CLUSTER, and materialized
 * views connect the local tables (each shard aggregates what it stores). Readers and writers always use the
 * plain name `t`, so nothing above the schema knows which layout it talks to.
 */
export interface SchemaContext {
  database: string;
  cluster?: string | undefined;
  retention: RetentionConfig;
}

export type Engine = 'MergeTree' | 'AggregatingMergeTree' | 'ReplacingMergeTree' | 'Null';

export interface TableSpec {
  name: string;
  /** Column and index definitions, one per line. */
  columns: string[];
  engine: Engine;
  /** Arguments of the engine (e.g. the version column of a ReplacingMergeTree). */
  engineArgs?: string;
  partitionBy?: string;
  primaryKey?: string;
  orderBy?: string;
  /** TTL clause body (without the TTL keyword). */
  ttl?: string;
  settings?: string[];
  /** Distributed sharding expression (cluster mode). */
  shardingKey: string;
}

export interface ViewSpec {
  name: string;
  /** Target table (plain name; resolved to its local table on a cluster). */
  to: string;
  /** SELECT text; `{source}` is replaced with the source table reference. */
  select: string;
  /** Source table (plain name). */
  from: string;
}

/**
 * Every table we write gets insert deduplication, so a batch replayed from the spool after an insert whose
 * acknowledgement was lost is stored once (see writer/). Replicated tables deduplicate by default.
 */
export const DEDUP_SETTINGS = ['non_replicated_deduplication_window = 1000'];

export function q(ctx: SchemaContext, name: string): string {
  return `\`${ctx.database}\`.\`${name}\``;
}

/** The physical table that holds rows: `name_local` on a cluster, `name` on a single node. */
export function storageTable(ctx: SchemaContext, name: string): string {
  return q(ctx, ctx.cluster ? `${name}_local` : name);
}

export function onCluster(ctx: SchemaContext): string {
  return ctx.cluster ? ` ON CLUSTER \`${ctx.cluster}\`` : '';
}

function engineClause(ctx: SchemaContext, spec: TableSpec, localName: string): string {
  if (spec.engine === 'Null') return 'Null';
  const args = spec.engineArgs ?? '';
  if (!ctx.cluster) return `${spec.engine}(${args})`;
  const path = `'/clickhouse/tables/{shard}/${ctx.database}/${localName}'`;
  return `Replicated${spec.engine}(${[path, "'{replica}'", args].filter(Boolean).join(', ')})`;
}

export function createTable(ctx: SchemaContext, spec: TableSpec): string[] {
  const localName = ctx.cluster ? `${spec.name}_local` : spec.name;
  const lines = [
    `CREATE TABLE IF NOT EXISTS ${q(ctx, localName)}${onCluster(ctx)} (`,
    spec.columns.map((c) => `    ${c}`).join(',\n'),
    `) ENGINE = ${engineClause(ctx, spec, localName)}`,
  ];
  if (spec.engine !== 'Null') {
    if (spec.partitionBy) lines.push(`PARTITION BY ${spec.partitionBy}`);
    if (spec.primaryKey) lines.push(`PRIMARY KEY ${spec.primaryKey}`);
    lines.push(`ORDER BY ${spec.orderBy ?? 'tuple()'}`);
    if (spec.ttl) lines.push(`TTL ${spec.ttl}`);
    const settings = [...(ctx.cluster ? [] : DEDUP_SETTINGS), ...(spec.settings ?? [])];
    if (settings.length) lines.push(`SETTINGS ${settings.join(', ')}`);
  }
  const statements = [lines.join('\n')];
  if (ctx.cluster) {
    statements.push(
      `CREATE TABLE IF NOT EXISTS ${q(ctx, spec.name)}${onCluster(ctx)} AS ${q(ctx, localName)}\n` +
        `ENGINE = Distributed(\`${ctx.cluster}\`, \`${ctx.database}\`, \`${localName}\`, ${spec.shardingKey})`,
    );
  }
  return statements;
}

export function createView(ctx: SchemaContext, spec: ViewSpec): string {
  return (
    `CREATE MATERIALIZED VIEW IF NOT EXISTS ${q(ctx, spec.name)}${onCluster(ctx)}\n` +
    `TO ${storageTable(ctx, spec.to)}\n` +
    `AS ${spec.select.replaceAll('{source}', storageTable(ctx, spec.from))}`
  );
}
