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
  type IngestSink,
} from '@meshscope/collector';
import { buildApp, type QueryConfig } from '@meshscope/query';
import pino from 'pino';

/**
 * The real query service over embedded ClickHouse in a temporary directory, serving the built UI on
 * 127.0.0.1 (a free port). `seed` writes through the collector's own writer and sink before it starts.
 */
export interface SeededService {
  url: string;
  close(): Promise<void>;
}

export async function startSeededService(
  uiDir: string,
  seed: (sink: IngestSink) => Promise<void>,
  /** the service's configuration (default: every default), e.g. with API tokens */
  config?: QueryConfig,
): Promise<SeededService> {
  const dir = await mkdtemp(join(tmpdir(), 'meshscope-browser-'));
  const storageConfig = storageConfigSchema.parse({ dataDir: join(dir, 'chdb') });
  const storage = await createStorageClient(storageConfig);
  await migrate(storage, storageConfig.retention);
  const writer = new BatchingWriter(
    storage,
    await Spool.open(join(dir, 'spool'), 1 << 24),
    { maxBatchRows: 50_000, flushIntervalMs: 10, maxQueueRows: 1_000_000, retryAfterSec: 1 },
    createCollectorMetrics(),
    pino({ level: 'silent' }),
  );
  await seed(new StorageSink(writer));
  await writer.close(); // flushes every queued row into ClickHouse
  const app = await buildApp({ storage, queryLimits: storageConfig.queryLimits, uiDir, config });
  await app.listen({ host: '127.0.0.1', port: 0 });
  const address = app.server.address();
  const port = typeof address === 'object' && address !== null ? address.port : 0;
  return {
    url: `http://127.0.0.1:${port}`,
    close: async () => {
      await app.close();
      await storage.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
}
