import http from 'node:http';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parseAgentConfig, startAgent, type AgentHandle } from '@meshscope/proxy-agent';
import type { Logger } from 'pino';
import { startApp, type DemoApp, type Peers } from './apps.js';
import { demoCa, issueLeaf, type LeafFiles } from './identity.js';
import { startLoad, type LoadGenerator } from './load.js';
import {
  DEMO_NAMESPACE,
  DEMO_WORKLOADS,
  demoMeshYaml,
  hostOf,
  LOAD_WORKLOAD,
  workloadName,
  type DemoWorkload,
  type InboundPorts,
} from './mesh.js';
import { startOrders, type OrdersService } from './orders.js';
import { demoFiles, writeState } from './state.js';

export interface DemoOptions {
  /** the all-in-one's data directory: the CA goes to DATA_DIR/demo-ca, the rest to DATA_DIR/demo */
  dataDir: string;
  /** the running collector's OTLP/HTTP base URL */
  collectorUrl: string;
  log: Logger;
  /** load generator requests per second into productpage */
  ratePerSec?: number;
}

export interface DemoHandle {
  /** the workloads in the mesh, `<app>-<version>` */
  readonly workloads: string[];
  /** stops the load, drains every agent, closes the apps */
  close(): Promise<void>;
}

export const demoDir = (dataDir: string): string => join(dataDir, 'demo');

interface Running {
  name: string;
  agent: AgentHandle;
  app?: DemoApp;
}

/**
 * The Bookinfo-like demo mesh in this process: productpage → details and reviews (v1/v2/v3, 80/10/10
 * canary), reviews v2/v3 → ratings (with an injected fault), each app behind its own proxy agent with
 * STRICT mTLS from the demo CA, a load generator behind an outbound-only agent, and "orders", an SDK-traced
 * service outside the mesh with a database peer.
 */
export async function startDemo(options: DemoOptions): Promise<DemoHandle> {
  const dir = demoDir(options.dataDir);
  await mkdir(dir, { recursive: true, mode: 0o700 });
  const ca = await demoCa(join(options.dataDir, 'demo-ca'));
  const leaves = new Map<string, LeafFiles>();
  for (const w of [...DEMO_WORKLOADS, LOAD_WORKLOAD]) {
    if (!leaves.has(w.serviceAccount))
      leaves.set(w.serviceAccount, await issueLeaf(ca, join(dir, 'certs'), w.serviceAccount));
  }
  const files = demoFiles(dir);
  // agents start on the security policies alone; the services follow once every inbound port is known
  await writeFile(files.mesh, demoMeshYaml(undefined, 'low'));

  const client = new http.Agent({ keepAlive: true, maxSockets: 64 });
  const running: Running[] = [];
  let orders: OrdersService | undefined;
  let load: LoadGenerator | undefined;
  const close = async () => {
    await load?.stop();
    await Promise.all(running.map((r) => r.agent.close()));
    await Promise.all(running.flatMap((r) => (r.app ? [r.app.close()] : [])));
    await orders?.close();
    client.destroy();
  };
  const agentLog = options.log.child(
    { component: 'demo' },
    { level: options.log.levelVal > 40 ? options.log.level : 'warn' },
  );
  const agentFor = (w: DemoWorkload, appPort: number | undefined) =>
    startAgent(
      parseAgentConfig({
        identity: {
          workload: workloadName(w),
          app: w.app,
          version: w.version,
          namespace: DEMO_NAMESPACE,
          serviceAccount: w.serviceAccount,
          ...(appPort !== undefined ? { service: hostOf(w.app) } : {}),
        },
        listeners: { outboundPort: 0, inboundPort: 0, adminPort: 0 },
        ...(appPort !== undefined ? { app: { port: appPort } } : {}),
        meshConfigFile: files.mesh,
        tls: leaves.get(w.serviceAccount),
        // the demo is for looking at traces: sample every one (the agents' default is Istio's 1 %)
        telemetry: { collectorUrl: options.collectorUrl, samplingRatio: 1 },
      }),
      { logger: agentLog.child({ workload: workloadName(w) }) },
    );

  try {
    orders = await startOrders(options.collectorUrl);
    for (const w of DEMO_WORKLOADS) {
      const peers: Peers = { outboundPort: 0, ...(w.app === 'productpage' ? { ordersUrl: orders.url } : {}) };
      const app = await startApp(w, client, peers);
      const agent = await agentFor(w, app.port);
      peers.outboundPort = agent.ports.outbound;
      running.push({ name: workloadName(w), agent, app });
    }
    const loadAgent = await agentFor(LOAD_WORKLOAD, undefined);
    running.push({ name: workloadName(LOAD_WORKLOAD), agent: loadAgent });

    const ports: InboundPorts = {};
    for (const r of running) if (r.agent.ports.inbound !== undefined) ports[r.name] = r.agent.ports.inbound;
    await writeFile(files.mesh, demoMeshYaml(ports, 'low'));
    await Promise.all(running.map((r) => r.agent.reload()));
    await writeState(dir, { pid: process.pid, ports, fault: 'low' });

    load = startLoad(
      client,
      `http://127.0.0.1:${loadAgent.ports.outbound}/productpage`,
      'productpage',
      options.ratePerSec ?? 5,
    );
  } catch (err) {
    await close();
    throw err;
  }
  return { workloads: running.map((r) => r.name), close };
}
