import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { StorageSink } from '../../src/ingest/storage-sink.js';
import { createCollectorMetrics } from '../../src/observability/metrics.js';
import { Spool } from '../../src/spool/spool.js';
import { createStorageClient, type StorageClient } from '../../src/storage/client.js';
import { storageConfigSchema, type StorageConfig } from '../../src/storage/config.js';
import { migrate } from '../../src/storage/migrate.js';
import { BatchingWriter, type WriterOptions } from '../../src/writer/batching-writer.js';

/**
 * Embedded ClickHouse (chDB) in a fresh temporary directory, migrated, or the server named by CLICKHOUSE_URL
 * (then in a database of its own). libchdb binds one directory per process, so call this once per test file.
 */
export async function openTestStorage(overrides: Partial<StorageConfig> = {}): Promise<{
  storage: StorageClient;
  config: StorageConfig;
  dir: string;
  cleanup: () => Promise<void>;
}> {
  const dir = await mkdtemp(join(tmpdir(), 'meshscope-test-'));
  const url = process.env.CLICKHOUSE_URL;
  const config = storageConfigSchema.parse({
    dataDir: join(dir, 'chdb'),
    ...(url ? { url, database: `meshscope_test_${process.pid}` } : {}),
    ...overrides,
  });
  const storage = await createStorageClient(config);
  await migrate(storage, config.retention);
  return {
    storage,
    config,
    dir,
    cleanup: async () => {
      if (url) await storage.client.command({ query: `DROP DATABASE IF EXISTS \`${config.database}\`` });
      await storage.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

/**
 * The collector's own write path over `storage` (batching writer with a spool in `dir`, and the sink on
 * it), as tests seed ClickHouse: rows go through the same normalisation, inserts and materialized views
 * as in production. Close the writer before the storage.
 */
export async function openTestWriter(
  storage: StorageClient,
  dir: string,
  options: Partial<WriterOptions> = {},
): Promise<{ writer: BatchingWriter; sink: StorageSink }> {
  const writer = new BatchingWriter(
    storage,
    await Spool.open(join(dir, 'spool'), 1 << 22),
    { maxBatchRows: 10_000, flushIntervalMs: 10, maxQueueRows: 100_000, retryAfterSec: 1, ...options },
    createCollectorMetrics(),
    pino({ level: 'silent' }),
  );
  return { writer, sink: new StorageSink(writer) };
}
