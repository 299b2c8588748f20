import { AgentConfigError, agentConfigSchema, startAgent } from '@meshscope/proxy-agent';
import { logLevelSchema } from '../config/app.js';
import { loadConfig, usage } from '../config/load.js';
import { COMMON_OPTIONS, type OptionSpec } from '../config/options.js';
import { createLogger } from '../logger.js';
import { CliError } from './lifecycle.js';

const agentSchema = agentConfigSchema.extend({ logLevel: logLevelSchema.default('info') });

export const AGENT_OPTIONS: OptionSpec[] = [
  ...COMMON_OPTIONS,
  {
    flag: 'workload',
    env: 'MESHSCOPE_WORKLOAD',
    path: 'identity.workload',
    type: 'string',
    help: 'workload name, e.g. reviews-v1 (required)',
  },
  {
    flag: 'namespace',
    env: 'MESHSCOPE_NAMESPACE',
    path: 'identity.namespace',
    type: 'string',
    help: 'namespace (default default)',
  },
  {
    flag: 'app',
    env: 'MESHSCOPE_APP',
    path: 'identity.app',
    type: 'string',
    help: 'app label (default the workload)',
  },
  {
    flag: 'version',
    env: 'MESHSCOPE_VERSION',
    path: 'identity.version',
    type: 'string',
    help: 'version label, e.g. v1',
  },
  {
    flag: 'service',
    env: 'MESHSCOPE_SERVICE',
    path: 'identity.service',
    type: 'string',
    help: 'service host this workload serves',
  },
  {
    flag: 'app-port',
    env: 'MESHSCOPE_APP_PORT',
    path: 'app.port',
    type: 'int',
    help: 'local application port (unset: outbound only)',
  },
  {
    flag: 'mesh-config',
    env: 'MESHSCOPE_MESH_CONFIG',
    path: 'meshConfigFile',
    type: 'string',
    help: 'VirtualService/DestinationRule/ServiceEntry YAML (hot-reloaded)',
  },
  {
    flag: 'registry',
    env: 'MESHSCOPE_REGISTRY',
    path: 'registryFile',
    type: 'string',
    help: 'static service registry file (hot-reloaded)',
  },
  {
    flag: 'collector-url',
    env: 'MESHSCOPE_COLLECTOR_URL',
    path: 'telemetry.collectorUrl',
    type: 'string',
    help: 'OTLP/HTTP collector (default http://127.0.0.1:4318)',
  },
  {
    flag: 'sampling',
    env: 'MESHSCOPE_SAMPLING',
    path: 'telemetry.samplingRatio',
    type: 'string',
    help: 'root span sampling ratio 0..1 (default 0.01)',
  },
];

/** `meshscope agent`: the sidecar proxy (outbound 15001, inbound 15006, admin 15000). */
export async function agentCommand(argv: string[], env: NodeJS.ProcessEnv): Promise<void> {
  const { config, help } = await loadConfig(agentSchema, AGENT_OPTIONS, argv, env, (tree) => {
    const ratio = (tree.telemetry as Record<string, unknown> | undefined)?.samplingRatio;
    if (typeof ratio === 'string') (tree.telemetry as Record<string, unknown>).samplingRatio = Number(ratio);
  });
  if (help) {
    process.stdout.write(usage('agent', 'Run the sidecar proxy agent for one workload.', AGENT_OPTIONS));
    return;
  }
  const { logLevel, ...agentConfig } = config;
  const log = createLogger(logLevel, 'meshscope-agent');
  try {
    const agent = await startAgent(agentConfig, { logger: log, handleSignals: true });
    // The agent drains on SIGTERM itself; Ctrl-C at a terminal does the same.
    process.once('SIGINT', () => void agent.close());
    await agent.done;
  } catch (err) {
    if (err instanceof AgentConfigError) throw new CliError(err.message);
    throw err;
  }
}
