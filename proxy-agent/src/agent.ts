/**
 * Starts one agent: listeners, admin port, file watchers, telemetry. Every server, socket, timer and
 * watcher it creates is closed by the handle's close(), which drains first (stop accepting, let requests
 * in flight finish within drainTimeoutMs, answer them with Connection: close).
 */
import { EventEmitter } from 'node:events';
import { readFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';
import pino, { type Logger } from 'pino';
import { createAdminHandler } from './admin/admin.js';
import type { AgentConfig } from './config/agent-config.js';
import { type ConfigIssue, formatIssue } from './config/issues.js';
import { loadMeshConfigFile } from './config/load.js';
import { parseMeshConfig } from './config/mesh-config.js';
import type { MeshConfig, ServiceModel } from './config/model.js';
import { AgentState } from './listeners/context.js';
import { createAppAgent, createInboundHandler } from './listeners/inbound.js';
import { createOutboundHandler } from './listeners/outbound.js';
import { inboundServer, MtlsStats, mtlsUpstream } from './listeners/mtls.js';
import { H1Server } from './listeners/h1-server.js';
import { LISTENER_TIMEOUTS, plaintextUpstream, SERVER_OPTIONS } from './listeners/transport.js';
import { WorkloadCertificate } from './identity/workload-cert.js';
import { inboundUpgrade, outboundUpgrade } from './listeners/upgrade-routes.js';
import { FileWatcher } from './registry/file-watcher.js';
import { loadRegistryFile } from './registry/static-file.js';
import { ClusterManager } from './resilience/cluster.js';
import { RouteTable } from './routing/table.js';
import { encodePeer, UNKNOWN, type WorkloadIdentity } from './telemetry/identity.js';
import { redactUrl } from './telemetry/otlp-exporter.js';
import { renderPrometheus } from './telemetry/prometheus.js';
import { type GaugeSample, Telemetry } from './telemetry/telemetry.js';

export interface AgentEvents {
  /** a new configuration is in force */
  applied: [{ version: number }];
  /** a changed file was refused; the previous configuration stays */
  rejected: [{ source: string; issues: ConfigIssue[] }];
  /** drain started (close(), /shutdown or SIGTERM) */
  draining: [];
}

export interface AgentHandle {
  readonly ports: { outbound: number; inbound: number | undefined; admin: number };
  readonly events: EventEmitter<AgentEvents>;
  /** version of the configuration in force (1 at start, +1 per applied reload) */
  readonly configVersion: number;
  /** re-reads the files now; true when a new configuration was applied */
  reload(): Promise<boolean>;
  /** drains and closes everything; idempotent */
  close(): Promise<void>;
  /** settles when the agent has closed, whatever closed it */
  readonly done: Promise<void>;
}

export interface StartOptions {
  logger?: Logger;
  /** drain and close on SIGTERM (the CLI sets this; a library user may not want it) */
  handleSignals?: boolean;
}

/** Thrown at start when a configuration file is invalid: the lines name resource, field and reason. */
export class AgentConfigError extends Error {
  constructor(readonly lines: string[]) {
    super(`invalid agent configuration:\n  ${lines.join('\n  ')}`);
    this.name = 'AgentConfigError';
  }
}

const EMPTY_MESH = (() => {
  const r = parseMeshConfig('');
  if (!r.ok) throw new Error('empty config must be valid');
  return r.config;
})();

/** What the agent needs of a listening server: node:http's (admin) and ours (traffic) both have it. */
interface Listener {
  readonly listening: boolean;
  listen(port: number, host: string, cb: () => void): unknown;
  address(): AddressInfo | string | null;
  close(cb: () => void): unknown;
  closeIdleConnections(): void;
  closeAllConnections(): void;
  once(event: 'error', f: (err: Error) => void): unknown;
  off(event: 'error', f: (err: Error) => void): unknown;
}

function listen(server: Listener, host: string, port: number): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve((server.address() as AddressInfo).port);
    });
  });
}

function closeServer(server: Listener): Promise<void> {
  return new Promise((resolve) => server.close(() => resolve()));
}

