import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { StorageClient } from '../../src/storage/client.js';
import { retentionSchema } from '../../src/storage/config.js';
import { currentVersion, migrate, SchemaTooNewError } from '../../src/storage/migrate.js';
import { applyRetention } from '../../src/storage/retention.js';
import { LATEST_SCHEMA_VERSION, MIGRATIONS } from '../../src/storage/schema/migrations.js';
import { bookkeepingStatements } from '../../src/storage/migrate.js';
import { Tables } from '../../src/storage/schema/tables.js';
import { openTestStorage } from '../helpers/storage.js';

let storage: StorageClient;
let cleanup: () => Promise<void>;
const retention = retentionSchema.parse({});

beforeAll(async () => {
  ({ storage, cleanup } = await openTestStorage());
});
afterAll(async () => cleanup());

async function rows<T>(query: string, params: Record<string, unknown> = {}): Promise<T[]> {
  const rs = await storage.client.query({ query, query_params: params, format: 'JSONEachRow' });
  return rs.json<T>();
}

describe('migrations', () => {
  it('bring a fresh database to the latest version, recording each one', async () => {
    expect(await currentVersion(storage)).toBe(LATEST_SCHEMA_VERSION);
    const recorded = await rows<{ Version: number }>(
      `SELECT Version FROM ${storage.table(Tables.migrations)} ORDER BY Version`,
    );
    expect(recorded.map((r) => r.Version)).toEqual(
      Array.from({ length: LATEST_SCHEMA_VERSION }, (_, i) => i + 1),
    );
    const tables = await rows<{ name: string }>(
      'SELECT name FROM system.tables WHERE database = {db:String}',
      {
        db: storage.database,
      },
    );
    const names = tables.map((t) => t.name);
    for (const t of Object.values(Tables)) expect(names).toContain(t);
  });

  it('are a no-op when run again', async () => {
    const result = await migrate(storage, retention);
    expect(result).toEqual({ applied: [], version: LATEST_SCHEMA_VERSION });
    const count = await rows<{ c: string }>(`SELECT count() AS c FROM ${storage.table(Tables.migrations)}`);
    expect(Number(count[0]?.c)).toBe(LATEST_SCHEMA_VERSION);
  });

  it('refuse a schema newer than the code knows', async () => {
    await storage.client.insert({
      table: storage.table(Tables.migrations),
      values: [{ Version: LATEST_SCHEMA_VERSION + 1, Name: 'from the future', AppliedAt: Date.now() }],
      format: 'JSONEachRow',
    });
    await expect(migrate(storage, retention)).rejects.toBeInstanceOf(SchemaTooNewError);
    await expect(migrate(storage, retention)).rejects.toThrow(/newer than this meshscope knows/);
    await storage.client.command({
      query: `DELETE FROM ${storage.table(Tables.migrations)} WHERE Version > {v:UInt32}`,
      query_params: { v: LATEST_SCHEMA_VERSION },
    });
  });

  it('create otel_traces with the clickhouseexporter insert columns, names and types', async () => {
    const cols = await rows<{ name: string; type: string }>(
      'SELECT name, type FROM system.columns WHERE database = {db:String} AND table = {t:String} ORDER BY position',
      { db: storage.database, t: Tables.traces },
    );
    expect(cols.map((c) => [c.name, c.type])).toEqual([
      ['Timestamp', 'DateTime64(9)'],
      ['TraceId', 'String'],
      ['SpanId', 'String'],
      ['ParentSpanId', 'String'],
      ['TraceState', 'String'],
      ['SpanName', 'LowCardinality(String)'],
      ['SpanKind', 'LowCardinality(String)'],
      ['ServiceName', 'LowCardinality(String)'],
      ['ResourceAttributes', 'Map(LowCardinality(String), String)'],
      ['ScopeName', 'String'],
      ['ScopeVersion', 'String'],
      ['SpanAttributes', 'Map(LowCardinality(String), String)'],
      ['Duration', 'UInt64'],
      ['StatusCode', 'LowCardinality(String)'],
      ['StatusMessage', 'String'],
      ['Events.Timestamp', 'Array(DateTime64(9))'],
      ['Events.Name', 'Array(LowCardinality(String))'],
      ['Events.Attributes', 'Array(Map(LowCardinality(String), String))'],
      ['Links.TraceId', 'Array(String)'],
      ['Links.SpanId', 'Array(String)'],
      ['Links.TraceState', 'Array(String)'],
      ['Links.Attributes', 'Array(Map(LowCardinality(String), String))'],
    ]);
  });

  it('change table TTLs in place when the configured retention changes, and only then', async () => {
    expect(await applyRetention(storage, retention)).toEqual([]);
    const longer = { ...retention, tracesDays: 30 };
    expect(await applyRetention(storage, longer)).toEqual([Tables.traces, Tables.traceIdTs]);
    const engine = await rows<{ engine_full: string }>(
      'SELECT engine_full FROM system.tables WHERE database = {db:String} AND name = {t:String}',
      { db: storage.database, t: Tables.traces },
    );
    expect(engine[0]?.engine_full).toContain('toIntervalDay(30)');
    expect(await applyRetention(storage, longer)).toEqual([]);
  });
});

describe('cluster DDL', () => {
  it("parses in ClickHouse's own parser (no cluster runs here, so this is the strongest check available)", async () => {
    const ctx = { database: 'meshscope', cluster: 'mesh', retention };
    const statements = [...bookkeepingStatements(ctx), ...MIGRATIONS.flatMap((m) => m.statements(ctx))];
    for (const sql of statements) {
      const out = await rows<{ f: string }>('SELECT formatQuery({sql:String}) AS f', { sql });
      expect(out[0]?.f).toMatch(/^(CREATE|ALTER)/);
    }
  });
});
