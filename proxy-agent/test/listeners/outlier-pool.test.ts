import type http from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import type { AgentHandle } from '../../src/index.js';
import { agentWith, type Backend, many, request, serviceEntry, startBackend } from '../helpers.js';

const dr = (host: string, policy: string) => `---
apiVersion: networking.istio.io/v1
kind: DestinationRule
metadata: { name: ${host} }
spec:
  host: ${host}
  trafficPolicy:
${policy}
`;

describe('outlier detection and connection pool limits', () => {
  const cleanup: Array<() => Promise<void>> = [];
  afterEach(async () => {
    for (const c of cleanup.splice(0).reverse()) await c();
  });
  async function setup(backends: Backend[], policy: string): Promise<AgentHandle> {
    const yaml =
      serviceEntry(
        'svc.default.svc.cluster.local',
        backends.map((b) => ({ port: b.port })),
      ) + dr('svc', policy);
    const { agent } = await agentWith(yaml);
    cleanup.push(async () => {
      await agent.close();
      for (const b of backends) await b.close();
    });
    return agent;
  }
  const failing = (name: string) =>
    startBackend(name, (_req, res) => {
      res.writeHead(500);
      res.end(name);
    });

  it('ejects a host after N consecutive 5xx and brings it back after the ejection time', async () => {
    // Ejection happens at the third failure, not when the loop below ends: on a busy machine the other
    // requests can take a good part of the ejection time.
    let ejectedAt = 0;
    const bad = await startBackend('bad', (_req, res, _body, b) => {
      if (b.hits === 3) ejectedAt = Date.now();
      res.writeHead(500);
      res.end('bad');
    });
    const good = await startBackend('good');
    const agent = await setup(
      [bad, good],
      `    loadBalancer: { simple: ROUND_ROBIN }
    outlierDetection: { consecutive5xxErrors: 3, interval: 20ms, baseEjectionTime: 300ms, maxEjectionPercent: 100 }`,
    );
    for (let i = 0; i < 20; i++) await request(agent.ports.outbound, { host: 'svc' });
    expect(bad.hits).toBe(3);
    expect(good.hits).toBe(17);
    // Back in rotation once baseEjectionTime has passed (checked on the next interval tick).
    let back = 0;
    for (let i = 0; i < 200 && bad.hits === 3; i++) {
      await new Promise((r) => setTimeout(r, 10));
      await request(agent.ports.outbound, { host: 'svc' });
      back = Date.now() - ejectedAt;
    }
    expect(bad.hits).toBe(4);
    expect(back).toBeGreaterThanOrEqual(280);
    expect(back).toBeLessThan(1500);
  });

  it('never ejects more than maxEjectionPercent of the hosts', async () => {
    const all = await Promise.all(['a', 'b', 'c', 'd'].map(failing));
    const agent = await setup(
      all,
      `    loadBalancer: { simple: ROUND_ROBIN }
    outlierDetection: { consecutive5xxErrors: 2, interval: 1s, baseEjectionTime: 30s, maxEjectionPercent: 50 }`,
    );
    for (let i = 0; i < 40; i++) await request(agent.ports.outbound, { host: 'svc' });
    const before = all.map((b) => b.hits);
    for (let i = 0; i < 20; i++) await request(agent.ports.outbound, { host: 'svc' });
    const stillServing = all.filter((b, i) => b.hits > (before[i] ?? 0)).length;
    expect(stillServing).toBe(2);
  });

  it('answers 503 at once when the pool and its pending queue are full, and serves the rest', async () => {
    const held: http.ServerResponse[] = [];
    let arrived: () => void = () => undefined;
    const firstArrived = new Promise<void>((r) => (arrived = r));
    const slow = await startBackend('slow', (_req, res) => {
      held.push(res);
      arrived();
    });
    const agent = await setup(
      [slow],
      `    connectionPool:
      tcp: { maxConnections: 1 }
      http: { http1MaxPendingRequests: 1 }`,
    );
    const first = request(agent.ports.outbound, { host: 'svc', path: '/1', agent: false });
    await firstArrived;
    const second = request(agent.ports.outbound, { host: 'svc', path: '/2', agent: false });
    // Wait until the second request is queued in the pool (the admin gauge says so).
    for (let i = 0; i < 200; i++) {
      const m = await request(agent.ports.admin, { path: '/metrics' });
      if (/meshscope_agent_pool_pending\{[^}]*\} 1/.test(m.body)) break;
      await new Promise((r) => setTimeout(r, 5));
    }
    const t0 = Date.now();
    const third = await request(agent.ports.outbound, { host: 'svc', path: '/3', agent: false });
    expect(third.status).toBe(503);
    expect(third.body).toContain('overflow');
    expect(Date.now() - t0).toBeLessThan(200);
    for (const res of held.splice(0)) res.end('done');
    const r1 = await first;
    // the second one got the connection once the first finished
    for (let i = 0; i < 100 && held.length === 0; i++) await new Promise((r) => setTimeout(r, 5));
    for (const res of held.splice(0)) res.end('done');
    expect(r1.status).toBe(200);
    expect((await second).status).toBe(200);
  });

  it('closes a connection after maxRequestsPerConnection requests', async () => {
    const sockets = new Set<unknown>();
    const b = await startBackend('b', (req, res) => {
      sockets.add(req.socket);
      res.end('ok');
    });
    const agent = await setup([b], `    connectionPool: { http: { maxRequestsPerConnection: 2 } }`);
    await many(10, 1, () => request(agent.ports.outbound, { host: 'svc' }));
    expect(sockets.size).toBe(5);
  });
});
