import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  BatchingWriter,
  createCollectorMetrics,
  createStorageClient,
  migrate,
  Spool,
  StorageSink,
  storageConfigSchema,
  type StorageClient,
  type StorageConfig,
} from '@meshscope/collector';
import pino from 'pino';

/**
 * Embedded ClickHouse (chDB) in a fresh temporary directory, migrated, with the collector's own writer and
 * sink for seeding — or the server named by CLICKHOUSE_URL, in a database of its own. libchdb binds one
 * directory per process: call this once per test file.
 */
export interface TestStorage {
  storage: StorageClient;
  config: StorageConfig;
  dir: string;
  sink: StorageSink;
  writer: BatchingWriter;
  cleanup(): Promise<void>;
}

export async function openTestStorage(): Promise<TestStorage> {
  const dir = await mkdtemp(join(tmpdir(), 'meshscope-query-test-'));
  const url = process.env.CLICKHOUSE_URL;
  const config = storageConfigSchema.parse({
    dataDir: join(dir, 'chdb'),
    ...(url ? { url, database: `meshscope_query_test_${process.pid}` } : {}),
  });
  const storage = await createStorageClient(config);
  await migrate(storage, config.retention);
  const writer = new BatchingWriter(
    storage,
    await Spool.open(join(dir, 'spool'), 1 << 24),
    { maxBatchRows: 50_000, flushIntervalMs: 10, maxQueueRows: 1_000_000, retryAfterSec: 1 },
    createCollectorMetrics(),
    pino({ level: 'silent' }),
  );
  return {
    storage,
    config,
    dir,
    sink: new StorageSink(writer),
    writer,
    cleanup: async () => {
      await writer.close();
      if (url) await storage.client.command({ query: `DROP DATABASE IF EXISTS \`${config.database}\`` });
      await storage.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
}
