import {
  applyRetention,
  createStorageClient,
  migrate,
  type StorageClient,
  type StorageConfig,
} from '@meshscope/collector';
import type { Logger } from 'pino';

/** Opens ClickHouse (embedded or server), applies pending migrations and the configured retention. */
export async function openStorage(config: StorageConfig, log: Logger): Promise<StorageClient> {
  const storage = await createStorageClient(config);
  log.info({ mode: storage.mode, location: storage.location, database: storage.database }, 'storage opened');
  try {
    const { applied, version } = await migrate(storage, config.retention, log);
    log.info({ schemaVersion: version, applied }, applied.length ? 'schema migrated' : 'schema up to date');
    const altered = await applyRetention(storage, config.retention);
    if (altered.length) log.info({ tables: altered, retention: config.retention }, 'retention changed');
  } catch (err) {
    await storage.close();
    throw err;
  }
  return storage;
}
