import { startQueryService } from '@meshscope/query';
import { appConfigSchema, deriveDirectories } from '../config/app.js';
import { loadConfig, usage } from '../config/load.js';
import { ALERT_OPTIONS, COMMON_OPTIONS, QUERY_OPTIONS, STORAGE_OPTIONS } from '../config/options.js';
import { createLogger } from '../logger.js';
import { explainListenError, untilSignalled } from './lifecycle.js';
import { openStorage } from './storage.js';

export const QUERY_COMMAND_OPTIONS = [
  ...COMMON_OPTIONS,
  ...STORAGE_OPTIONS,
  ...QUERY_OPTIONS,
  ...ALERT_OPTIONS,
];

/** `meshscope query`: the query API and the UI, alone (against the ClickHouse the collectors write to). */
export async function queryCommand(argv: string[], env: NodeJS.ProcessEnv): Promise<void> {
  const options = QUERY_COMMAND_OPTIONS;
  const { config, help } = await loadConfig(appConfigSchema, options, argv, env, deriveDirectories);
  if (help) {
    process.stdout.write(
      usage('query', 'Serve the query API (Jaeger-compatible and mesh) and the UI on port 16686.', options),
    );
    return;
  }
  const log = createLogger(config.logLevel);
  const storage = await openStorage(config.storage, log);
  try {
    const query = await startQueryService(config.query, storage, log, {
      queryLimits: config.storage.queryLimits,
    }).catch((err: unknown) => {
      throw explainListenError(err, 'query service');
    });
    await untilSignalled(log, () => query.close());
  } finally {
    await storage.close();
  }
}
