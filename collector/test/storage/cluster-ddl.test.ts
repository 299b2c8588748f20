import { describe, expect, it } from 'vitest';
import { retentionSchema } from '../../src/storage/config.js';
import { bookkeepingStatements } from '../../src/storage/migrate.js';
import type { SchemaContext } from '../../src/storage/schema/ddl.js';
import { MIGRATIONS } from '../../src/storage/schema/migrations.js';

const retention = retentionSchema.parse({});
const single: SchemaContext = { database: 'meshscope', retention };
const cluster: SchemaContext = { database: 'meshscope', cluster: 'mesh', retention };
const all = (ctx: SchemaContext) => MIGRATIONS.flatMap((m) => m.statements(ctx));

describe('DDL rendered for a cluster', () => {
  const statements = all(cluster);

  it('runs every statement ON CLUSTER', () => {
    for (const s of [...bookkeepingStatements(cluster), ...statements])
      expect(s).toContain('ON CLUSTER `mesh`');
  });

  it('stores otel_traces in a replicated local table behind a Distributed table sharded by TraceId', () => {
    const local = statements.find((s) =>
      s.startsWith('CREATE TABLE IF NOT EXISTS `meshscope`.`otel_traces_local`'),
    );
    expect(local).toContain(
      "ENGINE = ReplicatedMergeTree('/clickhouse/tables/{shard}/meshscope/otel_traces_local', '{replica}')",
    );
    expect(local).toContain('ORDER BY (ServiceName, SpanName, toDateTime(Timestamp), Timestamp)');
    const dist = statements.find((s) =>
      s.startsWith('CREATE TABLE IF NOT EXISTS `meshscope`.`otel_traces` '),
    );
    expect(dist).toBe(
      'CREATE TABLE IF NOT EXISTS `meshscope`.`otel_traces` ON CLUSTER `mesh` AS `meshscope`.`otel_traces_local`\n' +
        'ENGINE = Distributed(`mesh`, `meshscope`, `otel_traces_local`, cityHash64(TraceId))',
    );
  });

  it('keeps engine arguments after the replication path (aggregating tables)', () => {
    const rollup = statements.find((s) => s.includes('`meshscope_red_1m_local` ON CLUSTER'));
    expect(rollup).toContain(
      "ENGINE = ReplicatedAggregatingMergeTree('/clickhouse/tables/{shard}/meshscope/meshscope_red_1m_local', '{replica}')",
    );
  });

  it('connects materialized views local table to local table', () => {
    const views = statements.filter((s) => s.startsWith('CREATE MATERIALIZED VIEW'));
    expect(views.length).toBeGreaterThanOrEqual(6);
    for (const v of views) {
      expect(v).toMatch(/TO `meshscope`\.`\w+_local`/);
      expect(v).toMatch(/FROM `meshscope`\.`\w+_local`/);
    }
  });

  it('creates a Distributed table for every local table and nothing replicated on a single node', () => {
    const locals = statements.filter((s) =>
      /^CREATE TABLE IF NOT EXISTS `meshscope`\.`\w+_local`/.test(s),
    ).length;
    const dists = statements.filter((s) => s.includes('ENGINE = Distributed(')).length;
    expect(dists).toBe(locals);
    for (const s of all(single)) {
      expect(s).not.toContain('ON CLUSTER');
      expect(s).not.toContain('Replicated');
      expect(s).not.toContain('_local');
    }
  });

  it('shares the migrations bookkeeping across shards (no {shard} in its path)', () => {
    const [, table] = bookkeepingStatements(cluster);
    expect(table).toContain(
      "ReplicatedMergeTree('/clickhouse/tables/meshscope/meshscope_schema_migrations', '{replica}')",
    );
  });
});
