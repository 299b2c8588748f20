import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AgentHandle } from '../../src/index.js';
import { agentWith, type Backend, many, request, serviceEntry, startBackend } from '../helpers.js';

describe('outbound routing through a real agent', () => {
  let v1: Backend;
  let v2: Backend;
  let agent: AgentHandle;
  beforeAll(async () => {
    v1 = await startBackend('v1');
    v2 = await startBackend('v2');
    const yaml = `${serviceEntry('reviews.default.svc.cluster.local', [
      { port: v1.port, labels: { app: 'reviews', version: 'v1' } },
      { port: v2.port, labels: { app: 'reviews', version: 'v2' } },
    ])}---
apiVersion: networking.istio.io/v1
kind: DestinationRule
metadata: { name: reviews }
spec:
  host: reviews
  subsets:
    - { name: v1, labels: { version: v1 } }
    - { name: v2, labels: { version: v2 } }
---
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: { name: reviews }
spec:
  hosts: [reviews]
  http:
    - name: jason
      match: [{ headers: { end-user: { exact: jason } } }]
      route: [{ destination: { host: reviews, subset: v2 } }]
    - name: admin-prefix
      match: [{ uri: { prefix: /admin } }, { uri: { regex: '/ops/[0-9]+' } }]
      route: [{ destination: { host: reviews, subset: v2 } }]
    - name: canary-header
      match: [{ headers: { x-canary: {} }, method: { exact: POST } }]
      route: [{ destination: { host: reviews, subset: v2 } }]
    - name: query
      match: [{ queryParams: { beta: { exact: 'on' } } }]
      route: [{ destination: { host: reviews, subset: v2 } }]
    - name: without
      match: [{ uri: { prefix: /w }, withoutHeaders: { x-legacy: {} } }]
      route: [{ destination: { host: reviews, subset: v2 } }]
    - name: split
      route:
        - { destination: { host: reviews, subset: v1 }, weight: 90 }
        - { destination: { host: reviews, subset: v2 }, weight: 10 }
`;
    ({ agent } = await agentWith(yaml));
  });
  afterAll(async () => {
    await agent.close();
    await v1.close();
    await v2.close();
  });

  const get = (path: string, headers: Record<string, string> = {}, method = 'GET') =>
    request(agent.ports.outbound, { host: 'reviews:80', path, headers, method });

  it('splits 90/10 within ±2 % over 5,000 requests', async () => {
    const replies = await many(5000, 32, () => get('/split'));
    const toV2 = replies.filter((r) => r.body === 'v2').length;
    expect(replies.every((r) => r.status === 200)).toBe(true);
    expect(toV2 / 5000).toBeGreaterThan(0.08);
    expect(toV2 / 5000).toBeLessThan(0.12);
  }, 60_000);

  it('routes on an exact header, first match wins', async () => {
    for (let i = 0; i < 20; i++) expect((await get('/x', { 'end-user': 'jason' })).body).toBe('v2');
    const other = await many(50, 10, () => get('/x', { 'end-user': 'jasonx' }));
    expect(other.some((r) => r.body === 'v1')).toBe(true);
  });

  it('routes on a URI prefix and on a regex that must match the whole path', async () => {
    for (let i = 0; i < 20; i++) expect((await get('/admin/users')).body).toBe('v2');
    for (let i = 0; i < 20; i++) expect((await get('/ops/42')).body).toBe('v2');
    // A regex is a full match: /ops/42/x is not routed by it.
    const partial = await many(50, 10, () => get('/ops/42/x'));
    expect(partial.some((r) => r.body === 'v1')).toBe(true);
  });

  it('matches header presence AND method inside one entry', async () => {
    for (let i = 0; i < 10; i++)
      expect((await get('/c', { 'x-canary': 'anything' }, 'POST')).body).toBe('v2');
    const getOnly = await many(50, 10, () => get('/c', { 'x-canary': 'anything' }));
    expect(getOnly.some((r) => r.body === 'v1')).toBe(true);
  });

  it('matches query parameters and withoutHeaders', async () => {
    for (let i = 0; i < 10; i++) expect((await get('/q?beta=on')).body).toBe('v2');
    for (let i = 0; i < 10; i++) expect((await get('/w')).body).toBe('v2');
    const legacy = await many(50, 10, () => get('/w', { 'x-legacy': '1' }));
    expect(legacy.some((r) => r.body === 'v1')).toBe(true);
  });

  it('answers 502 for a host that no ServiceEntry or registry knows', async () => {
    const r = await request(agent.ports.outbound, { host: 'nowhere:80', path: '/' });
    expect(r.status).toBe(502);
    expect(r.body).toContain('nowhere');
  });

  it('accepts HTTP proxy absolute-form requests', async () => {
    const r = await request(agent.ports.outbound, { host: 'ignored', path: 'http://reviews:80/admin/x' });
    expect(r.body).toBe('v2');
  });
});
