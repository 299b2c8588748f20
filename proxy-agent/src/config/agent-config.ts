/**
 * The agent's own settings (who it is, where it listens, where telemetry goes). The mesh rules live in the
 * separate, hot-reloaded mesh configuration file. The CLI layers flags > environment > file onto this
 * schema; everything below it receives the parsed, typed value.
 */
import { z } from 'zod';
import { PATH_NORMALIZATIONS } from '../security/path-normalization.js';

const port = z.number().int().min(0).max(65_535);

export const agentConfigSchema = z.strictObject({
  identity: z.strictObject({
    /** workload name (Kubernetes: the Deployment), e.g. reviews-v1 */
    workload: z.string().min(1),
    namespace: z.string().min(1).default('default'),
    app: z.string().min(1).optional(),
    version: z.string().min(1).optional(),
    serviceAccount: z.string().min(1).default('default'),
    trustDomain: z.string().min(1).default('cluster.local'),
    /** the service host this workload serves (destination_service on inbound), e.g. reviews.default.svc.cluster.local */
    service: z.string().min(1).optional(),
  }),
  listeners: z
    .strictObject({
      /** where the inbound and admin listeners bind: 0.0.0.0 in a pod, for peers and the kubelet's probes */
      host: z.string().default('127.0.0.1'),
      /**
       * where the outbound listener binds: loopback, as linkerd2-proxy's outbound, whatever `host` is. It
       * forwards with this workload's identity (its mTLS certificate), so a listener other pods could reach
       * would let them call the mesh as this workload. Its callers are the pod's own containers (directly,
       * or redirected by iptables, which maps locally made connections to 127.0.0.1).
       */
      outboundHost: z.string().default('127.0.0.1'),
      outboundPort: port.default(15001),
      inboundPort: port.default(15006),
      adminPort: port.default(15000),
    })
    .prefault({}),
  /** the local application; without it the agent runs outbound-only (a client workload) */
  app: z.strictObject({ host: z.string().default('127.0.0.1'), port: port.min(1) }).optional(),
  /** YAML of VirtualService / DestinationRule / ServiceEntry / LocalRateLimit, hot-reloaded */
  meshConfigFile: z.string().min(1).optional(),
  /** static service registry (YAML or JSON), hot-reloaded */
  registryFile: z.string().min(1).optional(),
  /** how long after a file event the agent re-reads it (editors write in several steps) */
  reloadDebounceMs: z.number().int().min(0).default(100),
  upstream: z
    .strictObject({
      /**
       * Idle keep-alive connections are closed after this long: below Node's 5 s server default and
       * nginx's 75 s, so the agent never reuses a connection the upstream is about to close.
       */
      idleTimeoutMs: z.number().int().min(100).default(4000),
    })
    .prefault({}),
  drainTimeoutMs: z.number().int().min(0).default(10_000),
  /**
   * How the inbound normalizes request paths before AuthorizationPolicy, and for the app: Istio's
   * `meshConfig.pathNormalization`, same options and default (security/path-normalization.ts). Istio
   * advises MERGE_SLASHES or DECODE_AND_MERGE_SLASHES where DENY policies guard paths.
   */
  pathNormalization: z
    .strictObject({ normalization: z.enum(PATH_NORMALIZATIONS).default('BASE') })
    .prefault({}),
  /**
   * mTLS between agents. The workload's SPIFFE ID is spiffe://<identity.trustDomain>/ns/<identity.namespace>/
   * sa/<identity.serviceAccount>. The certificate comes from files (certFile + keyFile, re-read when they
   * change) or from `meshscope ca serve` (caUrl + tokenFile: the key is generated in memory, renewed at two
   * thirds of its lifetime). Without this section the agent speaks plaintext only.
   */
  tls: z
    .strictObject({
      /** trust anchors, PEM (several during an anchor rotation); re-read when the file changes */
      bundleFile: z.string().min(1),
      /** leaf + intermediates, PEM */
      certFile: z.string().min(1).optional(),
      keyFile: z.string().min(1).optional(),
      /** the CA endpoint, e.g. https://127.0.0.1:15012 */
      caUrl: z.url().optional(),
      /** file holding the bootstrap token (`meshscope ca token`), used for the first certificate */
      tokenFile: z.string().min(1).optional(),
      /** lifetime to ask the CA for (it may sign a shorter one); default: the CA's */
      certTtlSeconds: z.number().int().min(1).optional(),
    })
    .refine(
      (t) =>
        (t.certFile !== undefined && t.keyFile !== undefined && t.caUrl === undefined) ||
        (t.caUrl !== undefined &&
          t.tokenFile !== undefined &&
          t.certFile === undefined &&
          t.keyFile === undefined),
      { message: 'set either certFile + keyFile, or caUrl + tokenFile' },
    )
    .optional(),
  telemetry: z
    .strictObject({
      enabled: z.boolean().default(true),
      collectorUrl: z
        .url({ protocol: /^https?$/, error: 'must be an http:// or https:// URL' })
        .default('http://127.0.0.1:4318'),
      /** PEM file of the CA certificates to trust for an https collectorUrl (default: Node's bundled roots) */
      collectorCaFile: z.string().min(1).optional(),
      /**
       * Root sampling ratio (parent-based: a sampled or unsampled parent decides). Istio's default, 1 %:
       * a sampled span costs the agent ~20 µs of CPU (mostly OTLP encoding), while request metrics, which
       * feed golden signals and topology, are never sampled.
       */
      samplingRatio: z.number().min(0).max(1).default(0.01),
      metricsIntervalMs: z.number().int().min(50).default(5000),
      spanBatchSize: z.number().int().min(1).default(512),
      spanBatchDelayMs: z.number().int().min(1).default(1000),
      maxQueueSize: z.number().int().min(1).default(2048),
      exportTimeoutMs: z.number().int().min(100).default(10_000),
      compression: z.enum(['gzip', 'none']).default('gzip'),
      /** most distinct metric series kept per interval; more are folded into one overflow series */
      maxSeries: z.number().int().min(10).default(2000),
    })
    .prefault({}),
});

export type AgentConfig = z.output<typeof agentConfigSchema>;
export type AgentConfigInput = z.input<typeof agentConfigSchema>;

/** Parses agent settings, throwing an error whose message names each bad key. */
export function parseAgentConfig(input: unknown): AgentConfig {
  const parsed = agentConfigSchema.safeParse(input);
  if (parsed.success) return parsed.data;
  const lines = parsed.error.issues.map((i) => {
    const keys = i.code === 'unrecognized_keys' ? i.keys : [];
    const path = [...i.path.map(String), ...keys].join('.');
    return `  ${path || '(root)'}: ${keys.length ? 'unknown setting' : i.message}`;
  });
  throw new Error(`invalid agent configuration:\n${lines.join('\n')}`);
}
