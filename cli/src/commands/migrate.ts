import { appConfigSchema, deriveDirectories } from '../config/app.js';
import { loadConfig, usage } from '../config/load.js';
import { COMMON_OPTIONS, STORAGE_OPTIONS } from '../config/options.js';
import { createLogger } from '../logger.js';
import { openStorage } from './storage.js';

const OPTIONS = [...COMMON_OPTIONS, ...STORAGE_OPTIONS];

/** `meshscope migrate`: applies the schema (e.g. as a Kubernetes Job with --cluster) and exits. */
export async function migrateCommand(argv: string[], env: NodeJS.ProcessEnv): Promise<void> {
  const { config, help } = await loadConfig(appConfigSchema, OPTIONS, argv, env, deriveDirectories);
  if (help) {
    process.stdout.write(usage('migrate', 'Apply the ClickHouse schema (idempotent) and exit.', OPTIONS));
    return;
  }
  const log = createLogger(config.logLevel);
  const storage = await openStorage(config.storage, log);
  await storage.close();
}
