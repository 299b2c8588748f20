import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Logger } from 'pino';
import type { AppConfig } from '../config/app.js';
import { demoDir } from './demo.js';
import { DEMO_ALERT_RULES } from './mesh.js';

/**
 * Installs the demo's alert rule as the query service's rules file (DATA_DIR/demo/alert-rules.yaml). A
 * rules file the user configured wins: theirs is the GitOps source of truth, the demo rule is left out.
 */
export async function withDemoAlertRules(config: AppConfig, log: Logger): Promise<AppConfig> {
  if (config.query.alerts.rulesFile !== undefined) {
    log.info(
      { rulesFile: config.query.alerts.rulesFile },
      'demo: a rules file is configured, so the demo alert rule is not installed',
    );
    return config;
  }
  const dir = demoDir(config.dataDir);
  await mkdir(dir, { recursive: true, mode: 0o700 });
  const rulesFile = join(dir, 'alert-rules.yaml');
  await writeFile(rulesFile, DEMO_ALERT_RULES);
  return { ...config, query: { ...config.query, alerts: { ...config.query.alerts, rulesFile } } };
}
