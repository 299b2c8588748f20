import { startCollector } from '@meshscope/collector';
import { appConfigSchema, deriveDirectories } from '../config/app.js';
import { loadConfig, usage } from '../config/load.js';
import { COLLECTOR_OPTIONS, COMMON_OPTIONS, STORAGE_OPTIONS } from '../config/options.js';
import { createLogger } from '../logger.js';
import { explainListenError, untilSignalled } from './lifecycle.js';
import { openStorage } from './storage.js';

export const COLLECTOR_COMMAND_OPTIONS = [...COMMON_OPTIONS, ...STORAGE_OPTIONS, ...COLLECTOR_OPTIONS];

/** `meshscope collector`: the OTLP receivers and the writer, alone (scale it out behind a load balancer). */
export async function collectorCommand(argv: string[], env: NodeJS.ProcessEnv): Promise<void> {
  const options = COLLECTOR_COMMAND_OPTIONS;
  const { config, help } = await loadConfig(appConfigSchema, options, argv, env, deriveDirectories);
  if (help) {
    process.stdout.write(
      usage('collector', 'Receive OTLP (gRPC 4317, HTTP 4318) and store it in ClickHouse.', options),
    );
    return;
  }
  const log = createLogger(config.logLevel);
  const storage = await openStorage(config.storage, log);
  try {
    const collector = await startCollector(config.collector, storage, log).catch((err: unknown) => {
      throw explainListenError(err, 'collector');
    });
    log.info({ spool: config.collector.spool.dir }, 'collector ready');
    await untilSignalled(log, () => collector.close());
  } finally {
    await storage.close();
  }
}
