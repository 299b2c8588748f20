import {
  AGENT_NODE_OPTIONS,
  AgentConfigError,
  agentConfigSchema,
  startAgent,
  tuneV8ForAgent,
  validate,
} from '@meshscope/proxy-agent';
import { parseArgs } from 'node:util';
import { logLevelSchema } from '../config/log-level.js';
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
    flag: 'listen-host',
    env: 'MESHSCOPE_LISTEN_HOST',
    path: 'listeners.host',
    type: 'string',
    help: 'address the inbound and admin listeners bind (default 127.0.0.1; 0.0.0.0 in a pod whose peers connect to the inbound port); the outbound listener stays on 127.0.0.1 (listeners.outboundHost in --config)',
  },
  {
    flag: 'outbound-port',
    env: 'MESHSCOPE_OUTBOUND_PORT',
    path: 'listeners.outboundPort',
    type: 'int',
    help: 'outbound listener port (default 15001)',
  },
  {
    flag: 'inbound-port',
    env: 'MESHSCOPE_INBOUND_PORT',
    path: 'listeners.inboundPort',
    type: 'int',
    help: 'inbound listener port (default 15006)',
  },
  {
    flag: 'admin-port',
    env: 'MESHSCOPE_ADMIN_PORT',
    path: 'listeners.adminPort',
    type: 'int',
    help: 'admin listener port: /ready, /live, /metrics; /config and POST /shutdown from this host only (default 15000)',
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
    flag: 'path-normalization',
    env: 'MESHSCOPE_PATH_NORMALIZATION',
    path: 'pathNormalization.normalization',
    type: 'string',
    help: "inbound request paths before AuthorizationPolicy and the app, as Istio's meshConfig.pathNormalization: NONE, BASE (default), MERGE_SLASHES or DECODE_AND_MERGE_SLASHES",
  },
  {
    flag: 'service-account',
    env: 'MESHSCOPE_SERVICE_ACCOUNT',
    path: 'identity.serviceAccount',
    type: 'string',
    help: 'service account: the SPIFFE ID is spiffe://<trust domain>/ns/<namespace>/sa/<this> (default default)',
  },
  {
    flag: 'trust-domain',
    env: 'MESHSCOPE_TRUST_DOMAIN',
    path: 'identity.trustDomain',
    type: 'string',
    help: 'SPIFFE trust domain (default cluster.local)',
  },
  {
    flag: 'tls-bundle',
    env: 'MESHSCOPE_TLS_BUNDLE',
    path: 'tls.bundleFile',
    type: 'string',
    help: 'trust anchors (root-cert.pem); turns mTLS on',
  },
  {
    flag: 'tls-cert',
    env: 'MESHSCOPE_TLS_CERT',
    path: 'tls.certFile',
    type: 'string',
    help: 'workload certificate chain (cert-chain.pem), with --tls-key',
  },
  {
    flag: 'tls-key',
    env: 'MESHSCOPE_TLS_KEY',
    path: 'tls.keyFile',
    type: 'string',
    help: 'workload private key (key.pem)',
  },
  {
    flag: 'ca-url',
    env: 'MESHSCOPE_CA_URL',
    path: 'tls.caUrl',
    type: 'string',
    help: 'meshscope ca serve endpoint, e.g. https://127.0.0.1:15012 (instead of --tls-cert/--tls-key)',
  },
  {
    flag: 'ca-token-file',
    env: 'MESHSCOPE_CA_TOKEN_FILE',
    path: 'tls.tokenFile',
    type: 'string',
    help: 'file holding the bootstrap token from meshscope ca token',
  },
  {
    flag: 'collector-url',
    env: 'MESHSCOPE_COLLECTOR_URL',
    path: 'telemetry.collectorUrl',
    type: 'string',
    help: 'OTLP/HTTP collector (default http://127.0.0.1:4318)',
  },
  {
    flag: 'collector-ca-file',
    env: 'MESHSCOPE_COLLECTOR_CA_FILE',
    path: 'telemetry.collectorCaFile',
    type: 'string',
    help: "PEM CA certificates to trust for an https:// collector (default: Node's bundled roots)",
  },
  {
    flag: 'sampling',
    env: 'MESHSCOPE_SAMPLING',
    path: 'telemetry.samplingRatio',
    type: 'string',
    help: 'root span sampling ratio 0..1 (default 0.01)',
  },
];

/** `meshscope agent`: the sidecar proxy (`meshscope agent validate FILE` checks a mesh configuration) (outbound 15001, inbound 15006, admin 15000). */
export async function agentCommand(argv: string[], env: NodeJS.ProcessEnv): Promise<void> {
  if (argv[0] === 'validate') return validateCommand(argv.slice(1));
  const { config, help } = await loadConfig(agentSchema, AGENT_OPTIONS, argv, env, (tree) => {
    const ratio = (tree.telemetry as Record<string, unknown> | undefined)?.samplingRatio;
    if (typeof ratio === 'string') (tree.telemetry as Record<string, unknown>).samplingRatio = Number(ratio);
  });
  if (help) {
    process.stdout.write(
      usage(
        'agent',
        'Run the sidecar proxy agent for one workload. `meshscope agent validate FILE` checks a mesh configuration file.',
        AGENT_OPTIONS,
      ),
    );
    return;
  }
  const { logLevel, ...agentConfig } = config;
  const log = createLogger(logLevel, 'meshscope-agent');
  // This process runs the agent alone: V8 tuned for it (proxy-agent/src/v8-tuning.ts).
  if (!tuneV8ForAgent())
    log.info(
      { advice: `NODE_OPTIONS=${AGENT_NODE_OPTIONS}` },
      `V8's young generation is not capped: expect ~105 MB RSS under load instead of ~75 MB; start the agent with NODE_OPTIONS=${AGENT_NODE_OPTIONS}`,
    );
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

/**
 * `meshscope agent validate FILE [--namespace NS]`: checks a mesh configuration file and prints the lines
 * a rejected hot reload would log (resource: field: reason); exits 1 when there are any.
 */
async function validateCommand(argv: string[]): Promise<void> {
  const { values, positionals } = parseArgs({
    args: argv,
    options: { namespace: { type: 'string' }, help: { type: 'boolean' } },
    allowPositionals: true,
    strict: false,
  });
  if (values.help || positionals.length !== 1) {
    const text =
      'Usage: meshscope agent validate FILE [--namespace NS]\n\nChecks a mesh configuration file.\n';
    if (values.help) return void process.stdout.write(text);
    throw new CliError(`expected one FILE to validate\n${text}`);
  }
  const file = positionals[0] as string;
  const namespace = typeof values.namespace === 'string' ? values.namespace : 'default';
  const result = await validate(file, namespace);
  if (result.ok) {
    process.stdout.write(`${file}: valid\n`);
    return;
  }
  process.stderr.write(`${result.lines.join('\n')}\n`);
  process.exitCode = 1;
}
