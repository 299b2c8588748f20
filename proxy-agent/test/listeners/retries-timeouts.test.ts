import type http from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AgentHandle } from '../../src/index.js';
import { agentWith, type Backend, request, serviceEntry, startBackend } from '../helpers.js';

/** Fails the first `n` requests per path with `status` (or by resetting the connection). */
function flaky(failures: Map<string, number>) {
  return (req: http.IncomingMessage, res: http.ServerResponse): void => {
    const path = req.url ?? '/';
    const m = /\/fail-(\d+)-(\d+|reset|slow)/.exec(path);
    const seen = failures.get(path) ?? 0;
    failures.set(path, seen + 1);
    if (m && seen < Number(m[1])) {
      if (m[2] === 'reset') {
        req.socket.destroy();
        return;
      }
      if (m[2] === 'slow') {
        setTimeout(() => res.end('late'), 400);
        return;
      }
      res.writeHead(Number(m[2]));
      res.end('failed');
      return;
    }
    if (path.endsWith('/slow')) {
      setTimeout(() => res.end('slow'), 1000);
      return;
    }
    res.end(`ok ${req.method}`);
  };
}

describe('retries and timeouts', () => {
  let app: Backend;
  let agent: AgentHandle;
  const failures = new Map<string, number>();
  const hits = (path: string) => failures.get(path) ?? 0;

  beforeAll(async () => {
    app = await startBackend('app', flaky(failures));
    // A port with nothing listening: every connect to it fails.
    const dead = await startBackend('dead');
    const deadPort = dead.port;
    await dead.close();
    const yaml = `${serviceEntry('app.default.svc.cluster.local', [{ port: app.port }])}---
${serviceEntry('pair.default.svc.cluster.local', [{ port: deadPort }, { port: app.port }])}---
apiVersion: networking.istio.io/v1
kind: DestinationRule
metadata: { name: pair }
spec:
  host: pair
  trafficPolicy: { loadBalancer: { simple: ROUND_ROBIN } }
---
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: { name: app }
spec:
  hosts: [app]
  http:
    - name: retry-5xx
      match: [{ uri: { prefix: /r5xx } }]
      retries: { attempts: 3, retryOn: 5xx }
      route: [{ destination: { host: app } }]
    - name: retry-gateway
      match: [{ uri: { prefix: /rgw } }]
      retries: { attempts: 3, retryOn: gateway-error }
      route: [{ destination: { host: app } }]
    - name: retry-codes
      match: [{ uri: { prefix: /rcodes } }]
      retries: { attempts: 3, retryOn: '418' }
      route: [{ destination: { host: app } }]
    - name: per-try
      match: [{ uri: { prefix: /pertry } }]
      retries: { attempts: 2, perTryTimeout: 100ms, retryOn: 5xx }
      route: [{ destination: { host: app } }]
    - name: timeout
      match: [{ uri: { prefix: /timeout } }]
      timeout: 150ms
      route: [{ destination: { host: app } }]
    - name: default
      route: [{ destination: { host: app } }]
`;
    ({ agent } = await agentWith(yaml));
  });
  afterAll(async () => {
    await agent.close();
    await app.close();
  });

  const call = (host: string, path: string, method = 'GET', body?: string) =>
    request(agent.ports.outbound, { host, path, method, body, agent: false });

  it('turns two upstream 503s into a success with retryOn 5xx', async () => {
    const r = await call('app', '/r5xx/fail-2-503');
    expect(r.status).toBe(200);
    expect(hits('/r5xx/fail-2-503')).toBe(3);
  });

  it('turns two connection resets into a success with retryOn 5xx, even for POST (the operator asked)', async () => {
    const r = await call('app', '/r5xx/fail-2-reset', 'POST', 'payload');
    expect(r.status).toBe(200);
    expect(hits('/r5xx/fail-2-reset')).toBe(3);
  });

  it('gives up after 1 + attempts tries and says so', async () => {
    const r = await call('app', '/r5xx/fail-9-500');
    expect(r.status).toBe(500);
    expect(hits('/r5xx/fail-9-500')).toBe(4);
  });

  it('does not retry a 500 under gateway-error, but retries a 502', async () => {
    expect((await call('app', '/rgw/fail-1-500')).status).toBe(500);
    expect(hits('/rgw/fail-1-500')).toBe(1);
    expect((await call('app', '/rgw/fail-1-502')).status).toBe(200);
    expect(hits('/rgw/fail-1-502')).toBe(2);
  });

  it('retries bare status codes listed in retryOn', async () => {
    expect((await call('app', '/rcodes/fail-1-418')).status).toBe(200);
    expect((await call('app', '/rcodes/fail-1-503')).status).toBe(503);
  });

  it('mesh default: never retries a 503 from the app', async () => {
    const r = await call('app', '/plain/fail-1-503');
    expect(r.status).toBe(503);
    expect(hits('/plain/fail-1-503')).toBe(1);
  });

  it('mesh default: never re-sends a POST that reached the app', async () => {
    const r = await call('app', '/plain/fail-1-reset', 'POST', 'pay 10 EUR');
    expect(r.status).toBe(503);
    expect(hits('/plain/fail-1-reset')).toBe(1);
  });

  it('mesh default: retries a connect failure (the app never saw it), POST included, on another endpoint', async () => {
    const statuses: number[] = [];
    for (let i = 0; i < 6; i++) statuses.push((await call('pair', `/pay-${i}`, 'POST', 'x')).status);
    expect(statuses).toEqual([200, 200, 200, 200, 200, 200]);
    for (let i = 0; i < 6; i++) expect(hits(`/pay-${i}`)).toBe(1);
  });

  it('perTryTimeout cuts a slow try and the retry succeeds', async () => {
    const t0 = Date.now();
    const r = await call('app', '/pertry/fail-1-slow');
    expect(r.status).toBe(200);
    expect(r.body).toBe('ok GET');
    expect(Date.now() - t0).toBeLessThan(400);
    expect(hits('/pertry/fail-1-slow')).toBe(2);
  });

  it('perTryTimeout on every try ends in 504', async () => {
    const r = await call('app', '/pertry/fail-9-slow');
    expect(r.status).toBe(504);
    expect(hits('/pertry/fail-9-slow')).toBe(3);
  });

  it('the route timeout answers 504 without waiting for the upstream', async () => {
    const t0 = Date.now();
    const r = await call('app', '/timeout/slow');
    expect(r.status).toBe(504);
    expect(r.body).toBe('upstream request timeout');
    expect(Date.now() - t0).toBeLessThan(800);
  });
});