export async function startAgent(config: AgentConfig, options: StartOptions = {}): Promise<AgentHandle> {
  const log = options.logger ?? pino({ name: 'meshscope-agent' });
  const id = config.identity;
  const identity: WorkloadIdentity = {
    workload: id.workload,
    namespace: id.namespace,
    app: id.app ?? id.workload,
    version: id.version ?? UNKNOWN,
    // Without mTLS nothing proves who we are: report 'unknown' like Istio does for plaintext.
    principal: config.tls ? `spiffe://${id.trustDomain}/ns/${id.namespace}/sa/${id.serviceAccount}` : UNKNOWN,
  };
  const ownLabels: Record<string, string> = { app: identity.app };
  if (id.version) ownLabels.version = id.version;

  const ns = id.namespace;
  const loadMesh = async (): Promise<
    { ok: true; config: MeshConfig } | { ok: false; issues: ConfigIssue[] }
  > =>
    config.meshConfigFile ? loadMeshConfigFile(config.meshConfigFile, ns) : { ok: true, config: EMPTY_MESH };
  const loadRegistry = async (): Promise<
    { ok: true; services: ServiceModel[] } | { ok: false; issues: ConfigIssue[] }
  > => (config.registryFile ? loadRegistryFile(config.registryFile, ns) : { ok: true, services: [] });

  const [mesh, registry] = await Promise.all([loadMesh(), loadRegistry()]);
  if (!mesh.ok || !registry.ok) {
    throw new AgentConfigError(
      [...(mesh.ok ? [] : mesh.issues), ...(registry.ok ? [] : registry.issues)].map(formatIssue),
    );
  }
  let version = 1;
  let currentMesh = mesh.config;
  let currentRegistry = registry.services;
  const self = { trustDomain: id.trustDomain, labels: ownLabels, appPort: config.app?.port };

  const refusals = new MtlsStats(log);
  const cert = config.tls
    ? new WorkloadCertificate(config.tls, identity.principal, log, config.reloadDebounceMs)
    : undefined;
  try {
    await cert?.start();
  } catch (e) {
    cert?.close();
    throw new AgentConfigError([`tls: ${(e as Error).message}`]);
  }
  const upstream = cert ? mtlsUpstream(cert, id.trustDomain, refusals) : plaintextUpstream;
  const clusters = new ClusterManager(config.upstream.idleTimeoutMs, upstream);
  const inflightGauge = (): GaugeSample[] => [
    {
      attributes: {
        reporter: 'source',
        source_workload: identity.workload,
        source_workload_namespace: ns,
        source_app: identity.app,
        source_version: identity.version,
      },
      value: state.outboundInflight,
    },
    {
      attributes: {
        reporter: 'destination',
        destination_workload: identity.workload,
        destination_workload_namespace: ns,
        destination_app: identity.app,
        destination_version: identity.version,
      },
      value: state.inboundInflight,
    },
  ];
  const pendingGauge = (): GaugeSample[] =>
    [...clusters.all()].map((c) => ({
      attributes: {
        reporter: 'source',
        source_workload: identity.workload,
        source_workload_namespace: ns,
        destination_service: c.def.host,
        destination_version: c.def.subset ?? UNKNOWN,
        upstream_cluster: c.def.key,
      },
      value: c.pending,
    }));
  let collectorCa: Buffer | undefined;
  if (config.telemetry.collectorCaFile) {
    try {
      collectorCa = readFileSync(config.telemetry.collectorCaFile);
    } catch (e) {
      cert?.close();
      throw new AgentConfigError([`telemetry.collectorCaFile: ${(e as Error).message}`]);
    }
  }
  const telemetry = new Telemetry(
    config.telemetry,
    { ...identity, serviceName: identity.app },
    { inflight: inflightGauge, poolPending: pendingGauge },
    log,
    collectorCa,
  );
  const state = new AgentState(
    config,
    log,
    identity,
    ownLabels,
    encodePeer(identity, false),
    new RouteTable(currentMesh, currentRegistry, ns, version, self),
    clusters,
    telemetry,
  );
  const events = new EventEmitter<AgentEvents>();
  const upgrades = new Set<Duplex>();
  const L = config.listeners;

  const outbound = new H1Server(createOutboundHandler(state), LISTENER_TIMEOUTS);
  outbound.on('upgrade', outboundUpgrade(state, upstream, upgrades));
  const appAgent = config.app ? createAppAgent(config.upstream.idleTimeoutMs) : undefined;
  const inbound = appAgent
    ? inboundServer(createInboundHandler(state, appAgent), {
        cert,
        trustDomain: id.trustDomain,
        mode: () => state.table.peerMode,
        refusals,
        timeouts: LISTENER_TIMEOUTS,
        upgrade: inboundUpgrade(state, plaintextUpstream, upgrades),
      })
    : undefined;

  let closing: Promise<void> | undefined;
  let resolveDone: () => void = () => undefined;
  const done = new Promise<void>((r) => (resolveDone = r));
  const watchers: FileWatcher[] = [];
  const onSigterm = () => void close();

  const admin = http.createServer(
    SERVER_OPTIONS,
    createAdminHandler({
      ready: () => !state.draining,
      metrics: () =>
        renderPrometheus(telemetry.metrics.series(), {
          exporter: telemetry.exporter?.stats,
          labeledCounters: [
            {
              name: 'meshscope_agent_authz_total',
              help: 'Requests denied or audited by AuthorizationPolicy, by action and policy.',
              samples: [...state.authzCounts].map(([k, value]) => {
                const [action = '', policy = ''] = k.split('|');
                return { attributes: { action, policy }, value };
              }),
            },
            {
              name: 'meshscope_agent_mtls_refused_total',
              help: 'Connections refused by mTLS checks, by direction and reason.',
              samples: refusals.samples(),
            },
            {
              name: 'meshscope_agent_mtls_handshakes_total',
              help: 'Upstream mTLS handshakes, full or resumed from a session ticket.',
              samples: [
                { attributes: { resumed: 'false' }, value: refusals.handshakes.full },
                { attributes: { resumed: 'true' }, value: refusals.handshakes.resumed },
              ],
            },
          ],
          counters: [
            {
              name: 'meshscope_agent_mirrors_skipped_total',
              help: 'Mirror copies not sent because too many were in flight.',
              value: state.mirrorsSkipped,
            },
          ],
          gauges: [
            {
              name: 'meshscope_agent_requests_inflight',
              help: 'Requests in flight through a listener.',
              samples: inflightGauge(),
            },
            {
              name: 'meshscope_agent_pool_pending',
              help: 'Requests waiting for an upstream connection.',
              samples: pendingGauge(),
            },
          ],
        }),
      config: () => ({
        version,
        agent: {
          ...config,
          telemetry: { ...config.telemetry, collectorUrl: redactUrl(config.telemetry.collectorUrl) },
        },
        resources: currentMesh.resources,
        registry: currentRegistry,
      }),
      shutdown: () => void close(),
    }),
  );

  const warnStrictWithoutTls = () => {
    if (!cert && state.table.peerMode === 'STRICT')
      log.error(
        'PeerAuthentication STRICT applies to this workload but the agent has no tls settings: every inbound connection is refused',
      );
  };
  warnStrictWithoutTls();

  let reloading: Promise<boolean> = Promise.resolve(false);
  const reject = (source: string, issues: ConfigIssue[]): false => {
    for (const i of issues)
      log.error(
        { resource: i.resource, field: i.field, reason: i.reason },
        `config rejected, keeping version ${version}: ${formatIssue(i)}`,
      );
    events.emit('rejected', { source, issues });
    return false;
  };
  const reloadNow = async (): Promise<boolean> => {
    let next: { mesh: MeshConfig; registry: ServiceModel[]; table: RouteTable };
    try {
      const [m, r] = await Promise.all([loadMesh(), loadRegistry()]);
      if (!m.ok || !r.ok) {
        const source = !m.ok ? (config.meshConfigFile ?? '') : (config.registryFile ?? '');
        return reject(source, [...(m.ok ? [] : m.issues), ...(r.ok ? [] : r.issues)]);
      }
      next = {
        mesh: m.config,
        registry: r.services,
        table: new RouteTable(m.config, r.services, ns, version + 1, self),
      };
    } catch (e) {
      // A file the checks above let through but that still cannot be applied: refused like any other, and
      // never an exception out of a file watcher (that would end the process).
      const source = config.meshConfigFile ?? config.registryFile ?? '';
      return reject(source, [
        { resource: source, field: '', reason: `cannot apply: ${(e as Error).message}` },
      ]);
    }
    version++;
    currentMesh = next.mesh;
    currentRegistry = next.registry;
    // Requests in flight keep the table they started with; new ones take this one.
    state.table = next.table;
    warnStrictWithoutTls();
    log.info({ version }, 'config applied');
    events.emit('applied', { version });
    return true;
  };
  const reload = (): Promise<boolean> => {
    reloading = reloading.then(reloadNow, reloadNow);
    return reloading;
  };

  const servers = [outbound, ...(inbound ? [inbound] : [])];
  const close = (): Promise<void> => {
    closing ??= (async () => {
      state.draining = true;
      events.emit('draining');
      if (options.handleSignals) process.off('SIGTERM', onSigterm);
      for (const w of watchers) w.close();
      cert?.close();
      const stopped = Promise.all(servers.map((s) => (s.listening ? closeServer(s) : Promise.resolve())));
      for (const s of servers) s.closeIdleConnections();
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([
        state.whenIdle(),
        new Promise<void>((r) => (timer = setTimeout(r, config.drainTimeoutMs))),
      ]);
      clearTimeout(timer);
      for (const s of servers) s.closeAllConnections();
      for (const u of upgrades) u.destroy();
      await stopped;
      clusters.close();
      appAgent?.destroy();
      await telemetry.close(Math.min(2000, config.drainTimeoutMs));
      admin.closeAllConnections();
      if (admin.listening) await closeServer(admin);
      log.info('agent stopped');
      resolveDone();
    })();
    return closing;
  };

  try {
    const outboundPort = await listen(outbound, L.outboundHost, L.outboundPort);
    const inboundPort = inbound ? await listen(inbound, L.host, L.inboundPort) : undefined;
    const adminPort = await listen(admin, L.host, L.adminPort);
    for (const file of [config.meshConfigFile, config.registryFile]) {
      if (file) watchers.push(new FileWatcher(file, config.reloadDebounceMs, () => void reload()));
    }
    telemetry.start();
    if (options.handleSignals) process.once('SIGTERM', onSigterm);
    log.info({ outboundPort, inboundPort, adminPort, version }, 'agent started');
    return {
      ports: { outbound: outboundPort, inbound: inboundPort, admin: adminPort },
      events,
      get configVersion() {
        return version;
      },
      reload,
      close,
      done,
    };
  } catch (e) {
    await close();
    throw e;
  }
}
