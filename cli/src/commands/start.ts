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
import { demoDir, startDemo, type DemoHandle } from '../demo/demo.js';
import { demoGuide } from '../demo/guide.js';
import { withDemoAlertRules } from '../demo/rules.js';
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
 * embedded ClickHouse unless a server URL is given, and (unless --no-demo) the demo mesh sending to them.
 */
export async function startCommand(argv: string[], env: NodeJS.ProcessEnv): Promise<void> {
  const options = START_COMMAND_OPTIONS;
  const loaded = await loadConfig(appConfigSchema, options, argv, env, deriveDirectories);
  const { help } = loaded;
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
  const log = createLogger(loaded.config.logLevel);
  const config = loaded.config.demo ? await withDemoAlertRules(loaded.config, log) : loaded.config;
  const storage = await openStorage(config.storage, log);
  let collector: CollectorHandle | undefined;
  let query: QueryServiceHandle | undefined;
  let demo: DemoHandle | undefined;
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
    if (config.demo) {
      demo = await startDemo({
        dataDir: config.dataDir,
        collectorUrl: `http://${loopbackOf(config.collector.host)}:${collector.ports.http}`,
        log,
      });
      log.info({ workloads: demo.workloads, demoDir: demoDir(config.dataDir) }, 'demo mesh running');
      // for the person at the terminal, not for log shippers: plain lines on stderr
      process.stderr.write(`${demoGuide(query.url, config.dataDir)}\n`);
    }
    const [c, q, d] = [collector, query, demo];
    await untilSignalled(log, async () => {
      // the demo first: its agents drain and flush their telemetry into a collector still running
      await d?.close();
      await q.close();
      await c.close();
    });
  } catch (err) {
    await demo?.close();
    await query?.close();
    await collector?.close();
    throw err;
  } finally {
    await storage.close();
  }
}

/** An address this process can reach the collector at, when it listens on every interface. */
function loopbackOf(host: string): string {
  if (host === '0.0.0.0' || host === '' || host === '::') return '127.0.0.1';
  return host.includes(':') ? `[${host}]` : host;
}
