import { startCollector, type CollectorHandle } from '@meshscope/collector';
import { startQueryService, type QueryServiceHandle } from '@meshscope/query';
import { appConfigSchema, deriveDirectories } from '../config/app.js';
import { loadConfig, usage } from '../config/load.js';
import {
  ALERT_OPTIONS,
  COLLECTOR_OPTIONS,
  COMMON_OPTIONS,
  DEMO_OPTIONS,
  QUERY_OPTIONS,
  STORAGE_OPTIONS,
} from '../config/options.js';
import { createLogger } from '../logger.js';
import { explainListenError, untilSignalled } from './lifecycle.js';
import { openStorage } from './storage.js';

export const START_COMMAND_OPTIONS = [
  ...COMMON_OPTIONS,
  ...STORAGE_OPTIONS,
  ...COLLECTOR_OPTIONS,
  ...QUERY_OPTIONS,
  ...ALERT_OPTIONS,
  ...DEMO_OPTIONS,
];

/**
 * `meshscope start` (what `npm start` runs): collector and query service in one process on one storage,
 * embedded ClickHouse unless a server URL is given.
 */
export async function startCommand(argv: string[], env: NodeJS.ProcessEnv): Promise<void> {
  const options = START_COMMAND_OPTIONS;
  const { config, help } = await loadConfig(appConfigSchema, options, argv, env, deriveDirectories);
  if (help) {
    process.stdout.write(
      usage(
        'start',
        'The all-in-one: OTLP collector (4317, 4318) and query API + UI (16686) on one storage.',
        options,
      ),
    );
    return;
  }
  const log = createLogger(config.logLevel);
  const storage = await openStorage(config.storage, log);
  let collector: CollectorHandle | undefined;
  let query: QueryServiceHandle | undefined;
  try {
    collector = await startCollector(config.collector, storage, log).catch((err: unknown) => {
      throw explainListenError(err, 'collector');
    });
    query = await startQueryService(config.query, storage, log, {
      queryLimits: config.storage.queryLimits,
    }).catch((err: unknown) => {
      throw explainListenError(err, 'query service');
    });
    log.info(
      {
        ui: query.url,
        otlpHttp: `http://${config.collector.host}:${collector.ports.http}`,
        otlpGrpc: `${config.collector.host}:${collector.ports.grpc}`,
        storage: storage.location,
        spool: config.collector.spool.dir,
      },
      `meshscope is running: open ${query.url}`,
    );
    const [c, q] = [collector, query];
    await untilSignalled(log, async () => {
      await q.close();
      await c.close();
    });
  } catch (err) {
    await query?.close();
    await collector?.close();
    throw err;
  } finally {
    await storage.close();
  }
}
