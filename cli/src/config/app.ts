import { join } from 'node:path';
import { collectorConfigSchema, storageConfigSchema } from '@meshscope/collector';
import { queryConfigSchema } from '@meshscope/query';
import { z } from 'zod';
import { getPath, setPath } from './load.js';

import { logLevelSchema } from './log-level.js';

export { logLevelSchema };

/** The whole configuration tree; each role reads the sections it needs. */
export const appConfigSchema = z
  .object({
    logLevel: logLevelSchema.default('info'),
    /** Parent of the embedded ClickHouse directory and the spool, unless those are set on their own. */
    dataDir: z.string().min(1).default('./data'),
    storage: storageConfigSchema.prefault({}),
    collector: collectorConfigSchema.prefault({}),
    query: queryConfigSchema,
    /** Start the demo mesh (cli/src/demo) with the all-in-one, sending to its collector. */
    demo: z.boolean().default(true),
  })
  .strict();

export type AppConfig = z.infer<typeof appConfigSchema>;

/** Derives the embedded-ClickHouse and spool directories from dataDir unless they were given explicitly. */
export function deriveDirectories(tree: Record<string, unknown>, explicit: ReadonlySet<string>): void {
  const dataDir = (getPath(tree, 'dataDir') as string | undefined) ?? './data';
  if (!explicit.has('storage.dataDir') && getPath(tree, 'storage.dataDir') === undefined) {
    setPath(tree, 'storage.dataDir', join(dataDir, 'clickhouse'));
  }
  if (!explicit.has('collector.spool.dir') && getPath(tree, 'collector.spool.dir') === undefined) {
    setPath(tree, 'collector.spool.dir', join(dataDir, 'spool'));
  }
}
