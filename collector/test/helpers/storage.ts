import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createStorageClient, type StorageClient } from '../../src/storage/client.js';
import { storageConfigSchema, type StorageConfig } from '../../src/storage/config.js';
import { migrate } from '../../src/storage/migrate.js';

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
