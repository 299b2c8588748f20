import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AgentHandle } from '../../src/index.js';
import {
  agentWith,
  type Backend,
  many,
  request,
  serviceEntry,
  startBackend,
  upgradeRequest,
} from '../helpers.js';

describe('faults, mirroring, sticky hashing and rate limits', () => {
  let app: Backend;
  let shadow: Backend;
  let brokenShadowPort = 0;
  const pods: Backend[] = [];
  let agent: AgentHandle;

  beforeAll(async () => {
    app = await startBackend('app');
    shadow = await startBackend('shadow', (_req, res) => {
      res.writeHead(500);
      res.end('shadow broke');
    });
    const gone = await startBackend('gone');
    brokenShadowPort = gone.port;
    await gone.close();
    for (const n of ['p0', 'p1', 'p2', 'p3']) pods.push(await startBackend(n));
    const yaml = `${serviceEntry('app.default.svc.cluster.local', [{ port: app.port }])}---
${serviceEntry('shadow.default.svc.cluster.local', [{ port: shadow.port }])}---
${serviceEntry('void.default.svc.cluster.local', [{ port: brokenShadowPort }])}---
${serviceEntry(
  'sticky.default.svc.cluster.local',
  pods.map((p) => ({ port: p.port })),
)}---
${serviceEntry(
  'cookie.default.svc.cluster.local',
  pods.map((p) => ({ port: p.port })),
)}---
${serviceEntry('limited.default.svc.cluster.local', [{ port: app.port }])}---
apiVersion: networking.istio.io/v1
kind: DestinationRule
metadata: { name: sticky }
spec:
  host: sticky
  trafficPolicy: { loadBalancer: { consistentHash: { httpHeaderName: x-user } } }
---
apiVersion: networking.istio.io/v1
kind: DestinationRule
metadata: { name: cookie }
spec:
  host: cookie
  trafficPolicy: { loadBalancer: { consistentHash: { httpCookie: { name: session, ttl: 60s, path: / } } } }
---
apiVersion: meshscope.io/v1alpha1
kind: LocalRateLimit
metadata: { name: limited }
spec:
  host: limited
  tokenBucket: { maxTokens: 5, tokensPerFill: 5, fillInterval: 1h }
---
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: { name: app }
spec:
  hosts: [app]
  http:
    - name: abort
      match: [{ uri: { prefix: /abort } }]
      fault: { abort: { httpStatus: 418, percentage: { value: 30 } } }
      route: [{ destination: { host: app } }]
    - name: abort-unset
      match: [{ uri: { prefix: /noabort } }]
      fault: { abort: { httpStatus: 418 } }
      route: [{ destination: { host: app } }]
    - name: ws-abort
      match: [{ uri: { prefix: /ws-abort } }]
      fault: { abort: { httpStatus: 418, percentage: { value: 100 } } }
      route: [{ destination: { host: app } }]
    - name: ws-delay
      match: [{ uri: { prefix: /ws-delay } }]
      fault: { delay: { fixedDelay: 150ms, percentage: { value: 100 } } }
      route: [{ destination: { host: app } }]
    - name: delay
      match: [{ uri: { prefix: /delay } }]
      fault: { delay: { fixedDelay: 60ms, percentage: { value: 25 } } }
      route: [{ destination: { host: app } }]
    - name: mirror
      match: [{ uri: { prefix: /mirror } }]
      mirror: { host: shadow }
      route: [{ destination: { host: app } }]
    - name: mirror-void
      match: [{ uri: { prefix: /void } }]
      mirror: { host: void }
      mirrorPercentage: { value: 100 }
      route: [{ destination: { host: app } }]
    - name: mirror-delayed
      match: [{ uri: { prefix: /bigmirror } }]
      mirror: { host: shadow }
      fault: { delay: { fixedDelay: 20ms, percentage: { value: 100 } } }
      route: [{ destination: { host: app } }]
    - name: rewrite
      match: [{ uri: { prefix: /old } }]
      rewrite: { uri: /new, authority: app.internal }
      headers:
        request: { set: { x-env: prod }, add: { x-added: '1' }, remove: [x-secret] }
        response: { set: { x-served-by: mesh }, remove: [x-powered-by] }
      route: [{ destination: { host: app } }]
`;
    ({ agent } = await agentWith(yaml));
  });
  afterAll(async () => {
    await agent.close();
    for (const b of [app, shadow, ...pods]) await b.close();
  });

  /** The sum of the agent's istio_requests_total series whose labels hold every one of `labels`. */
  const requestsTotal = async (...labels: string[]) => {
    const text = await (await fetch(`http://127.0.0.1:${agent.ports.admin}/metrics`)).text();
    let sum = 0;
    for (const line of text.split('\n'))
      if (line.startsWith('istio_requests_total{') && labels.every((l) => line.includes(l)))
        sum += Number(line.slice(line.lastIndexOf(' ') + 1));
    return sum;
  };

  const call = (
    host: string,
    path: string,
    extra: { method?: string; body?: string; headers?: Record<string, string> } = {},
  ) => request(agent.ports.outbound, { host, path, ...extra });

  it('aborts the configured percentage of requests (30 % ± 5 % over 2,000)', async () => {
    const replies = await many(2000, 32, () => call('app', '/abort'));
    const aborted = replies.filter((r) => r.status === 418).length;
    expect(aborted / 2000).toBeGreaterThan(0.25);
    expect(aborted / 2000).toBeLessThan(0.35);
    // Aborted before any endpoint: reported like Istio, the destination service known, its workload not.
    const metrics = await (await fetch(`http://127.0.0.1:${agent.ports.admin}/metrics`)).text();
    const abortedLine = metrics
      .split('\n')
      .find((l) => l.startsWith('istio_requests_total{') && l.includes('response_code="418"'));
    expect(abortedLine).toContain('destination_service="app.default.svc.cluster.local"');
    expect(abortedLine).toContain('destination_service_namespace="default"');
    expect(abortedLine).toContain('destination_workload="unknown"');
    expect(replies.filter((r) => r.status !== 418).every((r) => r.status === 200)).toBe(true);
  }, 30_000);

  it('injects nothing when the fault has no percentage', async () => {
    const replies = await many(200, 16, () => call('app', '/noabort'));
    expect(replies.every((r) => r.status === 200)).toBe(true);
  });

  it('delays the configured percentage of requests (25 % ± 8 % over 400)', async () => {
    const times = await many(400, 50, async () => {
      const t0 = performance.now();
      await call('app', '/delay');
      return performance.now() - t0;
    });
    const delayed = times.filter((t) => t >= 58).length;
    expect(delayed / 400).toBeGreaterThan(0.17);
    expect(delayed / 400).toBeLessThan(0.33);
  }, 30_000);

  it('mirrors copies (body included) to the shadow; its 500s change nothing for the caller', async () => {
    const before = shadow.hits;
    for (let i = 0; i < 20; i++) {
      const r = await call('app', `/mirror/${i}`, { method: 'POST', body: `order-${i}` });
      expect(r.status).toBe(200);
      expect(r.body).toBe('app');
    }
    for (let i = 0; i < 200 && shadow.hits < before + 20; i++) await new Promise((r) => setTimeout(r, 5));
    expect(shadow.hits - before).toBe(20);
    expect(shadow.bodies.slice(-20).sort()).toEqual(
      Array.from({ length: 20 }, (_, i) => `order-${i}`).sort(),
    );
    expect(shadow.requests.at(-1)?.headers.host).toBe('app-shadow');
  });

  it('a body too large to replay reaches the app whole, delayed and mirrored or not (the mirror is skipped)', async () => {
    const big = 'x'.repeat(2 * 1024 * 1024 + 17);
    const shadowBefore = shadow.hits;
    const r = await call('app', '/bigmirror', { method: 'POST', body: big });
    expect(r.status).toBe(200);
    expect(app.bodies.at(-1)?.length).toBe(big.length);
    expect(shadow.hits).toBe(shadowBefore);
  });

  it('a mirror whose cluster cannot be reached changes nothing either', async () => {
    const replies = await many(50, 10, () => call('app', '/void'));
    expect(replies.every((r) => r.status === 200 && r.body === 'app')).toBe(true);
  });

  it('rewrites the path prefix and authority and applies header operations', async () => {
    const r = await call('app', '/old/items?id=7', { headers: { 'x-secret': 's', 'x-env': 'dev' } });
    expect(r.status).toBe(200);
    const seen = app.requests.at(-1);
    expect(seen?.url).toBe('/new/items?id=7');
    expect(seen?.headers.host).toBe('app.internal');
    expect(seen?.headers['x-env']).toBe('prod');
    expect(seen?.headers['x-added']).toBe('1');
    expect(seen?.headers['x-secret']).toBeUndefined();
    expect(r.headers['x-served-by']).toBe('mesh');
  });

  it('sticks each user to one endpoint with consistentHash on a header, spreading users', async () => {
    const owners = new Set<string>();
    for (let u = 0; u < 12; u++) {
      const bodies = new Set<string>();
      for (let i = 0; i < 8; i++)
        bodies.add((await call('sticky', '/', { headers: { 'x-user': `user-${u}` } })).body);
      expect(bodies.size).toBe(1);
      owners.add([...bodies][0] ?? '');
    }
    expect(owners.size).toBeGreaterThan(1);
  });

  it('hands out a hash cookie and sticks to it', async () => {
    const first = await call('cookie', '/');
    const setCookie = String(first.headers['set-cookie'] ?? '');
    expect(setCookie).toMatch(/^session=[0-9a-f]+; Path=\/; Max-Age=60; HttpOnly$/);
    const cookie = setCookie.split(';')[0] ?? '';
    const bodies = new Set<string>();
    for (let i = 0; i < 10; i++) bodies.add((await call('cookie', '/', { headers: { cookie } })).body);
    expect(bodies).toEqual(new Set([first.body]));
  });

  it('answers 429 with rate-limit headers once the token bucket is empty', async () => {
    const replies = await many(8, 1, () => call('limited', '/'));
    expect(replies.map((r) => r.status)).toEqual([200, 200, 200, 200, 200, 429, 429, 429]);
    const limited = replies[5];
    expect(limited?.headers['x-ratelimit-limit']).toBe('5');
    expect(limited?.headers['x-ratelimit-remaining']).toBe('0');
    expect(Number(limited?.headers['retry-after'])).toBeGreaterThan(0);
  });

  it('takes an upgrade from the same token bucket: once it is empty, the upgrade is answered 429 too', async () => {
    for (let i = 0; i < 6 && (await call('limited', '/')).status !== 429; i++);
    const hits = app.hits;
    const before = await requestsTotal('response_code="429"', 'response_flags="RL"');
    const r = await upgradeRequest(agent.ports.outbound, { host: 'limited', path: '/' });
    expect(r.status).toBe(429);
    expect(r.text).toMatch(/\r\nx-ratelimit-limit: 5\r\n/);
    expect(r.text).toMatch(/\r\nretry-after: \d+\r\n/);
    expect(app.hits).toBe(hits);
    expect(await requestsTotal('response_code="429"', 'response_flags="RL"')).toBe(before + 1);
  });

  it('injects faults into upgrades as into requests (Envoy applies them to the handshake), and counts them', async () => {
    const hits = app.hits;
    const abortsBefore = await requestsTotal('response_code="418"', 'response_flags="FI"');
    const aborted = await upgradeRequest(agent.ports.outbound, { host: 'app', path: '/ws-abort' });
    expect(aborted.status).toBe(418);
    expect(aborted.text).toContain('fault filter abort');
    expect(app.hits).toBe(hits);
    expect(await requestsTotal('response_code="418"', 'response_flags="FI"')).toBe(abortsBefore + 1);
    // The app has no 'upgrade' listener, so it answers the handshake as a plain request: 200, after the delay.
    const delaysBefore = await requestsTotal('response_code="200"', 'response_flags="DI"');
    const t0 = performance.now();
    const delayed = await upgradeRequest(agent.ports.outbound, { host: 'app', path: '/ws-delay' });
    expect(performance.now() - t0).toBeGreaterThanOrEqual(145);
    expect(delayed.status).toBe(200);
    expect(app.hits).toBe(hits + 1);
    expect(await requestsTotal('response_code="200"', 'response_flags="DI"')).toBe(delaysBefore + 1);
  });

  it('counts an upgrade it refuses before any endpoint (unknown host: 502 NR), as it counts a request', async () => {
    const before = await requestsTotal('response_code="502"', 'response_flags="NR"');
    const r = await upgradeRequest(agent.ports.outbound, { host: 'nowhere', path: '/' });
    expect(r.status).toBe(502);
    expect(await requestsTotal('response_code="502"', 'response_flags="NR"')).toBe(before + 1);
  });
});
